"""The fast chain's state transition: transfers, contracts, credits, blocks, restarts.

Each case is written as pre (genesis / earlier blocks), the operation, and post (balances, roots,
receipts), so the same data can serve as a vector.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.db.trie import make_trie_root_and_nodes
from eth.vm.chain_context import ChainContext
from eth.vm.forks.prague import PragueVM
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_typing import Address
from eth_utils.abi import function_signature_to_4byte_selector

from zkbraid.fast import execution
from zkbraid.fast.chain import CallRequest, FastChain
from zkbraid.fast.errors import ExecutionReverted, InvalidBlock, NonceTooHigh, NonceTooLow
from zkbraid.fast.params import FastParams
from zkbraid.ledger.kv import memory_store

from .game import GAME_BYTECODE
from .helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ETHER,
    GAS_CAP,
    GWEI,
    NOBODY,
    addr,
    default_params,
    new_chain,
    sign,
    transfer,
)


def selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


def call_data(signature: str, types: list[str], args: list[Any]) -> bytes:
    return selector(signature) + abi_encode(types, args)


def balance(chain: FastChain, account: Any) -> int:
    address = account if isinstance(account, bytes) else addr(account)
    return chain.account(address).balance


# -- genesis --------------------------------------------------------------------------------


def test_genesis_state_root_is_pyevms() -> None:
    _, chain = new_chain()
    reference = AccountDB(AtomicDB())
    for address, wei in default_params().genesis_alloc.items():
        reference.set_balance(Address(address), wei)
    reference.persist()
    head = chain.head()
    assert head.number == 0
    assert head.state_root == reference.state_root
    assert head.base_fee == GWEI
    assert balance(chain, ALICE) == 100 * ETHER


def test_invalid_restart_with_other_genesis() -> None:
    store, _ = new_chain()
    store.write_buffer()
    with pytest.raises(InvalidBlock, match="another genesis"):
        FastChain(store.namespace("fast"), default_params(chain_id=1))


# -- transfers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "price", "tip"),
    [
        # EIP-1559: pays base fee + tip (the tip is below max fee - base fee).
        ({"maxFeePerGas": 3 * GWEI, "maxPriorityFeePerGas": GWEI // 2, "type": 2}, None, None),
        # EIP-1559, tip capped by max fee - base fee.
        ({"maxFeePerGas": GWEI + 7, "maxPriorityFeePerGas": GWEI, "type": 2}, GWEI + 7, 7),
        # Legacy EIP-155: pays its gas price; everything above the base fee is the tip.
        ({"gasPrice": 2 * GWEI}, 2 * GWEI, GWEI),
        # EIP-2930.
        ({"gasPrice": GWEI, "type": 1, "accessList": []}, GWEI, 0),
    ],
)
def test_transfer_exact_balances(
    fields: dict[str, Any], price: int | None, tip: int | None
) -> None:
    # pre
    _, chain = new_chain(fee_recipient=addr(DAVE))
    base_fee = chain.next_base_fee
    if price is None:
        price, tip = base_fee + GWEI // 2, GWEI // 2
    assert tip is not None
    # operation
    raw = transfer(ALICE, addr(CAROL), 3 * ETHER, 0, **fields)
    block = chain.execute_block([chain.check_transaction(raw)], timestamp=10)
    # post
    (outcome,) = block.outcomes
    assert outcome.included and outcome.status == 1 and outcome.gas_used == 21_000
    assert block.gas_used == 21_000
    assert balance(chain, ALICE) == 100 * ETHER - 3 * ETHER - 21_000 * price
    assert balance(chain, CAROL) == 5 * ETHER + 3 * ETHER
    assert balance(chain, DAVE) == 21_000 * tip
    assert chain.account(addr(ALICE)).nonce == 1


Blocks = list[tuple[list[bytes], list[tuple[bytes, int]]]]


def assert_stock_pyevm_agrees(chain: FastChain, blocks: Blocks) -> list[Any]:
    """Runs `blocks` on `chain` and the same included transactions on py-evm's own PragueState
    over a plain in-memory database; every state, receipt root and gas total must agree."""
    reference_db = AtomicDB()
    reference = AccountDB(reference_db)
    for address, wei in chain.params.genesis_alloc.items():
        reference.set_balance(Address(address), wei)
    for address, code in chain.params.genesis_code.items():
        reference.set_code(Address(address), code)
    reference.persist()
    root = reference.state_root
    assert root == chain.block_by_number(0).header.state_root  # type: ignore[union-attr]
    vm = chain.vm_class
    results = []
    for raws, credits in blocks:
        result = chain.execute_block(
            [chain.decode_transaction(r) for r in raws], timestamp=100, credits=credits
        )
        results.append(result)
        header = chain.block_by_number(result.number).header  # type: ignore[union-attr]
        state = PragueVM.build_state(
            reference_db,
            header.copy(state_root=root),
            ChainContext(chain.params.chain_id),
            [chain.block_hash(n) for n in range(result.number - 1, -1, -1)],  # type: ignore[misc]
        )
        for address, wei in credits:
            state.delta_balance(Address(address), wei)
        receipts = []
        gas = 0
        for raw, outcome in zip(raws, result.outcomes, strict=True):
            if not outcome.included:
                continue
            tx = vm.get_transaction_builder().decode(raw)
            state.lock_changes()
            computation = state.apply_transaction(tx)
            used = vm.finalize_gas_used(tx, computation)
            receipts.append(vm.make_receipt(header.copy(gas_used=gas), tx, computation, state))
            gas += used
        state.persist()
        root = state.state_root
        assert root == header.state_root
        assert make_trie_root_and_nodes(receipts)[0] == header.receipt_root
        assert gas == header.gas_used
    return results


def test_state_and_receipt_roots_match_stock_pyevm() -> None:
    """Blocks built by FastChain (batched tries, caches, plain-transfer path, executor) and by
    py-evm's own PragueState end at the same roots."""
    _, chain = new_chain()
    deploy = sign(ALICE, nonce=0, gas=500_000, data=GAME_BYTECODE + abi_encode(["uint256"], [1]))
    game = keccak(bytes.fromhex("d694") + addr(ALICE) + b"\x80")[12:]

    def score(who: Any, nonce: int, points: int) -> bytes:
        data = call_data("score(uint256)", ["uint256"], [points])
        return sign(who, nonce=nonce, to=game, gas=100_000, data=data)

    blocks: Blocks = [
        ([deploy, transfer(BOB, addr(NOBODY), 1, 0), transfer(CAROL, addr(BOB), ETHER, 0)], []),
        (
            [
                score(BOB, 1, 9),
                score(ALICE, 1, 0),
                transfer(NOBODY, addr(ALICE), 1, 0),  # left out: NOBODY has only 1 wei
            ],
            [(addr(DAVE), 7 * ETHER)],
        ),
        ([transfer(DAVE, addr(ALICE), ETHER, 0, gasPrice=GWEI)], []),
    ]
    results = assert_stock_pyevm_agrees(chain, blocks)
    assert [o.included for o in results[1].outcomes] == [True, True, False]


