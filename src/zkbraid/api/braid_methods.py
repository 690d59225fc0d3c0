"""`braid_*`: the ledger's own JSON-RPC namespace (the global order, statuses, the faucet)."""

from __future__ import annotations

import os
from typing import Any

from zkbraid import __version__
from zkbraid.api.jsonrpc import (
    SQLITE_BITS,
    InvalidParams,
    Params,
    boolean,
    hex_bytes,
    hexb,
    param,
    quantity,
    submits,
)
from zkbraid.api.market_methods import job_json, market_now
from zkbraid.api.receipts_json import header_json, record_json, zk_tx_json
from zkbraid.api.view import NodeView
from zkbraid.errors import NotFound
from zkbraid.ledger.block import BlockHeader, ChainKind
from zkbraid.ledger.envelope import MalformedEnvelope, TxKind, unwrap, wrap
from zkbraid.market.records import JobStatus
from zkbraid.market.transactions import Faucet
from zkbraid.sequencer.state import SequencerState
from zkbraid.zk.transactions import ZkTransaction

MAX_BLOCKS_PER_CALL = 1000
MAX_HEIGHT = 2**SQLITE_BITS - 1
"""The highest height the ledger's store can hold (a SQLite INTEGER)."""
USER_KINDS = (TxKind.ZK, TxKind.FAST, TxKind.SEQUENCER)
"""The envelope kinds a user may submit: a block marker is a proposer's, in no mempool."""


class UnknownBlock(NotFound):
    """No block at that height or with that hash."""


def tx_status(node: NodeView, tx_hash: bytes) -> dict[str, Any] | None:
    """Where a transaction is: pending, committed, proven, failed or dropped (None: unknown).
    A ZK-chain transaction is proven when its market job is done (the one record of it)."""
    record = node.ledger.tx(tx_hash)
    if record is not None:
        with node.lock:
            market = node.state.market
            status = record_json(record, market)
            if record.ok and record.kind == TxKind.ZK:
                job = market.job(tx_hash)
                if job is not None:
                    status["proving"] = job_json(market, job, market_now(market))
                    if job.status is JobStatus.DONE:
                        status["status"] = "proven"
                        status["proof"] = {
                            "prover": hexb(job.proven_by),
                            "proofHash": hexb(job.proof_hash),
                            "height": job.done_height,
                        }
                    bridge = node.state.bridge.meta
                    if job.seq < bridge.settled_txs:
                        status["status"] = "settled"
                        status["settlement"] = {
                            "observedHeight": bridge.settled_height,
                            "l1Root": hexb(bridge.settled_root),
                        }
        return status
    with node.lock:
        pending = node.mempool.get(tx_hash)
        if pending is not None:
            out: dict[str, Any] = {
                "hash": hexb(tx_hash),
                "kind": pending.kind.name,
                "status": "pending",
            }
            if isinstance(pending.tx, ZkTransaction):
                out["transaction"] = zk_tx_json(pending.tx)
            return out
        reason = node.mempool.dropped.get(tx_hash)
    if reason is not None:
        return {"hash": hexb(tx_hash), "status": "dropped", "error": reason}
    return None


def _l1_json(node: NodeView, state: SequencerState) -> dict[str, Any] | None:
    """Where the node's L1 is, how far the node follows it and what the chain has observed."""
    l1 = node.l1_status()
    if l1 is None:
        return None
    meta = state.bridge.meta
    return {
        "rpc": l1.rpc_url,
        "chainId": l1.chain_id,
        "rollup": l1.rollup,
        "tip": l1.tip,
        "confirmed": l1.confirmed,
        "observed": meta.l1_height,
        "observedHash": hexb(meta.l1_hash) if meta.l1_hash else None,
        "depositsObserved": meta.next_deposit_id,
        "depositsPending": len(state.bridge.pending()),
    }


def _height(node: NodeView) -> int:
    return node.state.height


def _height_arg(node: NodeView, value: Any) -> int:
    if value == "latest":
        return _height(node)
    return quantity(value, "height", SQLITE_BITS)


