"""L1 reorgs on a real devnet: an agent's batch transaction reorged out of L1 before the chain
observed it (at the confirmation depth) is posted again and the batch still ends settled
exactly once; a deposit reorged out before its confirmation is never credited."""

from __future__ import annotations

import time
from pathlib import Path

from web3 import Web3

from tests.integration.conftest import NodeProcess, until
from zkbraid.sdk.bridge import Bridge
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


def test_a_deposit_reorged_out_before_its_confirmation_is_never_credited(tmp_path: Path) -> None:
    extra = ["--fast-block-ms", "20", "--zk-block-ms", "300", "--bridge", "confirmation_depth=6"]
    node = NodeProcess(tmp_path / "data", extra)
    node.start()
    try:
        client = BraidClient(node.url)
        bridge = Bridge(client)
        alice = Wallet.dev(2)
        index = client.account_index(alice.address)
        before = client.zk_balance(index, 0)
        receipt = bridge.deposit(alice, 55_555)
        until(
            "the follower sees it",
            lambda: (bridge.status(receipt.deposit_id) or {}).get("status") == "unconfirmed",
            timeout=30,
        )
        depth = bridge.w3.eth.block_number - receipt.l1_height + 1
        bridge.w3.provider.make_request("anvil_reorg", [depth, []])  # type: ignore[arg-type]
        until(
            "the deposit forgotten",
            lambda: bridge.status(receipt.deposit_id) is None,
            timeout=30,
        )
        target = bridge.w3.eth.block_number + 8  # well past the confirmation depth
        until("L1 moves on", lambda: bridge.w3.eth.block_number >= target, timeout=30)
        client.wait(client.send_transfer(Wallet.dev(3), index, 1))  # a ZK block observes L1
        until(
            "the chain observed L1 past it",
            lambda: client.rpc.call("braid_bridge")["observed"]["height"] >= receipt.l1_height,
            timeout=30,
        )
        assert bridge.status(receipt.deposit_id) is None  # never observed, never credited
        assert client.zk_balance(index, 0) == before + 1  # the transfer, not the deposit
    finally:
        node.stop()
