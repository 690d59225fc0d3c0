"""How the API shows a ZK-chain transaction: every type's fields (zk_tx_json), in its ordered
record (committed or failed) and while it is pending."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.api.conftest import EXITED, PRICE, World, call, move_to_fast, new_world
from tests.unit.zk.test_transactions import samples
from zkbraid.api.jsonrpc import hexb
from zkbraid.api.receipts_json import zk_tx_json
from zkbraid.zk.transactions import TxType, ZkTransaction


def test_samples_cover_every_type() -> None:
    assert {tx.TYPE for tx in samples()} == set(TxType)


@pytest.mark.parametrize("tx", samples(), ids=lambda tx: tx.TYPE.name)
def test_every_type_renders_its_fields(tx: ZkTransaction) -> None:
    shown = zk_tx_json(tx)
    assert shown["type"] == tx.TYPE.name
    assert "signature" not in shown and "ecdsaSignature" not in shown
    for name in ("amount", "price", "fee"):
        if name in shown:
            assert shown[name] == str(getattr(tx, name))
    assert all(isinstance(v, int | str | list) for v in shown.values())


def test_hybrid_types_by_name() -> None:
    by_type = {tx.TYPE: zk_tx_json(tx) for tx in samples()}
    assert set(by_type[TxType.MOVE_FROM_FAST]) == {
        "type", "chainId", "exitId", "toIndex", "token", "amount"
    }  # fmt: skip
    game_mint = by_type[TxType.GAME_MINT]
    assert game_mint["game"].startswith("0x") and len(game_mint["game"]) == 42
    assert game_mint["contentHash"].startswith("0x") and "reportId" in game_mint
    assert {"token", "price", "expiry", "nonce"} <= set(by_type[TxType.NFT_LIST])
    assert len(by_type[TxType.CREATE_COLLECTION]["minter"]) == 42


def test_ordered_records_show_their_transaction(hybrid_world: World) -> None:
    view = hybrid_world.view
    bought = call(view, "braid_getTransaction", hexb(hybrid_world.hashes["buy"]))
    assert bought["status"] == "committed" and bought["result"]["type"] == "NFT_BUY"
    assert bought["transaction"]["nftId"] == 2
    assert bought["transaction"]["price"] == str(PRICE + 2)

    paid, refused = (call(view, "braid_getExit", i) for i in (0, 1))
    move = call(view, "braid_getTransaction", paid["settledBy"])
    assert move["status"] == "committed" and move["result"]["fee"] == "0"
    assert move["transaction"]["type"] == "MOVE_FROM_FAST"
    assert (move["transaction"]["exitId"], move["transaction"]["amount"]) == (0, str(EXITED))
    failed = call(view, "braid_getTransaction", refused["settledBy"])
    assert failed["status"] == "failed" and failed["error"].startswith("EscrowInsufficient")
    assert failed["transaction"]["exitId"] == 1  # a failed record shows what it was

    block = call(view, "braid_getBlock", move["height"], True)
    shown = [t["transaction"]["type"] for t in block["transactions"]]
    assert shown == ["MOVE_FROM_FAST", "MOVE_FROM_FAST", "GAME_MINT", "GAME_MINT"]


def test_pending_transactions_show_theirs(tmp_path: Path) -> None:
    world = new_world(tmp_path)
    tx_hash = world.view.submit(move_to_fast(world, 2, 77, 0))  # admitted, not ordered
    pending = call(world.view, "braid_getTransaction", hexb(tx_hash))
    assert pending["status"] == "pending"
    assert pending["transaction"]["type"] == "MOVE_TO_FAST"
    assert (pending["transaction"]["fromIndex"], pending["transaction"]["amount"]) == (2, "77")
