"""The proving market's JSON-RPC methods (in the `braid_*` namespace): provers, jobs with their
bounty, deadline and proving history, batches and their aggregation jobs, and the market's own
transactions (issue 4, rule 6: visibility).

Amounts are decimal strings (a prover's balance may be negative); hashes and addresses 0x hex.
A job's `bounty` is what its assignee would be paid if its result were included now (the
waiting-time premium grows with block time, the scarcity premium with fewer active provers).
"""

from __future__ import annotations

import time
from dataclasses import fields
from typing import Any

from zkbraid.api.jsonrpc import Params, camel, hex_bytes, hexb, param, quantity, submits
from zkbraid.api.view import NodeView
from zkbraid.errors import NotFound
from zkbraid.ledger.envelope import TxKind, unwrap, wrap
from zkbraid.market.market_txs import MARKET_TX_TYPES
from zkbraid.market.params import MarketParams
from zkbraid.market.records import Batch, Job, JobKind, JobStatus, ProverRecord, batch_job_id
from zkbraid.market.state import Market
from zkbraid.market.transactions import MalformedSequencerTx

MAX_JOBS_LISTED = 1000


class UnknownAggregation(NotFound):
    """No aggregation job for that batch (it does not exist, or is not complete yet)."""


def params_json(p: MarketParams) -> dict[str, Any]:
    """Every market parameter under its camelCase name (amounts as decimal strings)."""
    out: dict[str, Any] = {}
    for f in fields(p):
        value = getattr(p, f.name)
        out[camel(f.name)] = str(value) if f.name == "fine" else value
    return out


def market_now(market: Market) -> int:
    """The block time a block made now would have (never before the market's last step)."""
    return max(int(time.time() * 1000), market.last_time_ms)


def job_json(market: Market, job: Job, at_ms: int) -> dict[str, Any]:
    """A job with its current bounty, deadline and proving history."""
    deadline = market.deadline(job)
    out: dict[str, Any] = {
        "jobId": hexb(job.job_id),
        "kind": "tx" if job.kind is JobKind.TX else "aggregate",
        "status": job.status.name.lower(),
        "batch": job.batch,
        "createdHeight": job.created_height,
        "createdMs": job.created_ms,
        "assignee": None if job.assignee is None else hexb(job.assignee),
        "attempt": len(job.attempts) - 1 if job.assignee is not None else None,
        "deadline": None if deadline is None else {"height": deadline[0], "timeMs": deadline[1]},
        "bounty": None if job.status is JobStatus.DONE else str(market.bounty_of(job, at_ms)),
        "history": [
            {
                "prover": hexb(a.prover),
                "height": a.height,
                "timeMs": a.time_ms,
                "outcome": a.outcome.name.lower(),
                "endedHeight": a.ended_height or None,
                "amount": str(a.amount),
            }
            for a in job.attempts
        ],
    }
    if job.kind is JobKind.TX:
        out["txHash"] = hexb(job.job_id)
        out["seq"] = job.seq
    if job.status is JobStatus.DONE:
        out["doneHeight"] = job.done_height
        out["provenBy"] = hexb(job.proven_by)
        out["paid"] = str(job.paid)
    return out


def prover_json(node: NodeView, r: ProverRecord) -> dict[str, Any]:
    market = node.state.market
    pending = node.mempool.market_nonce(r.address)
    return {
        "address": hexb(r.address),
        "active": market.is_active(r.address),
        "assignable": market.is_assignable(r.address),
        "benched": r.benched,
        "nonce": r.nonce,
        "pendingNonce": r.nonce if pending is None else pending,
        "balance": str(node.state.zkpow.balance(r.address)),
        "jobsDone": r.jobs_done,
        "earned": str(r.earned),
        "fines": r.fines,
        "fined": str(r.fined),
        "registeredHeight": r.registered_height,
        "lastSeenHeight": r.seen_height,
        "lastSeenMs": r.seen_ms,
        "jobs": [hexb(j.job_id) for j in market.assignments(r.address)],
    }


def batch_json(b: Batch) -> dict[str, Any]:
    return {
        "index": b.index,
        "start": b.start,
        "count": b.count,
        "proven": b.proven,
        "closed": b.closed,
        "aggregating": b.aggregating,
        "fees": str(b.fees),
        "reserve": str(b.reserve),
        "firstHeight": b.first_height,
        "oldRoot": hexb(b.old_root) if b.old_root else None,
        "newRoot": hexb(b.new_root) if b.new_root else None,
        "bundleHash": hexb(b.bundle_hash) if b.bundle_hash else None,
        "aggregatedBy": hexb(b.aggregated_by) if b.aggregated_by else None,
        "jobId": hexb(batch_job_id(b.index)),
    }


