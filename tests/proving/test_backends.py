"""The two back ends make interchangeable proofs for the same keys, and an independent verifier
(py_ecc) accepts them: one transaction of each type, proven by the native prover and by snarkjs;
a snarkjs proof verifies with the native verifier and a native proof with snarkjs."""

import json
import tempfile
from pathlib import Path

import pytest

from tests.proving.pyecc_groth16 import pyecc_verify
from tests.unit.zk.vectors import VECTORS, run_vector
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.errors import CircuitRejected
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import Proof
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import build_witness

ONE_PER_TYPE = ["register_key", "transfer", "nft_mint", "nft_transfer", "deposit", "withdraw"]


def job_of(name: str) -> ProofJob:
    parts = run_vector(VECTORS[name]())
    tx = parts["operation"]
    return ProofJob(tx, build_witness(parts["pre"].restore(), tx))


def snarkjs_verify(runner: NodeRunner, keys: CircuitKeys, proof: Proof, public: list[int]) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        proof_path, public_path = Path(tmp) / "proof.json", Path(tmp) / "public.json"
        proof_path.write_text(json.dumps(proof.to_snarkjs()))
        public_path.write_text(json.dumps([str(x) for x in public]))
        return bool(runner.call("verify", keys.vkey_path, proof_path, public_path))


@pytest.mark.parametrize("name", ONE_PER_TYPE)
def test_backends_are_interchangeable(
    name: str,
    native_prover: Prover,
    snark: Prover,
    verifier: ProofVerifier,
    runner: NodeRunner,
    dev_keys: CircuitKeys,
) -> None:
    job = job_of(name)
    public = job.witness.public_inputs()
    vkey = json.loads(dev_keys.verification_key_json())
    native = native_prover.prove(job)
    wasm = snark.prove(job)
    for proof in (native, wasm):
        assert verifier.verify(proof, public)  # the native verifier
        assert snarkjs_verify(runner, dev_keys, proof, public)  # snarkjs
        assert pyecc_verify(vkey, proof, public)  # py_ecc, independent of both
        assert verifier.verify_transaction(
            Proof.from_bytes(proof.to_bytes()), job.old_root, job.new_root, job.tx
        )
    wrong = [public[0], public[1] + 1, *public[2:]]
    assert not pyecc_verify(vkey, native, wrong)
    assert not snarkjs_verify(runner, dev_keys, wasm, wrong)


def test_invalid_snarkjs_refuses_an_unsatisfied_circuit(snark: Prover) -> None:
    parts = run_vector(VECTORS["invalid_transfer_insufficient_balance"]())
    tx = parts["operation"]
    job = ProofJob(tx, build_witness(parts["pre"].restore(), tx))
    with pytest.raises(CircuitRejected, match=r"Num2Bits\(AMOUNT_BITS\)\(aNewBalance\)"):
        snark.prove(job)
