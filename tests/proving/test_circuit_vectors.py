"""The circuit against the Python STF, vector by vector (STYLE.md §5).

Every vector of tests/unit/zk/vectors.py runs through the STF and through the circuit, and
both must agree:

- valid: the witness reaches the STF's new root, and a native proof is made and verified
  against the recorded roots and the transaction;
- invalid: no proof can be made, because the witness cannot be built (an id beyond any slot)
  or circom's witness generator refuses it (a failed circuit rule), except for the rules the
  circuit leaves to the validators and L1 (RegisterKey's ECDSA signature and address
  uniqueness, an unsigned Deposit's chain id, circuits/README.md), listed in VALIDATOR_ONLY.

Vectors made with other chain parameters run through a circuit compiled for those parameters
(--O1, tests only; --O2 when valid) and, when valid, circom's witness is checked against every
constraint of that circuit's .r1cs (r1cs_check.py: a variant has no proving keys).
"""

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.proving.conftest import VariantCircuits
from tests.proving.r1cs_check import read_wtns, unsatisfied
from tests.unit.zk.vectors import VECTOR_TIME, VECTORS, run_vector
from zkbraid.proving.artifacts import MAIN_NAME, CircuitKeys
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.errors import CircuitRejected, WitnessError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.statement import tx_data
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import ProofWitness, build_witness
from zkbraid.zk import errors as E
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.params import ZkParams
from zkbraid.zk.transactions import Deposit, RegisterKey, TxType, Withdraw

DEFAULT = ZkParams()

# Rejections of the STF that the circuit does not make, with the reason (circuits/README.md).
VALIDATOR_ONLY = {
    "invalid_register_key_wrong_chain_id": "the chain id is in the Ethereum-signed text",
    "invalid_register_key_already_registered": "address uniqueness needs an address-keyed tree",
    "invalid_register_key_replayed": "address uniqueness needs an address-keyed tree",
    "invalid_register_key_signed_by_other_address": "ECDSA is checked outside the circuit",
    "invalid_register_key_tampered_fee": "ECDSA is checked outside the circuit",
    "invalid_register_key_tampered_key": "ECDSA is checked outside the circuit",
    "invalid_register_key_bad_v": "ECDSA is checked outside the circuit",
    "invalid_register_key_high_s": "ECDSA is checked outside the circuit",
    "invalid_deposit_wrong_chain_id": "an unsigned Deposit has no signed chain id; L1 backs it",
}
VALIDATOR_ONLY_ERRORS = (E.BadECDSASignature, E.AddressAlreadyRegistered, E.WrongZkChainId)

VALID = sorted(name for name in VECTORS if not name.startswith("invalid_"))
INVALID = sorted(name for name in VECTORS if name.startswith("invalid_"))


@cache
def parts_of(name: str) -> dict[str, Any]:
    return run_vector(VECTORS[name]())


def variant_params(names: list[str]) -> set[ZkParams]:
    return {parts_of(n)["pre"].params for n in names} - {DEFAULT}


def run_witness(runner: NodeRunner, wasm: Path, witness: ProofWitness, out: Path) -> Path:
    """circom's witness generator (raises CircuitRejected)."""
    inputs = out.with_suffix(".json")
    inputs.write_text(witness.to_json())
    runner.call("witness", wasm, inputs, out)
    return out


@pytest.fixture(scope="module", autouse=True)
def _compile_variants(variants: VariantCircuits) -> None:
    variants.prepare(variant_params(VALID), variant_params(INVALID))


