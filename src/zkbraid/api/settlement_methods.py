"""Settlement's JSON-RPC methods (`braid_*`): what a submission agent posts to L1 for a batch —
its records, proofs and roots, the fast chain's checkpoint, and this node's attestation."""

from __future__ import annotations

from typing import Any

from zkbraid.api.jsonrpc import Params, hexb, param, quantity
from zkbraid.api.view import NodeView
from zkbraid.errors import NotFound
from zkbraid.settlement.l1_contracts import Checkpoint, attestation_digest, batch_data_hash


class BatchNotReady(NotFound):
    """The batch does not exist, is not bundled yet, or the node does not follow L1."""


def build(node: NodeView) -> dict[str, Any]:
    """The settlement methods over a node."""

    def batch_submission(params: Params) -> dict[str, Any]:
        """`submitBatch`'s arguments for market batch `batch`, attested for L1 batch index
        `l1Batch` (the rollup's `batchCount` when it is posted)."""
        index = quantity(param(params, 0, "batch"), "batch")
        l1_index = quantity(param(params, 1, "l1Batch"), "l1Batch")
        l1 = node.l1_status()
        if l1 is None:
            raise BatchNotReady("this node follows no L1")
        with node.lock:
            state = node.state
            market = state.market
            batch = market.batch(index)
            if batch is None or not batch.aggregated_by:
                raise BatchNotReady(f"batch {index} is not bundled yet")
            records: list[bytes] = []
            roots: list[bytes] = []
            hashes: list[bytes] = []
            for seq in range(batch.start, batch.start + batch.count):
                tx_hash = market.tx_at(seq)
                job = market.job(tx_hash) if tx_hash is not None else None
                if tx_hash is None or job is None:
                    raise BatchNotReady(f"batch {index}: transaction {seq} is missing")
                if not roots:
                    roots.append(job.old_root)
                roots.append(job.new_root)
                records.append(job.pubdata)
                hashes.append(tx_hash)
            head = state.head
            if head is None:
                raise BatchNotReady("the chain has no block yet")
            checkpoint = Checkpoint(state.fast.state_root, head.app_hash, head.height)
        proofs = []
        for tx_hash in hashes:
            proof = node.ledger.proof(tx_hash)
            if proof is None:
                raise BatchNotReady(f"batch {index}: 0x{tx_hash.hex()} has no stored proof")
            proofs.append(proof)
        data_hash = batch_data_hash(records)
        digest = attestation_digest(
            chain_id=l1.chain_id,
            rollup=l1.rollup,
            batch_index=l1_index,
            data_hash=data_hash,
            new_root=roots[-1],
            checkpoint=checkpoint,
        )
        attested = node.attest(digest)
        return {
            "batch": index,
            "l1Batch": l1_index,
            "txHashes": [hexb(h) for h in hashes],
            "records": [hexb(r) for r in records],
            "proofs": [hexb(p) for p in proofs],
            "roots": [hexb(r) for r in roots],
            "checkpoint": {
                "fastStateRoot": hexb(checkpoint.fast_state_root),
                "ledgerAppHash": hexb(checkpoint.ledger_app_hash),
                "ledgerHeight": checkpoint.ledger_height,
            },
            "dataHash": hexb(data_hash),
            "attestations": []
            if attested is None
            else [{"validator": hexb(attested[0]), "signature": hexb(attested[1])}],
        }

    return {"braid_getBatchSubmission": batch_submission}
