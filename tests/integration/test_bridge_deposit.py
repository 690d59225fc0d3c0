"""L1 → ZK deposits end to end: `braid devnet` starts anvil and deploys the rollup; a deposit
made on L1 with `braid bridge deposit` is unconfirmed until the confirmation depth, then observed
by a ZK block and credited to the recipient's ZK account exactly once (token 0); a deposit for an
address without a ZK account stays pending (refundable on L1 after its deadline)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest

from tests.integration.conftest import BRAID, ROOT, NodeProcess, until
from zkbraid.sdk.bridge import Bridge
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import RpcError


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    n = NodeProcess(
        tmp_path_factory.mktemp("bridge") / "data",
        ["--fast-block-ms", "20", "--zk-block-ms", "300"],
    )
    n.start()
    yield n
    n.stop()


def test_an_l1_deposit_is_credited_once(node: NodeProcess) -> None:
    client = BraidClient(node.url)
    alice = Wallet.dev(2)
    index = client.account_index(alice.address)
    before = client.zk_balance(index, 0)
    done = subprocess.run(
        [*BRAID, "--rpc", node.url, "--json", "bridge", "deposit", "--key", "dev:2",
         "--amount", "12345", "--timeout", "60"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["status"] == "credited" and status["amount"] == "12345"
    assert client.zk_balance(index, 0) == before + 12345
    credit = client.transaction(status["creditedBy"])
    assert credit is not None and credit["kind"] == "ZK" and credit["result"]["type"] == "DEPOSIT"
    # nothing more is credited later
    bridge = client.rpc.call("braid_bridge")
    assert bridge["observed"]["deposits"] >= 1
    assert all(p["id"] != status["id"] for p in bridge["pending"])
    assert client.zk_balance(index, 0) == before + 12345


def test_a_deposit_without_a_zk_account_waits(node: NodeProcess) -> None:
    client = BraidClient(node.url)
    bridge = Bridge(client)
    nobody = Wallet.generate().address
    receipt = bridge.deposit(Wallet.dev(3), 777, nobody)
    pending = until(
        "the deposit observed",
        lambda: (
            (s := bridge.status(receipt.deposit_id)) is not None and s["status"] == "pending" and s
        ),
        timeout=60,
    )
    assert pending["recipient"].lower() == nobody.lower()
    # observed only once its L1 block had the confirmation depth (2) above it
    observed = client.rpc.call("braid_bridge")["observed"]
    assert observed["height"] >= receipt.l1_height
    assert client.rpc.call("braid_bridge")["l1"]["tip"] >= receipt.l1_height + 2
    assert client.rpc.call("braid_getDeposit", 10_000) is None
    refused = subprocess.run(
        [*BRAID, "--rpc", node.url, "bridge", "status", "10000"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert refused.returncode == 1 and "no deposit 10000" in refused.stderr


def test_invalid_batch_submission_of_a_batch_not_bundled(node: NodeProcess) -> None:
    client = BraidClient(node.url)
    with pytest.raises(RpcError) as e:
        client.rpc.call("braid_getBatchSubmission", 999, 0)
    assert e.value.name == "BatchNotReady"
