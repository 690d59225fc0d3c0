"""The fast chain's system contracts (docs/hybrid.md): ZkRoots written by the block's system call,
FastExit and GameReports events read back from receipts, OwnershipGate against stub verifiers.

Each case is pre (genesis with the system contracts, earlier blocks), the operation (a block or
a call), and post (what the contracts answer, the decoded events, the block's commitment).
The stub verifiers are raw runtime code placed at 0x…7a05, not the real OwnershipVerifier.
"""

from __future__ import annotations

from typing import Any

import pytest
import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils.abi import function_signature_to_4byte_selector

from zkbraid.fast import execution
from zkbraid.fast.chain import CallRequest, FastChain
from zkbraid.fast.db import BlockRecord
from zkbraid.fast.errors import ExecutionReverted, InvalidBlock
from zkbraid.fast.system_contracts import (
    ADMITTED_TOPIC,
    FAST_EXIT,
    GAME_REPORTS,
    OWNERSHIP_GATE,
    OWNERSHIP_VERIFIER,
    SNARK_SCALAR_FIELD,
    SYSTEM_ADDRESS,
    SYSTEM_CONTRACTS,
    ZK_ROOTS,
    ExitEvent,
    PrizeEvent,
    RootStatus,
    RootUpdate,
    encode_root_updates,
    exit_events,
    load_system_artifact,
    prize_events,
    system_genesis_code,
)
from zkbraid.ledger.kv import KVStore, memory_store

from .helpers import ALICE, BOB, CAROL, ETHER, GAS_CAP, addr, default_params, sign

COMMITTED, PROVEN, SETTLED = RootStatus.COMMITTED, RootStatus.PROVEN, RootStatus.SETTLED
R1, R2, R3 = 0x1111, 0x2222, 0x3333

#: Stub verifiers' runtime code: `return true`, `return false`, `revert`.
VERIFIER_TRUE = bytes.fromhex("60015f5260205ff3")  # mstore(0, 1) return(0, 32)
VERIFIER_FALSE = bytes.fromhex("60205ff3")  # return(0, 32) of zeroed memory
VERIFIER_REVERTS = bytes.fromhex("5f5ffd")  # revert(0, 0)

#: A contract that is not FastExit emitting an Exit-shaped log: LOG3(0, 64, EXIT topic, 0, 0).
FAKE_EXIT_EMITTER = bytes(18) + b"\xbe\xef"
FAKE_EXIT_CODE = (
    bytes.fromhex("5f5f7f")
    + keccak(b"Exit(uint64,address,uint64,uint256)")
    + bytes.fromhex("60405fa300")
)


def verifier_accepting_only(calldata: bytes) -> bytes:
    """A stub verifier answering true exactly for `calldata`: keccak(calldata) == its hash."""
    # calldatacopy(0, 0, size) keccak256(0, size) eq(hash) mstore(0, .) return(0, 32)
    return bytes.fromhex("365f5f37365f207f") + keccak(calldata) + bytes.fromhex("145f5260205ff3")


def new_system_chain(verifier: bytes | None = None, **overrides: Any) -> tuple[KVStore, FastChain]:
    store = memory_store()
    code = system_genesis_code(verifier) | {FAKE_EXIT_EMITTER: FAKE_EXIT_CODE}
    params = default_params(genesis_code=code, **overrides)
    return store, FastChain(store.namespace("fast"), params)


def selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


def call_data(signature: str, types: list[str], args: list[Any]) -> bytes:
    return selector(signature) + abi_encode(types, args)


def view(chain: FastChain, to: bytes, signature: str, types: list[str], args: list[Any]) -> Any:
    """`eth_call` of a view, its output decoded as one value or a tuple."""
    out_types = {
        "statusOf(uint256)": ["uint8"],
        "isKnown(uint256)": ["bool"],
        "heightOf(uint256)": ["uint64"],
        "latest()": ["uint256", "uint64", "uint8"],
        "recorded()": ["uint64"],
        "nextExitId()": ["uint64"],
        "nextReportId()": ["uint64"],
        "nullifierUsed(uint256)": ["bool"],
    }[signature]
    output = chain.call(CallRequest(to=to, data=call_data(signature, types, args)), gas_cap=GAS_CAP)
    values = abi_decode(out_types, output)
    return values[0] if len(values) == 1 else values


