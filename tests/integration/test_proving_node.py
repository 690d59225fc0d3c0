"""Real proofs through a real node: proving jobs, `braid prover run`, and every way a
submission can be wrong, each refused with a named error that changes nothing."""

from __future__ import annotations

import json
import subprocess
import time
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
    return Prover("native")


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


def _assigned(client: BraidClient, wallet: Wallet, tx_hash: str) -> None:
    """Waits until the market assigns `tx_hash` to `wallet` (at the step of a block)."""
    for _ in range(100):
        if any(j.get("txHash") == tx_hash for j in client.assignments(wallet.address)):
            return
        time.sleep(0.1)
    raise AssertionError(f"{tx_hash} was not assigned to {wallet.address}")


def test_invalid_submissions(client: BraidClient, prover: Prover) -> None:
    assignee, copier = Wallet.dev(4), Wallet.dev(5)
    client.wait(client.register_prover(assignee))  # the only active prover: it gets every job
    a = client.wait(client.send_transfer(Wallet.dev(1), 2, 7))
    b = client.wait(client.send_transfer(Wallet.dev(2), 1, 9))
    _assigned(client, assignee, a["hash"])
    _assigned(client, assignee, b["hash"])
    proof_a = _prove(client, prover, a["hash"])
    key = bytes(assignee.eth.key)
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

    # a copy of the assignee's proof re-signed by someone else earns nothing: refused, whether
    # or not the copier is a registered prover
    copied = sign_submit_proof(bytes(copier.eth.key), a_hash, proof_a)
    assert _refused(client, copied) == "NotAssignee"
    client.wait(client.register_prover(copier))
    assert _refused(client, copied) == "NotAssignee"
    assert client.transaction(a["hash"])["status"] == "committed"  # type: ignore[index]

    # the good one is accepted once and paid to the assignee, then refused as already proven
    balance = int(client.prover(assignee.address)["balance"])  # type: ignore[index]
    st = client.wait(client.submit_proof(good))
    assert st["result"]["proven"] == a["hash"]
    paid = int(st["result"]["paid"])
    assert paid > 0
    after = client.prover(assignee.address)
    assert after is not None and int(after["balance"]) == balance + paid
    assert after["jobsDone"] == 1
    job = client.job(a["hash"])
    assert job is not None and job["status"] == "done" and job["paid"] == str(paid)
    assert [h["outcome"] for h in job["history"]] == ["proven"]
    assert client.transaction(a["hash"])["status"] == "proven"  # type: ignore[index]
    assert _refused(client, sign_submit_proof(key, a_hash, proof_a)) in {
        "AlreadyProven",
        "AlreadyKnown",
    }
