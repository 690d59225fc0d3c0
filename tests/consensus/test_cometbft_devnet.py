"""`braid devnet --engine cometbft --no-l1`: one CometBFT validator drives the node. ZK-chain
and fast-chain transactions go through the API and CometBFT's mempool, the app hash the node
reports is the one CometBFT's next block carries, a quiet chain goes on with empty blocks (no
braided blocks), and a restart resumes at the same height and app hash (Info handshake)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.conftest import NodeProcess, free_port, until
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import RpcError
from zkbraid.zk.transactions import sign_transfer

pytestmark = pytest.mark.integration


class CometBftNode(NodeProcess):
    def __init__(self, data_dir: Path) -> None:
        self.cometbft_port = free_port()
        super().__init__(
            data_dir,
            [
                "--engine",
                "cometbft",
                "--no-l1",
                "--cometbft-rpc-port",
                str(self.cometbft_port),
                "--cometbft-p2p-port",
                str(free_port()),
                "--fast-block-ms",
                "20",
                "--zk-block-ms",
                "300",
            ],
        )

    def cometbft(self, method: str, **params: Any) -> dict[str, Any]:
        reply = requests.post(
            f"http://127.0.0.1:{self.cometbft_port}",
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
            timeout=10,
        ).json()
        result: dict[str, Any] = reply["result"]
        return result


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CometBftNode]:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)  # the node loads both circuits' keys at start
    build_dev_keys()
    n = CometBftNode(tmp_path_factory.mktemp("cometbft") / "data")
    n.start()
    yield n
    n.stop()


def fast_transfer(client: BraidClient, sender: int, value: int = 1) -> str:
    acct = Wallet.dev(sender).eth
    nonce = int(client.rpc.call("eth_getTransactionCount", acct.address, "pending"), 16)
    raw = acct.sign_transaction(
        {
            "to": "0x000000000000000000000000000000000000dEaD",
            "value": value,
            "gas": 21000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 1,
            "nonce": nonce,
            "chainId": int(client.rpc.call("eth_chainId"), 16),
        }
    ).raw_transaction
    return str(client.rpc.call("eth_sendRawTransaction", "0x" + bytes(raw).hex()))


def agreed_app_hash(node: CometBftNode, client: BraidClient) -> dict[str, Any]:
    """The node's status once CometBFT's latest block carries the node's app hash (the app
    hash after a block is in the next block's header), the braided head not moving meanwhile."""

    def check() -> dict[str, Any] | None:
        before = client.status()
        latest = node.cometbft("status")["sync_info"]
        after = client.status()
        agreed = latest["latest_app_hash"].lower() == before["appHash"][2:]
        return after if agreed and before["height"] == after["height"] else None

    found: dict[str, Any] = until("CometBFT's block carrying the app hash", check, timeout=30)
    return found


def test_cometbft_orders_both_chains(node: CometBftNode) -> None:
    client = BraidClient(node.url)
    assert client.status()["engine"] == "cometbft"
    zk = client.wait(client.send_transfer(Wallet.dev(0), 1, 1234))
    assert zk["status"] == "committed" and zk["kind"] == "ZK"
    assert zk["result"]["oldRoot"] != zk["result"]["newRoot"]
    waited = client.rpc.call("braid_waitForTransaction", fast_transfer(client, 2), 10_000)
    assert waited["status"] == "committed" and waited["kind"] == "FAST"
    assert client.rpc.call("eth_getTransactionReceipt", waited["hash"])["status"] == "0x1"
    status = agreed_app_hash(node, client)
    assert status["height"] >= 2


def test_refusals_are_the_named_errors(node: CometBftNode) -> None:
    client = BraidClient(node.url)
    with pytest.raises(RpcError) as e:
        client.send_transfer(Wallet.dev(0), 1, 10**30)  # beyond the balance
    assert e.value.name == "InsufficientBalance"
    dev1 = Wallet.dev(1)
    tx = sign_transfer(
        dev1.l2_key,
        chain_id=client.zk_chain_id,
        from_index=1,
        to_index=0,
        token=0,
        amount=5,
        nonce=client.next_nonce(1),
        fee=client.fee("transfer"),
    )
    tx_hash = client.send_zk(tx)
    with pytest.raises(RpcError) as e:
        client.send_zk(tx)  # CometBFT's mempool has seen it
    assert e.value.name == "AlreadyKnown"
    assert client.wait(tx_hash)["status"] == "committed"


def test_a_quiet_chain_makes_empty_blocks(node: CometBftNode) -> None:
    client = BraidClient(node.url)
    status = agreed_app_hash(node, client)
    first = int(node.cometbft("status")["sync_info"]["latest_block_height"])
    time.sleep(2.5)  # create_empty_blocks_interval is 1 s
    latest = node.cometbft("status")["sync_info"]
    assert int(latest["latest_block_height"]) >= first + 2
    now = client.status()
    assert (now["height"], now["appHash"]) == (status["height"], status["appHash"])
    assert latest["latest_app_hash"].lower() == now["appHash"][2:]


def test_a_restart_resumes_at_the_same_height_and_app_hash(node: CometBftNode) -> None:
    client = BraidClient(node.url)
    client.wait(client.send_transfer(Wallet.dev(0), 2, 7))
    before = agreed_app_hash(node, client)
    cometbft_before = int(node.cometbft("status")["sync_info"]["latest_block_height"])
    node.stop()  # SIGTERM
    node.start()
    after = client.status()
    assert (after["height"], after["appHash"]) == (before["height"], before["appHash"])
    assert int(node.cometbft("status")["sync_info"]["latest_block_height"]) >= cometbft_before
    waited = client.rpc.call("braid_waitForTransaction", fast_transfer(client, 3), 10_000)
    assert waited["status"] == "committed" and waited["height"] == before["height"] + 1
    agreed_app_hash(node, client)


def test_accepted_transactions_survive_a_killed_node(node: CometBftNode) -> None:
    """CometBFT keeps its mempool in memory: what the node accepted is journaled in its store
    and submitted again after a restart (a ZK transfer waits for its ZK block, 300 ms here)."""
    client = BraidClient(node.url)
    client.wait(client.send_transfer(Wallet.dev(1), 2, 1))  # a ZK block has just been cut
    tx_hash = client.send_transfer(Wallet.dev(1), 2, 3)
    node.kill9()
    node.start()
    assert client.wait(tx_hash)["status"] == "committed"
    agreed_app_hash(node, client)