#: Runtime code that stores each 64-byte (slot, value) pair of its calldata:
#: PUSH0 JUMPDEST DUP1 CALLDATASIZE GT ISZERO PUSH1 0x18 JUMPI DUP1 CALLDATALOAD DUP2 PUSH1 0x20
#: ADD CALLDATALOAD SWAP1 SSTORE PUSH1 0x40 ADD PUSH1 0x01 JUMP JUMPDEST STOP
STORE_CODE = bytes.fromhex("5f5b803611156018578035816020013590556040016001565b00")
STORE = b"\x5a" * 20
#: Init code that stores 1 at slot 0, then self-destructs (EIP-6780: deleted in the same
#: transaction, storage wiped): PUSH1 1 PUSH0 SSTORE PUSH0 SELFDESTRUCT.
STORE_AND_DIE = bytes.fromhex("60015f555fff")


@pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode:DeprecationWarning")
@pytest.mark.parametrize("seed", range(3))
def test_storage_writes_match_stock_pyevm(seed: int) -> None:
    """Slot writes, overwrites and deletions (value 0) across transactions and blocks, calls
    that run out of gas midway (reverted writes), and a contract created and destroyed in one
    transaction: the batched storage tries give py-evm's roots."""
    rng = random.Random(seed)
    _, chain = new_chain(genesis_code={STORE: STORE_CODE})
    slots = [rng.randrange(2**256) for _ in range(6)] + [0, 1, 2]
    nonces = {0: 0, 1: 0}
    senders = [ALICE, BOB]
    blocks: Blocks = []
    for _ in range(5):
        raws = []
        for _ in range(rng.randint(1, 6)):
            s = rng.randrange(2)
            pairs = [
                (rng.choice(slots), rng.choice([0, 0, 1, rng.randrange(2**256)]))
                for _ in range(rng.randint(1, 5))
            ]
            data = b"".join(a.to_bytes(32, "big") + b.to_bytes(32, "big") for a, b in pairs)
            gas = 30_000 if rng.random() < 0.2 else 400_000  # 30k: out of gas midway
            if rng.random() < 0.15:
                raws.append(sign(senders[s], nonce=nonces[s], gas=200_000, data=STORE_AND_DIE))
            else:
                raws.append(sign(senders[s], nonce=nonces[s], to=STORE, gas=gas, data=data))
            nonces[s] += 1
        blocks.append((raws, []))
    results = assert_stock_pyevm_agrees(chain, blocks)
    assert all(o.included for r in results for o in r.outcomes)
    for slot in slots:
        assert chain.get_storage(STORE, slot) == chain.get_storage(
            STORE,
            slot,
            chain.block_by_number(5).header,  # type: ignore[union-attr]
        )


