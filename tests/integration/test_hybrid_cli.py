"""The hybrid through a real devnet node, driven by `braid` and the SDK: token 0 moved onto the
fast chain and exited back (never more than the escrow holds), a game collection, and the NFT
market (list, buy, cancel), every refusal by the node's named rule."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import BRAID, ROOT, NodeProcess
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.hybrid import Hybrid
from zkbraid.sdk.rpc import RpcError
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.transactions import sign_nft_buy

GAME = "0x" + "9a" * 20


@pytest.fixture(scope="module")
def hybrid_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A devnet without L1 (the hybrid needs none): fast blocks every 20 ms, ZK every 300 ms."""
    n = NodeProcess(
        tmp_path_factory.mktemp("hybrid") / "data",
        ["--fast-block-ms", "20", "--zk-block-ms", "300", "--no-l1"],
    )
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope="module")
def client(hybrid_node: NodeProcess) -> BraidClient:
    return BraidClient(hybrid_node.url)


def braid(node: NodeProcess, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*BRAID, "--rpc", node.url, *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def braid_json(node: NodeProcess, *args: str) -> Any:
    return json.loads(braid(node, "--json", *args).stdout)


def refused(node: NodeProcess, name: str, *args: str) -> str:
    """Runs a command the node must refuse with the rule `name`; returns its stderr."""
    proc = braid(node, *args, ok=False)
    assert proc.returncode == 1 and name in proc.stderr, proc.stderr
    return proc.stderr


def test_moves_to_the_fast_chain_and_back_within_the_escrow(
    hybrid_node: NodeProcess, client: BraidClient
) -> None:
    hybrid = Hybrid(client)
    dev2 = Wallet.dev(2)
    fast_before, zk_before = hybrid.fast_balance(dev2.address), client.zk_balance(2)
    escrow_before = client.escrow()

    moved = braid_json(hybrid_node, "zk", "move-to-fast", "5000", "--key", "dev:2")
    assert moved["creditedHeight"] > moved["height"]
    assert hybrid.fast_balance(dev2.address) == fast_before + 5000 == int(moved["fastBalance"])
    assert client.zk_balance(2) == zk_before - 5000
    assert client.escrow() == escrow_before + 5000 == int(moved["escrow"])

    paid = braid_json(hybrid_node, "fast", "exit", "2000", "--key", "dev:2")
    assert paid["status"] == "paid" and paid["zkAccount"] == 2 and paid["amount"] == "2000"
    assert client.zk_balance(2) == zk_before - 3000
    assert client.escrow() == escrow_before + 3000
    assert hybrid.fast_balance(dev2.address) < fast_before + 3000  # gas paid too

    # an exit beyond the escrow: the fast chain burns it, the ZK chain refuses to pay it
    too_much = str(client.escrow() + 1)
    refused(hybrid_node, "EscrowInsufficient", "fast", "exit", too_much, "--key", "dev:2")
    assert client.escrow() == escrow_before + 3000
    assert client.zk_balance(2) == zk_before - 3000
    state = braid_json(hybrid_node, "hybrid")
    last = state["recentExits"][0]
    assert (last["status"], last["amount"]) == ("refused", too_much)
    assert last["reason"].startswith("EscrowInsufficient")
    assert last["id"] == paid["id"] + 1 and state["pendingExits"] == []
    assert state["escrow"] == str(client.escrow())
    table = braid(hybrid_node, "hybrid").stdout
    assert f"exit {last['id']}" in table and "refused" in table

    # the SDK alone, to another account, back and forth
    to_fast = hybrid.move_to_fast(dev2, 10)
    assert to_fast.fast_balance == hybrid.fast_balance(dev2.address)
    receipt = hybrid.exit_to_zk(dev2, 10, zk_account=3)
    record = hybrid.wait_for_exit(receipt.exit_id)
    assert record["status"] == "paid" and record["zkAccount"] == 3
    assert client.rpc.call("braid_getExit", receipt.exit_id) == record
    assert client.escrow() == escrow_before + 3000


def test_game_collection(hybrid_node: NodeProcess) -> None:
    created = braid_json(
        hybrid_node, "zk", "collection", "create", "9", "--minter", GAME, "--cap", "2",
        "--key", "dev:1",
    )  # fmt: skip
    assert created["transaction"]["type"] == "CREATE_COLLECTION"
    assert (created["transaction"]["minter"], created["transaction"]["cap"]) == (GAME, 2)
    shown = braid_json(hybrid_node, "zk", "collection", "show", "9")
    assert shown == {"id": 9, "minter": GAME, "game": True, "cap": 2, "round": 0, "minted": 0}
    refused(
        hybrid_node, "CollectionExists",
        "zk", "collection", "create", "9", "--minter", GAME, "--cap", "1", "--key", "dev:1",
    )  # fmt: skip
    refused(hybrid_node, "no collection 10", "zk", "collection", "show", "10")


def test_nft_market(hybrid_node: NodeProcess, client: BraidClient) -> None:
    minted = client.wait(client.send_nft_mint(Wallet.dev(0), 0, 0, 0xFEED))
    nft = str(minted["result"]["nftId"])
    listed = braid_json(
        hybrid_node, "zk", "nft", "list", nft, "--price", "700", "--ttl", "600", "--key", "dev:0"
    )
    assert listed["status"] == "committed" and listed["transaction"]["type"] == "NFT_LIST"
    listings = braid_json(hybrid_node, "zk", "nft", "listings", "--collection", "0")
    (mine,) = [n for n in listings if str(n["id"]) == nft]
    assert mine["listing"]["price"] == "700" and not mine["listing"]["expired"]
    assert nft in braid(hybrid_node, "zk", "nft", "listings").stdout
    refused(hybrid_node, "NotNftOwner", "zk", "nft", "list", nft, "--price", "1", "--key", "dev:4")

    seller, buyer = client.zk_balance(0), client.zk_balance(3)
    bought = braid_json(hybrid_node, "zk", "nft", "buy", nft, "--key", "dev:3")
    assert bought["transaction"]["price"] == "700"
    assert (client.zk_balance(0), client.zk_balance(3)) == (seller + 700, buyer - 700)
    shown = client.zk_nft(int(nft))
    assert shown is not None and shown["owner"] == 3 and shown["listing"] is None

    # bought once: the SDK refuses to sign, and the node refuses a hand-signed buy
    refused(hybrid_node, "NftNotListed", "zk", "nft", "buy", nft, "--key", "dev:4")
    with pytest.raises(RpcError, match="NftNotListed"):
        client.send_zk(_hand_signed_buy(client, 4, int(nft), 700))

    # listed by its new owner, cancelled: not for sale any more
    braid(hybrid_node, "zk", "nft", "list", nft, "--price", "900", "--key", "dev:3")
    braid(hybrid_node, "zk", "nft", "cancel", nft, "--key", "dev:3")
    assert client.zk_nft(int(nft))["listing"] is None  # type: ignore[index]
    refused(hybrid_node, "NftNotListed", "zk", "nft", "buy", nft, "--key", "dev:4")
    refused(hybrid_node, "NftNotListed", "zk", "nft", "cancel", nft, "--key", "dev:3")

    # underpaying takes hand-signing (the SDK signs the listing's price), and is refused
    client.wait(client.send_nft_list(Wallet.dev(3), int(nft), 900))
    before = (client.zk_balance(3), client.zk_balance(4))
    with pytest.raises(RpcError, match="PriceMismatch"):
        client.send_zk(_hand_signed_buy(client, 4, int(nft), 899))
    assert (client.zk_balance(3), client.zk_balance(4)) == before
    client.wait(client.send_nft_buy(Wallet.dev(4), int(nft)))
    assert (client.zk_balance(3), client.zk_balance(4)) == (before[0] + 900, before[1] - 900)
    assert client.zk_nft(int(nft))["owner"] == 4  # type: ignore[index]


def _hand_signed_buy(client: BraidClient, buyer: int, nft_id: int, price: int) -> Any:
    return sign_nft_buy(
        dev_l2_key(buyer),
        chain_id=client.zk_chain_id,
        buyer_index=buyer,
        nft_id=nft_id,
        token=0,
        price=price,
        nonce=client.next_nonce(buyer),
        fee=client.fee("nftBuy"),
    )
