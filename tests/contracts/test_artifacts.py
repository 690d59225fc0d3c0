"""The committed contract artifacts are what the pinned solc-js makes of the sources now."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from zkbraid.proving.artifacts import NODE_MODULES, REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "compile_contracts.js"


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(root / "scripts" / "compile_contracts.js"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_committed_artifacts_are_fresh() -> None:
    result = _check(REPO_ROOT)
    assert result.returncode == 0, result.stderr


def test_invalid_stale_or_orphaned_artifacts_are_found(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts")
    shutil.copytree(REPO_ROOT / "contracts", tmp_path / "contracts")
    (tmp_path / "node_modules").symlink_to(NODE_MODULES)
    assert _check(tmp_path).returncode == 0
    counter = tmp_path / "contracts" / "fast" / "Counter.sol"
    counter.write_text(counter.read_text().replace("by out of range", "by is out of range"))
    (tmp_path / "contracts" / "artifacts" / "Gone.json").write_text("{}\n")
    result = _check(tmp_path)
    assert result.returncode == 1
    assert "Counter.json: stale" in result.stderr
    assert "Gone.json: no source compiles to it" in result.stderr