# -- rejections inside a block --------------------------------------------------------------


def test_invalidated_transactions_are_left_out() -> None:
    # pre: CAROL holds 5 ether.
    _, chain = new_chain()
    root_before = chain.state_root
    first = chain.check_transaction(transfer(CAROL, addr(BOB), 4 * ETHER, 0))
    same_nonce = chain.check_transaction(transfer(CAROL, addr(ALICE), 1, 0))
    broke = chain.check_transaction(transfer(CAROL, addr(ALICE), ETHER, 1), pending_nonce=1)
    fine = chain.check_transaction(transfer(ALICE, addr(BOB), 1, 0))
    # operation
    block = chain.execute_block([first, same_nonce, broke, fine], timestamp=1)
    # post
    outcomes = {o.hash: o for o in block.outcomes}
    assert outcomes[first.hash].included
    assert not outcomes[same_nonce.hash].included
    assert outcomes[same_nonce.hash].error_name == "NonceTooLow"
    assert not outcomes[broke.hash].included
    assert outcomes[broke.hash].error_name == "InsufficientFunds"
    assert outcomes[fine.hash].included
    assert block.included == (first.hash, fine.hash)
    assert chain.state_root != root_before
    assert chain.account(addr(CAROL)).nonce == 1
    assert len(chain.block_by_number(1).raw_transactions) == 2  # type: ignore[union-attr]


def test_block_gas_limit_leaves_later_transactions_out() -> None:
    _, chain = new_chain(block_gas_limit=50_000)
    txs = [
        chain.check_transaction(transfer(ALICE, addr(BOB), 1, n), pending_nonce=n) for n in range(3)
    ]
    block = chain.execute_block(txs, timestamp=1)
    assert [o.included for o in block.outcomes] == [True, True, False]
    assert block.outcomes[2].error_name == "GasLimitExceeded"
    assert block.gas_used == 42_000


# -- contracts ------------------------------------------------------------------------------


def deploy_game(chain: FastChain, start: int = 7) -> bytes:
    raw = sign(ALICE, nonce=0, gas=400_000, data=GAME_BYTECODE + abi_encode(["uint256"], [start]))
    block = chain.execute_block([chain.check_transaction(raw)], timestamp=1)
    assert block.outcomes[0].status == 1
    return keccak(bytes.fromhex("d694") + addr(ALICE) + b"\x80")[12:]


def test_contract_deploy_call_logs_and_revert() -> None:
    # pre: the game deployed with total 7.
    _, chain = new_chain()
    game = deploy_game(chain)
    assert chain.get_code(game) != b""
    assert chain.get_storage(game, 0) == 7
    # operation: BOB scores 5; ALICE 0 (reverts with a reason); CAROL 2000 (a custom error)
    score = [
        sign(
            BOB, nonce=0, to=game, gas=100_000, data=call_data("score(uint256)", ["uint256"], [5])
        ),
        sign(
            ALICE, nonce=1, to=game, gas=100_000, data=call_data("score(uint256)", ["uint256"], [0])
        ),
        sign(
            CAROL,
            nonce=0,
            to=game,
            gas=100_000,
            data=call_data("score(uint256)", ["uint256"], [2000]),
        ),
    ]
    block = chain.execute_block([chain.check_transaction(r) for r in score], timestamp=2)
    # post
    ok, reverted, custom = block.outcomes
    assert ok.status == 1 and ok.included
    assert reverted.included and reverted.status == 0
    assert reverted.error == "execution reverted: no points"
    assert custom.included and custom.status == 0
    assert chain.get_storage(game, 0) == 12
    total = chain.call(CallRequest(to=game, data=selector("total()")), gas_cap=GAS_CAP)
    assert int.from_bytes(total, "big") == 12
    record = chain.block_by_number(2)
    assert record is not None
    receipt = chain.block_receipts(record)[0]
    (log,) = receipt.logs
    assert log.address == game
    assert log.topics[0] == int.from_bytes(keccak(b"Scored(address,uint256,uint256)"), "big")
    assert log.topics[1] == int.from_bytes(addr(BOB), "big")
    assert abi_decode(["uint256", "uint256"], log.data) == (5, 12)
    assert record.header.bloom != 0
    assert chain.block_receipts(record)[1].logs == ()


