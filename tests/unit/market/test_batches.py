"""Batches, aggregation jobs and bundles (market/batches.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.market.chain import (
    FEE,
    KEYS,
    PARAMS,
    Chain,
    address,
    aggregated_chain,
    bundle_entries,
    prove_all,
)
from zkbraid.market.errors import (
    InvalidBundle,
    NotAssignee,
    UnknownBatch,
    UnknownJob,
)
from zkbraid.market.market_txs import (
    sign_bundle,
)
from zkbraid.market.records import JobKind, JobStatus, batch_job_id


def test_aggregation_job_when_a_contiguous_run_completes_a_batch() -> None:
    p = replace(PARAMS, batch_size=4)
    c = Chain(p)
    c.register(*range(8))
    c.block(commits=6)
    out = prove_all(c, [3, 1, 2, 5, 4])  # all of batch 0 but its first transaction
    assert out.aggregation_jobs == []
    out = prove_all(c, [0])
    assert out.aggregation_jobs == [batch_job_id(0)]
    job = c.market.job(batch_job_id(0))
    assert job is not None and job.kind is JobKind.AGGREGATE and job.status is JobStatus.ASSIGNED
    assert job.base == 4 * FEE * p.aggregation_bounty_bps // 10_000
    batch = c.market.batch(0)
    assert batch is not None and (batch.start, batch.count, batch.proven) == (0, 4, 4)
    assert batch.old_root == (1).to_bytes(32, "big") and batch.new_root == (5).to_bytes(32, "big")
    second = c.market.batch(1)
    assert second is not None and not second.closed and second.count == 2


def test_bundle_from_the_aggregation_assignee_is_recorded_and_paid() -> None:
    c, agg = aggregated_chain()
    before = c.zkpow.balance(address(agg))
    tx = sign_bundle(KEYS[agg], 0, bundle_entries(c, c.txs[:3]))
    c.block(txs=(tx,))
    batch = c.market.batch(0)
    assert batch is not None and batch.bundle_hash == tx.hash and batch.aggregated_by == tx.prover
    job = c.market.job(batch_job_id(0))
    assert job is not None and job.status is JobStatus.DONE and job.paid > 0
    assert c.zkpow.balance(address(agg)) == before + job.paid


@pytest.mark.parametrize("fault", ["order", "proof", "root", "short", "not_assignee"])
def test_invalid_bundle(fault: str) -> None:
    c, agg = aggregated_chain()
    entries = bundle_entries(c, c.txs[:3])
    signer = agg
    if fault == "order":
        entries[0], entries[1] = entries[1], entries[0]
    elif fault == "proof":
        entries[2] = replace(entries[2], proof=b"\x01" * 256)
    elif fault == "root":
        entries[1] = replace(entries[1], new_root=b"\x07" * 32)
    elif fault == "short":
        entries = entries[:2]
    else:
        signer = (agg + 1) % 4
    root = c.market.root
    with pytest.raises(NotAssignee if fault == "not_assignee" else InvalidBundle):
        c.market.check(sign_bundle(KEYS[signer], 0, entries))
    assert c.market.root == root


def test_invalid_bundle_of_an_unknown_or_incomplete_batch() -> None:
    c = Chain(replace(PARAMS, batch_size=3))
    c.register(0, 1, 2)
    c.block(commits=2)
    with pytest.raises(UnknownBatch):
        c.market.check(sign_bundle(KEYS[0], 7, bundle_entries(c, c.txs[:1])))
    with pytest.raises(UnknownJob):
        c.market.check(sign_bundle(KEYS[0], 0, bundle_entries(c, c.txs[:2])))


def test_a_short_batch_closes_on_time() -> None:
    p = replace(PARAMS, batch_size=16)
    c = Chain(p)
    c.register(0, 1)
    c.block(commits=2)
    prove_all(c, [0, 1])
    assert c.market.job(batch_job_id(0)) is None
    for _ in range(p.batch_close_blocks):
        out = c.block(dt_ms=p.batch_close_ms // p.batch_close_blocks)
        if out.closed_batches:
            break
    assert out.closed_batches == [0] and out.aggregation_jobs == [batch_job_id(0)]
    batch = c.market.batch(0)
    assert batch is not None and batch.closed and batch.count == 2
    c.block(commits=1)
    nxt = c.market.job(c.tx(2))
    assert nxt is not None and nxt.batch == 1
