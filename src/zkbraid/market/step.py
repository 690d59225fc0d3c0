"""The market's step at the end of every block (ARCHITECTURE.md, "the life of a ZK-chain
transaction", steps 3 and 4; issue 4).

After all of a block's transactions, in this order:

1. Deadlines (fines.py): every assignee whose deadline passed, results included in this block
   counted, is fined, benched until its next heartbeat, and its job put back.
2. Silence (provers.py): provers whose heartbeat is too old stop being assignable, then stop
   being active; the jobs of those that stopped being active are put back, unfined.
3. Closing (batches.py): the open batch closes if `batch_close_*` passed since its first
   transaction (aggregation starts if all of it is proven).
4. Assignment (jobs.py): every waiting job, oldest first, goes to a candidate while one exists.

`due` tells the proposer whether a step would have time-driven work, so that a quiet chain still
cuts (empty) blocks while a deadline or a closing time is pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkbraid.market import batches, fines, jobs
from zkbraid.market.book import Book


@dataclass
class BlockOutcome:
    """What a block's step did (for logs, the API's live feeds and the simulation)."""

    fined: list[tuple[bytes, bytes, int]] = field(default_factory=list)
    """(job id, prover, amount) of each missed deadline, in job order."""
    released: list[tuple[bytes, bytes]] = field(default_factory=list)
    """(job id, prover) of each job put back because its assignee went silent."""
    lapsed: list[bytes] = field(default_factory=list)
    """Provers that went inactive by silence."""
    closed_batches: list[int] = field(default_factory=list)
    aggregation_jobs: list[bytes] = field(default_factory=list)
    """Aggregation jobs created since the previous step."""
    assigned: list[tuple[bytes, bytes, int]] = field(default_factory=list)
    """(job id, prover, attempt) of each assignment, in job order."""


def on_block(book: Book, height: int, block_hash: bytes, time_ms: int) -> BlockOutcome:
    """The step at the end of block `height` (block time `time_ms`); `block_hash` is the hash
    of the block before it (it seeds the assignments).

    Raises BlockOutOfOrder.
    """
    book.check_time(height, time_ms)
    out = BlockOutcome(aggregation_jobs=book.new_aggregations)
    book.new_aggregations = []
    out.fined = fines.fine_missed(book, height, time_ms)
    _silence(book, height, time_ms, out)
    batch = batches.close_due(book, height, time_ms)
    if batch is not None:
        batches.close(book, batch, height, time_ms)
        out.closed_batches.append(batch.index)
        out.aggregation_jobs.extend(book.new_aggregations)
        book.new_aggregations = []
    out.assigned = jobs.assign_waiting(book, height, block_hash, time_ms)
    book.meta.height, book.meta.time_ms = height, time_ms
    book.save_meta()
    return out


def _silence(book: Book, height: int, time_ms: int, out: BlockOutcome) -> None:
    unassignable, lapsed = book.registry.expire(height, time_ms)
    for address in unassignable:
        book.sync(address)
    for address in lapsed:
        book.sync(address)
        out.lapsed.append(address)
        out.released.extend((j, address) for j in jobs.release_all(book, address, height))


def due(book: Book, height: int, time_ms: int) -> bool:
    """Whether a step at (`height`, `time_ms`) has time-driven work: an assignee's deadline or
    the open batch's closing time has passed in milliseconds. A quiet chain makes no blocks, so
    the proposer cuts (empty) blocks while this holds; the blocks half of each period then
    passes too (`period_passed` needs both)."""
    return fines.deadline_due(book, time_ms) or batches.close_time_due(book, time_ms)