def build(node: NodeView) -> dict[str, Any]:
    """The sync `braid_*` methods over a node."""

    def status(params: Params) -> dict[str, Any]:
        with node.lock:
            state = node.state
            zk_head, fast_head_block = (
                state.chain_heads[ChainKind.ZK],
                state.chain_heads[ChainKind.FAST],
            )
            fast_head = state.fast.head()
            return {
                "version": __version__,
                "engine": node.engine_name,
                "height": state.height,
                "headHash": hexb(state.head.hash) if state.head else None,
                "appHash": hexb(state.head.app_hash if state.head else node.genesis_app_hash),
                "pending": node.pending_count(),
                "zk": {
                    "chainId": node.params.zk.chain_id,
                    "blocks": zk_head.chain_height if zk_head else 0,
                    "stateRoot": hexb(state.zk_root()),
                },
                "fast": {
                    "chainId": node.params.fast.chain_id,
                    "blocks": fast_head_block.chain_height if fast_head_block else 0,
                    "evmBlock": fast_head.number,
                    "stateRoot": hexb(fast_head.state_root),
                },
                "sequencer": {"zkpowRoot": hexb(state.zkpow.root)},
                "faucet": node.params.faucet.enabled,
                "l1": _l1_json(node, state),
            }

    def get_block(params: Params) -> dict[str, Any] | None:
        height = _height_arg(node, param(params, 0, "height"))
        full = boolean(param(params, 1, "withTransactions", False), "withTransactions")
        header = node.ledger.header(height)
        if header is None:
            return None
        return _block_json(header, full)

    def get_block_by_hash(params: Params) -> dict[str, Any] | None:
        block_hash = hex_bytes(param(params, 0, "hash"), "hash", 32)
        full = boolean(param(params, 1, "withTransactions", False), "withTransactions")
        header = node.ledger.header_by_hash(block_hash)
        if header is None:
            return None
        return _block_json(header, full)

    def _block_json(header: BlockHeader, full: bool) -> dict[str, Any]:
        if not full:
            return header_json(header)
        txs = node.ledger.block_txs(header.height)
        with node.lock:
            return header_json(header, txs, node.state.market)

    def get_blocks(params: Params) -> list[dict[str, Any]]:
        """The interleaved order: blocks `first`..`first+count-1` (count ≤ 1000)."""
        first = quantity(param(params, 0, "first"), "first", SQLITE_BITS)
        count = quantity(param(params, 1, "count", 20), "count")
        if count > MAX_BLOCKS_PER_CALL:
            raise InvalidParams(f"count is limited to {MAX_BLOCKS_PER_CALL}")
        last = min(first + count - 1, MAX_HEIGHT)
        headers = node.ledger.headers(first, last)
        counts = node.ledger.tx_counts(first, last)
        out = []
        for h in headers:
            j = header_json(h)
            j["txCount"] = counts.get(h.height, 0)
            out.append(j)
        return out

    def get_transaction(params: Params) -> dict[str, Any] | None:
        return tx_status(node, hex_bytes(param(params, 0, "hash"), "hash", 32))

    @submits
    def faucet(params: Params) -> str:
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        tx = Faucet(address=address, salt=os.urandom(16))
        return hexb(node.submit(wrap(TxKind.SEQUENCER, tx.encode())))

    def zkpow_balance(params: Params) -> str:
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        with node.lock:
            return str(node.state.zkpow.balance(address))

    @submits
    def send_envelope(params: Params) -> str:
        """Submits a transaction of any kind a user may send, in its envelope (kind byte and
        payload). Raises MalformedEnvelope for a block marker or an unknown kind."""
        raw = hex_bytes(param(params, 0, "envelope"), "envelope")
        kind, _ = unwrap(raw)
        if kind not in USER_KINDS:
            raise MalformedEnvelope(
                f"envelope kind {kind.name} is not a transaction a user submits"
                " (ZK 0x01, FAST 0x02 or SEQUENCER 0x03)"
            )
        return hexb(node.submit(raw))

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


def require_block(node: NodeView, height: int) -> BlockHeader:
    header = node.ledger.header(height)
    if header is None:
        raise UnknownBlock(f"no block at height {height}")
    return header
