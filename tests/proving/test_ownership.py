"""NFT ownership proofs (docs/hybrid.md, "Ownership proofs"): circuits/ownership.circom, its
witness (zkbraid.hybrid.ownership), its native and snarkjs proofs, the fast chain's Solidity
verifier (OwnershipVerifier.sol on py-evm, alone and behind OwnershipGate) and the node's
`zk_getOwnershipWitness` with `braid zk prove-ownership`.

Each case is pre (a ZK state: four dev accounts, NFTs of collections 5 and 6, one of them
listed), the operation (a witness, a proof, a verification) and post (accepted with the
statement, or refused by name / not verified).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import function_signature_to_4byte_selector

from tests.unit.fast.helpers import ALICE, BOB, CAROL, ETHER, GAS_CAP, addr, sign
from zkbraid.api import zk_methods
from zkbraid.cli import ownership as ownership_cli
from zkbraid.crypto.babyjub import SUB_ORDER, from_ecpoint, mul_base8
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.crypto.poseidon import poseidon
from zkbraid.fast.calls import CallRequest
from zkbraid.fast.chain import FastChain
from zkbraid.fast.errors import ExecutionReverted
from zkbraid.fast.params import FastParams
from zkbraid.fast.system_contracts import (
    OWNERSHIP_GATE,
    OWNERSHIP_VERIFIER,
    RootStatus,
    RootUpdate,
    load_system_artifact,
    system_genesis_code,
)
from zkbraid.hybrid import ownership as own
from zkbraid.hybrid import verifier_source
from zkbraid.hybrid.ownership import (
    NftNotFound,
    NftNotOwned,
    NoOwnedNft,
    NotAccountKey,
    OpeningMismatch,
    OwnershipOpenings,
    OwnershipProofVerifier,
    OwnershipProver,
    OwnershipStatement,
    nullifier,
    ownership_inputs,
    ownership_witness,
    proof_from_words,
    proof_words,
)
from zkbraid.ledger.kv import memory_store
from zkbraid.proving.artifacts import (
    OWNERSHIP,
    ZK_TX,
    CircuitKeys,
    circuit_digest,
    circuit_dir,
    circuit_sources,
)
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.backends.snarkjs_backend import SnarkjsBackend
from zkbraid.proving.build import build_dev_keys
from zkbraid.proving.errors import CircuitRejected
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import BN254_Q, Proof
from zkbraid.zk.genesis import dev_eth_address, dev_l2_key, devnet_genesis
from zkbraid.zk.params import ZkParams
from zkbraid.zk.state import ZkState

PARAMS = ZkParams()
GAME = bytes.fromhex("9a" * 20)
PLAYER = bytes.fromhex("b0" * 18 + "0b0b")
ROUND = 1_000
COLLECTION, OTHER_COLLECTION = 5, 6
OWNER = 1  # dev account 1 owns NFTs 3, 4 (listed) and 6 (collection 6)
STRANGER = 2  # owns NFT 5


def ownership_state() -> tuple[ZkState, dict[str, int]]:
    """Four dev accounts; NFTs 0..2 of collection 0 for account 0 (so that no id, index and
    public value coincide), then: 3, 4 of collection 5 and 6 of collection 6 owned by account 1
    (4 listed for 500 of token 1), 5 of collection 5 owned by account 2."""
    state = ZkState.genesis(
        memory_store().namespace("zk"),
        PARAMS,
        devnet_genesis(4, collections={0: 0, COLLECTION: 0, OTHER_COLLECTION: 0}),
    )
    for i in range(3):
        state.create_nft(0, 0, 0x100 + i)
    nfts = {
        "first": state.create_nft(OWNER, COLLECTION, 0xC0FFEE),
        "listed": state.create_nft(OWNER, COLLECTION, 0xBEEF),
        "strangers": state.create_nft(STRANGER, COLLECTION, 0xF00D),
        "other_collection": state.create_nft(OWNER, OTHER_COLLECTION, 0xABC),
    }
    state.set_nft_listing(nfts["listed"], 1, 500, 2_000_000_000)
    state.root()
    return state, nfts


@pytest.fixture(scope="module")
def world() -> tuple[ZkState, dict[str, int]]:
    return ownership_state()


@pytest.fixture(scope="session")
def ownership_keys() -> CircuitKeys:
    return build_dev_keys(circuit=OWNERSHIP)


@pytest.fixture(scope="session")
def prover(ownership_keys: CircuitKeys, runner: NodeRunner) -> Iterator[OwnershipProver]:
    yield OwnershipProver(NativeBackend(ownership_keys, runner), keys=ownership_keys)


@pytest.fixture(scope="session")
def own_verifier(ownership_keys: CircuitKeys) -> OwnershipProofVerifier:
    return OwnershipProofVerifier.from_keys(ownership_keys)


Proven = tuple[dict[str, Any], OwnershipStatement, Proof]


@pytest.fixture(scope="module")
def proven(world: tuple[ZkState, dict[str, int]], prover: OwnershipProver) -> Proven:
    """A proof that account 1 owns an NFT of collection 5 (the listed one), for GAME's round
    ROUND and PLAYER."""
    state, nfts = world
    inputs, statement = ownership_witness(
        state, dev_l2_key(OWNER), OWNER, nfts["listed"], GAME, ROUND, PLAYER
    )
    return inputs, statement, prover.prove(inputs, statement)


# -- the fast chain's verifier (py-evm) -------------------------------------------------------

VERIFY = "verifyProof(uint256[8],uint256[6])"


def calldata(signature: str, types: list[str], values: list[Any]) -> bytes:
    return function_signature_to_4byte_selector(signature) + abi_encode(types, values)


@pytest.fixture(scope="module")
def fast_chain() -> FastChain:
    """A fast chain with the system contracts and the real OwnershipVerifier at 0x…7a05."""
    genesis = system_genesis_code(verifier_source.ownership_verifier_runtime())
    params = FastParams(
        genesis_alloc={addr(ALICE): 100 * ETHER, addr(BOB): 100 * ETHER},
        genesis_code=genesis,
    )
    return FastChain(memory_store().namespace("fast"), params)


def sol_verify(chain: FastChain, words: list[int], inputs: list[int], gas: int = 400_000) -> bool:
    data = calldata(VERIFY, ["uint256[8]", "uint256[6]"], [words, inputs])
    out = chain.call(CallRequest(to=OWNERSHIP_VERIFIER, data=data, gas=gas), gas_cap=GAS_CAP)
    (ok,) = abi_decode(["bool"], out)
    return bool(ok)


def verify_gas(chain: FastChain, words: list[int], inputs: list[int]) -> int:
    data = calldata(VERIFY, ["uint256[8]", "uint256[6]"], [words, inputs])
    request = CallRequest(sender=addr(ALICE), to=OWNERSHIP_VERIFIER, data=data, gas=400_000)
    return int(chain.estimate_gas(request, gas_cap=GAS_CAP))


# -- valid proofs ------------------------------------------------------------------------------


def test_valid_proof_verifies_natively_and_with_the_solidity_verifier(
    proven: Proven, own_verifier: OwnershipProofVerifier, fast_chain: FastChain
) -> None:
    _, statement, proof = proven
    state, nfts = ownership_state()
    # The statement is the state's root, the collection and the caller's game, round, player.
    assert statement.root == state.root()
    assert (statement.collection, statement.round) == (COLLECTION, ROUND)
    assert statement.game == int.from_bytes(GAME, "big")
    assert statement.player == int.from_bytes(PLAYER, "big")
    secret = dev_l2_key(OWNER).secret_scalar()
    assert statement.nullifier == poseidon([secret, nfts["listed"], statement.game, ROUND])
    assert own.verify_ownership(proof, statement, verifier=own_verifier)
    assert own_verifier.verify(proof.to_bytes(), statement.public_inputs())
    words = proof_words(proof)
    assert proof_from_words(words) == proof
    assert sol_verify(fast_chain, words, statement.public_inputs())
    gas = verify_gas(fast_chain, words, statement.public_inputs())
    print(f"OwnershipVerifier.verifyProof: {gas:,} gas (call, 21k base included)")
    assert gas < 300_000


def test_snarkjs_proof_verifies_with_both_verifiers(
    world: tuple[ZkState, dict[str, int]],
    ownership_keys: CircuitKeys,
    runner: NodeRunner,
    own_verifier: OwnershipProofVerifier,
    fast_chain: FastChain,
) -> None:
    # snarkjs in node is the browser's engine: its proof of the same inputs verifies too.
    state, nfts = world
    inputs, statement = ownership_witness(
        state, dev_l2_key(OWNER), OWNER, nfts["first"], GAME, ROUND, PLAYER
    )
    snark = OwnershipProver(SnarkjsBackend(ownership_keys, runner), keys=ownership_keys)
    proof = snark.prove(inputs, statement)
    assert own_verifier.verify(proof, statement)
    assert sol_verify(fast_chain, proof_words(proof), statement.public_inputs())


def test_the_real_verifier_admits_through_the_ownership_gate(
    world: tuple[ZkState, dict[str, int]], prover: OwnershipProver
) -> None:
    # pre: a fast chain with the system contracts and this verifier; ZkRoots holds the root.
    state, nfts = world
    game = addr(ALICE)  # the game is the gate's msg.sender: here an account calling directly
    player = addr(CAROL)
    inputs, statement = ownership_witness(
        state, dev_l2_key(OWNER), OWNER, nfts["first"], game, 7, player
    )
    proof = prover.prove(inputs, statement)
    genesis = system_genesis_code(verifier_source.ownership_verifier_runtime())
    chain = FastChain(
        memory_store().namespace("fast"),
        FastParams(genesis_alloc={addr(ALICE): 100 * ETHER}, genesis_code=genesis),
    )
    root_update = RootUpdate(statement.root, 3, RootStatus.COMMITTED)
    chain.execute_block([], timestamp=1, root_updates=[root_update])
    admit = calldata(
        "admit(address,uint16,uint32,uint256,uint256,uint256[8])",
        ["address", "uint16", "uint32", "uint256", "uint256", "uint256[8]"],
        [player, COLLECTION, 7, statement.root, statement.nullifier, proof_words(proof)],
    )
    # Another game cannot use the proof: it is for ALICE's game.
    assert gate_error(chain, addr(BOB), admit) == "InvalidOwnershipProof"
    # operation: the game admits the player.
    tx = sign(ALICE, nonce=0, to=OWNERSHIP_GATE, data=admit, gas=500_000)
    block = chain.execute_block([chain.decode_transaction(tx)], timestamp=2)
    # post: admitted once; the same nullifier admits nobody again.
    assert block.outcomes[0].included and block.outcomes[0].status == 1
    used = calldata("nullifierUsed(uint256)", ["uint256"], [statement.nullifier])
    out = chain.call(CallRequest(to=OWNERSHIP_GATE, data=used), gas_cap=GAS_CAP)
    assert abi_decode(["bool"], out) == (True,)
    assert gate_error(chain, game, admit) == "NullifierUsed"


def gate_error(chain: FastChain, sender: bytes, data: bytes) -> str | None:
    """The OwnershipGate error an `eth_call` of `data` from `sender` reverts with."""
    with pytest.raises(ExecutionReverted) as caught:
        chain.call(CallRequest(sender=sender, to=OWNERSHIP_GATE, data=data), gas_cap=GAS_CAP)
    name: str | None = load_system_artifact("OwnershipGate").error_name(caught.value.data)
    return name


# -- statements the proof does not show -------------------------------------------------------


def wrong_statements(statement: OwnershipStatement) -> dict[str, OwnershipStatement]:
    return {
        "player": replace(statement, player=statement.player ^ 1),
        "game": replace(statement, game=int.from_bytes(bytes.fromhex("9b" * 20), "big")),
        "round": replace(statement, round=statement.round + 1),
        "root": replace(statement, root=(statement.root + 1) % FIELD_MODULUS),
        "nullifier": replace(statement, nullifier=(statement.nullifier + 1) % FIELD_MODULUS),
        "collection": replace(statement, collection=OTHER_COLLECTION),
    }


@pytest.mark.parametrize("field", ["player", "game", "round", "root", "nullifier", "collection"])
def test_invalid_wrong_statement_does_not_verify(
    field: str, proven: Proven, own_verifier: OwnershipProofVerifier, fast_chain: FastChain
) -> None:
    _, statement, proof = proven
    wrong = wrong_statements(statement)[field]
    assert not own_verifier.verify(proof, wrong)
    assert not sol_verify(fast_chain, proof_words(proof), wrong.public_inputs())


def test_invalid_inputs_and_proofs_are_false_not_reverts(
    proven: Proven, own_verifier: OwnershipProofVerifier, fast_chain: FastChain
) -> None:
    _, statement, proof = proven
    words, inputs = proof_words(proof), statement.public_inputs()
    # x and x + r state the same thing to a pairing: an input not below r is refused.
    shifted = [*inputs[:5], inputs[5] + FIELD_MODULUS]
    assert not sol_verify(fast_chain, words, shifted)
    assert not own_verifier.verify(proof, shifted)
    # A coordinate not below q; a point off the curve; all zeros; another proof's words.
    assert not sol_verify(fast_chain, [words[0] + BN254_Q, *words[1:]], inputs)
    assert not sol_verify(fast_chain, [words[0], words[1] ^ 1, *words[2:]], inputs)
    assert not sol_verify(fast_chain, [0] * 8, inputs)
    swapped = [*words[:2], words[3], words[2], *words[4:]]
    assert not sol_verify(fast_chain, swapped, inputs)
    assert not own_verifier.verify(b"\x00" * 255, statement)
    # Short of gas the check does not answer false for a valid proof: it reverts by name.
    with pytest.raises(ExecutionReverted):
        sol_verify(fast_chain, words, inputs, gas=150_000)


# -- witnesses nobody but the owner can make ---------------------------------------------------


def test_invalid_non_owner_cannot_make_a_witness(world: tuple[ZkState, dict[str, int]]) -> None:
    state, nfts = world
    listed = nfts["listed"]
    with pytest.raises(NftNotOwned):  # account 2 does not own it, even with its own key
        ownership_witness(state, dev_l2_key(STRANGER), STRANGER, listed, GAME, ROUND, PLAYER)
    with pytest.raises(NotAccountKey):  # account 1 owns it, but this is account 2's key
        ownership_witness(state, dev_l2_key(STRANGER), OWNER, listed, GAME, ROUND, PLAYER)
    with pytest.raises(NftNotFound):
        ownership_witness(state, dev_l2_key(OWNER), OWNER, 999, GAME, ROUND, PLAYER)
    openings = OwnershipOpenings.from_state(state, OWNER, listed)
    with pytest.raises(NotAccountKey):
        ownership_inputs(openings, dev_l2_key(STRANGER), GAME, ROUND, PLAYER)
    theirs = OwnershipOpenings.from_state(state, OWNER, nfts["strangers"])
    with pytest.raises(NftNotOwned):
        ownership_inputs(theirs, dev_l2_key(OWNER), GAME, ROUND, PLAYER)


def run_witness_generator(
    keys: CircuitKeys, runner: NodeRunner, inputs: dict[str, Any], tmp_path: Path
) -> None:
    """circom's witness generator on `inputs` (raises `CircuitRejected` if a rule fails)."""
    path = tmp_path / "inputs.json"
    as_text = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in inputs.items()}
    path.write_text(json.dumps(as_text))
    runner.call("witness", keys.wasm, path, tmp_path / "w.wtns")