def test_calls_see_block_context_and_revert_data() -> None:
    _, chain = new_chain()
    game = deploy_game(chain)
    chain.execute_block([], timestamp=5)
    out = chain.call(CallRequest(to=game, data=selector("blockInfo()")), gas_cap=GAS_CAP)
    number, timestamp, base_fee, parent_hash = abi_decode(
        ["uint256", "uint256", "uint256", "bytes32"], out
    )
    assert (number, timestamp) == (2, 5)
    assert base_fee == 0  # no fee fields: geth's NoBaseFee
    assert parent_hash == chain.block_hash(1)
    echo = call_data("echo(bytes)", ["bytes"], [b"x" * 100])
    assert abi_decode(["bytes"], chain.call(CallRequest(to=game, data=echo), gas_cap=GAS_CAP)) == (
        b"x" * 100,
    )
    with pytest.raises(ExecutionReverted) as info:
        chain.call(
            CallRequest(to=game, data=call_data("score(uint256)", ["uint256"], [2000])),
            gas_cap=GAS_CAP,
        )
    assert info.value.data == selector("TooMany(uint256)") + abi_encode(["uint256"], [2000])
    assert info.value.rpc_data == "0x" + info.value.data.hex()
    gas = chain.estimate_gas(
        CallRequest(sender=addr(BOB), to=game, data=call_data("score(uint256)", ["uint256"], [5])),
        gas_cap=GAS_CAP,
    )
    assert 50_000 < gas < 100_000
    # The estimate is enough: the real transaction succeeds with it.
    raw = sign(BOB, nonce=0, to=game, gas=gas, data=call_data("score(uint256)", ["uint256"], [5]))
    assert chain.execute_block([chain.check_transaction(raw)], timestamp=6).outcomes[0].status == 1
    assert (
        chain.estimate_gas(CallRequest(sender=addr(BOB), to=addr(CAROL), value=1), gas_cap=GAS_CAP)
        == 21_000
    )


# -- credits --------------------------------------------------------------------------------


def test_credits_apply_before_transactions_and_are_committed() -> None:
    # pre: NOBODY has nothing.
    store, chain = new_chain()
    spend = chain.decode_transaction(transfer(NOBODY, addr(BOB), ETHER, 0))
    # operation: a faucet credit and, in the same block, NOBODY spends it.
    block = chain.execute_block([spend], timestamp=3, credits=[(addr(NOBODY), 2 * ETHER)])
    # post
    assert block.outcomes[0].included
    fee = 21_000 * (chain.head().base_fee + GWEI // 10)
    assert balance(chain, NOBODY) == ETHER - fee
    record = chain.block_by_number(1)
    assert record is not None and record.credits == ((addr(NOBODY), 2 * ETHER),)
    assert record.header.extra_data == keccak(
        bytes.fromhex("dfde94") + addr(NOBODY) + bytes.fromhex("881bc16d674ec80000")
    )
    store.write_buffer()
    restarted = FastChain(store.namespace("fast"), default_params())
    assert balance(restarted, NOBODY) == ETHER - fee
    assert restarted.block_by_number(1).credits == record.credits  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "credits",
    [[(b"\x01" * 19, 1)], [(addr(BOB), 0)], [(addr(BOB), -1)], [(addr(BOB), 2**256)]],
)
def test_invalid_credits(credits: list[tuple[bytes, int]]) -> None:
    store, chain = new_chain()
    store.write_buffer()
    head = chain.head()
    with pytest.raises(InvalidBlock):
        chain.execute_block([], timestamp=1, credits=credits)
    assert chain.head() == head
    assert store.pending_writes == 0


def test_invalid_credit_overflowing_a_balance_changes_nothing() -> None:
    store, chain = new_chain()
    store.write_buffer()
    head = chain.head()
    with pytest.raises(InvalidBlock, match="beyond 2"):
        chain.execute_block([], timestamp=1, credits=[(addr(ALICE), 2**256 - 1)])
    assert chain.head() == head
    store.discard()
    chain.reload()
    assert chain.head() == head
    assert balance(chain, ALICE) == 100 * ETHER
    assert chain.execute_block([], timestamp=1).number == 1


