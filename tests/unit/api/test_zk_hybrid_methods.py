"""The ZK chain's reads of the hybrid: zk_getListings, zk_getEscrow, the listing in zk_getNft,
a game collection's cap and round in zk_getCollection, the new types' fees."""

from __future__ import annotations

import pytest

from tests.unit.api.conftest import EXITED, GAME_COLLECTION, MOVED, PRICE, T0, World, call
from zkbraid.api.jsonrpc import InvalidParams
from zkbraid.zk.genesis import dev_eth_address


def test_zk_get_listings_every_listed_nft_with_its_expiry(hybrid_world: World) -> None:
    listings = call(hybrid_world.view, "zk_getListings")
    assert [n["id"] for n in listings] == [0, 1]  # NFT 2 was bought: its listing is gone
    expired, live = listings
    assert expired["listing"] == {
        "token": 0,
        "price": str(PRICE),
        "expiry": T0 // 1000 + 2,
        "expired": True,  # the head's time is past it
    }
    assert live["listing"]["price"] == str(PRICE + 1) and not live["listing"]["expired"]
    assert live["owner"] == 0 and live["ownerAddress"] == "0x" + dev_eth_address(0).hex()
    assert live["collection"] == 0 and live["contentHash"] == hex(0xABC + 1)


def test_zk_get_listings_of_one_collection(hybrid_world: World) -> None:
    view = hybrid_world.view
    assert call(view, "zk_getListings", 0) == call(view, "zk_getListings")
    assert call(view, "zk_getListings", GAME_COLLECTION) == []
    assert call(view, "zk_getListings", "0x7") == []
    assert call(view, "zk_getListings", None) == call(view, "zk_getListings")
    with pytest.raises(InvalidParams):
        call(view, "zk_getListings", "seven")


def test_zk_get_nft_shows_the_listing(hybrid_world: World) -> None:
    view = hybrid_world.view
    assert call(view, "zk_getNft", 1)["listing"]["expiry"] == T0 // 1000 + 86_400
    sold = call(view, "zk_getNft", 2)
    assert sold["owner"] == 2 and sold["listing"] is None
    prize = call(view, "zk_getNft", 3)  # the game's prize, minted by GameMint
    assert (prize["owner"], prize["collection"], prize["listing"]) == (1, GAME_COLLECTION, None)
    assert call(view, "zk_getNft", 4) is None


def test_zk_get_collection_game_fields(hybrid_world: World) -> None:
    view = hybrid_world.view
    assert call(view, "zk_getCollection", GAME_COLLECTION) == {
        "id": GAME_COLLECTION,
        "minter": "0x" + dev_eth_address(3).hex(),
        "game": True,
        "cap": 1,
        "round": 1,
        "minted": 1,
    }
    ordinary = call(view, "zk_getCollection", 0)
    assert (ordinary["game"], ordinary["cap"], ordinary["round"], ordinary["minted"]) == (
        False,
        0,
        0,
        0,
    )
    assert call(view, "zk_getCollection", 8) is None


def test_zk_get_escrow(hybrid_world: World) -> None:
    view = hybrid_world.view
    assert call(view, "zk_getEscrow") == str(MOVED - EXITED)  # the refused exit took nothing
    assert call(view, "zk_getEscrow", 0) == call(view, "braid_hybrid")["escrow"]
    assert call(view, "zk_getEscrow", 1) == "0"
    assert call(view, "zk_getEscrow", 2**40) == "0"  # no such token


def test_zk_fee_schedule_has_every_signed_type(hybrid_world: World) -> None:
    fees = hybrid_world.net.params.fees
    schedule = call(hybrid_world.view, "zk_getFeeSchedule")
    assert schedule["moveToFast"] == str(fees.move_to_fast)
    assert schedule["createCollection"] == str(fees.create_collection)
    assert schedule["nftList"] == str(fees.nft_list)
    assert schedule["nftCancel"] == str(fees.nft_cancel)
    assert schedule["nftBuy"] == str(fees.nft_buy)
    assert len(schedule) == 10  # and nothing for the system transactions (they pay no fee)