def test_invalid_circuit_refuses_forged_witnesses(
    proven: Proven, ownership_keys: CircuitKeys, runner: NodeRunner, tmp_path: Path
) -> None:
    # The Python checks bypassed: circom's witness generator refuses each forgery (no proof
    # of it exists; the native prover itself would prove an unsatisfied witness, FACTS.md).
    inputs, _, _ = proven
    run_witness_generator(ownership_keys, runner, inputs, tmp_path)  # the genuine one passes
    stranger = dev_l2_key(STRANGER).secret_scalar()
    forgeries: dict[str, dict[str, Any]] = {}

    def forge(name: str, **changes: Any) -> None:
        forgeries[name] = {**inputs, **changes}

    # Another key (its nullifier recomputed): its point is not the account's.
    forge("other key", secret=stranger, nullifier=nullifier(stranger, inputs["nftId"], GAME, ROUND))
    # The same key as s + l (same point): refused, else one key would have many nullifiers.
    s_plus_l = inputs["secret"] + SUB_ORDER
    forge("s + l", secret=s_plus_l, nullifier=nullifier(s_plus_l, inputs["nftId"], GAME, ROUND))
    # The NFT claimed for another account, or another collection, or at another id.
    forge("owner", accountIndex=STRANGER)
    forge("collection", collection=OTHER_COLLECTION)
    forge("nft id", nftId=inputs["nftId"] + 1, nullifier=nullifier(
        inputs["secret"], inputs["nftId"] + 1, GAME, ROUND
    ))  # fmt: skip
    forge("listing", nftListPrice=0)
    forge("nullifier", nullifier=(inputs["nullifier"] + 1) % FIELD_MODULUS)
    forge("round width", round=1 << 32)
    forge("player width", player=1 << 160)
    for name, forged in forgeries.items():
        with pytest.raises(CircuitRejected):
            run_witness_generator(ownership_keys, runner, forged, tmp_path)
            pytest.fail(f"the circuit accepted the forgery: {name}")


