"""The market's book: its state as the rules see it.

The records (records.py) live in the store (store.py); the book holds, in memory, the live part
of them with the queues the rules walk:

- the prover registry (provers.py) and the assigner's view of who holds how many jobs
  (assignment.py);
- the unfinished jobs, by id and by creation number; the waiting ones' numbers in a heap (oldest
  first); the jobs each prover holds; the assigned ones in order of assignment, so that the first
  deadline to pass is the first one in it;
- the proven transaction jobs of batches not aggregated yet (a bundle is checked against them);
- the batches not aggregated yet, and the meta record.

The rules are functions over a book (jobs.py, pool.py, fines.py, batches.py, step.py); the node
calls them through `state.Market`. Nothing here reads a clock or draws a random number, and no
rule depends on the order of a dict it did not fill in a deterministic order.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TypeVar

from zkbraid.ledger.codec import CorruptRecord
from zkbraid.market.assignment import Assigner
from zkbraid.market.errors import BlockOutOfOrder
from zkbraid.market.params import MarketParams
from zkbraid.market.provers import ProverRegistry
from zkbraid.market.records import Batch, Job, JobKind, JobStatus, MarketMeta, ProverRecord
from zkbraid.market.store import (
    META_KEY,
    RecordStore,
    batch_key,
    job_key,
    prover_key,
    seq_key,
)
from zkbraid.market.zkpow import ZkpowLedger

R = TypeVar("R", ProverRecord, Job, Batch)


def _require(store: RecordStore, key: bytes, kind: type[R]) -> R:
    record = store.get(key, kind)
    if record is None:
        raise CorruptRecord(f"the market's live index names a missing record 0x{key.hex()}")
    return record


@dataclass
class Book:
    """The market's state: its stored records and their live part in memory."""

    params: MarketParams
    zkpow: ZkpowLedger
    """The ledger fees, bounties and fines move in."""
    store: RecordStore
    meta: MarketMeta
    registry: ProverRegistry
    assigner: Assigner
    jobs: dict[bytes, Job] = field(default_factory=dict)
    """Unfinished jobs (waiting or assigned), by id."""
    by_number: dict[int, bytes] = field(default_factory=dict)
    waiting: list[int] = field(default_factory=list)
    """A heap of the waiting jobs' numbers (with stale entries of jobs finished meanwhile)."""
    held: dict[bytes, set[bytes]] = field(default_factory=dict)
    """The jobs each prover holds."""
    deadlines: OrderedDict[bytes, None] = field(default_factory=OrderedDict)
    """Assigned jobs in order of assignment: the first one's deadline passes first."""
    unbundled: dict[bytes, Job] = field(default_factory=dict)
    """Proven transaction jobs whose batch is not aggregated yet."""
    batches: dict[int, Batch] = field(default_factory=dict)
    """Batches not aggregated yet."""
    new_aggregations: list[bytes] = field(default_factory=list)
    """Aggregation jobs created since the last step (reported by the next one)."""

    @classmethod
    def load(cls, params: MarketParams, zkpow: ZkpowLedger, store: RecordStore) -> Book:
        """The book of the stored state, as the last step left it (a restarted node's view is
        the one it had: the records, and queues rebuilt in the order the rules built them).

        Raises CorruptRecord.
        """
        meta = store.get(META_KEY, MarketMeta) or MarketMeta()
        provers: list[ProverRecord] = []
        jobs: list[Job] = []
        batches: list[Batch] = []
        for key in store.live_keys():
            tag = key[:1]
            if tag == b"p":
                provers.append(_require(store, key, ProverRecord))
            elif tag == b"j":
                jobs.append(_require(store, key, Job))
            else:
                batches.append(_require(store, key, Batch))
        book = cls(
            params,
            zkpow,
            store,
            meta,
            ProverRegistry.load(params, provers, meta.height, meta.time_ms),
            Assigner(params),
        )
        for address in book.registry.active():
            book.sync(address)
        book.batches = {b.index: b for b in batches}
        for job in sorted(jobs, key=lambda j: j.number):
            if job.status is JobStatus.DONE:
                book.unbundled[job.job_id] = job
                book.batches[job.batch].proven += 1
                continue
            book.jobs[job.job_id] = job
            book.by_number[job.number] = job.job_id
            if job.status is JobStatus.OPEN:
                book.waiting.append(job.number)
        heapq.heapify(book.waiting)
        assigned = [j for j in jobs if j.status is JobStatus.ASSIGNED]
        assigned.sort(key=lambda j: (j.attempts[-1].height, j.attempts[-1].time_ms, j.number))
        for job in assigned:
            prover = job.attempts[-1].prover
            book.deadlines[job.job_id] = None
            book.held.setdefault(prover, set()).add(job.job_id)
            book.assigner.add_load(prover, 1)
        return book

    # -- reads ------------------------------------------------------------------------------

    def job(self, job_id: bytes) -> Job | None:
        """A job (live or done) with its proving history."""
        job = self.jobs.get(job_id)
        if job is None:
            job = self.unbundled.get(job_id)
        return job if job is not None else self.store.get(job_key(job_id), Job)

    def batch(self, index: int) -> Batch | None:
        live = self.batches.get(index)
        if live is not None:
            return live
        batch = self.store.get(batch_key(index), Batch)
        if batch is not None:
            batch.proven = batch.count  # only aggregated batches leave the book
        return batch

    def tx_at(self, seq: int) -> bytes | None:
        """The hash of the `seq`-th committed ZK-chain transaction."""
        return self.store.get_index(seq_key(seq))

    def held_by(self, prover: bytes) -> list[Job]:
        """The jobs a prover holds, oldest first."""
        return sorted((self.jobs[j] for j in self.held.get(prover, ())), key=lambda j: j.number)

    # -- writes -----------------------------------------------------------------------------

    def save_job(self, job: Job) -> None:
        self.store.put(job, job_key(job.job_id))

    def save_batch(self, batch: Batch) -> None:
        self.store.put(batch, batch_key(batch.index))

    def save_meta(self) -> None:
        self.store.put(self.meta, META_KEY)

    def add_job(self, job: Job) -> None:
        """A new job: live, and waiting for an assignee."""
        self.jobs[job.job_id] = job
        self.by_number[job.number] = job.job_id
        heapq.heappush(self.waiting, job.number)
        if job.kind is JobKind.TX:
            self.store.put_index(seq_key(job.seq), job.job_id)
        self.store.set_live(job_key(job.job_id), True)
        self.save_job(job)

    def sync(self, address: bytes) -> None:
        """Tells the assigner whether the prover can be given work now."""
        self.assigner.set_assignable(address, self.registry.is_assignable(address))

    def check_time(self, height: int, time_ms: int) -> None:
        """Raises BlockOutOfOrder: not after the last step."""
        m = self.meta
        if height <= m.height or time_ms < m.time_ms:
            raise BlockOutOfOrder(
                f"block {height} at {time_ms} ms is not after the market's last step "
                f"(block {m.height} at {m.time_ms} ms)"
            )

    def root(self) -> bytes:
        """Writes every record changed since the last call and returns the trie's root."""
        registry = self.registry
        for address in sorted(registry.dirty):
            self.store.put(registry.require(address), prover_key(address))
        registry.dirty.clear()
        return self.store.flush()
