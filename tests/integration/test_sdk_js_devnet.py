"""Transactions signed by the JavaScript client (sdk/js, under node) are committed by a real
devnet node and do what they say: a transfer (the client fills in the chain id, the sender's
index and nonce from zk_getAccount, the fee from zk_getFeeSchedule), and a game page's round
trip: a new key registers its derived L2 key, is minted an NFT, lists it, and another account
buys it."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

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


def js_send(node: NodeProcess, wallet: Wallet, tx_type: str, **fields: int) -> dict[str, Any]:
    """Has sdk/js sign and send a `tx_type` with `fields` as `wallet`; its committed status."""
    run = subprocess.run(
        ["node", str(SCRIPT), node.url, "0x" + bytes(wallet.eth.key).hex(), tx_type,
         json.dumps({k: str(v) for k, v in fields.items()})],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    out = dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)
    assert run.returncode == 0 and "STATUS" in out, run.stdout + run.stderr
    status: dict[str, Any] = json.loads(out["STATUS"])
    assert status["status"] == "committed", status
    assert status["hash"] == out["HASH"]
    return status


def test_js_signed_transfer_is_committed(node: NodeProcess) -> None:
    client = BraidClient(node.url)
    sender, receiver = Wallet.dev(6), Wallet.dev(7)
    to_index = client.account_index(receiver.address)
    before = client.zk_balance(receiver.address), client.zk_balance(sender.address)
    zkpow_before, fee = client.zkpow_balance(sender.address), client.fee("transfer")
    status = js_send(node, sender, "Transfer", to_index=to_index, token=0, amount=12345)
    assert client.wait(status["hash"])["status"] == "committed"
    after = client.zk_balance(receiver.address), client.zk_balance(sender.address)
    assert after[0] == before[0] + 12345
    assert after[1] == before[1] - 12345
    assert client.zkpow_balance(sender.address) == zkpow_before - fee  # the schedule's minimum


def test_js_client_registers_mints_lists_and_buys(node: NodeProcess) -> None:
    client = BraidClient(node.url)
    player, minter, buyer = Wallet.generate(), Wallet.dev(0), Wallet.dev(8)
    client.wait(client.faucet(player.address))  # ZKPoW for the player's fees

    js_send(node, player, "RegisterKey")
    account = client.zk_account(player.address)
    pk = player.l2_key.public_key  # derived by Python: the same key as the client's
    assert account is not None and account["publicKey"] == [hex(pk.x), hex(pk.y)]

    minted = js_send(node, minter, "NftMint", collection_id=0, to_index=account["index"],
                     content_hash=0xC0FFEE)  # fmt: skip
    nft_id = int(minted["result"]["nftId"])
    expiry = int(time.time()) + 3600
    js_send(node, player, "NftList", nft_id=nft_id, token=0, price=4321, expiry=expiry)
    listing = (client.zk_nft(nft_id) or {})["listing"]
    assert listing is not None and int(listing["price"]) == 4321

    seller_before = client.zk_balance(player.address)
    js_send(node, buyer, "NftBuy", nft_id=nft_id)  # token and price: the listing's
    nft = client.zk_nft(nft_id)
    assert nft is not None and nft["ownerAddress"].lower() == buyer.address.lower()
    assert client.zk_balance(player.address) == seller_before + 4321