def test_invalid_openings_that_do_not_lead_to_the_root(
    world: tuple[ZkState, dict[str, int]],
) -> None:
    state, nfts = world
    openings = OwnershipOpenings.from_state(state, OWNER, nfts["listed"])
    openings.check()
    nft = replace(openings.nft, list_price=0)  # as if the NFT were not listed
    for bad in [
        replace(openings, nft=nft),
        replace(openings, account=replace(openings.account, nonce=5)),
        replace(openings, next_nft_id=openings.next_nft_id + 1),
    ]:
        with pytest.raises(OpeningMismatch):
            bad.check()
        with pytest.raises(OpeningMismatch):
            ownership_inputs(bad, dev_l2_key(OWNER), GAME, ROUND, PLAYER)


def test_invalid_statement_widths() -> None:
    with pytest.raises(own.InvalidOwnershipStatement):
        OwnershipStatement(1, 1 << 16, 0, 0, 0, 0)
    with pytest.raises(own.InvalidOwnershipStatement):
        OwnershipStatement(1, 0, 0, 1 << 32, 0, 0)
    with pytest.raises(own.InvalidOwnershipStatement):
        OwnershipStatement(FIELD_MODULUS, 0, 0, 0, 0, 0)
    with pytest.raises(own.InvalidOwnershipStatement):
        nullifier(1, 1, b"\x01" * 21, 0)


