"""Deadlines and fines (ARCHITECTURE.md, "the life of a ZK-chain transaction", step 3; issue 4,
rule 3).

An assignee has `deadline_blocks` blocks and `deadline_ms` of block time, from the block that
assigned the job, to have its result included; a result in the block where the deadline passes
still counts (the step runs after the block's transactions). At the step of the first block past
both, the assignee is fined `MarketParams.fine` (its balance may go negative, never below the
ledger's bound), benched until its next heartbeat (`bench_after_miss`), and the job goes back to
wait for another prover. Fines are burnt: nobody is credited.
"""

from __future__ import annotations

from zkbraid.market import jobs
from zkbraid.market.book import Book
from zkbraid.market.params import MarketParams, period_passed
from zkbraid.market.records import Job, JobStatus, Outcome
from zkbraid.market.zkpow import BALANCE_BOUND


def deadline(params: MarketParams, job: Job) -> tuple[int, int] | None:
    """(height, block time) by which the current assignee's result must be included: it counts
    in any block at or before the first one past both. None: not assigned."""
    if job.status is not JobStatus.ASSIGNED:
        return None
    a = job.attempts[-1]
    return a.height + params.deadline_blocks, a.time_ms + params.deadline_ms


def missed(book: Book, height: int, time_ms: int) -> list[Job]:
    """The assigned jobs whose deadline has passed at (`height`, `time_ms`), in job order."""
    p = book.params
    expired: list[Job] = []
    for job_id in book.deadlines:  # in order of assignment: the first ones pass first
        job = book.jobs[job_id]
        a = job.attempts[-1]
        if not period_passed(
            p.deadline_blocks, p.deadline_ms, a.height, a.time_ms, height, time_ms
        ):
            break
        expired.append(job)
    return sorted(expired, key=lambda j: j.number)


def deadline_due(book: Book, time_ms: int) -> bool:
    """Whether the milliseconds of the oldest assignment's deadline have passed (the proposer
    then cuts blocks until its blocks have too)."""
    oldest = next(iter(book.deadlines), None)
    if oldest is None:
        return False
    return time_ms - book.jobs[oldest].attempts[-1].time_ms >= book.params.deadline_ms


def fine(book: Book, prover: bytes) -> int:
    """Takes the fine from the prover's balance (signed 128-bit: never below its bound)."""
    amount = min(book.params.fine, book.zkpow.balance(prover) + BALANCE_BOUND)
    book.zkpow.credit(prover, -amount)
    book.registry.record_fine(prover, amount)
    return amount


def fine_missed(book: Book, height: int, time_ms: int) -> list[tuple[bytes, bytes, int]]:
    """Fines every assignee whose deadline passed and puts its job back; benches it. Returns
    (job id, prover, amount fined) of each, in job order."""
    fined: list[tuple[bytes, bytes, int]] = []
    for job in missed(book, height, time_ms):
        prover = job.attempts[-1].prover
        # Jobs of a prover that stopped being active were put back when it did, so the assignee
        # is active here; the check states the rule (only active provers are fined).
        amount = fine(book, prover) if book.registry.is_active(prover) else 0
        job.attempts[-1].amount = amount
        jobs.release(book, job, Outcome.MISSED, height)
        if book.params.bench_after_miss:
            book.registry.bench(prover)
            book.sync(prover)
        fined.append((job.job_id, prover, amount))
    return fined