# -- timestamps, base fee -------------------------------------------------------------------


def test_timestamps_may_repeat_but_not_go_back() -> None:
    store, chain = new_chain()
    chain.execute_block([], timestamp=50)
    chain.execute_block([], timestamp=50)
    writes = store.pending_writes
    with pytest.raises(InvalidBlock, match="before the parent"):
        chain.execute_block([], timestamp=49)
    assert chain.head().number == 2
    assert store.pending_writes == writes


def test_base_fee_rises_above_target_and_falls_to_the_floor() -> None:
    _, chain = new_chain(block_gas_limit=60_000, initial_base_fee=2 * GWEI, min_base_fee=GWEI)
    full = [
        chain.check_transaction(
            transfer(ALICE, addr(BOB), 1, n, maxFeePerGas=10 * GWEI), pending_nonce=n
        )
        for n in range(2)
    ]
    chain.execute_block(full, timestamp=1)
    # Block 1 follows the empty genesis (2 gwei): its base fee fell by 1/8.
    assert chain.head().base_fee == 2 * GWEI - 2 * GWEI // 8
    used, target = 42_000, 30_000
    parent_fee = chain.head().base_fee
    assert chain.next_base_fee == parent_fee + parent_fee * (used - target) // target // 8
    for t in range(2, 40):
        chain.execute_block([], timestamp=t)
    assert chain.head().base_fee == GWEI


def test_constant_base_fee() -> None:
    _, chain = new_chain(base_fee_adjusts=False, initial_base_fee=3 * GWEI, min_base_fee=0)
    for t in range(3):
        chain.execute_block([], timestamp=t)
    assert chain.head().base_fee == 3 * GWEI == chain.next_base_fee


# -- durability -----------------------------------------------------------------------------


def history() -> list[tuple[list[bytes], int, list[tuple[bytes, int]]]]:
    deploy = sign(ALICE, nonce=0, gas=400_000, data=GAME_BYTECODE + abi_encode(["uint256"], [3]))
    game = keccak(bytes.fromhex("d694") + addr(ALICE) + b"\x80")[12:]
    play = sign(
        BOB, nonce=0, to=game, gas=100_000, data=call_data("score(uint256)", ["uint256"], [4])
    )
    return [
        ([deploy, transfer(CAROL, addr(BOB), 1, 0)], 10, []),
        ([play], 10, [(addr(NOBODY), ETHER)]),
        ([transfer(NOBODY, addr(ALICE), 5, 0, gasPrice=GWEI)], 11, []),
    ]


def run(chain: FastChain, blocks: list[tuple[list[bytes], int, list[tuple[bytes, int]]]]) -> None:
    for raws, timestamp, credits in blocks:
        chain.execute_block([chain.decode_transaction(r) for r in raws], timestamp, credits)


def test_restart_reproduces_head_roots_and_receipts() -> None:
    store, chain = new_chain()
    run(chain, history())
    store.write_buffer()
    before = chain.head()
    receipts = [chain.block_by_number(n).receipts for n in range(4)]  # type: ignore[union-attr]
    restarted = FastChain(store.namespace("fast"), default_params())
    assert restarted.head() == before
    assert restarted.state_root == chain.state_root
    assert [restarted.block_by_number(n).receipts for n in range(4)] == receipts  # type: ignore[union-attr]
    assert restarted.block_hash(2) == chain.block_hash(2)
    # Both continue identically, and identically to a replay from genesis in another store.
    _, replay = new_chain()
    run(replay, history())
    nxt = [transfer(ALICE, addr(CAROL), 9, 1)]
    a = restarted.execute_block([restarted.decode_transaction(r) for r in nxt], 12)
    b = replay.execute_block([replay.decode_transaction(r) for r in nxt], 12)
    assert (a.hash, a.state_root) == (b.hash, b.state_root)


def test_discarded_block_is_forgotten_after_reload() -> None:
    store, chain = new_chain()
    run(chain, history()[:1])
    store.write_buffer()
    head = chain.head()
    lost = chain.execute_block([chain.decode_transaction(transfer(ALICE, addr(BOB), 1, 1))], 20)
    store.discard()
    chain.reload()
    assert chain.head() == head
    assert chain.account(addr(ALICE)).nonce == 1
    again = chain.execute_block([chain.decode_transaction(transfer(ALICE, addr(BOB), 1, 1))], 20)
    assert again.hash == lost.hash