def status(chain: FastChain, root: int) -> int:
    return int(view(chain, ZK_ROOTS, "statusOf(uint256)", ["uint256"], [root]))


def known(chain: FastChain, root: int) -> bool:
    return bool(view(chain, ZK_ROOTS, "isKnown(uint256)", ["uint256"], [root]))


def revert_name(contract: str, request: CallRequest, chain: FastChain) -> str | None:
    """The custom error of `contract` that an `eth_call` reverts with."""
    with pytest.raises(ExecutionReverted) as caught:
        chain.call(request, gas_cap=GAS_CAP)
    return load_system_artifact(contract).error_name(caught.value.data)


class Sender:
    """Signs transactions of one account with consecutive nonces."""

    def __init__(self, account: LocalAccount) -> None:
        self.account = account
        self.nonce = 0

    def tx(self, chain: FastChain, to: bytes, data: bytes, value: int = 0) -> Any:
        raw = sign(self.account, nonce=self.nonce, to=to, data=data, value=value, gas=500_000)
        self.nonce += 1
        return chain.decode_transaction(raw)


def record_of(chain: FastChain, number: int) -> BlockRecord:
    record = chain.block_by_number(number)
    assert record is not None
    return record


# -- genesis --------------------------------------------------------------------------------


def test_genesis_places_the_system_contracts() -> None:
    code = system_genesis_code(None)
    assert set(code) == set(SYSTEM_CONTRACTS)
    assert OWNERSHIP_VERIFIER not in code
    _, chain = new_system_chain(VERIFIER_TRUE)
    for address, name in SYSTEM_CONTRACTS.items():
        assert chain.get_code(address) == load_system_artifact(name).runtime
    assert chain.get_code(OWNERSHIP_VERIFIER) == VERIFIER_TRUE
    assert view(chain, ZK_ROOTS, "latest()", [], []) == (0, 0, 0)
    assert view(chain, FAST_EXIT, "nextExitId()", [], []) == 0


# -- ZkRoots --------------------------------------------------------------------------------


def test_root_updates_are_recorded_by_the_system_call() -> None:
    # pre: no root recorded.
    _, chain = new_system_chain()
    # operation: a block whose only content is two root updates.
    block = chain.execute_block(
        [], timestamp=1, root_updates=[RootUpdate(R1, 5, COMMITTED), RootUpdate(R2, 6, PROVEN)]
    )
    # post: both held with their heights, the newest is latest(); the call cost the block
    # nothing and left no trace of the system address.
    assert (status(chain, R1), status(chain, R2), status(chain, R3)) == (1, 2, 0)
    assert (known(chain, R1), known(chain, R2), known(chain, R3)) == (True, True, False)
    assert view(chain, ZK_ROOTS, "heightOf(uint256)", ["uint256"], [R1]) == 5
    assert view(chain, ZK_ROOTS, "latest()", [], []) == (R2, 6, 2)
    assert view(chain, ZK_ROOTS, "recorded()", [], []) == 2
    assert block.gas_used == 0
    system = chain.account(SYSTEM_ADDRESS)
    assert (system.nonce, system.balance) == (0, 0)
    record = record_of(chain, 1)
    assert record.root_updates == (RootUpdate(R1, 5, 1), RootUpdate(R2, 6, 2))
    assert record.raw_transactions == () and record.receipts == ()


def test_root_status_only_rises() -> None:
    _, chain = new_system_chain()
    chain.execute_block([], timestamp=1, root_updates=[RootUpdate(R1, 5, COMMITTED)])
    # A rise, and an equal status (no change; the height stays the first one recorded).
    chain.execute_block(
        [], timestamp=2, root_updates=[RootUpdate(R1, 9, PROVEN), RootUpdate(R1, 9, PROVEN)]
    )
    assert status(chain, R1) == PROVEN
    assert view(chain, ZK_ROOTS, "heightOf(uint256)", ["uint256"], [R1]) == 5
    assert view(chain, ZK_ROOTS, "recorded()", [], []) == 1
    chain.execute_block([], timestamp=3, root_updates=[RootUpdate(R1, 5, SETTLED)])
    assert status(chain, R1) == SETTLED


