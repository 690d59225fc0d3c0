"""What the node relies on: a proof verifies only for its own transaction and roots, tampered
or malformed proofs are refused, and a prover never hands on a proof it has not verified."""

import json
import struct
import tempfile
from dataclasses import fields as fields_of
from dataclasses import replace
from pathlib import Path

import pytest
from py_ecc.optimized_bn128 import G2, multiply, normalize

from tests.unit.zk.vectors import VECTORS, run_vector
from zkbraid.crypto.eddsa import Signature
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.errors import InvalidProof, JobMismatch, MalformedProof, SelfCheckFailed
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import BN254_Q, PROOF_BYTES, Proof
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import ProofWitness, build_witness
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.params import ZkParams
from zkbraid.zk.transactions import ZkTransaction


def job_of(name: str) -> ProofJob:
    parts = run_vector(VECTORS[name]())
    tx = parts["operation"]
    return ProofJob(tx, build_witness(parts["pre"].restore(), tx))


@pytest.fixture(scope="module")
def proven(native_prover: Prover) -> dict[str, tuple[ProofJob, Proof]]:
    out = {}
    for name in ("transfer", "nft_mint", "deposit", "withdraw"):
        job = job_of(name)
        out[name] = (job, native_prover.prove(job))
    return out


def test_proof_verifies_for_its_transaction_and_roots(
    proven: dict[str, tuple[ProofJob, Proof]], verifier: ProofVerifier
) -> None:
    for job, proof in proven.values():
        verifier.check_transaction(proof, job.old_root, job.new_root, job.tx)
        verifier.check_transaction(proof.to_bytes(), job.old_root, job.new_root, job.tx)


def _other_transactions(tx: ZkTransaction) -> list[ZkTransaction]:
    fields = {"amount": 1, "to_index": 3, "fee": 99, "token": 1, "content_hash": 5,
              "collection_id": 1, "from_index": 2, "minter_index": 1, "deposit_id": 1}  # fmt: skip
    others = [
        replace(tx, **{name: getattr(tx, name) + value})  # type: ignore[arg-type]
        for name, value in fields.items()
        if name in {f.name for f in fields_of(tx)}  # (a Deposit's fee is no field: always 0)
    ]
    # The L1 addresses a deposit names and a withdrawal pays are bound too.
    for name in ("recipient", "l1_recipient"):
        if hasattr(tx, name):
            others.append(replace(tx, **{name: dev_eth_address(3)}))  # type: ignore[arg-type]
    return others


def test_invalid_proof_bound_to_another_transaction(
    proven: dict[str, tuple[ProofJob, Proof]], verifier: ProofVerifier
) -> None:
    (transfer_job, transfer_proof), (mint_job, mint_proof) = proven["transfer"], proven["nft_mint"]
    for job, proof in proven.values():
        for other in _other_transactions(job.tx):
            assert not verifier.verify_transaction(proof, job.old_root, job.new_root, other)
            with pytest.raises(InvalidProof):
                verifier.check_transaction(proof, job.old_root, job.new_root, other)
    # A proof of one type does not stand for a transaction of another.
    assert not verifier.verify_transaction(
        transfer_proof, transfer_job.old_root, transfer_job.new_root, mint_job.tx
    )
    (deposit_job, deposit_proof), (withdraw_job, _) = proven["deposit"], proven["withdraw"]
    assert not verifier.verify_transaction(
        deposit_proof, deposit_job.old_root, deposit_job.new_root, withdraw_job.tx
    )
    # Signatures are not public data: the proof shows that a valid signature exists, so it
    # stands for the same fields whatever signature bytes travel with them.
    unsigned = replace(mint_job.tx, signature=Signature(1, 2, 3))
    assert verifier.verify_transaction(mint_proof, mint_job.old_root, mint_job.new_root, unsigned)


def test_invalid_proof_bound_to_other_roots(
    proven: dict[str, tuple[ProofJob, Proof]], verifier: ProofVerifier
) -> None:
    (t_job, t_proof), (m_job, _) = proven["transfer"], proven["nft_mint"]
    for old, new in (
        (t_job.old_root + 1, t_job.new_root),
        (t_job.old_root, t_job.new_root + 1),
        (t_job.new_root, t_job.old_root),
        (m_job.old_root, m_job.new_root),
        (t_job.old_root, t_job.old_root),
    ):
        assert not verifier.verify_transaction(t_proof, old, new, t_job.tx)
        with pytest.raises(InvalidProof):
            verifier.check_transaction(t_proof, old, new, t_job.tx)


