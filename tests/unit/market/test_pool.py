"""Payment: bounties paid out of the pool, its reserves and its limits (market/pool.py,
bounty.py)."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.market.chain import (
    FEE,
    PARAMS,
    Chain,
    address,
    one_job,
)
from zkbraid.market.records import JobStatus, Outcome
from zkbraid.market.state import POOL_ADDRESS
from zkbraid.market.step import BlockOutcome


def test_assignee_is_paid_the_bounty_out_of_the_pool() -> None:
    c = Chain()
    tx, who = one_job(c)
    pool = c.market.pool
    assert pool == FEE
    expected = c.market.bounty_of(c.market.job(tx), c.time_ms + 100)  # type: ignore[arg-type]
    out = c.block(proofs=((tx, who),))
    assert c.zkpow.balance(address(who)) == expected > 0
    assert c.market.pool == FEE - expected
    job = c.market.job(tx)
    assert job is not None and job.status is JobStatus.DONE and job.paid == expected
    assert job.attempts[-1].outcome is Outcome.PROVEN
    record = c.market.prover(address(who))
    assert record is not None and (record.jobs_done, record.earned) == (1, expected)
    assert out.fined == []


def test_a_negative_balance_is_earned_back() -> None:
    c = Chain()
    tx, _ = one_job(c, provers=(0,))
    out = BlockOutcome()
    while not out.fined:
        out = c.block(dt_ms=PARAMS.deadline_ms // 4)
    assert c.zkpow.balance(address(0)) == -PARAMS.fine
    assert out.assigned == []  # benched until its next heartbeat: the job waits
    out = c.block(txs=(c.heartbeat_tx(0),))
    assert out.assigned == [(tx, address(0), 1)]  # alone, it gets its job back
    c.open()
    paid = c.prove(tx, 0)
    assert paid > 0 and c.zkpow.balance(address(0)) == -PARAMS.fine + paid


def test_payout_is_capped_by_the_pool() -> None:
    p = replace(PARAMS, tx_bounty_bps=10_000, aggregation_bounty_bps=0)
    c = Chain(p)
    c.register(0)  # one active prover: the scarcity premium is at its cap
    c.block(commits=1)
    c.open()
    paid = c.prove(c.tx(0), 0)
    assert paid == FEE  # the bounty is 4× the fee, the pool holds one fee
    assert c.market.pool == 0


def test_premiums_of_early_jobs_never_eat_the_base_of_later_ones() -> None:
    c = Chain()
    c.register(0, 1)  # two active provers: the scarcity premium is at its cap (4×)
    c.block(commits=4)
    c.open()
    base = c.market.job(c.tx(0)).base  # type: ignore[union-attr]
    paid = [c.prove(c.tx(i), c.prover_index(c.assignee(c.tx(i)))) for i in range(2)]
    c.close()
    c.open()
    paid += [c.prove(c.tx(i), c.prover_index(c.assignee(c.tx(i)))) for i in range(2, 4)]
    c.close()
    # the first ones take the surplus as premium; every one is paid at least its base
    assert paid[0] > base and all(p >= base for p in paid)
    reserve = c.market.batch(0).reserve  # type: ignore[union-attr]
    assert c.market.reserved == reserve  # only the aggregation bounty is still set aside
    assert c.market.pool >= reserve


def test_bounty_grows_with_waiting_time_and_with_scarcity() -> None:
    c = Chain()
    c.register(*range(40))
    c.block(commits=1)
    job = c.market.job(c.tx(0))
    assert job is not None
    c.zkpow.credit(POOL_ADDRESS, 10**20)  # a deep pool, so that the curves show
    now = c.time_ms
    by_time = [c.market.bounty_of(job, now + s * 1000) for s in range(0, 120, 10)]
    assert by_time == sorted(by_time) and by_time[0] < by_time[-1]
    assert by_time[-1] == job.base * PARAMS.bounty_time_cap_bps // 10_000
    many = c.market.bounty_of(job, now)
    for i in range(30):  # 30 of 40 provers leave
        c.block(txs=(c.deactivate_tx(i),))
    few = c.market.bounty_of(job, now)
    assert c.market.active_count == 10
    assert few == many * PARAMS.bounty_scarcity_target // 10 > many