# -- admission with pending nonces -----------------------------------------------------------


def test_pending_nonce_must_be_matched() -> None:
    _, chain = new_chain()
    raw = transfer(ALICE, addr(BOB), 1, 2)
    assert chain.check_transaction(raw, pending_nonce=2).nonce == 2
    with pytest.raises(NonceTooHigh, match="next nonce is 1"):
        chain.check_transaction(raw, pending_nonce=1)
    with pytest.raises(NonceTooLow, match="pending"):
        chain.check_transaction(raw, pending_nonce=3)
    with pytest.raises(NonceTooHigh, match="next nonce is 0"):
        chain.check_transaction(raw)


def test_params_validation() -> None:
    with pytest.raises(ValueError):
        FastParams(chain_id=0)
    with pytest.raises(ValueError):
        FastParams(genesis_alloc={b"\x01": 1})
    with pytest.raises(ValueError):
        FastParams(fee_recipient=b"")


# -- the plain-transfer path agrees with the EVM path ---------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_plain_transfers_agree_with_the_evm_path(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random transfers with the edge cases of EIP-161 and gas accounting, applied by both paths:
    zero values to absent accounts, self-transfers, calldata to EOAs (EIP-7623 floor), access
    lists, zero tips to an absent or an existing-but-empty fee recipient, a precompile as the
    recipient (which always goes through the EVM), legacy and typed transactions."""
    rng = random.Random(seed)
    empty = DAVE  # exists at genesis with nothing: touching it deletes it
    # The fee recipient: absent, existing but empty, or one of the senders.
    fee_recipient = [b"\x00" * 20, addr(empty), addr(BOB)][seed % 3]
    alloc = {**default_params().genesis_alloc, addr(empty): 0}
    params = default_params(genesis_alloc=alloc, fee_recipient=fee_recipient)
    stores = [memory_store(), memory_store()]
    fast = FastChain(stores[0].namespace("fast"), params, fast_transfers=True)
    slow = FastChain(stores[1].namespace("fast"), params, fast_transfers=False)
    taken: list[int] = []
    plain = execution.apply_plain_transfer

    def counted(*args: Any) -> int:
        taken.append(len(taken) + 1)
        return int(plain(*args))

    monkeypatch.setattr(execution, "apply_plain_transfer", counted)
    senders = [ALICE, BOB, CAROL]
    targets = [addr(a) for a in (ALICE, BOB, CAROL, DAVE, NOBODY)] + [b"\x00" * 19 + b"\x04"]
    nonces = dict.fromkeys(range(3), 0)
    for block in range(6):
        raws = []
        for _ in range(rng.randint(1, 8)):
            s = rng.randrange(3)
            fields: dict[str, Any] = {"gas": 60_000}
            kind = rng.randrange(4)
            if kind == 0:
                fields |= {"gasPrice": GWEI * rng.randint(1, 3)}
            elif kind == 1:
                fields |= {
                    "gasPrice": GWEI,
                    "type": 1,
                    "accessList": [
                        {"address": "0x" + "11" * 20, "storageKeys": ["0x" + "00" * 32]}
                    ],
                }
            else:
                fields |= {
                    "maxFeePerGas": 3 * GWEI,
                    "maxPriorityFeePerGas": rng.choice([0, 1, GWEI]),
                }
            if rng.random() < 0.3:
                fields["data"] = rng.randbytes(rng.randint(1, 200))
            value = rng.choice([0, 0, 1, 10**15])
            raws.append(transfer(senders[s], rng.choice(targets), value, nonces[s], **fields))
            nonces[s] += 1
        results = [
            chain.execute_block([chain.decode_transaction(r) for r in raws], 100 + block)
            for chain in (fast, slow)
        ]
        assert results[0] == results[1]
        assert all(o.included for o in results[0].outcomes)
    for address in [*targets, fee_recipient]:
        assert fast.account(address) == slow.account(address)
    assert taken and taken[-1] > 5  # the plain-transfer path did run


def test_state_keys_are_content_addressed() -> None:
    """The node and code caches rely on it: every key py-evm writes is keccak(value)."""
    store, chain = new_chain()
    run(chain, history())
    store.write_buffer()
    state_items = [(k, v) for k, v in store.namespace("fast").items() if k[:1] == b"s"]
    assert len(state_items) > 10
    for key, value in state_items:
        assert key[1:] == keccak(value)
