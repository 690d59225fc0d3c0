"""The bridge's JSON-RPC methods (in the `braid_*` namespace): where L1 is, and where each L1
deposit is — unconfirmed on L1, observed and pending on the ZK chain, or credited."""

from __future__ import annotations

from typing import Any

from zkbraid.api.jsonrpc import Params, hexb, param, quantity
from zkbraid.api.view import NodeView
from zkbraid.settlement.deposits import DepositRecord, DepositStatus
from zkbraid.settlement.observation import DepositEvent


def _event_json(d: DepositEvent, status: str, l1_height: int | None = None) -> dict[str, Any]:
    return {
        "id": d.deposit_id,
        "status": status,
        "recipient": hexb(d.recipient),
        "amount": str(d.amount),
        "deadline": d.deadline,
        "l1Height": l1_height,
    }


def deposit_json(r: DepositRecord) -> dict[str, Any]:
    credited = r.status is DepositStatus.CREDITED
    return {
        "id": r.deposit_id,
        "status": "credited" if credited else "pending",
        "recipient": hexb(r.recipient),
        "amount": str(r.amount),
        "deadline": r.deadline,
        "observedHeight": r.observed_height,
        "creditedHeight": r.credited_height if credited else None,
        "creditedBy": hexb(r.credited_by) if credited else None,
    }


def build(node: NodeView) -> dict[str, Any]:
    """The bridge's sync methods over a node."""

    def get_deposit(params: Params) -> dict[str, Any] | None:
        """One L1 deposit: unconfirmed (seen on L1, not yet at the confirmation depth),
        pending (observed by the chain, not credited yet) or credited (None: unknown)."""
        deposit_id = quantity(param(params, 0, "id"), "id")
        with node.lock:
            record = node.state.bridge.deposit(deposit_id)
            if record is not None:
                return deposit_json(record)
        l1 = node.l1_status()
        for height, event in l1.unconfirmed if l1 is not None else ():
            if event.deposit_id == deposit_id:
                return _event_json(event, "unconfirmed", height)
        return None

    def bridge(params: Params) -> dict[str, Any]:
        """L1, what the chain observed of it, the pending and the unconfirmed deposits."""
        l1 = node.l1_status()
        with node.lock:
            b = node.state.bridge
            meta = b.meta
            pending = [deposit_json(r) for r in b.pending()]
        return {
            "l1": None
            if l1 is None
            else {
                "rpc": l1.rpc_url,
                "chainId": l1.chain_id,
                "rollup": l1.rollup,
                "tip": l1.tip,
                "confirmed": l1.confirmed,
            },
            "observed": {
                "height": meta.l1_height,
                "hash": hexb(meta.l1_hash) if meta.l1_hash else None,
                "timestamp": meta.l1_timestamp,
                "deposits": meta.next_deposit_id,
                "settledBatches": meta.next_settled_batch,
                "settledTxs": meta.settled_txs,
                "settledRoot": hexb(meta.settled_root) if meta.settled_root else None,
            },
            "pending": pending,
            "unconfirmed": [
                _event_json(e, "unconfirmed", h) for h, e in (l1.unconfirmed if l1 else ())
            ],
        }

    return {"braid_getDeposit": get_deposit, "braid_bridge": bridge}
