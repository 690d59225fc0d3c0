"""An NFT ownership proof made in the browser (docs/hybrid.md, "Ownership proofs"): headless
Chromium loads web/prover/ownership.js from a local HTTP server that also serves the browser
prover's worker, snarkjs and the ownership circuit's wasm, zkey and verification key;
`zkbraidOwnership.prove` proves the inputs zkbraid.hybrid.ownership built, and the proof
verifies with the Python verifier, as the words the fast chain's verifier takes."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.proving.test_ownership import GAME, OWNER, PLAYER, ROUND, ownership_state
from zkbraid.hybrid.ownership import (
    OwnershipProofVerifier,
    OwnershipStatement,
    OwnershipWitness,
    ownership_witness,
    proof_words,
)
from zkbraid.proving.artifacts import NODE_MODULES, OWNERSHIP, REPO_ROOT, CircuitKeys
from zkbraid.proving.build import build_dev_keys
from zkbraid.proving.proof import Proof
from zkbraid.zk.genesis import dev_l2_key

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("ZKBRAID_CHROMIUM", "/usr/bin/chromium"))
DRIVER = Path(__file__).with_name("ownership_page.cjs")
PAGE_DIR = REPO_ROOT / "web" / "prover"
TIMEOUT_S = 300
JS = "text/javascript; charset=utf-8"
PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ownership proof</title>
<link rel="icon" href="data:,"></head>
<body><script src="/prover/ownership.js"></script></body></html>
"""


def routes(keys: CircuitKeys) -> dict[str, tuple[Path | bytes, str]]:
    """Path -> (file or body, content type): the page, the prover's scripts, the circuit."""
    return {
        "/": (PAGE, "text/html; charset=utf-8"),
        "/prover/ownership.js": (PAGE_DIR / "ownership.js", JS),
        "/prover/worker.js": (PAGE_DIR / "worker.js", JS),
        "/prover/lib/snarkjs.min.js": (NODE_MODULES / "snarkjs" / "build" / "snarkjs.min.js", JS),
        "/ownership/ownership.wasm": (keys.wasm, "application/wasm"),
        "/ownership/ownership.zkey": (keys.zkey, "application/octet-stream"),
        "/ownership/verification_key.json": (keys.vkey_path, "application/json"),
    }


FILES = {
    "wasmUrl": "/ownership/ownership.wasm",
    "zkeyUrl": "/ownership/ownership.zkey",
    "vkeyUrl": "/ownership/verification_key.json",
}


@contextmanager
def serve(keys: CircuitKeys) -> Iterator[str]:
    """A local HTTP server of `routes(keys)` for the duration of a `with`; yields its URL."""
    table = routes(keys)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = table.get(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
                return
            source, content_type = found
            body = source if isinstance(source, bytes) else source.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def browser_prove(
    keys: CircuitKeys, witness: OwnershipWitness, *, echo: bool = True
) -> dict[str, Any]:
    """`zkbraidOwnership.prove` of `witness` in headless Chromium; its result (ownership.js).
    `echo` prints the page's console (bench/ownership_proof.py turns it off)."""
    with serve(keys) as url, tempfile.TemporaryDirectory(prefix="zkbraid-own-") as tmp:
        inputs, options = Path(tmp) / "input.json", Path(tmp) / "options.json"
        inputs.write_text(witness.to_json())
        options.write_text(json.dumps(FILES))
        run = subprocess.run(
            ["node", str(DRIVER), url, str(inputs), str(options), str(TIMEOUT_S)],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=TIMEOUT_S + 60,
            check=False,
        )
    for line in run.stdout.splitlines():
        if echo:
            print(f"[browser] {line[:300]}")
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    raise AssertionError(f"the browser made no proof (exit {run.returncode}):\n{run.stdout}")


def test_browser_ownership_proof_verifies_with_the_python_verifier() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("ZKBRAID_CHROMIUM_VERSION") == "none":
            pytest.skip("chromium not installed (ZKBRAID_CHROMIUM_VERSION=none)")
        pytest.fail(f"{CHROMIUM} is missing: scripts/install.sh installs Debian's chromium")
    keys = build_dev_keys(circuit=OWNERSHIP)
    state, nfts = ownership_state()
    inputs, statement = ownership_witness(
        state, dev_l2_key(OWNER), OWNER, nfts["listed"], GAME, ROUND, PLAYER
    )
    result = browser_prove(keys, OwnershipWitness(inputs, statement=statement))

    proof = Proof.from_hex(result["hex"])
    verifier = OwnershipProofVerifier.from_keys(keys)
    assert verifier.verify(proof, statement)
    assert result["publicSignals"] == [str(v) for v in statement.public_inputs()]
    assert [int(w, 16) for w in result["words"]] == proof_words(proof)
    assert Proof.from_snarkjs(result["proof"]) == proof
    # The proof is for this statement only.
    other = OwnershipStatement(*statement.public_inputs()[:4], statement.player ^ 1,
                               statement.nullifier)  # fmt: skip
    assert not verifier.verify(proof, other)
    print(
        f"browser ownership proof: {result['proveMs'] / 1000:.2f} s proving, "
        f"{result['fetchMs'] / 1000:.2f} s fetching the circuit, "
        f"{(result['verifyMs'] or 0):.0f} ms verifying in the page"
    )