def test_invalid_block_lowering_a_root_status_changes_nothing() -> None:
    _, chain = new_system_chain()
    chain.execute_block([], timestamp=1, root_updates=[RootUpdate(R1, 5, PROVEN)])
    head = chain.head()
    alice = Sender(ALICE)
    exit_tx = alice.tx(chain, FAST_EXIT, call_data("exit(uint64)", ["uint64"], [1]), ETHER)
    with pytest.raises(InvalidBlock, match="StatusLowered"):
        chain.execute_block(
            [exit_tx],
            timestamp=2,
            credits=[(addr(CAROL), ETHER)],
            root_updates=[RootUpdate(R2, 6, COMMITTED), RootUpdate(R1, 5, COMMITTED)],
        )
    assert chain.head() == head
    assert (status(chain, R1), status(chain, R2)) == (PROVEN, 0)
    # The same block without the lowering is valid.
    chain.execute_block(
        [exit_tx], timestamp=2, credits=[(addr(CAROL), ETHER)], root_updates=[RootUpdate(R2, 6, 1)]
    )
    assert chain.head().number == 2 and status(chain, R2) == COMMITTED


def test_the_257th_root_evicts_the_first() -> None:
    _, chain = new_system_chain()
    roots = [1000 + i for i in range(257)]
    chain.execute_block(
        [], timestamp=1, root_updates=[RootUpdate(r, i, COMMITTED) for i, r in enumerate(roots)]
    )
    # post: the first is unknown (its status and height gone), every later one is held.
    assert not known(chain, roots[0])
    assert view(chain, ZK_ROOTS, "heightOf(uint256)", ["uint256"], [roots[0]]) == 0
    assert all(known(chain, r) for r in (roots[1], roots[128], roots[256]))
    assert view(chain, ZK_ROOTS, "latest()", [], []) == (roots[256], 256, 1)
    assert view(chain, ZK_ROOTS, "recorded()", [], []) == 257
    # An evicted root recorded again is new (any status); it evicts the next oldest.
    chain.execute_block([], timestamp=2, root_updates=[RootUpdate(roots[0], 300, COMMITTED)])
    assert status(chain, roots[0]) == COMMITTED
    assert view(chain, ZK_ROOTS, "heightOf(uint256)", ["uint256"], [roots[0]]) == 300
    assert not known(chain, roots[1])
    assert known(chain, roots[2])


@pytest.mark.parametrize(
    "update",
    [
        RootUpdate(0, 1, 1),
        RootUpdate(SNARK_SCALAR_FIELD, 1, 1),
        RootUpdate(R1, -1, 1),
        RootUpdate(R1, 2**64, 1),
        RootUpdate(R1, 1, 0),
        RootUpdate(R1, 1, 4),
    ],
)
def test_invalid_malformed_root_updates(update: RootUpdate) -> None:
    _, chain = new_system_chain()
    with pytest.raises(InvalidBlock, match="malformed root update"):
        chain.execute_block([], timestamp=1, root_updates=[update])
    assert chain.head().number == 0


def test_invalid_root_updates_without_zkroots_deployed() -> None:
    store = memory_store()
    chain = FastChain(store.namespace("fast"), default_params())
    with pytest.raises(InvalidBlock, match="no ZkRoots"):
        chain.execute_block([], timestamp=1, root_updates=[RootUpdate(R1, 1, 1)])


