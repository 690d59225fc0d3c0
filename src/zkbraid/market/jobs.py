"""Jobs: how a job is assigned, released, completed and paid (ARCHITECTURE.md, "the life of a
ZK-chain transaction", step 3; issue 4, rules 2 and 4).

A job is *waiting* (OPEN) until the step of a block assigns it (`assign_waiting`: oldest first,
to the prover the assignment seed picks among the fair candidates, assignment.py). Its assignee
holds it until its result is included (`complete`: paid the bounty, pool.py), its deadline
passes (fines.py), or it goes inactive (`release_all`); a released job waits again, for another
prover. Only the assignee's signed submission is accepted (`check_submitter`), unless
`MarketParams.open_submissions`: a copier who re-signs the assignee's proof earns nothing.
"""

from __future__ import annotations

import heapq

from zkbraid.market import pool
from zkbraid.market.assignment import assignment_seed
from zkbraid.market.book import Book
from zkbraid.market.errors import JobClosed, NotAssignee
from zkbraid.market.records import Attempt, Job, JobKind, JobStatus, Outcome
from zkbraid.market.store import job_key


def check_submitter(book: Book, job: Job, submitter: bytes) -> None:
    """Raises JobClosed (already done) or NotAssignee (not its current assignee, and
    submissions are not open)."""
    if job.status is JobStatus.DONE:
        raise JobClosed(f"job 0x{job.job_id.hex()} is already done")
    if book.params.open_submissions or job.assignee == submitter:
        return
    if job.assignee is None:
        raise NotAssignee(f"job 0x{job.job_id.hex()} is not assigned yet")
    raise NotAssignee(
        f"job 0x{job.job_id.hex()} is assigned to 0x{job.assignee.hex()}, not 0x{submitter.hex()}"
    )


def assign_waiting(
    book: Book, height: int, block_hash: bytes, time_ms: int
) -> list[tuple[bytes, bytes, int]]:
    """Assigns every waiting job, oldest first, while a candidate exists; `block_hash` (the
    previous block's) seeds each choice. Returns (job id, prover, attempt) of each assignment."""
    assigned: list[tuple[bytes, bytes, int]] = []
    waiting = book.waiting
    while waiting:
        job_id = book.by_number.get(waiting[0])
        job = book.jobs.get(job_id) if job_id is not None else None
        if job is None or job.status is not JobStatus.OPEN:
            heapq.heappop(waiting)  # finished while it waited (open submissions)
            continue
        attempt = len(job.attempts)
        seed = assignment_seed(block_hash, int(job.kind), job.seq, job.job_id, attempt)
        prover = book.assigner.choose(seed, {a.prover for a in job.attempts})
        if prover is None:
            break
        heapq.heappop(waiting)
        assign(book, job, prover, height, time_ms)
        assigned.append((job.job_id, prover, attempt))
    return assigned


def assign(book: Book, job: Job, prover: bytes, height: int, time_ms: int) -> None:
    """Gives the job to `prover` from block (`height`, `time_ms`): its deadline runs from now."""
    job.attempts.append(Attempt(prover, height, time_ms))
    job.status = JobStatus.ASSIGNED
    book.assigner.add_load(prover, 1)
    book.held.setdefault(prover, set()).add(job.job_id)
    book.deadlines[job.job_id] = None
    book.save_job(job)


def _unhold(book: Book, job: Job, prover: bytes) -> None:
    book.assigner.add_load(prover, -1)
    held = book.held[prover]
    held.discard(job.job_id)
    if not held:
        del book.held[prover]
    del book.deadlines[job.job_id]


def release(book: Book, job: Job, outcome: Outcome, height: int) -> None:
    """Ends the current assignment with `outcome`; the job waits for another prover."""
    attempt = job.attempts[-1]
    attempt.outcome, attempt.ended_height = outcome, height
    _unhold(book, job, attempt.prover)
    job.status = JobStatus.OPEN
    heapq.heappush(book.waiting, job.number)
    book.save_job(job)


def release_all(book: Book, prover: bytes, height: int) -> list[bytes]:
    """Puts back, unfined, every job of a prover that went inactive; their ids, in job order."""
    held = book.held_by(prover)
    for job in held:
        release(book, job, Outcome.RELEASED, height)
    return [j.job_id for j in held]


def complete(book: Book, job: Job, submitter: bytes, height: int, time_ms: int) -> int:
    """Ends the job with the submitter's accepted result and returns what it was paid: the
    job's bounty if it is the assignee (whose result also counts as its heartbeat), else 0 (the
    assignment is superseded, unpaid and unfined)."""
    job.proven_by = submitter
    if job.assignee != submitter:
        if job.status is JobStatus.ASSIGNED:
            release(book, job, Outcome.SUPERSEDED, height)
        return 0
    amount = pool.bounty_of(book, job, time_ms)
    pool.pay(book, submitter, amount)
    book.registry.record_done(submitter, amount)
    book.registry.seen(submitter, height, time_ms)
    book.sync(submitter)
    attempt = job.attempts[-1]
    attempt.outcome, attempt.ended_height, attempt.amount = Outcome.PROVEN, height, amount
    _unhold(book, job, submitter)
    job.paid = amount
    return amount


def finish(book: Book, job: Job, height: int, proof_hash: bytes) -> None:
    """Marks the job DONE in block `height` with its accepted proof (or bundle) hash. A proven
    transaction stays in the book until its batch's bundle is accepted."""
    job.status = JobStatus.DONE
    job.done_height = height
    job.proof_hash = proof_hash
    del book.jobs[job.job_id]
    del book.by_number[job.number]
    if job.kind is JobKind.TX:
        book.unbundled[job.job_id] = job  # live until its batch is bundled
    else:
        book.store.set_live(job_key(job.job_id), False)
    book.save_job(job)
