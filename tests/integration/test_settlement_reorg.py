"""An agent's batch transaction reorged out of L1 before the chain observed it (at the
confirmation depth) is posted again, and the batch still ends settled exactly once."""

from __future__ import annotations

import time
from pathlib import Path

from web3 import Web3

from tests.integration.conftest import NodeProcess, until
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.settlement.l1_contracts import load_artifact


def test_a_reorged_batch_is_posted_again(tmp_path: Path) -> None:
    extra = ["--fast-block-ms", "20", "--zk-block-ms", "300", "--agent", "--prover"]
    extra += ["--market=batch_size=1", "--bridge", "confirmation_depth=6"]
    node = NodeProcess(tmp_path / "data", extra)
    node.start()
    log = tmp_path / "data" / "agent.log"
    try:
        client = BraidClient(node.url)
        l1 = client.rpc.call("braid_bridge")["l1"]
        w3 = Web3(Web3.HTTPProvider(l1["rpc"]))
        rollup = w3.eth.contract(address=l1["rollup"], abi=load_artifact("Rollup").abi)
        tx = client.send_transfer(Wallet.dev(1), 2, 1)
        until("the batch posted", lambda: log.exists() and "posted batch 0" in log.read_text())
        assert rollup.functions.batchCount().call() == 1
        # L1 drops the block holding the batch (and the one after it, if any)
        w3.provider.make_request("anvil_reorg", [2, []])  # type: ignore[arg-type]
        assert rollup.functions.batchCount().call() == 0
        assert (client.transaction(tx) or {}).get("status") != "settled"
        until(
            "the transfer settled",
            lambda: (client.transaction(tx) or {}).get("status") == "settled",
            timeout=120,
        )
        assert rollup.functions.batchCount().call() == 1
        time.sleep(1)
        assert log.read_text().count("posted batch 0 as L1 batch 0") == 2, log.read_text()
        assert client.rpc.call("braid_bridge")["observed"]["settledBatches"] == 1
    finally:
        node.stop()
