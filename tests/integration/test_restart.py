"""A node killed with SIGKILL under load restarts with every block whose receipt was returned,
identical roots, every accepted transaction, and keeps going."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.integration.conftest import NodeProcess
from zkbraid.node.devnet import dev_accounts
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import NodeUnreachable, RpcError
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.transactions import sign_transfer

FAST_ID, ZK_ID = 0x7A6C, 0x7A6B


def fast_raw(sender: int, nonce: int) -> str:
    return (
        dev_accounts(sender + 1)[sender]
        .sign_transaction(
            {
                "to": "0x000000000000000000000000000000000000dEaD",
                "value": 1,
                "gas": 21000,
                "maxFeePerGas": 10**10,
                "maxPriorityFeePerGas": 1,
                "nonce": nonce,
                "chainId": FAST_ID,
            }
        )
        .raw_transaction.to_0x_hex()
    )


def zk_raw(sender: int, nonce: int) -> str:
    tx = sign_transfer(
        dev_l2_key(sender),
        chain_id=ZK_ID,
        from_index=sender,
        to_index=(sender + 1) % 4,
        token=0,
        amount=1,
        nonce=nonce,
        fee=10**16,
    )
    return "0x" + tx.encode().hex()


def test_sigkill_under_load_loses_nothing(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path / "data", ["--fast-block-ms", "20", "--zk-block-ms", "200"])
    node.start()
    client = BraidClient(node.url, timeout=5)
    accepted: list[str] = []
    receipted: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def load(kind: str, sender: int) -> None:
        c = BraidClient(node.url, timeout=5)
        nonce = 0
        while not stop.is_set():
            raw = fast_raw(sender, nonce) if kind == "fast" else zk_raw(sender, nonce)
            method = "eth_sendRawTransaction" if kind == "fast" else "zk_sendRawTransaction"
            try:
                h = c.rpc.call(method, raw)
            except (NodeUnreachable, RpcError, OSError):
                return
            with lock:
                accepted.append(h)
            nonce += 1
            try:
                st = c.rpc.call("braid_waitForTransaction", h, 5000)
            except (NodeUnreachable, OSError, RpcError):
                return
            if st and st["status"] == "committed":
                with lock:
                    receipted[h] = st

    threads = [threading.Thread(target=load, args=("fast", i)) for i in range(4)]
    threads += [threading.Thread(target=load, args=("zk", i)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 60
    while len(receipted) < 60 and time.time() < deadline:
        time.sleep(0.05)
    # blocks as seen before the kill, for every receipt returned so far
    with lock:
        seen = dict(receipted)
    blocks = {st["height"]: client.block(st["height"]) for st in seen.values()}
    node.kill9()
    stop.set()
    for t in threads:
        t.join()
    assert len(seen) >= 60

    node.start()
    after = BraidClient(node.url)
    for h, st in seen.items():
        again = after.transaction(h)
        assert again is not None and again["status"] == "committed", (h, again)
        assert (again["height"], again["index"]) == (st["height"], st["index"])
    for height, block in blocks.items():
        assert after.block(height) == block, height

    # every accepted transaction is ordered after the restart (the mempool is durable)
    for h in accepted:
        st = after.wait(h, timeout=30, check=False)
        assert st["status"] == "committed", st

    # and the chain keeps going
    st = after.wait(after.send_transfer(Wallet.dev(5), 0, 3))
    assert st["status"] == "committed"
    w3 = after.web3()
    acct = dev_accounts(7)[6]
    h = w3.eth.send_raw_transaction(bytes.fromhex(fast_raw(6, 0)[2:]))
    assert w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05).status == 1
    assert w3.eth.get_transaction_count(acct.address) == 1
    node.stop()
