"""Validators agree by construction: a second node, started from its own empty data dir with
its own copy of the (reproducible) keys, re-executes every block of a real devnet, proofs and
bundles included, through the same block transition, and arrives at the same header, hence the
same app hash, at every height (`braid replay` checks each header field by field)."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from eth_account import Account
from web3 import Web3

from tests.integration.conftest import BRAID, ROOT, market_node, until
from tests.integration.test_market_e2e import ProverProcess
from zkbraid.ledger.store import LedgerStore
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.zk.genesis import dev_eth_private_key

MARKET = {"batch_size": 2, "batch_close_ms": 3_000, "batch_close_blocks": 2}
FLAGS = ["--fast-block-ms", "20", "--zk-block-ms", "300"]


def test_a_second_node_fed_the_same_blocks_has_the_same_app_hashes(tmp_path: Path) -> None:
    node = market_node(tmp_path / "a", MARKET)
    key = tmp_path / "prover.json"
    Wallet.generate().save(str(key))
    prover = ProverProcess(node.url, key)
    try:
        client = BraidClient(node.url)
        until("an active prover", lambda: (client.prover(prover.address) or {}).get("active"))
        hashes = [client.send_transfer(Wallet.dev(i), 5, 1 + i) for i in range(3)]
        client.faucet(Wallet.generate().address)
        w3 = Web3(Web3.HTTPProvider(node.url))
        dev = Account.from_key(dev_eth_private_key(0))
        signed = dev.sign_transaction(
            {
                "to": Wallet.dev(1).address,
                "value": 1,
                "gas": 21_000,
                "gasPrice": w3.eth.gas_price,
                "nonce": 0,
                "chainId": w3.eth.chain_id,
            }
        )
        w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
        until(
            "every transaction proven",
            lambda: all((client.transaction(h) or {}).get("status") == "proven" for h in hashes),
            timeout=240,
        )
        until(
            "both batches bundled",
            lambda: all((client.batch(i) or {}).get("aggregatedBy") for i in range(2)),
            timeout=120,
        )
    finally:
        prover.proc.send_signal(signal.SIGINT)
        prover.proc.wait(timeout=60)
        node.stop()

    source = LedgerStore(str(tmp_path / "a" / "node.sqlite"))
    head = source.head()
    assert head is not None
    kinds = {r.kind for h in range(1, head.height + 1) for r in source.block_txs(h)}
    proofs = sum(
        1
        for h in range(1, head.height + 1)
        for r in source.block_txs(h)
        if r.ok and r.raw[:2] == b"\x03\x02"  # SubmitProof envelopes
    )
    source.close()
    assert len(kinds) == 3 and proofs == 3  # ZK, fast and sequencer txs; every proof

    market = [f"--market={k}={v}" for k, v in MARKET.items()]
    replayed = subprocess.run(
        [
            *BRAID,
            "--json",
            "replay",
            str(tmp_path / "a"),
            "--data-dir",
            str(tmp_path / "b"),
            *FLAGS,
            *market,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert replayed.returncode == 0, replayed.stderr
    result = json.loads(replayed.stdout)
    assert result["height"] == head.height and result["applied"] == head.height
    assert result["appHash"] == "0x" + head.app_hash.hex()

    # the replaying node holds the same blocks, and a block that differs is refused by name
    replica = LedgerStore(str(tmp_path / "b" / "node.sqlite"))
    assert [replica.header(h) for h in range(1, head.height + 1)] == [
        LedgerStore(str(tmp_path / "a" / "node.sqlite")).header(h)
        for h in range(1, head.height + 1)
    ]
    replica.close()
    other = subprocess.run(
        [*BRAID, "replay", str(tmp_path / "a"), "--data-dir", str(tmp_path / "c"), *FLAGS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )  # without the market's settings: another chain
    assert other.returncode == 1
    assert "InvalidBlock" in other.stderr
