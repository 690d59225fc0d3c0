"""The hybrid's JSON-RPC methods (in the `braid_*` namespace, docs/hybrid.md): what passes
between the ZK chain and the fast chain — the ZK→fast credits and oracle roots queued for the
next fast block, the fast chain's exits and game prizes pending for the next ZK block, and how
each settled (paid or minted, or refused with the rule's name).

Amounts are decimal strings; addresses, roots and hashes 0x hex.
"""

from __future__ import annotations

from typing import Any

from zkbraid.api.jsonrpc import InvalidParams, Params, hexb, param, quantity
from zkbraid.api.view import NodeView
from zkbraid.fast.system_contracts import RootStatus
from zkbraid.sequencer.hybrid import ExitRecord, Hybrid, PrizeRecord, Status
from zkbraid.zk.params import MOVE_TOKEN

RECENT = 20
"""How many settled exits and prizes `braid_hybrid` shows by default (the newest)."""
MAX_RECENT = 200


def _settled_json(
    status: Status, done: str, settled_height: int, settled_by: bytes, reason: bytes
) -> dict[str, Any]:
    pending = status is Status.PENDING
    return {
        "status": "pending" if pending else done if status is Status.DONE else "refused",
        "settledHeight": None if pending else settled_height,
        "settledBy": hexb(settled_by) if settled_by else None,
        "reason": reason.decode(errors="replace") if reason else None,
    }


def exit_json(r: ExitRecord) -> dict[str, Any]:
    """A fast-chain exit: pending, paid (by a MoveFromFast) or refused (and why)."""
    return {
        "id": r.exit_id,
        "sender": hexb(r.sender),
        "zkAccount": r.zk_account,
        "amount": str(r.amount),
        "observedHeight": r.observed_height,
        **_settled_json(r.status, "paid", r.settled_height, r.settled_by, r.reason),
    }


def prize_json(r: PrizeRecord) -> dict[str, Any]:
    """A game's reported prize: pending, minted (as `nftId`, by a GameMint) or refused."""
    minted = r.status is Status.DONE
    return {
        "id": r.report_id,
        "game": hexb(r.game),
        "collection": r.collection,
        "round": r.round,
        "winner": hexb(r.winner),
        "contentHash": hexb(r.content_hash),
        "observedHeight": r.observed_height,
        "nftId": r.nft_id if minted else None,
        **_settled_json(r.status, "minted", r.settled_height, r.settled_by, r.reason),
    }


def _recent(hybrid: Hybrid, count: int) -> tuple[list[ExitRecord], list[PrizeRecord]]:
    """The newest `count` settled exits and prizes, newest first (the pending ones are listed
    apart, so at most `count` plus the pending are read)."""
    meta = hybrid.meta
    exits: list[ExitRecord] = []
    first = max(0, meta.next_exit_id - count - len(hybrid.pending_exits()))
    for exit_id in range(meta.next_exit_id - 1, first - 1, -1):
        record = hybrid.exit(exit_id)
        if record is not None and record.status is not Status.PENDING and len(exits) < count:
            exits.append(record)
    prizes: list[PrizeRecord] = []
    first = max(0, meta.next_report_id - count - len(hybrid.pending_prizes()))
    for report_id in range(meta.next_report_id - 1, first - 1, -1):
        prize = hybrid.prize(report_id)
        if prize is not None and prize.status is not Status.PENDING and len(prizes) < count:
            prizes.append(prize)
    return exits, prizes


def build(node: NodeView) -> dict[str, Any]:
    """The hybrid's sync methods over a node."""

    def hybrid(params: Params) -> dict[str, Any]:
        """The escrow, the queues for the next fast block, the pending exits and prizes, and
        the newest `recent` (default 20, at most 200) settled ones of each."""
        count = quantity(param(params, 0, "recent", RECENT), "recent")
        if count > MAX_RECENT:
            raise InvalidParams(f"recent is limited to {MAX_RECENT}")
        with node.lock:
            state = node.state
            h = state.hybrid
            meta = h.meta
            exits, prizes = _recent(h, count)
            return {
                "escrow": str(state.zk.escrow_balance(MOVE_TOKEN)),
                "queued": {
                    "credits": [
                        {"address": hexb(c.address), "wei": str(c.wei)} for c in meta.credits
                    ],
                    "roots": [
                        {
                            "root": hexb(r.root),
                            "zkHeight": r.zk_height,
                            "status": RootStatus(r.status).name.lower(),
                        }
                        for r in meta.roots
                    ],
                },
                "nextExitId": meta.next_exit_id,
                "nextReportId": meta.next_report_id,
                "provenTxs": meta.proven_txs,
                "settledRoot": hexb(meta.settled_root) if meta.settled_root else None,
                "pendingExits": [exit_json(r) for r in h.pending_exits()],
                "pendingPrizes": [prize_json(r) for r in h.pending_prizes()],
                "recentExits": [exit_json(r) for r in exits],
                "recentPrizes": [prize_json(r) for r in prizes],
            }

    def get_exit(params: Params) -> dict[str, Any] | None:
        """One fast-chain exit by its id (FastExit's exitId; None: not observed yet)."""
        exit_id = quantity(param(params, 0, "id"), "id")  # 64-bit, as the contract's
        with node.lock:
            record = node.state.hybrid.exit(exit_id)
            return None if record is None else exit_json(record)

    def get_prize(params: Params) -> dict[str, Any] | None:
        """One game prize by its report id (GameReports' reportId; None: not observed yet)."""
        report_id = quantity(param(params, 0, "id"), "id")  # 64-bit, as the contract's
        with node.lock:
            prize = node.state.hybrid.prize(report_id)
            return None if prize is None else prize_json(prize)

    return {"braid_hybrid": hybrid, "braid_getExit": get_exit, "braid_getPrize": get_prize}
