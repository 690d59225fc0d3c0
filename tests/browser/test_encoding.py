"""The browser prover's encodings (web/prover/encoding.js, run under Node) against the node's
Python decoders: every transaction the page sends decodes, its signature checks, and it is
byte-for-byte what the Python signers make (both sign with RFC 6979 deterministic nonces)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak

from zkbraid.market.market_txs import (
    BundleEntry,
    DeactivateProver,
    ProverHeartbeat,
    RegisterProver,
    SubmitBundle,
    bundle_hash,
    decode_market_tx,
    sign_bundle,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.transactions import SubmitProof, decode_sequencer_tx, sign_submit_proof
from zkbraid.proving.proof import BN254_Q, Proof

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("encodings.cjs")
KEY = bytes(keccak(b"zkbraid browser prover test key"))

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "ethers").is_dir(),
    reason="needs node and the npm packages (scripts/install.sh)",
)


def _proof(rng: random.Random) -> Proof:
    def fq() -> int:
        return rng.randrange(BN254_Q)

    return Proof(a=(fq(), fq()), b=((fq(), fq()), (fq(), fq())), c=(fq(), fq()))


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    rng = random.Random(4)
    tx_hash = rng.randbytes(32)
    proof = _proof(rng)
    entries = [
        BundleEntry(rng.randbytes(32), rng.randbytes(32), rng.randbytes(32), _proof(rng).to_bytes())
        for _ in range(3)
    ]
    batch = 300  # two bytes: exercises the minimal integer encoding
    given = {
        "key": "0x" + KEY.hex(),
        "txHash": "0x" + tx_hash.hex(),
        "proof": proof.to_hex(),
        "batch": batch,
        "entries": [
            {
                "txHash": "0x" + e.tx_hash.hex(),
                "oldRoot": "0x" + e.old_root.hex(),
                "newRoot": "0x" + e.new_root.hex(),
                "proof": "0x" + e.proof.hex(),
            }
            for e in entries
        ],
        "snarkProof": proof.to_snarkjs(),
    }
    out = subprocess.run(
        ["node", str(SCRIPT), json.dumps(given)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    result["given"] = {"txHash": tx_hash, "proof": proof, "batch": batch, "entries": entries}
    return result


def _raw(vectors: dict[str, Any], name: str) -> bytes:
    return bytes.fromhex(vectors[name][2:])


def test_register_prover(vectors: dict[str, Any]) -> None:
    tx = decode_market_tx(_raw(vectors, "register"))
    assert isinstance(tx, RegisterProver)
    tx.check_signature()
    assert "0x" + tx.prover.hex() == vectors["address"]
    assert "0x" + tx.public_key.hex() == vectors["publicKey"]
    assert tx.encode() == sign_register(KEY).encode()


@pytest.mark.parametrize(("name", "nonce"), [("heartbeat0", 0), ("heartbeat5", 5)])
def test_heartbeat(vectors: dict[str, Any], name: str, nonce: int) -> None:
    tx = decode_market_tx(_raw(vectors, name))
    assert isinstance(tx, ProverHeartbeat)
    tx.check_signature()
    assert (tx.nonce, "0x" + tx.prover.hex()) == (nonce, vectors["address"])
    assert tx.encode() == sign_heartbeat(KEY, nonce).encode()


def test_deactivate(vectors: dict[str, Any]) -> None:
    tx = decode_market_tx(_raw(vectors, "deactivate7"))
    assert isinstance(tx, DeactivateProver)
    tx.check_signature()
    assert tx.nonce == 7
    assert tx.encode() == sign_deactivate(KEY, 7).encode()


def test_submit_proof(vectors: dict[str, Any]) -> None:
    given = vectors["given"]
    tx = decode_sequencer_tx(_raw(vectors, "submitProof"))
    assert isinstance(tx, SubmitProof)
    tx.check_signature()
    assert (tx.tx_hash, tx.proof) == (given["txHash"], given["proof"].to_bytes())
    assert "0x" + tx.prover.hex() == vectors["address"]
    assert (
        tx.encode() == sign_submit_proof(KEY, given["txHash"], given["proof"].to_bytes()).encode()
    )


def test_submit_bundle(vectors: dict[str, Any]) -> None:
    given = vectors["given"]
    tx = decode_market_tx(_raw(vectors, "submitBundle"))
    assert isinstance(tx, SubmitBundle)
    tx.check_signature()
    assert (tx.batch, list(tx.entries)) == (given["batch"], given["entries"])
    expected = bundle_hash(given["batch"], [e.commitment() for e in given["entries"]])
    assert vectors["bundleHash"] == "0x" + expected.hex() == "0x" + tx.hash.hex()
    assert tx.encode() == sign_bundle(KEY, given["batch"], given["entries"]).encode()


def test_invalid_bundle_hash_mismatch_is_refused(vectors: dict[str, Any]) -> None:
    assert vectors["mismatchRefused"] is True


def test_proof_bytes(vectors: dict[str, Any]) -> None:
    assert _raw(vectors, "proofBytes") == vectors["given"]["proof"].to_bytes()
    assert Proof.from_hex(vectors["proofBytes"]) == vectors["given"]["proof"]


def test_invalid_proof_coordinate_out_of_field(vectors: dict[str, Any]) -> None:
    assert vectors["outOfFieldRefused"] is True