def test_invalid_update_from_anyone_but_the_system_address() -> None:
    _, chain = new_system_chain()
    data = encode_root_updates([RootUpdate(R1, 1, COMMITTED)])
    # eth_call from ALICE reverts NotSystem; from the system address it would succeed.
    assert revert_name(
        "ZkRoots", CallRequest(sender=addr(ALICE), to=ZK_ROOTS, data=data), chain
    ) == ("NotSystem")
    chain.call(CallRequest(sender=SYSTEM_ADDRESS, to=ZK_ROOTS, data=data), gas_cap=GAS_CAP)
    # A transaction doing it is included, fails, and records nothing.
    block = chain.execute_block([Sender(ALICE).tx(chain, ZK_ROOTS, data)], timestamp=1)
    assert block.outcomes[0].included and block.outcomes[0].status == 0
    assert not known(chain, R1)


def test_invalid_update_with_arrays_of_different_lengths() -> None:
    _, chain = new_system_chain()
    data = call_data(
        "update(uint256[],uint64[],uint8[])", ["uint256[]", "uint64[]", "uint8[]"], [[R1], [], [1]]
    )
    request = CallRequest(sender=SYSTEM_ADDRESS, to=ZK_ROOTS, data=data)
    assert revert_name("ZkRoots", request, chain) == "LengthMismatch"


# -- FastExit -------------------------------------------------------------------------------


def test_exit_burns_the_value_and_its_event_decodes() -> None:
    # pre: ALICE has 100 ether; nothing has exited.
    _, chain = new_system_chain()
    alice, bob = Sender(ALICE), Sender(BOB)
    before = chain.account(addr(ALICE)).balance
    exit_data = call_data("exit(uint64)", ["uint64"], [7])
    txs = [
        alice.tx(chain, FAST_EXIT, exit_data, 3 * ETHER),
        bob.tx(chain, FAKE_EXIT_EMITTER, b""),  # an Exit-shaped log from another contract
        bob.tx(chain, FAST_EXIT, call_data("exit(uint64)", ["uint64"], [2**64 - 1]), 5),
    ]
    # operation
    block = chain.execute_block(txs, timestamp=1)
    # post: the coin sits in FastExit; the two exits decode in order, the fake one is ignored.
    assert all(o.included and o.status == 1 for o in block.outcomes)
    assert chain.account(FAST_EXIT).balance == 3 * ETHER + 5
    spent = before - chain.account(addr(ALICE)).balance
    assert spent == 3 * ETHER + block.outcomes[0].gas_used * (chain.head().base_fee + 10**8)
    record = record_of(chain, 1)
    assert exit_events(record) == (
        ExitEvent(0, addr(ALICE), 7, 3 * ETHER, txs[0].hash, 0),
        ExitEvent(1, addr(BOB), 2**64 - 1, 5, txs[2].hash, 2),
    )
    assert view(chain, FAST_EXIT, "nextExitId()", [], []) == 2
    assert prize_events(record) == ()
    # A block without any exit is answered from its bloom.
    chain.execute_block([], timestamp=2)
    assert exit_events(record_of(chain, 2)) == ()


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, "ZeroExit"), (2**128, "ExitTooLarge"), (2**128 + 1, "ExitTooLarge")],
)
def test_invalid_exit_amounts(value: int, error: str) -> None:
    rich = {addr(ALICE): 2**130}
    _, chain = new_system_chain(genesis_alloc=rich)
    data = call_data("exit(uint64)", ["uint64"], [1])
    request = CallRequest(sender=addr(ALICE), to=FAST_EXIT, data=data, value=value)
    assert revert_name("FastExit", request, chain) == error
    # The largest exit there is goes through.
    largest = CallRequest(sender=addr(ALICE), to=FAST_EXIT, data=data, value=2**128 - 1)
    assert abi_decode(["uint64"], chain.call(largest, gas_cap=GAS_CAP)) == (0,)


def test_invalid_plain_transfer_to_fast_exit() -> None:
    _, chain = new_system_chain()
    block = chain.execute_block([Sender(ALICE).tx(chain, FAST_EXIT, b"", ETHER)], timestamp=1)
    assert block.outcomes[0].included and block.outcomes[0].status == 0
    assert chain.account(FAST_EXIT).balance == 0


# -- GameReports ----------------------------------------------------------------------------

