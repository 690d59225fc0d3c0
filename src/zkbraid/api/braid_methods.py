"""`braid_*`: the ledger's own JSON-RPC namespace (the global order, statuses, the faucet)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from zkbraid import __version__
from zkbraid.api.jsonrpc import InvalidParams, Params, hex_bytes, hexb, param, quantity
from zkbraid.api.market_methods import job_json, market_now
from zkbraid.errors import NotFound
from zkbraid.ledger.block import BlockHeader, ChainKind
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.ledger.store import TxRecord
from zkbraid.market.transactions import Faucet

if TYPE_CHECKING:
    from zkbraid.node.node import Node

MAX_BLOCKS_PER_CALL = 1000


class UnknownBlock(NotFound):
    """No block at that height or with that hash."""


def header_json(h: BlockHeader, txs: list[TxRecord] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "height": h.height,
        "hash": hexb(h.hash),
        "chain": h.chain.name,
        "chainHeight": h.chain_height,
        "parentHash": hexb(h.parent_hash),
        "chainParentHash": hexb(h.chain_parent_hash),
        "timestampMs": h.timestamp_ms,
        "txRoot": hexb(h.tx_root),
        "stateRoot": hexb(h.state_root),
        "appHash": hexb(h.app_hash),
    }
    if txs is not None:
        out["transactions"] = [record_json(t) for t in txs]
        out["txCount"] = len(txs)
    return out


def record_json(t: TxRecord) -> dict[str, Any]:
    kind = TxKind(t.kind)
    return {
        "hash": hexb(t.hash),
        "kind": kind.name,
        "status": "committed" if t.ok else "failed",
        "height": t.height,
        "index": t.index,
        "error": t.error,
        "result": t.result,
    }


def tx_status(node: Node, tx_hash: bytes) -> dict[str, Any] | None:
    """Where a transaction is: pending, committed, failed or dropped (None: unknown)."""
    record = node.store.tx(tx_hash)
    if record is not None:
        status = record_json(record)
        if record.ok and record.kind == TxKind.ZK:
            with node.lock:
                proof = node.app.proof_record(tx_hash)
                market = node.app.market
                job = market.job(tx_hash)
                if job is not None:
                    status["proving"] = job_json(market, job, market_now(market))
            if proof is not None:
                status["status"] = "proven"
                status["proof"] = {
                    "prover": hexb(proof.prover),
                    "proofHash": hexb(proof.proof_hash),
                    "height": proof.height,
                }
        return status
    with node.lock:
        pending = node.app.pending(tx_hash)
        if pending is not None:
            return {"hash": hexb(tx_hash), "kind": pending.kind.name, "status": "pending"}
        reason = node.app.dropped.get(tx_hash)
    if reason is not None:
        return {"hash": hexb(tx_hash), "status": "dropped", "error": reason}
    return None


def _height_arg(node: Node, value: Any) -> int:
    if value == "latest":
        return node.app.info().last_height
    return quantity(value, "height")


def build(node: Node) -> dict[str, Any]:
    """The sync `braid_*` methods over a node."""

    def status(params: Params) -> dict[str, Any]:
        with node.lock:
            app = node.app
            zk_head, fast_head_block = (
                app.chain_heads[ChainKind.ZK],
                app.chain_heads[ChainKind.FAST],
            )
            fast_head = app.fast.head()
            return {
                "version": __version__,
                "engine": "solo",
                "height": app.info().last_height,
                "headHash": hexb(app.head.hash) if app.head else None,
                "appHash": hexb(app.info().last_app_hash),
                "pending": node.engine.pending_count(),
                "zk": {
                    "chainId": app.params.zk.chain_id,
                    "blocks": zk_head.chain_height if zk_head else 0,
                    "stateRoot": hexb(app.zk_root_bytes()),
                },
                "fast": {
                    "chainId": app.params.fast.chain_id,
                    "blocks": fast_head_block.chain_height if fast_head_block else 0,
                    "evmBlock": fast_head.number,
                    "stateRoot": hexb(fast_head.state_root),
                },
                "sequencer": {"zkpowRoot": hexb(app.zkpow.root)},
                "faucet": app.params.faucet.enabled,
            }

    def get_block(params: Params) -> dict[str, Any] | None:
        height = _height_arg(node, param(params, 0, "height"))
        full = bool(param(params, 1, "withTransactions", False))
        header = node.store.header(height)
        if header is None:
            return None
        return header_json(header, node.store.block_txs(height) if full else None)

    def get_block_by_hash(params: Params) -> dict[str, Any] | None:
        block_hash = hex_bytes(param(params, 0, "hash"), "hash", 32)
        full = bool(param(params, 1, "withTransactions", False))
        header = node.store.header_by_hash(block_hash)
        if header is None:
            return None
        return header_json(header, node.store.block_txs(header.height) if full else None)

    def get_blocks(params: Params) -> list[dict[str, Any]]:
        """The interleaved order: blocks `first`..`first+count-1` (count ≤ 1000)."""
        first = quantity(param(params, 0, "first"), "first")
        count = quantity(param(params, 1, "count", 20), "count")
        if count > MAX_BLOCKS_PER_CALL:
            raise InvalidParams(f"count is limited to {MAX_BLOCKS_PER_CALL}")
        headers = node.store.headers(first, first + count - 1)
        counts = node.store.tx_counts(first, first + count - 1)
        out = []
        for h in headers:
            j = header_json(h)
            j["txCount"] = counts.get(h.height, 0)
            out.append(j)
        return out

    def get_transaction(params: Params) -> dict[str, Any] | None:
        return tx_status(node, hex_bytes(param(params, 0, "hash"), "hash", 32))

    def faucet(params: Params) -> str:
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        tx = Faucet(address=address, salt=os.urandom(16))
        return hexb(node.engine.broadcast_tx(wrap(TxKind.SEQUENCER, tx.encode())))

    def zkpow_balance(params: Params) -> str:
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        with node.lock:
            return str(node.app.zkpow.balance(address))

    def send_envelope(params: Params) -> str:
        raw = hex_bytes(param(params, 0, "envelope"), "envelope")
        return hexb(node.engine.broadcast_tx(raw))

    return {
        "braid_status": status,
        "braid_getBlock": get_block,
        "braid_getBlockByHash": get_block_by_hash,
        "braid_getBlocks": get_blocks,
        "braid_getTransaction": get_transaction,
        "braid_faucet": faucet,
        "braid_getZkpowBalance": zkpow_balance,
        "braid_sendEnvelope": send_envelope,
    }


def require_block(node: Node, height: int) -> BlockHeader:
    header = node.store.header(height)
    if header is None:
        raise UnknownBlock(f"no block at height {height}")
    return header
