"""braid_hybrid, braid_getExit, braid_getPrize: what passes between the chains, as the API shows
it — the escrow, the queues for the next fast block, pending exits, and how every exit and prize
settled (paid or minted, or refused with the rule's name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.api.conftest import (
    EXITED,
    GAME_COLLECTION,
    MOVED,
    TOO_MUCH,
    World,
    call,
    encode_call,
    fast_call,
    move_to_fast,
    new_world,
)
from zkbraid.api.jsonrpc import InvalidParams
from zkbraid.fast.system_contracts import FAST_EXIT
from zkbraid.zk.genesis import dev_eth_address


def _hex(address: bytes) -> str:
    return "0x" + address.hex()


def test_braid_hybrid_lists_settled_exits_and_prizes_newest_first(hybrid_world: World) -> None:
    state = call(hybrid_world.view, "braid_hybrid")
    assert state["escrow"] == str(MOVED - EXITED)
    assert (state["nextExitId"], state["nextReportId"]) == (3, 3)
    assert state["pendingExits"] == [] and state["pendingPrizes"] == []
    assert state["queued"] == {"credits": [], "roots": []}  # the last fast block took them

    paid, too_much, nobody = state["recentExits"][::-1]
    assert paid["status"] == "paid" and paid["amount"] == str(EXITED)
    assert (paid["sender"], paid["zkAccount"]) == (_hex(dev_eth_address(1)), 1)
    assert paid["reason"] is None and paid["settledBy"] is not None
    assert too_much["status"] == "refused" and too_much["amount"] == str(TOO_MUCH)
    assert too_much["reason"].startswith("EscrowInsufficient")
    assert too_much["settledBy"] is not None  # the MoveFromFast whose failure refused it
    assert nobody["status"] == "refused" and nobody["reason"] == "no ZK account 999"
    assert nobody["settledBy"] is None and nobody["settledHeight"] == nobody["observedHeight"]

    minted, capped, no_account = state["recentPrizes"][::-1]
    assert minted["status"] == "minted" and minted["nftId"] == 3
    assert (minted["collection"], minted["round"]) == (GAME_COLLECTION, 1)
    assert minted["game"] == _hex(dev_eth_address(3))
    assert minted["winner"] == _hex(dev_eth_address(1))
    assert minted["contentHash"] == "0x" + (0x11).to_bytes(32, "big").hex()
    assert capped["status"] == "refused" and capped["reason"].startswith("RoundCapReached")
    assert capped["nftId"] is None
    assert no_account["status"] == "refused" and "has no ZK account" in no_account["reason"]


def test_braid_hybrid_recent_is_bounded(hybrid_world: World) -> None:
    state = call(hybrid_world.view, "braid_hybrid", 1)
    assert [e["id"] for e in state["recentExits"]] == [2]
    assert [p["id"] for p in state["recentPrizes"]] == [2]
    assert call(hybrid_world.view, "braid_hybrid", 0)["recentExits"] == []
    with pytest.raises(InvalidParams):
        call(hybrid_world.view, "braid_hybrid", 201)


def test_braid_get_exit_and_prize(hybrid_world: World) -> None:
    view = hybrid_world.view
    state = call(view, "braid_hybrid")
    assert call(view, "braid_getExit", 0) == state["recentExits"][-1]
    assert call(view, "braid_getExit", "0x1")["status"] == "refused"
    assert call(view, "braid_getPrize", 0) == state["recentPrizes"][-1]
    for method in ("braid_getExit", "braid_getPrize"):
        assert call(view, method, 3) is None  # not observed (yet)
        for bad in (-1, 2**64):  # ids are 64-bit
            with pytest.raises(InvalidParams, match="id must"):
                call(view, method, bad)
        with pytest.raises(InvalidParams):
            call(view, method)


def test_queued_credits_and_pending_exits_until_the_other_chain_takes_them(
    tmp_path: Path,
) -> None:
    world = new_world(tmp_path)
    view = world.view
    world.block(move_to_fast(world, 1, 400, 0))  # ZK: the credit is queued
    state = call(view, "braid_hybrid")
    address = _hex(dev_eth_address(1))
    assert state["queued"]["credits"] == [{"address": address, "wei": "400"}]
    assert [r["status"] for r in state["queued"]["roots"]] == ["committed"]
    assert state["escrow"] == "400"

    # the fast block takes the queues; its exit waits for the next ZK block
    world.block(fast_call(world.net, 1, 0, FAST_EXIT, encode_call("FastExit", "exit", 1), 150))
    state = call(view, "braid_hybrid")
    assert state["queued"] == {"credits": [], "roots": []}
    (pending,) = state["pendingExits"]
    assert pending["status"] == "pending" and pending["settledHeight"] is None
    assert pending["amount"] == "150" and state["recentExits"] == []
    assert call(view, "braid_getExit", 0) == pending

    world.block()  # ZK: the proposer's MoveFromFast pays it
    state = call(view, "braid_hybrid")
    assert state["pendingExits"] == [] and state["escrow"] == "250"
    assert state["recentExits"][0]["status"] == "paid"