# -- the nullifier -----------------------------------------------------------------------------


def test_nullifier_is_one_per_nft_game_round_and_owner(
    world: tuple[ZkState, dict[str, int]],
) -> None:
    state, nfts = world
    key = dev_l2_key(OWNER)

    def of(nft: str, game: bytes = GAME, round_: int = ROUND, owner: int = OWNER) -> int:
        _, st = ownership_witness(state, dev_l2_key(owner), owner, nfts[nft], game, round_, PLAYER)
        return int(st.nullifier)

    base = of("first")
    assert of("first") == base  # deterministic: the same NFT, game and round admit once
    others = {
        "nft": of("listed"),
        "game": of("first", game=bytes.fromhex("9b" * 20)),
        "round": of("first", round_=ROUND + 1),
        "owner": of("strangers", owner=STRANGER),
    }
    assert len({base, *others.values()}) == 5
    # Not the player's: another player gets the same nullifier (it admits once, whoever asks).
    _, st = ownership_witness(state, key, OWNER, nfts["first"], GAME, ROUND, addr(BOB))
    assert st.nullifier == base
    # The secret is the key's scalar below the subgroup order, with pk = s·Base8.
    assert 0 < key.secret_scalar() < SUB_ORDER
    point = from_ecpoint(mul_base8(key.secret_scalar()))
    assert (point.x, point.y) == (key.public_key.x, key.public_key.y)


