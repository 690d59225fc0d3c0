"""Real proofs through a real node: proving jobs, `braid prover run`, and every way a
submission can be wrong, each refused with a named error that changes nothing."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.integration.conftest import BRAID, ROOT, NodeProcess
from zkbraid.market.transactions import SubmitProof, sign_submit_proof
from zkbraid.proving.proof import Proof
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import RpcError


@pytest.fixture(scope="module")
def client(node: NodeProcess) -> BraidClient:
    return BraidClient(node.url)


@pytest.fixture(scope="module")
def prover() -> Prover:
    return Prover("groth16py")


def _prove(client: BraidClient, prover: Prover, tx_hash: str) -> bytes:
    info = client.proof_job(tx_hash)
    assert info is not None
    return prover.prove(ProofJob.from_json(json.dumps(info["job"]))).to_bytes()


def _refused(client: BraidClient, sub: SubmitProof) -> str:
    with pytest.raises(RpcError) as e:
        client.submit_proof(sub)
    return e.value.name


def test_prover_run_proves_committed_transactions(client: BraidClient, node: NodeProcess) -> None:
    st = client.wait(client.send_transfer(Wallet.dev(0), 1, 5))
    info = client.proof_job(st["hash"])
    assert info is not None and not info["proven"]
    assert info["oldRoot"] == st["result"]["oldRoot"]
    assert info["newRoot"] == st["result"]["newRoot"]

    proc = subprocess.run(
        [*BRAID, "--rpc", node.url, "prover", "run", "--key", "dev:3", "--exit-when-idle"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "proved" in proc.stderr

    proven = client.transaction(st["hash"])
    assert proven is not None and proven["status"] == "proven"
    assert proven["proof"]["prover"].lower() == Wallet.dev(3).address.lower()
    assert client.proof_job() is None  # nothing left to prove


def test_invalid_submissions(client: BraidClient, prover: Prover) -> None:
    a = client.wait(client.send_transfer(Wallet.dev(1), 2, 7))
    b = client.wait(client.send_transfer(Wallet.dev(2), 1, 9))
    proof_a = _prove(client, prover, a["hash"])
    key = bytes(Wallet.dev(4).eth.key)
    a_hash, b_hash = bytes.fromhex(a["hash"][2:]), bytes.fromhex(b["hash"][2:])
    before: dict[str, Any] = {"b": client.transaction(b["hash"]), "root": client.status()}

    # a proof of A offered as a proof of B: bound to the wrong transaction and roots
    assert _refused(client, sign_submit_proof(key, b_hash, proof_a)) == "InvalidProof"
    # tampered bytes
    tampered = bytearray(proof_a)
    tampered[40] ^= 1
    assert _refused(client, sign_submit_proof(key, a_hash, bytes(tampered))) in {
        "InvalidProof",
        "MalformedProof",
    }
    # a valid proof whose coordinates are swapped (a well-formed, different proof)
    p = Proof.from_bytes(proof_a)
    swapped = Proof.from_bytes(
        p.to_bytes()[:64] + p.to_bytes()[64:192] + p.to_bytes()[:64]
    ).to_bytes()
    assert _refused(client, sign_submit_proof(key, a_hash, swapped)) == "InvalidProof"
    # signed by someone other than the prover it names
    good = sign_submit_proof(key, a_hash, proof_a)
    forged = SubmitProof(good.tx_hash, good.proof, b"\x11" * 20, good.signature)
    assert _refused(client, forged) == "BadSubmissionSignature"
    # not a committed ZK-chain transaction
    assert _refused(client, sign_submit_proof(key, b"\x22" * 32, proof_a)) == "UnknownProofJob"
    assert client.transaction(b["hash"]) == before["b"]

    # the good one is accepted once, then refused as already proven
    st = client.wait(client.submit_proof(good))
    assert st["result"]["proven"] == a["hash"]
    assert client.transaction(a["hash"])["status"] == "proven"  # type: ignore[index]
    assert _refused(client, sign_submit_proof(key, a_hash, proof_a)) in {
        "AlreadyProven",
        "AlreadyKnown",
    }