REPORT = "report(uint16,uint32,address[],uint256[])"
REPORT_TYPES = ["uint16", "uint32", "address[]", "uint256[]"]


def report_data(collection: int, round_: int, winners: list[bytes], hashes: list[int]) -> bytes:
    return call_data(REPORT, REPORT_TYPES, [collection, round_, winners, hashes])


def test_prizes_decode_with_increasing_report_ids() -> None:
    _, chain = new_system_chain()
    game_a, game_b = Sender(ALICE), Sender(BOB)
    first = [
        game_a.tx(chain, GAME_REPORTS, report_data(3, 1, [addr(BOB), addr(CAROL)], [11, 12])),
        game_b.tx(chain, GAME_REPORTS, report_data(4, 9, [addr(ALICE)], [SNARK_SCALAR_FIELD - 1])),
    ]
    chain.execute_block(first, timestamp=1)
    second = [game_a.tx(chain, GAME_REPORTS, report_data(3, 2, [addr(BOB)], [0]))]
    chain.execute_block(second, timestamp=2)
    assert prize_events(record_of(chain, 1)) == (
        PrizeEvent(0, addr(ALICE), 3, 1, addr(BOB), 11, first[0].hash, 0),
        PrizeEvent(1, addr(ALICE), 3, 1, addr(CAROL), 12, first[0].hash, 1),
        PrizeEvent(2, addr(BOB), 4, 9, addr(ALICE), SNARK_SCALAR_FIELD - 1, first[1].hash, 2),
    )
    assert prize_events(record_of(chain, 2)) == (
        PrizeEvent(3, addr(ALICE), 3, 2, addr(BOB), 0, second[0].hash, 0),
    )
    assert view(chain, GAME_REPORTS, "nextReportId()", [], []) == 4
    assert exit_events(record_of(chain, 1)) == ()


def test_a_report_of_64_winners_goes_through() -> None:
    _, chain = new_system_chain()
    data = report_data(1, 1, [addr(BOB)] * 64, list(range(64)))
    output = chain.call(
        CallRequest(sender=addr(ALICE), to=GAME_REPORTS, data=data), gas_cap=GAS_CAP
    )
    assert abi_decode(["uint64"], output) == (0,)


@pytest.mark.parametrize(
    ("winners", "hashes", "error"),
    [
        ([addr(BOB)], [1, 2], "LengthMismatch"),
        ([], [], "NoWinners"),
        ([addr(BOB)] * 65, [1] * 65, "TooManyWinners"),
        ([addr(BOB), b"\x00" * 20], [1, 2], "ZeroWinner"),
        ([addr(BOB), addr(CAROL)], [1, SNARK_SCALAR_FIELD], "ContentHashOutOfField"),
        ([addr(BOB)], [2**256 - 1], "ContentHashOutOfField"),
    ],
)
def test_invalid_reports(winners: list[bytes], hashes: list[int], error: str) -> None:
    _, chain = new_system_chain()
    request = CallRequest(
        sender=addr(ALICE), to=GAME_REPORTS, data=report_data(1, 1, winners, hashes)
    )
    assert revert_name("GameReports", request, chain) == error


# -- OwnershipGate --------------------------------------------------------------------------

ADMIT = "admit(address,uint16,uint32,uint256,uint256,uint256[8])"
ADMIT_TYPES = ["address", "uint16", "uint32", "uint256", "uint256", "uint256[8]"]
PROOF = [100 + i for i in range(8)]
NULLIFIER = 0xABCDEF


def admit_data(root: int, nullifier: int, player: bytes = addr(BOB)) -> bytes:
    return call_data(ADMIT, ADMIT_TYPES, [player, 5, 42, root, nullifier, PROOF])


def expected_verifier_call(game: bytes, player: bytes, root: int, nullifier: int) -> bytes:
    """What the gate must ask the verifier: proof, [root, collection, game, round, player, null]."""
    inputs = [root, 5, int.from_bytes(game, "big"), 42, int.from_bytes(player, "big"), nullifier]
    return call_data(
        "verifyProof(uint256[8],uint256[6])", ["uint256[8]", "uint256[6]"], [PROOF, inputs]
    )