# -- privacy -----------------------------------------------------------------------------------


def test_public_inputs_reveal_neither_the_account_nor_the_nft(
    world: tuple[ZkState, dict[str, int]], proven: Proven, ownership_keys: CircuitKeys
) -> None:
    state, nfts = world
    inputs, statement, _ = proven
    # The circuit has exactly the six public inputs, in this order.
    vkey = json.loads(ownership_keys.verification_key_json())
    assert vkey["nPublic"] == 6
    assert list(statement.to_json_dict()) == [
        "root", "collection", "game", "round", "player", "nullifier",
    ]  # fmt: skip
    public = statement.public_inputs()
    assert OWNER not in public and nfts["listed"] not in public
    assert dev_eth_address(OWNER) not in [v.to_bytes(32, "big")[12:] for v in public]
    # Two owners, two NFTs of the collection: the same public inputs but the nullifier.
    _, theirs = ownership_witness(
        state, dev_l2_key(STRANGER), STRANGER, nfts["strangers"], GAME, ROUND, PLAYER
    )
    assert theirs.public_inputs()[:5] == public[:5]
    assert theirs.nullifier != statement.nullifier
    # The account, the key and the NFT are private inputs only.
    for name in ("accountIndex", "nftId", "secret", "accountAddress"):
        assert inputs[name] not in public