def test_vectors_cover_every_type_and_the_validator_only_rules_are_exact() -> None:
    assert {type(parts_of(n)["operation"]) for n in VALID} >= {RegisterKey}
    assert {parts_of(n)["operation"].TYPE for n in VALID} == set(TxType)
    assert {parts_of(n)["operation"].TYPE for n in INVALID} == set(TxType)
    assert set(VALIDATOR_ONLY) <= set(INVALID)
    for name in VALIDATOR_ONLY:
        parts = parts_of(name)
        assert isinstance(parts["operation"], RegisterKey | Deposit)
        assert issubclass(parts["error"], VALIDATOR_ONLY_ERRORS)
    # A Deposit's only rule left to the validators is its chain id (its L1 backing is the
    # node's, outside the STF); a Withdraw has none.
    assert [n for n in VALIDATOR_ONLY if isinstance(parts_of(n)["operation"], Deposit)] == [
        "invalid_deposit_wrong_chain_id"
    ]
    assert not [n for n in VALIDATOR_ONLY if isinstance(parts_of(n)["operation"], Withdraw)]
    # Every other RegisterKey rejection (key validity, tree full, fee width) is the circuit's.
    others = [
        n for n in INVALID if n.startswith("invalid_register_key") and n not in VALIDATOR_ONLY
    ]
    assert {parts_of(n)["error"] for n in others} == {
        E.InvalidL2Key, E.AccountTreeFull, E.FeeOutOfRange,
    }  # fmt: skip


@pytest.mark.parametrize("name", VALID)
def test_circuit_proves(
    name: str,
    native_prover: Prover,
    verifier: ProofVerifier,
    runner: NodeRunner,
    variants: VariantCircuits,
) -> None:
    parts = parts_of(name)
    tx, pre, post = parts["operation"], parts["pre"], parts["post"]
    witness = build_witness(pre.restore(), tx, VECTOR_TIME)
    assert (witness.old_root, witness.new_root) == (pre.root, post.root)
    if pre.params == DEFAULT:
        proof = native_prover.prove(ProofJob(tx, witness))
        assert verifier.verify_transaction(proof, pre.root, post.root, tx, VECTOR_TIME)
        assert not verifier.verify_transaction(proof, pre.root, pre.root, tx, VECTOR_TIME)
        return
    directory = variants.directory(pre.params)
    # A variant has no keys (module docstring of r1cs_check): circom's witness must satisfy
    # every constraint, with the statement's public inputs on their wires.
    with tempfile.TemporaryDirectory() as tmp:
        wasm = directory / f"{MAIN_NAME}_js" / f"{MAIN_NAME}.wasm"
        wtns = run_witness(runner, wasm, witness, Path(tmp) / "w.wtns")
        assert unsatisfied(directory / f"{MAIN_NAME}.r1cs", wtns) == []
        public = witness.public_inputs()
        assert read_wtns(wtns)[1 : 1 + len(public)] == public


@pytest.mark.parametrize("name", INVALID)
def test_invalid_rejected_by_circuit(
    name: str, native_prover: Prover, runner: NodeRunner, variants: VariantCircuits
) -> None:
    parts = parts_of(name)
    tx, pre = parts["operation"], parts["pre"]
    try:
        witness = build_witness(pre.restore(), tx, VECTOR_TIME)
    except WitnessError:
        assert name not in VALIDATOR_ONLY
        return  # no witness, no proof
    if pre.params == DEFAULT:
        if name in VALIDATOR_ONLY:
            # The circuit accepts: this rule is the validators' (and L1's), not the circuit's.
            proof = native_prover.prove(ProofJob(tx, witness))
            assert native_prover.verifier.verify(proof, witness.public_inputs())
            return
        with pytest.raises(CircuitRejected):
            native_prover.prove(ProofJob(tx, witness))
        return
    assert name not in VALIDATOR_ONLY
    directory = variants.directory(pre.params)
    wasm = directory / f"{MAIN_NAME}_js" / f"{MAIN_NAME}.wasm"
    with tempfile.TemporaryDirectory() as tmp, pytest.raises(CircuitRejected):
        run_witness(runner, wasm, witness, Path(tmp) / "w.wtns")