def gate_chain(verifier: bytes | None) -> FastChain:
    """A chain holding root R1, with `verifier` at 0x…7a05."""
    _, chain = new_system_chain(verifier)
    chain.execute_block([], timestamp=1, root_updates=[RootUpdate(R1, 1, COMMITTED)])
    return chain


def test_admit_with_a_verifying_proof_then_its_nullifier_is_used() -> None:
    # pre: R1 held; the stub verifier accepts exactly the expected statement (game ALICE).
    verifier = verifier_accepting_only(
        expected_verifier_call(addr(ALICE), addr(BOB), R1, NULLIFIER)
    )
    chain = gate_chain(verifier)
    game = Sender(ALICE)
    # operation: the game admits BOB.
    block = chain.execute_block([game.tx(chain, OWNERSHIP_GATE, admit_data(R1, NULLIFIER))], 2)
    # post: Admitted(game, player, collection, round, nullifier); the nullifier is spent.
    assert block.outcomes[0].included and block.outcomes[0].status == 1
    (receipt,) = chain.block_receipts(record_of(chain, 2))
    (log,) = receipt.logs
    assert log.address == OWNERSHIP_GATE
    assert log.topics == (
        int.from_bytes(ADMITTED_TOPIC, "big"),
        int.from_bytes(addr(ALICE), "big"),
        int.from_bytes(addr(BOB), "big"),
    )
    assert abi_decode(["uint16", "uint32", "uint256"], log.data) == (5, 42, NULLIFIER)
    assert view(chain, OWNERSHIP_GATE, "nullifierUsed(uint256)", ["uint256"], [NULLIFIER])
    again = CallRequest(sender=addr(ALICE), to=OWNERSHIP_GATE, data=admit_data(R1, NULLIFIER))
    assert revert_name("OwnershipGate", again, chain) == "NullifierUsed"


def test_invalid_admission_of_another_statement() -> None:
    # The stub accepts only the statement for game ALICE and player BOB: any other game,
    # player or nullifier is not what the gate asks about.
    verifier = verifier_accepting_only(
        expected_verifier_call(addr(ALICE), addr(BOB), R1, NULLIFIER)
    )
    chain = gate_chain(verifier)
    for sender, data in [
        (addr(CAROL), admit_data(R1, NULLIFIER)),
        (addr(ALICE), admit_data(R1, NULLIFIER, player=addr(CAROL))),
        (addr(ALICE), admit_data(R1, NULLIFIER + 1)),
    ]:
        request = CallRequest(sender=sender, to=OWNERSHIP_GATE, data=data)
        assert revert_name("OwnershipGate", request, chain) == "InvalidOwnershipProof"


@pytest.mark.parametrize("verifier", [VERIFIER_FALSE, VERIFIER_REVERTS, None])
def test_invalid_ownership_proof(verifier: bytes | None) -> None:
    chain = gate_chain(verifier)
    request = CallRequest(sender=addr(ALICE), to=OWNERSHIP_GATE, data=admit_data(R1, NULLIFIER))
    assert revert_name("OwnershipGate", request, chain) == "InvalidOwnershipProof"


def test_invalid_admission_against_a_root_not_held() -> None:
    chain = gate_chain(VERIFIER_TRUE)
    request = CallRequest(sender=addr(ALICE), to=OWNERSHIP_GATE, data=admit_data(R2, NULLIFIER))
    assert revert_name("OwnershipGate", request, chain) == "RootNotHeld"
    ok = CallRequest(sender=addr(ALICE), to=OWNERSHIP_GATE, data=admit_data(R1, NULLIFIER))
    assert chain.call(ok, gas_cap=GAS_CAP) == b""


def test_invalid_nullifier_out_of_the_field() -> None:
    chain = gate_chain(VERIFIER_TRUE)
    data = admit_data(R1, NULLIFIER + SNARK_SCALAR_FIELD)
    request = CallRequest(sender=addr(ALICE), to=OWNERSHIP_GATE, data=data)
    assert revert_name("OwnershipGate", request, chain) == "NullifierOutOfField"


