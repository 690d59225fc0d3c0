"""`braid devnet --prover` is a whole rollup on one machine: the devnet starts its L1, its own
submission agent and a CLI prover, and a transfer sent to it ends settled on L1 with nothing
else running."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import NodeProcess, until
from zkbraid.sdk.client import BraidClient, Wallet


def test_a_devnet_with_its_agent_and_prover_settles_a_transfer(tmp_path: Path) -> None:
    market = ["--market=batch_size=1", "--market=bounty_scarcity_cap_bps=10000"]
    node = NodeProcess(
        tmp_path / "data",
        ["--fast-block-ms", "20", "--zk-block-ms", "300", "--agent", "--prover", *market],
    )
    node.start()
    try:
        client = BraidClient(node.url)
        tx = client.send_transfer(Wallet.dev(1), 2, 1)
        until(
            "the transfer settled",
            lambda: (client.transaction(tx) or {}).get("status") == "settled",
            timeout=180,
        )
    finally:
        node.stop()
    agent_log = (tmp_path / "data" / "agent.log").read_text()
    assert "posted batch 0 as L1 batch 0" in agent_log, agent_log
    assert "deactivated" in (tmp_path / "data" / "prover.log").read_text()
