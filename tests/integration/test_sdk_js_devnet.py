"""A transfer signed by the JavaScript client (sdk/js, under node) is committed by a real devnet
node, and moves what it says: the client fills in the chain id, the sender's index and nonce
(zk_getAccount) and the fee (zk_getFeeSchedule)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import NodeProcess
from zkbraid.sdk.client import BraidClient, Wallet

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("node") is None
        or not (Path(__file__).resolve().parents[2] / "node_modules" / "@noble").is_dir(),
        reason="needs node and the npm packages (scripts/install.sh)",
    ),
]

SCRIPT = Path(__file__).with_name("sdk_js_send.mjs")
ROOT = Path(__file__).resolve().parents[2]


def test_js_signed_transfer_is_committed(node: NodeProcess) -> None:
    client = BraidClient(node.url)
    sender, receiver = Wallet.dev(6), Wallet.dev(7)
    to_index = client.account_index(receiver.address)
    before = client.zk_balance(receiver.address), client.zk_balance(sender.address)
    zkpow_before, fee = client.zkpow_balance(sender.address), client.fee("transfer")
    fields = {"to_index": str(to_index), "token": "0", "amount": "12345"}
    run = subprocess.run(
        ["node", str(SCRIPT), node.url, "0x" + bytes(sender.eth.key).hex(), "Transfer",
         json.dumps(fields)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    out = dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)
    assert run.returncode == 0 and "STATUS" in out, run.stdout + run.stderr
    status = json.loads(out["STATUS"])
    assert status["status"] == "committed", status
    assert client.wait(out["HASH"])["status"] == "committed"
    after = client.zk_balance(receiver.address), client.zk_balance(sender.address)
    assert after[0] == before[0] + 12345
    assert after[1] == before[1] - 12345
    assert client.zkpow_balance(sender.address) == zkpow_before - fee  # the schedule's minimum
