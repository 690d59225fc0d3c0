"""The JSON of blocks, transaction records and their receipts (the only place receipts become
JSON; sequencer/receipts.py has their types), and of the ZK-chain transactions themselves."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from zkbraid.api.jsonrpc import camel, hexb
from zkbraid.crypto.eddsa import PublicKey
from zkbraid.errors import BraidError
from zkbraid.ledger.block import BlockHeader
from zkbraid.ledger.envelope import TxKind, unwrap
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
from zkbraid.zk.transactions import ZkTransaction, decode_transaction

# How zk_tx_json shows a field, by name: amounts as decimal strings (as every amount in the API),
# content hashes as 0x hex (as zk_getNft); signatures are left out (they say nothing to a reader).
_AMOUNT_FIELDS = frozenset({"amount", "price", "fee"})
_HASH_FIELDS = frozenset({"content_hash"})
_SIGNATURE_FIELDS = frozenset({"signature", "ecdsa_signature"})


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
    out: dict[str, Any] = {
        "hash": hexb(t.hash),
        "kind": TxKind(t.kind).name,
        "status": "committed" if t.ok else "failed",
        "height": t.height,
        "index": t.index,
        "error": t.error,
        "result": result_json(decode_result(t.result), roots),
    }
    if t.kind == TxKind.ZK:
        tx = _decoded_zk_tx(t.raw)
        if tx is not None:
            out["transaction"] = zk_tx_json(tx)
    return out


def zk_tx_json(tx: ZkTransaction) -> dict[str, Any]:
    """A ZK-chain transaction's fields, every type the same way: its type's name, then each
    field under its camelCase name; amounts and fees as decimal strings, addresses and content
    hashes as 0x hex, an L2 key as [x, y]; signatures left out."""
    out: dict[str, Any] = {"type": tx.TYPE.name}
    for f in fields(tx):
        if f.name in _SIGNATURE_FIELDS:
            continue
        value = getattr(tx, f.name)
        if isinstance(value, bytes):
            shown: Any = hexb(value)
        elif isinstance(value, PublicKey):
            shown = [hex(value.x), hex(value.y)]
        elif f.name in _AMOUNT_FIELDS:
            shown = str(value)
        elif f.name in _HASH_FIELDS:
            shown = hex(value)
        else:
            shown = value
        out[camel(f.name)] = shown
    return out


def _decoded_zk_tx(envelope: bytes) -> ZkTransaction | None:
    """The ZK-chain transaction an ordered envelope holds (None: not decodable; such an
    envelope failed in its block, and its record's error says why)."""
    try:
        return decode_transaction(unwrap(envelope)[1])
    except BraidError:
        return None


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
