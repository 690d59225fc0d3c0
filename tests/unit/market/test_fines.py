"""Deadlines, fines and reassignment; provers going silent (market/fines.py, step.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.market.chain import (
    PARAMS,
    Chain,
    address,
    one_job,
)
from zkbraid.market.records import Outcome
from zkbraid.market.step import BlockOutcome


def test_missed_deadline_fines_into_a_negative_balance_and_reassigns() -> None:
    c = Chain()
    tx, first = one_job(c)
    assert c.zkpow.balance(address(first)) == 0
    c.block(dt_ms=PARAMS.deadline_ms - 100)
    for _ in range(PARAMS.deadline_blocks - 2):
        assert c.block(dt_ms=1).fined == []
    out = c.block(dt_ms=100)  # both the blocks and the milliseconds have now passed
    assert out.fined == [(tx, address(first), PARAMS.fine)]
    assert c.zkpow.balance(address(first)) == -PARAMS.fine
    second = c.prover_index(c.assignee(tx))
    assert second != first
    assert out.assigned == [(tx, address(second), 1)]
    job = c.market.job(tx)
    assert job is not None
    assert [(a.prover, a.outcome, a.amount) for a in job.attempts] == [
        (address(first), Outcome.MISSED, PARAMS.fine),
        (address(second), Outcome.PENDING, 0),
    ]
    record = c.market.prover(address(first))
    assert record is not None and (record.fines, record.fined) == (1, PARAMS.fine)


@pytest.mark.parametrize("bench", [True, False])
def test_a_prover_that_missed_gets_no_new_job_until_it_heartbeats(bench: bool) -> None:
    c = Chain(replace(PARAMS, bench_after_miss=bench))
    c.register(0)
    c.block(commits=1)
    out = BlockOutcome()
    while not out.fined:
        out = c.block(dt_ms=PARAMS.deadline_ms // 4)
    assert c.market.is_active(address(0))
    assert c.market.is_assignable(address(0)) is not bench
    assert out.assigned == ([] if bench else [(c.tx(0), address(0), 1)])
    c.block(txs=(c.heartbeat_tx(0),))
    assert c.assignee(c.tx(0)) == address(0)


def test_deadline_needs_both_its_blocks_and_its_milliseconds() -> None:
    c = Chain()
    one_job(c)
    for _ in range(PARAMS.deadline_blocks * 3):  # many blocks, little time
        assert c.block(dt_ms=10).fined == []
    c2 = Chain()
    one_job(c2)
    c2.block(dt_ms=PARAMS.deadline_ms * 2)  # much time, one block
    assert c2.block(dt_ms=1).fined == []


def test_proof_in_the_block_where_the_deadline_passes_still_counts() -> None:
    c = Chain()
    tx, first = one_job(c)
    for _ in range(PARAMS.deadline_blocks - 1):
        c.block(dt_ms=PARAMS.deadline_ms // PARAMS.deadline_blocks)
    out = c.block(dt_ms=PARAMS.deadline_ms, proofs=((tx, first),))
    assert out.fined == []
    assert c.zkpow.balance(address(first)) > 0


def test_deactivated_prover_is_not_fined_and_its_job_is_reassigned() -> None:
    c = Chain()
    tx, first = one_job(c)
    out = c.block(txs=(c.deactivate_tx(first),))
    assert out.fined == []
    assert c.assignee(tx) == address(1 - first)
    job = c.market.job(tx)
    assert job is not None and job.attempts[0].outcome is Outcome.RELEASED
    for _ in range(3 * PARAMS.deadline_blocks):  # the other prover never proves it either
        out = c.block(dt_ms=PARAMS.deadline_ms // 4, txs=(c.heartbeat_tx(1 - first),))
        assert all(p == address(1 - first) for _, p, _ in out.fined)
        assert c.assignee(tx) in (None, address(1 - first))  # benched for a block after a miss
    assert c.zkpow.balance(address(first)) == 0


def test_silent_prover_lapses_unfined_and_its_job_is_reassigned() -> None:
    """Fast blocks, then slow ones: prover 0's window passes before its job's deadline does."""
    p = PARAMS
    c = Chain()
    c.register(0)
    c.register(1)
    for _ in range(34):  # 34 quick blocks: prover 0 is old in blocks but not in time
        c.block(dt_ms=10, txs=(c.heartbeat_tx(1),))
    assert c.market.is_assignable(address(0))
    c.block(commits=2)  # one job each: both are idle
    held_by_0 = [j.job_id for j in c.market.assignments(address(0))]
    assert len(held_by_0) == 1
    out = BlockOutcome()
    while not out.lapsed:
        out = c.block(dt_ms=p.heartbeat_window_ms // 3, txs=(c.heartbeat_tx(1),))
    assert out.lapsed == [address(0)]
    assert out.released == [(held_by_0[0], address(0))]
    assert out.fined == []
    assert c.zkpow.balance(address(0)) == 0
    assert c.assignee(held_by_0[0]) == address(1)
    assert not c.market.is_active(address(0))


def test_registered_but_inactive_prover_is_never_fined() -> None:
    c = Chain()
    c.register(0, 1)
    c.block(txs=(c.deactivate_tx(1),))
    for _ in range(60):
        c.block(dt_ms=3_000, commits=1, txs=(c.heartbeat_tx(0),))
    assert c.zkpow.balance(address(1)) == 0
    record = c.market.prover(address(1))
    assert record is not None and record.fines == 0
