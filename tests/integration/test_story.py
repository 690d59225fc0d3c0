"""The mission's story (examples/arena/story.py) runs to its end on a devnet with its L1, agent
and prover: access NFT → coins to the fast chain → ownership proof → moves → a prize minted on
the ZK chain under the cap → sold on the ZK market → proceeds withdrawn and claimed on L1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import ROOT, NodeProcess


def test_the_story_walks_the_mission(tmp_path: Path) -> None:
    market = ["--market=batch_size=1", "--market=bounty_scarcity_cap_bps=10000"]
    node = NodeProcess(tmp_path / "data", ["--agent", "--prover", *market])
    node.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "examples.arena.story", "--rpc", node.url, "--moves", "12"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        node.stop()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for step in (
        "the player moves coins to the fast chain",
        "the Arena admits the player (OwnershipGate)",
        "GameMint mints the prize NFT on the ZK chain",
        "another player buys it",
        "the seller claims it on L1",
    ):
        assert f"✓ {step}" in out, out
    assert "in all" in out