def build(node: NodeView) -> dict[str, Any]:
    """The market's sync methods over a node."""

    def summary(params: Params) -> dict[str, Any]:
        """The whole market at a glance: pool, provers, open jobs (oldest first)."""
        with node.lock:
            market = node.state.market
            t = market_now(market)
            return {
                "height": market.height,
                "pool": str(market.pool),
                "reserved": str(market.reserved),
                "activeProvers": market.active_count,
                "params": params_json(market.params),
                "provers": [prover_json(node, r) for r in market.provers()],
                "openJobs": [job_json(market, j, t) for j in market.open_jobs()[:MAX_JOBS_LISTED]],
            }

    def get_prover(params: Params) -> dict[str, Any] | None:
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        with node.lock:
            r = node.state.market.prover(address)
            return None if r is None else prover_json(node, r)

    def get_assignments(params: Params) -> list[dict[str, Any]]:
        """The jobs a prover holds now, oldest first: what a prover polls for."""
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        with node.lock:
            market = node.state.market
            t = market_now(market)
            return [job_json(market, j, t) for j in market.assignments(address)]

    def get_job(params: Params) -> dict[str, Any] | None:
        job_id = hex_bytes(param(params, 0, "jobId"), "jobId", 32)
        with node.lock:
            market = node.state.market
            job = market.job(job_id)
            return None if job is None else job_json(market, job, market_now(market))

    def get_batch(params: Params) -> dict[str, Any] | None:
        index = quantity(param(params, 0, "batch"), "batch")
        with node.lock:
            b = node.state.market.batch(index)
            if b is None:
                return None
            shown = batch_json(b)
            record = node.state.attestations.record(index)
            shown["attestation"] = (
                None
                if record is None
                else {
                    "signers": len(record.signatures),
                    "attested": record.attested,
                    "attestedHeight": record.attested_height if record.attested else None,
                    "validatorSetNonce": record.set_nonce if record.attested else None,
                }
            )
            return shown

    def get_aggregation_job(params: Params) -> dict[str, Any]:
        """What an aggregator bundles: the batch's proofs in order with their roots, and each
        transaction's encoding (to verify the proof against, without fetching its witness)."""
        index = quantity(param(params, 0, "batch"), "batch")
        with node.lock:
            market = node.state.market
            b = market.batch(index)
            job = market.job(batch_job_id(index))
            if b is None or job is None:
                raise UnknownAggregation(f"batch {index} has no aggregation job")
            entries = []
            for seq in range(b.start, b.start + b.count):
                tx_hash = market.tx_at(seq)
                tx_job = market.job(tx_hash) if tx_hash is not None else None
                proof = node.ledger.proof(tx_hash) if tx_hash is not None else None
                record = node.ledger.tx(tx_hash) if tx_hash is not None else None
                if tx_hash is None or tx_job is None or proof is None or record is None:
                    raise UnknownAggregation(f"batch {index}: transaction {seq} is not proven")
                entries.append(
                    {
                        "txHash": hexb(tx_hash),
                        "tx": hexb(unwrap(record.raw)[1]),
                        "oldRoot": hexb(tx_job.old_root),
                        "newRoot": hexb(tx_job.new_root),
                        "pubdata": hexb(tx_job.pubdata),
                        "proof": hexb(proof),
                    }
                )
            return {
                "batch": index,
                "jobId": hexb(job.job_id),
                "status": job.status.name.lower(),
                "bundleHash": hexb(market.bundle_hash_of(b)),
                "oldRoot": hexb(b.old_root),
                "newRoot": hexb(b.new_root),
                "entries": entries,
            }

    @submits
    def send_market_tx(params: Params) -> str:
        """Submits a market transaction (market/market_txs.py encodings, types 0x03–0x06)."""
        raw = hex_bytes(param(params, 0, "transaction"), "transaction")
        if not raw or raw[0] not in MARKET_TX_TYPES:
            raise MalformedSequencerTx("not a market transaction (types 0x03 to 0x06)")
        return hexb(node.submit(wrap(TxKind.SEQUENCER, raw)))

    return {
        "braid_market": summary,
        "braid_getProver": get_prover,
        "braid_getAssignments": get_assignments,
        "braid_getJob": get_job,
        "braid_getBatch": get_batch,
        "braid_getAggregationJob": get_aggregation_job,
        "braid_sendMarketTx": send_market_tx,
    }
