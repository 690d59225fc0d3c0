"""Batches and their aggregation (ARCHITECTURE.md, "the life of a ZK-chain transaction", step 4;
issue 4, rule 5).

Committed transactions join the open batch in the ZK chain's order. A batch closes when it holds
`batch_size` transactions, or at the step of the first block `batch_close_blocks` and
`batch_close_ms` after its first one. Once a closed batch's transactions are all proven, an
aggregation job is created (its base: the share of the batch's fees reserved for it) and
assigned by the same rules as any job. Its result is the batch's bundle (`SubmitBundle`): every
transaction of the batch in order, each with the roots and the proof the validators recorded;
the bundle's hash commits to them (`market_txs.bundle_hash`). L1 settlement takes the bundle.
"""

from __future__ import annotations

from zkbraid.market import jobs, pool
from zkbraid.market.book import Book
from zkbraid.market.bounty import base_bounty
from zkbraid.market.errors import InvalidBundle, UnknownBatch, UnknownJob
from zkbraid.market.market_txs import SubmitBundle, bundle_hash
from zkbraid.market.params import period_passed
from zkbraid.market.records import Batch, Job, JobKind, batch_job_id
from zkbraid.market.store import batch_key, job_key


def open_batch(book: Book, height: int, time_ms: int) -> Batch:
    """The batch the next committed transaction joins (a new one if none is open)."""
    m = book.meta
    if m.open_batch:
        return book.batches[m.open_batch - 1]
    batch = Batch(index=m.next_batch, start=m.next_seq, first_height=height, first_ms=time_ms)
    m.next_batch += 1
    m.open_batch = batch.index + 1
    book.save_meta()
    book.batches[batch.index] = batch
    book.store.set_live(batch_key(batch.index), True)
    book.save_batch(batch)
    return batch


def add_tx(book: Book, batch: Batch, fee: int, old_root: bytes, new_root: bytes) -> int:
    """A committed transaction joins `batch`; returns the share of its fee reserved for the
    batch's aggregation bounty."""
    if batch.count == 0:
        batch.old_root = old_root
    batch.count += 1
    batch.fees += fee
    reserve = base_bounty(fee, book.params.aggregation_bounty_bps)
    batch.reserve += reserve
    batch.new_root = new_root
    book.save_batch(batch)
    return reserve


def close(book: Book, batch: Batch, height: int, time_ms: int) -> None:
    """No more transactions join the batch; aggregation starts if they are all proven."""
    batch.closed = True
    book.meta.open_batch = 0
    book.save_meta()
    book.save_batch(batch)
    if batch.proven == batch.count:
        _start_aggregation(book, batch, height, time_ms)


def close_due(book: Book, height: int, time_ms: int) -> Batch | None:
    """The open batch, if its closing time has passed at (`height`, `time_ms`)."""
    p = book.params
    m = book.meta
    if not m.open_batch:
        return None
    batch = book.batches[m.open_batch - 1]
    if period_passed(
        p.batch_close_blocks, p.batch_close_ms, batch.first_height, batch.first_ms, height, time_ms
    ):
        return batch
    return None


def close_time_due(book: Book, time_ms: int) -> bool:
    """Whether the milliseconds of the open batch's closing time have passed."""
    m = book.meta
    if not m.open_batch:
        return False
    return time_ms - book.batches[m.open_batch - 1].first_ms >= book.params.batch_close_ms


def tx_proven(book: Book, job: Job, height: int, time_ms: int) -> None:
    """One more of the batch's transactions is proven; aggregation starts with the last one of a
    closed batch. (`proven` is not stored: the jobs record it.)"""
    batch = book.batches[job.batch]
    batch.proven += 1
    if batch.closed and batch.proven == batch.count:
        _start_aggregation(book, batch, height, time_ms)


def _start_aggregation(book: Book, batch: Batch, height: int, time_ms: int) -> None:
    m = book.meta
    job = Job(
        job_id=batch_job_id(batch.index),
        kind=JobKind.AGGREGATE,
        number=m.next_number,
        seq=batch.index,
        base=batch.reserve,
        created_height=height,
        created_ms=time_ms,
        batch=batch.index,
    )
    m.next_number += 1
    book.save_meta()
    batch.aggregating = True
    book.save_batch(batch)
    book.add_job(job)
    book.new_aggregations.append(job.job_id)


# -- bundles ----------------------------------------------------------------------------------


def commitment(book: Book, seq: int) -> list[bytes]:
    """What a bundle commits to for the `seq`-th transaction: its hash, the roots the
    validators recorded and its accepted proof's hash."""
    tx_hash = book.tx_at(seq)
    job = book.job(tx_hash) if tx_hash is not None else None
    if tx_hash is None or job is None:
        raise RuntimeError(f"the market lost transaction {seq}")
    return [tx_hash, job.old_root, job.new_root, job.proof_hash]


def bundle_hash_of(book: Book, batch: Batch) -> bytes:
    """The hash the batch's bundle must have (`market_txs.bundle_hash`)."""
    return bundle_hash(
        batch.index,
        [commitment(book, s) for s in range(batch.start, batch.start + batch.count)],
    )


def check_bundle(book: Book, tx: SubmitBundle) -> tuple[Job, Batch]:
    """The aggregation job and batch a bundle completes; changes nothing (the signature is the
    transaction's own check).

    Raises UnknownBatch, UnknownJob (not complete yet), JobClosed, NotAssignee, InvalidBundle
    (a missing, extra, reordered or altered entry).
    """
    batch = book.batch(tx.batch)
    if batch is None:
        raise UnknownBatch(f"there is no batch {tx.batch}")
    job = book.job(batch_job_id(tx.batch))
    if job is None:
        raise UnknownJob(f"batch {tx.batch} is not complete yet: no aggregation job")
    jobs.check_submitter(book, job, tx.prover)
    if len(tx.entries) != batch.count:
        raise InvalidBundle(
            f"batch {tx.batch} has {batch.count} transactions, not {len(tx.entries)}"
        )
    for i, entry in enumerate(tx.entries):
        expected = commitment(book, batch.start + i)
        got = entry.commitment()
        if got != expected:
            what = ("transaction", "old root", "new root", "proof")
            wrong = next(w for w, g, e in zip(what, got, expected, strict=True) if g != e)
            raise InvalidBundle(
                f"entry {i} of batch {tx.batch}: the {wrong} is not the one recorded for "
                f"0x{expected[0].hex()}"
            )
    return job, batch


def accept_bundle(book: Book, tx: SubmitBundle, height: int, time_ms: int) -> int:
    """A signed bundle in block `height`: the batch is aggregated, the aggregation job done and
    its assignee paid. Returns the payout (0 for a non-assignee's, with `open_submissions`).

    Raises what `check_bundle` raises, before changing anything.
    """
    job, batch = check_bundle(book, tx)
    paid = jobs.complete(book, job, tx.prover, height, time_ms)
    pool.unreserve(book, batch.reserve)  # paid out, or (a non-assignee's bundle) freed
    batch.bundle_hash = tx.hash
    batch.aggregated_by = tx.prover
    jobs.finish(book, job, height, tx.hash)
    for seq in range(batch.start, batch.start + batch.count):
        tx_hash = book.tx_at(seq)
        if tx_hash is not None and book.unbundled.pop(tx_hash, None) is not None:
            book.store.set_live(job_key(tx_hash), False)
    del book.batches[batch.index]
    book.store.set_live(batch_key(batch.index), False)
    book.save_batch(batch)
    return paid