@pytest.mark.parametrize(
    "name", ["register_key", "transfer", "nft_mint", "nft_transfer", "deposit", "withdraw"]
)
def test_invalid_wrong_new_root(name: str, native_prover: Prover) -> None:
    parts = parts_of(name)
    witness = build_witness(parts["pre"].restore(), parts["operation"])
    for wrong in (witness.new_root + 1, parts["pre"].root, 0):
        forged = ProofWitness({**witness.inputs, "newRoot": wrong})
        with pytest.raises(CircuitRejected, match="newRoot === newRootComputed"):
            native_prover.prove(ProofJob(parts["operation"], forged))


def test_invalid_wrong_old_root(native_prover: Prover) -> None:
    parts = parts_of("transfer")
    witness = build_witness(parts["pre"].restore(), parts["operation"])
    forged = ProofWitness({**witness.inputs, "oldRoot": witness.old_root + 1})
    with pytest.raises(CircuitRejected, match="oldRoot === oldRootComputed"):
        native_prover.prove(ProofJob(parts["operation"], forged))


def _forged(witness: ProofWitness, **inputs: int | list[int]) -> ProofWitness:
    return ProofWitness({**witness.inputs, **inputs})


def _generate(dev_keys: CircuitKeys, runner: NodeRunner, witness: ProofWitness) -> None:
    """circom's witness generator on a witness whose public data is not its transaction's (the
    prover refuses such a job before proving; a forger would go straight to the circuit)."""
    with tempfile.TemporaryDirectory() as tmp:
        NativeBackend(dev_keys, runner).compute_witness(witness, Path(tmp) / "w.wtns")


def test_invalid_deposit_with_a_fee(dev_keys: CircuitKeys, runner: NodeRunner) -> None:
    # Deposit.fee is always 0, so only a forged witness can try one: the header would carry it.
    parts = parts_of("deposit")
    witness = build_witness(parts["pre"].restore(), parts["operation"])
    _generate(dev_keys, runner, witness)  # the honest one passes
    header, *wide = witness.tx_data
    forged = _forged(witness, fee=1, txData=[header + 2**112, *wide])
    with pytest.raises(CircuitRejected, match=r"isSystem \* fee === 0"):
        _generate(dev_keys, runner, forged)


def test_invalid_deposit_record_of_another_account(
    dev_keys: CircuitKeys, runner: NodeRunner
) -> None:
    # The witness credits account 2; the published record names account 1 and its address.
    parts = parts_of("deposit")
    tx = parts["operation"]
    witness = build_witness(parts["pre"].restore(), tx)
    other = Deposit(tx.chain_id, tx.deposit_id, 1, tx.token, dev_eth_address(1), tx.amount)
    for data in (list(tx_data(other)), [tx_data(other)[0], *witness.tx_data[1:]],
                 [witness.tx_data[0], tx_data(other)[1], witness.tx_data[2]]):  # fmt: skip
        with pytest.raises(CircuitRejected, match="txData"):
            _generate(dev_keys, runner, _forged(witness, txData=data))


def test_invalid_deposit_that_bumps_the_nonce(native_prover: Prover) -> None:
    # An unsigned deposit leaves the nonce alone: a witness claiming the nonce+1 leaf is refused.
    parts = parts_of("deposit")
    tx = parts["operation"]
    witness = build_witness(parts["pre"].restore(), tx)
    bumped = parts["post"].restore()
    bumped.set_nonce(tx.to_index, 1)
    with pytest.raises(CircuitRejected, match="newRoot === newRootComputed"):
        native_prover.prove(ProofJob(tx, _forged(witness, newRoot=bumped.root())))


def test_invalid_withdraw_to_another_l1_address(dev_keys: CircuitKeys, runner: NodeRunner) -> None:
    # The signature covers l1_recipient: a prover cannot redirect a withdrawal on L1.
    parts = parts_of("withdraw")
    tx = parts["operation"]
    witness = build_witness(parts["pre"].restore(), tx)
    thief = int.from_bytes(dev_eth_address(0), "big")
    data = [witness.tx_data[0], thief, witness.tx_data[2]]
    with pytest.raises(CircuitRejected, match="signature"):
        _generate(dev_keys, runner, _forged(witness, l1Address=thief, txData=data))