# -- the build and the committed verifier ------------------------------------------------------


def test_ownership_circuit_builds_and_caches_apart(ownership_keys: CircuitKeys) -> None:
    assert ownership_keys.circuit is OWNERSHIP
    assert ownership_keys.manifest["circuit"] == "ownership"
    assert ownership_keys.keys_manifest["circuit"] == "ownership"
    assert ownership_keys.zkey.name == "ownership.zkey"
    assert ownership_keys.wasm.name == "ownership_main.wasm"
    # Well inside the 2^16 powers of tau, and about a quarter of the transaction circuit.
    assert 10_000 < ownership_keys.n_constraints < 20_000
    print(f"ownership circuit: {ownership_keys.n_constraints:,} constraints")
    # Each circuit hashes only its own top-level source (and the shared lib/).
    assert circuit_dir(circuit=OWNERSHIP) != circuit_dir(circuit=ZK_TX)
    assert circuit_digest(circuit=OWNERSHIP) == ownership_keys.directory.name
    assert OWNERSHIP.source in circuit_sources(OWNERSHIP)
    assert OWNERSHIP.source not in circuit_sources(ZK_TX)
    assert ZK_TX.source not in circuit_sources(OWNERSHIP)


def test_committed_verifier_is_the_current_keys(
    ownership_keys: CircuitKeys, fast_chain: FastChain
) -> None:
    # Fails when the circuit or its keys changed: regenerate with
    # `python -m zkbraid.hybrid.verifier_source` and `node scripts/compile_contracts.js`.
    verifier_source.check_committed(ownership_keys.verification_key_json())
    artifact = verifier_source.ownership_verifier_artifact()
    source = verifier_source.SOURCE_PATH.read_bytes()
    assert artifact["sourceSha256"] == hashlib.sha256(source).hexdigest()
    assert artifact["source"] == "fast/system/OwnershipVerifier.sol"
    assert verifier_source.ownership_verifier_runtime().hex() == artifact["deployedBytecode"][2:]
    # The deployed code holds this key: its VERIFYING_KEY_HASH is the keys' hash.
    data = function_signature_to_4byte_selector("VERIFYING_KEY_HASH()")
    out = fast_chain.call(CallRequest(to=OWNERSHIP_VERIFIER, data=data), gas_cap=GAS_CAP)
    assert out == ownership_keys.verifying_key_hash
    # No constructor: the runtime code is placed at genesis as it is.
    assert not any(e.get("type") == "constructor" for e in artifact["abi"])
    with pytest.raises(verifier_source.VerifierStale):
        stale = json.loads(ownership_keys.verification_key_json())
        stale["IC"][1] = stale["IC"][2]
        verifier_source.check_committed(stale)


