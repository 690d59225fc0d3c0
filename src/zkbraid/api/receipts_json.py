"""The JSON of blocks, transaction records and their receipts (the only place receipts become
JSON; sequencer/receipts.py has their types)."""

from __future__ import annotations

from typing import Any

from zkbraid.api.jsonrpc import hexb
from zkbraid.ledger.block import BlockHeader
from zkbraid.ledger.envelope import TxKind
from zkbraid.ledger.store import TxRecord
from zkbraid.market.receipts import BundleReceipt, ProverReceipt
from zkbraid.market.state import Market
from zkbraid.sequencer.receipts import (
    FastTxResult,
    FaucetResult,
    ProofResult,
    Result,
    ZkTxResult,
    decode_result,
)


def header_json(
    h: BlockHeader, txs: list[TxRecord] | None = None, market: Market | None = None
) -> dict[str, Any]:
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
        out["transactions"] = [record_json(t, market) for t in txs]
        out["txCount"] = len(txs)
    return out


def record_json(t: TxRecord, market: Market | None = None) -> dict[str, Any]:
    """A transaction's record; a ZK-chain transaction's roots come from its market job (the
    one place they are kept), when `market` is given."""
    roots = None
    if market is not None and t.ok and t.kind == TxKind.ZK:
        job = market.job(t.hash)
        if job is not None:
            roots = (job.old_root, job.new_root)
    return {
        "hash": hexb(t.hash),
        "kind": TxKind(t.kind).name,
        "status": "committed" if t.ok else "failed",
        "height": t.height,
        "index": t.index,
        "error": t.error,
        "result": result_json(decode_result(t.result), roots),
    }


def result_json(result: Result | None, roots: tuple[bytes, bytes] | None = None) -> dict[str, Any]:
    """A receipt's result as the API has always shown it (amounts as decimal strings)."""
    if result is None:
        return {}
    if isinstance(result, ZkTxResult):
        out: dict[str, Any] = {"type": result.tx_type.name}
        if roots is not None:
            out["oldRoot"] = hex(int.from_bytes(roots[0], "big"))
            out["newRoot"] = hex(int.from_bytes(roots[1], "big"))
        out["fee"] = str(result.fee)
        if result.account_index is not None:
            out["accountIndex"] = result.account_index
        if result.nft_id is not None:
            out["nftId"] = result.nft_id
        return out
    if isinstance(result, FastTxResult):
        return {"evmBlock": result.evm_block, "status": result.status, "gasUsed": result.gas_used}
    if isinstance(result, ProofResult):
        return {
            "proven": hexb(result.proven),
            "prover": hexb(result.prover),
            "paid": str(result.paid),
        }
    if isinstance(result, FaucetResult):
        return {
            "address": hexb(result.address),
            "zkpow": str(result.zkpow),
            "fastWei": str(result.fast_wei),
        }
    if isinstance(result, ProverReceipt):
        prover: dict[str, Any] = {"prover": hexb(result.prover), "active": result.active}
        if not result.active:
            prover["released"] = [hexb(j) for j in result.released]
        return prover
    if isinstance(result, BundleReceipt):
        return {
            "batch": result.batch,
            "bundle": hexb(result.bundle),
            "prover": hexb(result.prover),
            "paid": str(result.paid),
        }
    raise TypeError(type(result))