# -- replay and commitment ------------------------------------------------------------------


def build(chain: FastChain, updates: list[RootUpdate]) -> Any:
    """Two blocks: root updates with credits and an exit, then a report."""
    alice = Sender(ALICE)
    exit_tx = alice.tx(chain, FAST_EXIT, call_data("exit(uint64)", ["uint64"], [3]), ETHER)
    first = chain.execute_block(
        [exit_tx], timestamp=1, credits=[(addr(CAROL), 2 * ETHER)], root_updates=updates
    )
    report = alice.tx(chain, GAME_REPORTS, report_data(1, 1, [addr(BOB)], [9]))
    chain.execute_block([report], timestamp=2, root_updates=[RootUpdate(R1, 1, SETTLED)])
    return first


def test_root_updates_replay_to_the_same_blocks_and_survive_a_restart() -> None:
    updates = [RootUpdate(R1, 1, COMMITTED), RootUpdate(R2, 2, COMMITTED)]
    store, chain = new_system_chain()
    first = build(chain, updates)
    # Replay on a fresh chain: the same blocks.
    _, replay = new_system_chain()
    build(replay, updates)
    assert replay.head() == chain.head()
    assert replay.block_hash(1) == first.hash
    # Restart from the store: the records keep their root updates; both chains go on alike.
    store.write_buffer()
    restarted = FastChain(store.namespace("fast"), chain.params)
    assert restarted.head() == chain.head()
    assert record_of(restarted, 1).root_updates == tuple(updates)
    assert record_of(restarted, 2).root_updates == (RootUpdate(R1, 1, SETTLED),)
    assert exit_events(record_of(restarted, 1)) == exit_events(record_of(chain, 1))
    a = restarted.execute_block([], 3, root_updates=[RootUpdate(R3, 3, COMMITTED)])
    b = replay.execute_block([], 3, root_updates=[RootUpdate(R3, 3, COMMITTED)])
    assert (a.hash, a.state_root) == (b.hash, b.state_root)
    assert status(restarted, R1) == SETTLED


def test_the_header_commits_to_the_root_updates() -> None:
    credits = [(addr(CAROL), 2 * ETHER)]
    headers = {}
    for name, updates in [
        ("none", []),
        ("one", [RootUpdate(R1, 1, COMMITTED)]),
        ("other height", [RootUpdate(R1, 2, COMMITTED)]),
        ("other status", [RootUpdate(R1, 1, PROVEN)]),
    ]:
        _, chain = new_system_chain()
        chain.execute_block([], 1, credits=credits, root_updates=updates)
        headers[name] = record_of(chain, 1).header
    # Without updates the commitment is the credits' one, as before root updates existed.
    assert headers["none"].extra_data == execution.credits_commitment(credits)
    assert len({h.extra_data for h in headers.values()}) == 4
    assert len({h.hash for h in headers.values()}) == 4
    assert headers["one"].extra_data == execution.block_commitment(
        credits, [RootUpdate(R1, 1, COMMITTED)]
    )
    # A block of root updates alone commits to them too (no credits: not the empty value).
    _, chain = new_system_chain()
    chain.execute_block([], 1, root_updates=[RootUpdate(R1, 1, COMMITTED)])
    assert len(record_of(chain, 1).header.extra_data) == 32


def test_block_records_with_and_without_root_updates_round_trip() -> None:
    _, chain = new_system_chain()
    chain.execute_block([], 1, credits=[(addr(CAROL), 1)])
    plain = record_of(chain, 1)
    chain.execute_block([], 2, root_updates=[RootUpdate(R1, 7, SETTLED)])
    with_roots = record_of(chain, 2)
    for record in (plain, with_roots):
        assert BlockRecord.decode(record.encode()) == record
    # A record without updates is encoded as before they existed: five items.
    assert len(rlp.decode(plain.encode())) == 5
    assert len(rlp.decode(with_roots.encode())) == 6