# -- the node's openings and the command line --------------------------------------------------


def node_view(state: ZkState) -> Any:
    """What zk_methods reads of a node: its state (under its lock)."""
    return SimpleNamespace(state=SimpleNamespace(zk=state), lock=threading.Lock(), params=None)


def test_zk_get_ownership_witness(world: tuple[ZkState, dict[str, int]]) -> None:
    state, nfts = world
    method = zk_methods.build(node_view(state))["zk_getOwnershipWitness"]
    owner_address = "0x" + dev_eth_address(OWNER).hex()
    # Without an NFT id: the lowest-id NFT of the collection the account owns.
    served = method([owner_address, COLLECTION])
    assert served["nftId"] == nfts["first"]
    openings = OwnershipOpenings.from_json_dict(json.loads(json.dumps(served["openings"])))
    assert openings == OwnershipOpenings.from_state(state, OWNER, nfts["first"])
    assert method([OWNER, COLLECTION, nfts["listed"]])["nftId"] == nfts["listed"]
    assert method([OWNER, OTHER_COLLECTION])["nftId"] == nfts["other_collection"]
    with pytest.raises(NoOwnedNft):
        method([3, COLLECTION])
    with pytest.raises(NftNotOwned):
        method([OWNER, COLLECTION, nfts["strangers"]])
    with pytest.raises(own.NftNotInCollection):
        method([OWNER, COLLECTION, nfts["other_collection"]])
    with pytest.raises(NftNotFound):
        method([OWNER, COLLECTION, 999])
    with pytest.raises(own.AccountNotFound):
        method(["0x" + "77" * 20, COLLECTION])