def test_invalid_tampered_proof_bytes(
    proven: dict[str, tuple[ProofJob, Proof]], verifier: ProofVerifier
) -> None:
    job, proof = proven["transfer"]
    blob = proof.to_bytes()
    for offset in range(31, PROOF_BYTES, 32):  # the last byte of each of the 8 words
        for flip in (1, 0x80):
            tampered = bytearray(blob)
            tampered[offset] ^= flip
            assert not verifier.verify_transaction(
                bytes(tampered), job.old_root, job.new_root, job.tx
            )
    swapped = blob[:64] + blob[96:128] + blob[64:96] + blob[128:]  # b.x halves in the wrong order
    assert not verifier.verify(swapped, job.witness.public_inputs())
    negated = Proof(a=(proof.a[0], BN254_Q - proof.a[1]), b=proof.b, c=proof.c)
    assert not verifier.verify(negated, job.witness.public_inputs())
    for bad in (b"", blob[:-1], blob + b"\x00", b"\xff" * PROOF_BYTES):
        assert not verifier.verify(bad, job.witness.public_inputs())
    with pytest.raises(MalformedProof):
        verifier.check_transaction(blob[:100], job.old_root, job.new_root, job.tx)


def test_invalid_public_inputs_out_of_range(
    proven: dict[str, tuple[ProofJob, Proof]], verifier: ProofVerifier
) -> None:
    job, proof = proven["transfer"]
    public = job.witness.public_inputs()
    assert not verifier.verify(proof, [public[0] + FIELD_MODULUS, *public[1:]])  # same mod r
    assert not verifier.verify(proof, public[:4])
    assert not verifier.verify(proof, [*public, 0])


def verifier_of(keys: CircuitKeys) -> ProofVerifier:
    return ProofVerifier.from_keys(keys)


def test_invalid_proof_under_other_keys(
    proven: dict[str, tuple[ProofJob, Proof]], dev_keys: CircuitKeys
) -> None:
    # Another delta (what another phase-2 contribution gives) is another key: the dev proof
    # means nothing there.
    vkey = json.loads(dev_keys.verification_key_json())
    x, y = normalize(multiply(G2, 5))
    halves = [[str(c) for c in x.coeffs], [str(c) for c in y.coeffs], ["1", "0"]]
    vkey["vk_delta_2"] = halves
    other = ProofVerifier(json.dumps(vkey))
    job, proof = proven["transfer"]
    assert verifier_of(dev_keys).verify(proof, job.witness.public_inputs())
    assert not other.verify(proof, job.witness.public_inputs())


def test_invalid_job_whose_witness_is_another_transactions(native_prover: Prover) -> None:
    transfer, mint = job_of("transfer"), job_of("nft_mint")
    with pytest.raises(JobMismatch):
        native_prover.prove(ProofJob(transfer.tx, mint.witness))


def _set_wire(wtns: Path, wire: int, value: int) -> None:
    """Overwrites one wire of a .wtns file (iden3 format: header section 1, values section 2)."""
    data = bytearray(wtns.read_bytes())
    offset = 12
    n8 = 32
    while offset < len(data):
        section, size = struct.unpack_from("<IQ", data, offset)
        offset += 12
        if section == 1:
            n8 = struct.unpack_from("<I", data, offset)[0]
        elif section == 2:
            data[offset + wire * n8 : offset + (wire + 1) * n8] = value.to_bytes(n8, "little")
        offset += size
    wtns.write_bytes(bytes(data))


class ForgingBackend(NativeBackend):
    """A broken back end: it runs circom's generator on the honest witness, then writes the
    claimed new root into the witness file and has the native prover prove it anyway."""

    def __init__(self, keys: CircuitKeys, runner: NodeRunner, honest: ProofWitness) -> None:
        super().__init__(keys, runner)
        self.honest = honest

    def prove(self, witness: ProofWitness) -> Proof:
        with tempfile.TemporaryDirectory() as tmp:
            wtns = self.compute_witness(self.honest, Path(tmp) / "w.wtns")
            _set_wire(wtns, 2, witness.new_root)  # wire 0 is 1, then oldRoot, newRoot, txData
            data = wtns.read_bytes()
        proof, _ = self.prove_wtns(data)
        return proof


def test_invalid_forged_witness_never_leaves_the_prover(
    dev_keys: CircuitKeys, runner: NodeRunner, verifier: ProofVerifier
) -> None:
    job = job_of("transfer")
    forged = ProofWitness({**job.witness.inputs, "newRoot": job.new_root + 1})
    prover = Prover(ForgingBackend(dev_keys, runner, job.witness), keys=dev_keys)
    with pytest.raises(SelfCheckFailed):
        prover.prove(ProofJob(job.tx, forged))
    # The native prover did make a "proof" of the unsatisfied witness; it just does not verify.
    bogus = prover.backend.prove(forged)
    assert not verifier.verify(bogus, forged.public_inputs())


def test_proof_job_json_round_trip() -> None:
    job = job_of("nft_transfer")
    again = ProofJob.from_json(job.to_json(), ZkParams())
    assert again.tx == job.tx
    assert dict(again.witness.inputs) == dict(job.witness.inputs)
