"""The JavaScript client (sdk/js) under node: `node --test` of sdk/js/test/vectors.test.js, which
checks it against docs/spec/vectors/zk.json and @zk-kit/eddsa-poseidon's verifier."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST = ROOT / "sdk" / "js" / "test" / "vectors.test.js"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "poseidon-lite").is_dir(),
    reason="needs node and the npm packages (scripts/install.sh)",
)


def test_js_client_passes_the_vectors_in_node() -> None:
    run = subprocess.run(
        ["node", "--test", str(TEST)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