def test_braid_zk_prove_ownership(
    world: tuple[ZkState, dict[str, int]],
    own_verifier: OwnershipProofVerifier,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The command against the node's method in process (the devnet end to end is the same
    # JSON over HTTP).
    state, nfts = world
    method = zk_methods.build(node_view(state))["zk_getOwnershipWitness"]

    class Rpc:
        def call(self, name: str, *params: Any, timeout: float | None = None) -> Any:
            assert name == "zk_getOwnershipWitness"
            return json.loads(json.dumps(method(list(params))))

    monkeypatch.setattr(
        ownership_cli, "BraidClient", lambda url: SimpleNamespace(url=url, rpc=Rpc())
    )
    args = argparse.Namespace(
        rpc="http://node", key=f"dev:{OWNER}", collection=COLLECTION, game="0x" + GAME.hex(),
        round=ROUND, player=None, nft=None, backend="native",
    )  # fmt: skip
    assert ownership_cli.cmd_prove_ownership(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {
        "root", "collection", "game", "round", "player", "nullifier", "proof", "seconds",
    }  # fmt: skip
    wallet_address = "0x" + dev_eth_address(OWNER).hex()
    assert printed["player"] == wallet_address  # the default player: the wallet's address
    assert printed["game"] == "0x" + GAME.hex() and printed["round"] == ROUND
    statement = OwnershipStatement(
        int(printed["root"], 16), printed["collection"], int(printed["game"], 16),
        printed["round"], int(printed["player"], 16), int(printed["nullifier"], 16),
    )  # fmt: skip
    proof = proof_from_words([int(w, 16) for w in printed["proof"]])
    assert own_verifier.verify(proof, statement)
    assert statement.nullifier == nullifier(
        dev_l2_key(OWNER).secret_scalar(), nfts["first"], GAME, ROUND
    )
    print(f"braid zk prove-ownership: proved in {printed['seconds']} s")


@pytest.mark.integration
def test_devnet_admits_a_prove_ownership_proof(
    tmp_path: Path, ownership_keys: CircuitKeys, own_verifier: OwnershipProofVerifier
) -> None:
    # The whole loop on a real `braid devnet`: an NFT minted on the ZK chain, its owner's
    # `braid zk prove-ownership`, the game admitting the player on the fast chain, where the
    # ledger put the root in ZkRoots and genesis the verifier at 0x…7a05.
    from web3 import Web3

    from tests.integration.conftest import BRAID, ROOT, NodeProcess, until
    from zkbraid.node.devnet import dev_accounts

    node = NodeProcess(tmp_path / "data", ["--no-l1", "--fast-block-ms", "20"])
    node.start(timeout=180)
    try:

        def braid(*argv: str) -> str:
            run = subprocess.run(
                [*BRAID, "--rpc", node.url, *argv], capture_output=True, text=True, cwd=ROOT,
                timeout=300, check=False,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
            return run.stdout

        owner = "0x" + dev_eth_address(OWNER).hex()
        braid("zk", "nft", "mint", "--key", "dev:0", "--collection", "0", "--content", "0x1234",
              "--to", owner)  # fmt: skip
        game = dev_accounts(4)[3]
        proving = ["--key", f"dev:{OWNER}", "--collection", "0", "--game", game.address]
        printed = json.loads(braid("zk", "prove-ownership", *proving, "--round", "9"))
        assert printed["player"] == owner.lower()
        w3 = Web3(Web3.HTTPProvider(node.url))
        gate_abi = load_system_artifact("OwnershipGate").abi
        gate = w3.eth.contract(address=Web3.to_checksum_address(OWNERSHIP_GATE), abi=gate_abi)
        root, nullifier_ = int(printed["root"], 16), int(printed["nullifier"], 16)
        admit = gate.functions.admit(
            Web3.to_checksum_address(printed["player"]), 0, 9, root, nullifier_,
            [int(w, 16) for w in printed["proof"]],
        )  # fmt: skip
        # The ledger records the ZK root in ZkRoots with the next fast block.
        until("the root in ZkRoots", lambda: _admits(admit, game.address), 60)
        tx = admit.build_transaction(
            {"from": game.address, "nonce": w3.eth.get_transaction_count(game.address),
             "gas": 500_000, "chainId": w3.eth.chain_id}
        )  # fmt: skip
        sent = w3.eth.send_raw_transaction(game.sign_transaction(tx).raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(sent, timeout=60)
        assert receipt["status"] == 1 and len(receipt["logs"]) == 1
        assert gate.functions.nullifierUsed(nullifier_).call()
        assert not _admits(admit, game.address)  # once per NFT, game and round
        print(f"devnet: admitted with {receipt['gasUsed']:,} gas")
    finally:
        node.stop()


def _admits(admit: Any, game: str) -> bool:
    try:
        admit.call({"from": game})
    except Exception:  # the gate's revert (RootNotHeld before the root arrives, NullifierUsed)
        return False
    return True
