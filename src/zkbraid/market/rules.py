"""The proving market: the sequencer's deterministic rules for who proves what, when, for how much
(ARCHITECTURE.md, "the life of a ZK-chain transaction", steps 3 and 4; issue 4).

Every committed ZK-chain transaction becomes a *job*. At the end of every block the market's step
(`on_block`) fines the assignees whose deadline passed and puts their jobs back, puts back the
jobs of provers that went silent, and assigns every waiting job to an active prover chosen from a
seed of the previous block's hash (assignment.py). The assignee's proof, included in a later
block, proves the transaction and is paid the job's bounty (bounty.py) out of the pool the fees
went into. When every transaction of a batch — a contiguous run of `batch_size` transactions in
the ZK chain's order, or fewer if the batch closes on time — is proven, an aggregation job is
created and assigned by the same rules; its output is the batch's bundle: the proofs in order with
the roots each commits to, checked against what the validators recorded (`SubmitBundle`).

The node calls, in each block it finalizes, in this order:

- `job_committed(tx_hash, fee, old_root, new_root, height, time_ms)` for each ZK-chain
  transaction that executed (after debiting its fee);
- `check_submission(tx_hash, submitter)` at check_tx and before verifying a proof, then
  `proof_accepted(tx_hash, submitter, proof_hash, height, time_ms)` once it verified;
- `check(tx, pending_nonce)` at check_tx and `apply(tx, height, time_ms)` for the market's own
  transactions (market_txs.py);
- `on_block(height, previous_block_hash, time_ms)` last, then `root` for the app hash.

The state is pure data over three KV namespaces: every record is committed by a Merkle Patricia
trie (keys hashed with keccak, like the ZKPoW ledger) whose root enters the app hash; the same
records are kept flat for reads (a trie read walks a path of nodes), and an index of the live ones
(provers, unfinished jobs and batches) lets a restarted node rebuild its view without reading
history. The trie is updated once a block, for every record the block changed, in one pass
(`TrieUpdater`, the fast chain's, which gives the Yellow Paper trie's roots).

Balances, payouts and fines are in the ZKPoW ledger; the pool is the ledger account
`POOL_ADDRESS`, which no key controls. Nothing here reads a clock or draws a random
number: two validators fed the same blocks hold the same state, to the byte.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol

from eth_hash.auto import keccak

from zkbraid.errors import BraidError, MalformedInput, NotFound, OutOfRange, Unauthorized
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.trie import RLPItem, TrieUpdater
from zkbraid.market.assignment import Assigner, assignment_seed
from zkbraid.market.bounty import base_bounty, bounty, payout
from zkbraid.market.market_txs import (
    DeactivateProver,
    MarketTx,
    ProverHeartbeat,
    RegisterProver,
    SubmitBundle,
    bundle_hash,
)
from zkbraid.market.params import MarketParams, period_passed
from zkbraid.market.provers import ProverRecord, ProverRegistry, decode_record, encode_record
from zkbraid.market.zkpow import BALANCE_BOUND, BLANK_ROOT, TrieNodes, ZkpowLedger

POOL_ADDRESS = bytes(keccak(b"zkbraid.market.pool"))[12:]
"""The ZKPoW account fees go into and bounties come out of (no key controls it)."""

ROOT_BOUND = 2**256
FEE_BOUND = 2**64

_ROOT_KEY = b"root"
_META = b"m"
_DECODED_NODES_LIMIT = 200_000


# -- errors ----------------------------------------------------------------------------------


class UnknownJob(NotFound):
    """A proof or bundle for something the market has no job for."""


class UnknownBatch(NotFound):
    """A bundle for a batch that does not exist."""


class JobClosed(NotFound):
    """A proof or bundle for a job that is already done."""


class NotAssignee(Unauthorized):
    """A proof or bundle from a prover that is not the job's current assignee."""


class InvalidBundle(MalformedInput):
    """A bundle that is not the batch's proofs, in order, with the roots the validators recorded."""


class DuplicateJob(BraidError):
    """A transaction committed twice (the node's bug, never a user's)."""


class RootChainBroken(BraidError):
    """A committed transaction whose old root is not the previous one's new root (node bug)."""


class BlockOutOfOrder(BraidError):
    """A market event at a height or time before the market's last step (node bug)."""


class InvalidFee(OutOfRange):
    """A fee or root outside its range."""


# -- records ---------------------------------------------------------------------------------


def _int(raw: Any) -> int:
    return int.from_bytes(raw, "big")


def _root_bytes(root: int) -> bytes:
    if not 0 <= root < ROOT_BOUND:
        raise InvalidFee(f"a root must be a 256-bit unsigned integer, got {root}")
    return root.to_bytes(32, "big")


def batch_job_id(index: int) -> bytes:
    """The job id of batch `index`'s aggregation job."""
    return bytes(keccak(b"zkbraid.market.batch" + index.to_bytes(8, "big")))


class JobKind(IntEnum):
    TX = 0
    """Prove one ZK-chain transaction."""
    AGGREGATE = 1
    """Bundle the proofs of a batch."""


class JobStatus(IntEnum):
    OPEN = 0
    """Waiting for an assignee."""
    ASSIGNED = 1
    DONE = 2


class Outcome(IntEnum):
    """How an assignment ended (a job's proving history)."""

    PENDING = 0
    """The current assignment."""
    PROVEN = 1
    """The assignee's proof was accepted and paid."""
    MISSED = 2
    """The deadline passed: the assignee was fined and the job reassigned."""
    RELEASED = 3
    """The assignee went inactive (by a transaction or by silence): reassigned, no fine."""
    SUPERSEDED = 4
    """Someone else's proof was accepted first (only with `open_submissions`): no pay, no fine."""


@dataclass
class Attempt:
    """One assignment of a job."""

    prover: bytes
    height: int
    time_ms: int
    outcome: Outcome = Outcome.PENDING
    ended_height: int = 0
    amount: int = 0
    """What the assignee was paid (PROVEN) or fined (MISSED)."""

    def fields(self) -> list[Any]:
        return [
            self.prover,
            self.height,
            self.time_ms,
            int(self.outcome),
            self.ended_height,
            self.amount,
        ]

    @classmethod
    def from_fields(cls, items: Any) -> Attempt:
        prover, h, t, outcome, ended, amount = items
        return cls(
            bytes(prover), _int(h), _int(t), Outcome(_int(outcome)), _int(ended), _int(amount)
        )


@dataclass
class Job:
    """A proving job and its history."""

    job_id: bytes
    """The transaction's hash, or `batch_job_id(batch)`."""
    kind: JobKind
    number: int
    """Creation order over all jobs: waiting jobs are assigned oldest first."""
    seq: int
    """A transaction's position in the ZK chain's order; an aggregation job's batch index."""
    base: int
    """The base bounty (bounty.py)."""
    created_height: int
    created_ms: int
    batch: int
    status: JobStatus = JobStatus.OPEN
    attempts: list[Attempt] = field(default_factory=list)
    done_height: int = 0
    proven_by: bytes = b""
    paid: int = 0
    old_root: bytes = b""
    """A transaction job's recorded roots, before and after it."""
    new_root: bytes = b""
    proof_hash: bytes = b""
    """keccak of the accepted proof, or the accepted bundle's hash."""

    @property
    def assignee(self) -> bytes | None:
        return self.attempts[-1].prover if self.status is JobStatus.ASSIGNED else None

    def encode(self) -> bytes:
        return encode_record(
            [
                self.job_id,
                int(self.kind),
                self.number,
                self.seq,
                self.base,
                self.created_height,
                self.created_ms,
                self.batch,
                int(self.status),
                [a.fields() for a in self.attempts],
                self.done_height,
                self.proven_by,
                self.paid,
                self.old_root,
                self.new_root,
                self.proof_hash,
            ]
        )

    @classmethod
    def decode(cls, raw: bytes) -> Job:
        f = decode_record(raw)
        return cls(
            job_id=bytes(f[0]),
            kind=JobKind(_int(f[1])),
            number=_int(f[2]),
            seq=_int(f[3]),
            base=_int(f[4]),
            created_height=_int(f[5]),
            created_ms=_int(f[6]),
            batch=_int(f[7]),
            status=JobStatus(_int(f[8])),
            attempts=[Attempt.from_fields(a) for a in f[9]],
            done_height=_int(f[10]),
            proven_by=bytes(f[11]),
            paid=_int(f[12]),
            old_root=bytes(f[13]),
            new_root=bytes(f[14]),
            proof_hash=bytes(f[15]),
        )


@dataclass
class Batch:
    """A run of consecutive ZK-chain transactions aggregated together."""

    index: int
    start: int
    """The seq of its first transaction."""
    first_height: int
    first_ms: int
    count: int = 0
    fees: int = 0
    reserve: int = 0
    """The pool funds set aside for its aggregation bounty (its aggregation job's base)."""
    closed: bool = False
    """No more transactions join it (full, or closed on time)."""
    proven: int = 0
    aggregating: bool = False
    """Its aggregation job exists."""
    old_root: bytes = b""
    new_root: bytes = b""
    bundle_hash: bytes = b""
    aggregated_by: bytes = b""

    def encode(self) -> bytes:
        return encode_record(
            [
                self.index,
                self.start,
                self.first_height,
                self.first_ms,
                self.count,
                self.fees,
                self.reserve,
                int(self.closed),
                self.proven,
                int(self.aggregating),
                self.old_root,
                self.new_root,
                self.bundle_hash,
                self.aggregated_by,
            ]
        )

    @classmethod
    def decode(cls, raw: bytes) -> Batch:
        i, s, fh, fms, n, fees, reserve, closed, proven, agg, old, new, bh, by = decode_record(raw)
        return cls(
            _int(i),
            _int(s),
            _int(fh),
            _int(fms),
            _int(n),
            _int(fees),
            _int(reserve),
            bool(_int(closed)),
            _int(proven),
            bool(_int(agg)),
            bytes(old),
            bytes(new),
            bytes(bh),
            bytes(by),
        )


@dataclass
class _Meta:
    next_number: int = 0
    next_seq: int = 0
    next_batch: int = 0
    open_batch: int = 0
    """The open batch's index + 1 (0: none)."""
    last_root: bytes = b""
    reserved: int = 0
    """Pool funds set aside: the base bounties of unfinished transaction jobs and the
    aggregation bounties of batches not yet aggregated."""
    height: int = 0
    """Height and time of the last step."""
    time_ms: int = 0

    def encode(self) -> bytes:
        return encode_record(
            [
                self.next_number,
                self.next_seq,
                self.next_batch,
                self.open_batch,
                self.last_root,
                self.reserved,
                self.height,
                self.time_ms,
            ]
        )

    @classmethod
    def decode(cls, raw: bytes) -> _Meta:
        n, s, b, ob, root, reserved, h, t = decode_record(raw)
        return cls(
            _int(n), _int(s), _int(b), _int(ob), bytes(root), _int(reserved), _int(h), _int(t)
        )


class _Encodable(Protocol):
    def encode(self) -> bytes: ...


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


def _key_job(job_id: bytes) -> bytes:
    return b"j" + job_id


def _key_batch(index: int) -> bytes:
    return b"b" + index.to_bytes(8, "big")


def _key_seq(seq: int) -> bytes:
    return b"s" + seq.to_bytes(8, "big")


def _key_prover(address: bytes) -> bytes:
    return b"p" + address


# -- the market ------------------------------------------------------------------------------


class Market:
    """The proving market's state and rules."""

    def __init__(
        self,
        params: MarketParams,
        zkpow: ZkpowLedger,
        nodes: KVNamespace,
        records: KVNamespace,
        live: KVNamespace,
    ) -> None:
        """The market's own namespaces: `nodes` for the trie's nodes, `records` for the records
        (flat) and the trie's root, `live` for the index of live records. `zkpow` is the ledger
        fees, bounties and fines move in."""
        self.params = params
        self.zkpow = zkpow
        self._nodes = TrieNodes(nodes)
        self._records = records
        self._live = live
        self._decoded: dict[bytes, RLPItem] = {}
        self._load()

    # -- storage ----------------------------------------------------------------------------

    def _load(self) -> None:
        self._root = self._records.get(_ROOT_KEY) or BLANK_ROOT
        self._decoded.clear()
        self._dirty: dict[bytes, bytes | _Encodable] = {}
        raw = self._read(_META)
        self._meta = _Meta.decode(raw) if raw else _Meta()
        provers: list[ProverRecord] = []
        jobs: list[Job] = []
        batches: list[Batch] = []
        for rkey, _ in self._live.items():
            raw = self._read(rkey)
            if raw is None:
                raise RuntimeError(f"market index names a missing record {rkey.hex()}")
            if rkey[:1] == b"p":
                provers.append(ProverRecord.decode(raw))
            elif rkey[:1] == b"j":
                jobs.append(Job.decode(raw))
            else:
                batches.append(Batch.decode(raw))
        m = self._meta
        self._registry = ProverRegistry.load(self.params, provers, m.height, m.time_ms)
        self._assigner = Assigner(self.params)
        for address in self._registry.active():
            self._sync(address)
        self._jobs: dict[bytes, Job] = {}
        self._by_number: dict[int, bytes] = {}
        self._open: list[int] = []
        self._held: dict[bytes, set[bytes]] = {}
        self._deadlines: OrderedDict[bytes, None] = OrderedDict()
        for job in sorted(jobs, key=lambda j: j.number):
            self._jobs[job.job_id] = job
            self._by_number[job.number] = job.job_id
            if job.status is JobStatus.OPEN:
                self._open.append(job.number)
        heapq.heapify(self._open)
        assigned = [j for j in jobs if j.status is JobStatus.ASSIGNED]
        assigned.sort(key=lambda j: (j.attempts[-1].height, j.attempts[-1].time_ms, j.number))
        for job in assigned:
            prover = job.attempts[-1].prover
            self._deadlines[job.job_id] = None
            self._held.setdefault(prover, set()).add(job.job_id)
            self._assigner.add_load(prover, 1)
        self._batches: dict[int, Batch] = {b.index: b for b in batches}
        self._new_aggregations: list[bytes] = []

    def reload(self) -> None:
        """Rebuilds the view from the stored state, after uncommitted writes were discarded."""
        self._load()

    def _read(self, key: bytes) -> bytes | None:
        pending = self._dirty.get(key)
        if pending is not None:
            return pending if isinstance(pending, bytes) else pending.encode()
        return self._records.get(key)

    def _write(self, key: bytes, record: bytes | _Encodable) -> None:
        self._dirty[key] = record

    def _index(self, key: bytes, live: bool) -> None:
        if live:
            self._live.put(key, b"\x01")
        else:
            self._live.delete(key)

    def _flush(self) -> None:
        for address in sorted(self._registry.dirty):
            self._write(_key_prover(address), self._registry.require(address))
        self._registry.dirty.clear()
        if not self._dirty:
            return
        updates: dict[bytes, bytes | None] = {}
        for key, pending in self._dirty.items():
            value = pending if isinstance(pending, bytes) else pending.encode()
            self._records.put(key, value)
            updates[bytes(keccak(key))] = value
        self._dirty.clear()
        if len(self._decoded) > _DECODED_NODES_LIMIT:
            self._decoded.clear()
        self._root = TrieUpdater(self._nodes, self._decoded).update(self._root, updates)
        self._records.put(_ROOT_KEY, self._root)

    @property
    def root(self) -> bytes:
        """The commitment to the market's state (for the app hash); writes pending changes."""
        self._flush()
        return self._root

    def _touch_meta(self) -> None:
        self._write(_META, self._meta)

    def _check_time(self, height: int, time_ms: int) -> None:
        if height <= self._meta.height or time_ms < self._meta.time_ms:
            raise BlockOutOfOrder(
                f"block {height} at {time_ms} ms is not after the market's last step "
                f"(block {self._meta.height} at {self._meta.time_ms} ms)"
            )

    def due(self, height: int, time_ms: int) -> bool:
        """Whether a step at (`height`, `time_ms`) has time-driven work: an assignee's deadline
        or the open batch's closing time has passed in milliseconds. A quiet chain makes no
        blocks, so the proposer cuts (empty) blocks while this holds; the blocks half of each
        period then passes too (`period_passed` needs both)."""
        p = self.params
        oldest = next(iter(self._deadlines), None)  # assignments in order: the first ends first
        if (
            oldest is not None
            and time_ms - self._jobs[oldest].attempts[-1].time_ms >= p.deadline_ms
        ):
            return True
        m = self._meta
        if m.open_batch:
            batch = self._batches[m.open_batch - 1]
            if time_ms - batch.first_ms >= p.batch_close_ms:
                return True
        return False

    # -- views ------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        """The height of the last step."""
        return self._meta.height

    @property
    def last_time_ms(self) -> int:
        """The block time of the last step."""
        return self._meta.time_ms

    def job(self, job_id: bytes) -> Job | None:
        """A job (live or done) with its proving history; a transaction's job id is its hash."""
        live = self._jobs.get(job_id)
        if live is not None:
            return live
        raw = self._read(_key_job(job_id))
        return Job.decode(raw) if raw else None

    def batch(self, index: int) -> Batch | None:
        pending = self._batches.get(index)
        if pending is not None:
            return pending
        raw = self._read(_key_batch(index))
        return Batch.decode(raw) if raw else None

    def tx_at(self, seq: int) -> bytes | None:
        """The hash of the `seq`-th committed ZK-chain transaction (its job id)."""
        return self._read(_key_seq(seq))

    def prover(self, address: bytes) -> ProverRecord | None:
        return self._registry.get(address)

    def provers(self) -> list[ProverRecord]:
        return self._registry.records()

    def is_active(self, address: bytes) -> bool:
        return self._registry.is_active(address)

    def is_assignable(self, address: bytes) -> bool:
        return self._registry.is_assignable(address)

    @property
    def active_count(self) -> int:
        return self._registry.active_count

    def open_jobs(self) -> list[Job]:
        """Unfinished jobs (waiting or assigned), oldest first."""
        return sorted(self._jobs.values(), key=lambda j: j.number)

    def assignments(self, address: bytes) -> list[Job]:
        """The jobs a prover holds, oldest first (what a prover polls for)."""
        return sorted((self._jobs[j] for j in self._held.get(address, ())), key=lambda j: j.number)

    def deadline(self, job: Job) -> tuple[int, int] | None:
        """(height, block time) by which the current assignee's result must be included: it
        counts in any block at or before the first one past both."""
        if job.status is not JobStatus.ASSIGNED:
            return None
        a = job.attempts[-1]
        return a.height + self.params.deadline_blocks, a.time_ms + self.params.deadline_ms

    @property
    def pool(self) -> int:
        return self.zkpow.balance(POOL_ADDRESS)

    @property
    def reserved(self) -> int:
        """Pool funds set aside for the bases of unfinished jobs and for aggregations."""
        return self._meta.reserved

    def available(self, job: Job) -> int:
        """What the pool can pay for this unfinished job: its own base, set aside when its
        fee came in, plus the pool's surplus over every reserve (the premiums' fund). So the
        premiums of early jobs never eat the base of a later one, nor an aggregation bounty:
        an assignee is always paid at least its job's base."""
        return self.pool - self._meta.reserved + job.base

    def bounty_of(self, job: Job, time_ms: int) -> int:
        """What the job's assignee would be paid for a result included at `time_ms` with
        today's active provers (the pool permitting)."""
        waited = time_ms - job.created_ms
        return payout(bounty(self.params, job.base, waited, self.active_count), self.available(job))

    # -- ZK-chain transactions and their proofs --------------------------------------------

    def job_committed(
        self, tx_hash: bytes, fee: int, old_root: int, new_root: int, height: int, time_ms: int
    ) -> Job:
        """A ZK-chain transaction executed in block `height`: its fee (already debited from its
        payer) goes into the pool, and it becomes a proving job, assigned at the block's step.

        Raises InvalidFee, DuplicateJob, RootChainBroken, BlockOutOfOrder.
        """
        self._check_time(height, time_ms)
        if len(tx_hash) != 32:
            raise MalformedInput("a transaction hash is 32 bytes")
        if not 0 <= fee < FEE_BOUND:
            raise InvalidFee(f"a fee must be a U64, got {fee}")
        old, new = _root_bytes(old_root), _root_bytes(new_root)
        if self.job(tx_hash) is not None:
            raise DuplicateJob(f"0x{tx_hash.hex()} is already a job")
        m = self._meta
        if m.last_root and old != m.last_root:
            raise RootChainBroken(
                f"0x{tx_hash.hex()} starts from root 0x{old.hex()}, "
                f"the previous transaction ended at 0x{m.last_root.hex()}"
            )
        batch = self._open_batch(height, time_ms)
        job = Job(
            job_id=tx_hash,
            kind=JobKind.TX,
            number=m.next_number,
            seq=m.next_seq,
            base=base_bounty(fee, self.params.tx_bounty_bps),
            created_height=height,
            created_ms=time_ms,
            batch=batch.index,
            old_root=old,
            new_root=new,
        )
        self._write(_key_seq(m.next_seq), tx_hash)
        m.next_number += 1
        m.next_seq += 1
        m.last_root = new
        self._touch_meta()
        if batch.count == 0:
            batch.old_root = old
        batch.count += 1
        batch.fees += fee
        reserve = base_bounty(fee, self.params.aggregation_bounty_bps)
        batch.reserve += reserve
        m.reserved += reserve + job.base
        batch.new_root = new
        self._write(_key_batch(batch.index), batch)
        self.zkpow.credit(POOL_ADDRESS, fee)
        self._add_job(job)
        if batch.count >= self.params.batch_size:
            self._close_batch(batch, height, time_ms)
        return job

    def check_submission(self, tx_hash: bytes, submitter: bytes) -> Job:
        """The job a proof of `tx_hash` signed by `submitter` would complete; changes nothing.

        Raises UnknownJob, JobClosed, NotAssignee (only the current assignee may submit, unless
        `open_submissions`).
        """
        job = self.job(tx_hash)
        if job is None or job.kind is not JobKind.TX:
            raise UnknownJob(f"0x{tx_hash.hex()} is not a proving job")
        self._check_submitter(job, submitter)
        return job

    def proof_accepted(
        self, tx_hash: bytes, submitter: bytes, proof_hash: bytes, height: int, time_ms: int
    ) -> int:
        """A proof of `tx_hash`, signed by `submitter`, verified and is included in block
        `height`: the transaction is proven and its assignee paid. Returns the payout (0 for a
        non-assignee's proof, admitted only with `open_submissions`: the reward binds to the
        assignee's signed submission, so a copier earns nothing).

        Raises what `check_submission` raises, and BlockOutOfOrder, before changing anything.
        """
        self._check_time(height, time_ms)
        job = self.check_submission(tx_hash, submitter)
        paid = self._complete(job, submitter, height, time_ms)
        self._meta.reserved -= job.base  # paid out, or (a non-assignee's proof) freed
        self._touch_meta()
        job.proof_hash = proof_hash
        self._finish(job, height)
        batch = self._batches[job.batch]
        batch.proven += 1
        self._write(_key_batch(batch.index), batch)
        if batch.closed and batch.proven == batch.count:
            self._start_aggregation(batch, height, time_ms)
        return paid

    # -- the market's own transactions ------------------------------------------------------

    def check(self, tx: MarketTx, pending_nonce: int | None = None) -> None:
        """Every rule a market transaction must pass against the current state; changes
        nothing. `pending_nonce`: the prover's next nonce counting its pending transactions.

        Raises BadMarketSignature, AlreadyRegistered, UnknownProver, MarketNonceMismatch,
        UnknownBatch, UnknownJob, JobClosed, NotAssignee, InvalidBundle.
        """
        tx.check_signature()
        if isinstance(tx, RegisterProver):
            self._registry.check_register(tx.prover)
        elif isinstance(tx, (ProverHeartbeat, DeactivateProver)):
            self._registry.check_nonce(tx.prover, tx.nonce, pending_nonce)
        else:
            self._check_bundle(tx)

    def apply(self, tx: MarketTx, height: int, time_ms: int) -> dict[str, Any]:
        """Applies a market transaction included in block `height`; returns its receipt.

        Raises what `check` raises, and BlockOutOfOrder, before changing anything.
        """
        self._check_time(height, time_ms)
        if not isinstance(tx, SubmitBundle):
            self.check(tx)
        if isinstance(tx, RegisterProver):
            prover = tx.prover
            self._registry.register(prover, tx.public_key, height, time_ms)
            self._index(_key_prover(prover), True)
            self._sync(prover)
            return {"prover": "0x" + prover.hex(), "active": True}
        if isinstance(tx, ProverHeartbeat):
            self._registry.heartbeat(tx.prover, tx.nonce, height, time_ms)
            self._sync(tx.prover)
            return {"prover": "0x" + tx.prover.hex(), "active": True}
        if isinstance(tx, DeactivateProver):
            self._registry.deactivate(tx.prover, tx.nonce)
            self._sync(tx.prover)
            released = self._release_all(tx.prover, height)
            return {
                "prover": "0x" + tx.prover.hex(),
                "active": False,
                "released": ["0x" + j.hex() for j in released],
            }
        tx.check_signature()
        job, batch = self._check_bundle(tx)
        paid = self._complete(job, tx.prover, height, time_ms)
        self._meta.reserved -= batch.reserve  # paid out, or (a non-assignee's bundle) freed
        self._touch_meta()
        job.proof_hash = batch.bundle_hash = tx.hash
        batch.aggregated_by = tx.prover
        self._finish(job, height)
        self._batches.pop(batch.index, None)
        self._index(_key_batch(batch.index), False)
        self._write(_key_batch(batch.index), batch)
        return {
            "batch": batch.index,
            "bundle": "0x" + tx.hash.hex(),
            "prover": "0x" + tx.prover.hex(),
            "paid": str(paid),
        }

    def _check_bundle(self, tx: SubmitBundle) -> tuple[Job, Batch]:
        batch = self.batch(tx.batch)
        if batch is None:
            raise UnknownBatch(f"there is no batch {tx.batch}")
        job = self.job(batch_job_id(tx.batch))
        if job is None:
            raise UnknownJob(f"batch {tx.batch} is not complete yet: no aggregation job")
        self._check_submitter(job, tx.prover)
        if len(tx.entries) != batch.count:
            raise InvalidBundle(
                f"batch {tx.batch} has {batch.count} transactions, not {len(tx.entries)}"
            )
        for i, entry in enumerate(tx.entries):
            expected = self._commitment(batch.start + i)
            got = entry.commitment()
            if got != expected:
                what = ("transaction", "old root", "new root", "proof")
                wrong = next(w for w, g, e in zip(what, got, expected, strict=True) if g != e)
                raise InvalidBundle(
                    f"entry {i} of batch {tx.batch}: the {wrong} is not the one recorded for "
                    f"0x{expected[0].hex()}"
                )
        return job, batch

    def bundle_hash_of(self, batch: Batch) -> bytes:
        """The hash the batch's bundle must have: its transactions in order, each with the
        roots and the proof (by hash) the validators recorded (`bundle_hash`)."""
        return bundle_hash(
            batch.index,
            [self._commitment(s) for s in range(batch.start, batch.start + batch.count)],
        )

    def _commitment(self, seq: int) -> list[bytes]:
        tx_hash = self.tx_at(seq)
        job = self.job(tx_hash) if tx_hash is not None else None
        if tx_hash is None or job is None:
            raise RuntimeError(f"the market lost transaction {seq}")
        return [tx_hash, job.old_root, job.new_root, job.proof_hash]

    # -- the step of a block ----------------------------------------------------------------

    def on_block(self, height: int, block_hash: bytes, time_ms: int) -> BlockOutcome:
        """The market's step at the end of block `height` (block time `time_ms`), after all its
        transactions; `block_hash` is the hash of the block before it.

        1. Deadlines: every assignee whose deadline passed (results included in this block
           counted) is fined `fine` (its balance may go negative), its job put back, and it is
           benched until its next heartbeat (`bench_after_miss`).
        2. Silence: provers whose heartbeat is too old stop being assignable, then stop being
           active; the jobs of provers that stopped being active are put back, unfined.
        3. A batch still open `batch_close_*` after its first transaction closes.
        4. Every waiting job, oldest first, is assigned (assignment.py) while a candidate exists.

        Raises BlockOutOfOrder.
        """
        self._check_time(height, time_ms)
        out = BlockOutcome(aggregation_jobs=self._new_aggregations)
        self._new_aggregations = []
        p = self.params
        expired: list[Job] = []
        for job_id in self._deadlines:
            job = self._jobs[job_id]
            a = job.attempts[-1]
            if not period_passed(
                p.deadline_blocks, p.deadline_ms, a.height, a.time_ms, height, time_ms
            ):
                break
            expired.append(job)
        for job in sorted(expired, key=lambda j: j.number):
            prover = job.attempts[-1].prover
            # Jobs of a prover that stopped being active were put back when it did, so the
            # assignee is active here; the check states the rule.
            amount = self._fine(prover) if self._registry.is_active(prover) else 0
            job.attempts[-1].amount = amount
            self._release(job, Outcome.MISSED, height)
            if p.bench_after_miss:
                self._registry.bench(prover)
                self._sync(prover)
            out.fined.append((job.job_id, prover, amount))
        unassignable, lapsed = self._registry.expire(height, time_ms)
        for address in unassignable:
            self._sync(address)
        for address in lapsed:
            self._sync(address)
            out.lapsed.append(address)
            out.released.extend((j, address) for j in self._release_all(address, height))
        m = self._meta
        if m.open_batch:
            batch = self._batches[m.open_batch - 1]
            if period_passed(
                p.batch_close_blocks,
                p.batch_close_ms,
                batch.first_height,
                batch.first_ms,
                height,
                time_ms,
            ):
                self._close_batch(batch, height, time_ms)
                out.closed_batches.append(batch.index)
                out.aggregation_jobs.extend(self._new_aggregations)
                self._new_aggregations = []
        self._assign_waiting(height, block_hash, time_ms, out)
        m.height, m.time_ms = height, time_ms
        self._touch_meta()
        return out

    # -- rules ------------------------------------------------------------------------------

    def _sync(self, address: bytes) -> None:
        self._assigner.set_assignable(address, self._registry.is_assignable(address))

    def _check_submitter(self, job: Job, submitter: bytes) -> None:
        if job.status is JobStatus.DONE:
            raise JobClosed(f"job 0x{job.job_id.hex()} is already done")
        if self.params.open_submissions or job.assignee == submitter:
            return
        if job.assignee is None:
            raise NotAssignee(f"job 0x{job.job_id.hex()} is not assigned yet")
        raise NotAssignee(
            f"job 0x{job.job_id.hex()} is assigned to 0x{job.assignee.hex()}, "
            f"not 0x{submitter.hex()}"
        )

    def _add_job(self, job: Job) -> None:
        self._jobs[job.job_id] = job
        self._by_number[job.number] = job.job_id
        heapq.heappush(self._open, job.number)
        self._index(_key_job(job.job_id), True)
        self._write(_key_job(job.job_id), job)

    def _complete(self, job: Job, submitter: bytes, height: int, time_ms: int) -> int:
        """Ends the job's current assignment with the submitter's result; pays the assignee."""
        job.proven_by = submitter
        if job.assignee != submitter:
            if job.status is JobStatus.ASSIGNED:
                self._release(job, Outcome.SUPERSEDED, height)
            return 0
        amount = self.bounty_of(job, time_ms)
        self.zkpow.credit(POOL_ADDRESS, -amount)
        self.zkpow.credit(submitter, amount)
        self._registry.record_done(submitter, amount)
        self._registry.seen(submitter, height, time_ms)
        self._sync(submitter)
        attempt = job.attempts[-1]
        attempt.outcome, attempt.ended_height, attempt.amount = Outcome.PROVEN, height, amount
        self._unhold(job, submitter)
        job.paid = amount
        return amount

    def _finish(self, job: Job, height: int) -> None:
        job.status = JobStatus.DONE
        job.done_height = height
        self._jobs.pop(job.job_id, None)
        self._by_number.pop(job.number, None)
        self._index(_key_job(job.job_id), False)
        self._write(_key_job(job.job_id), job)

    def _fine(self, prover: bytes) -> int:
        # A balance is signed 128-bit: a fine never takes it below the bound.
        amount = min(self.params.fine, self.zkpow.balance(prover) + BALANCE_BOUND)
        self.zkpow.credit(prover, -amount)
        self._registry.record_fine(prover, amount)
        return amount

    def _assign(self, job: Job, prover: bytes, height: int, time_ms: int) -> None:
        job.attempts.append(Attempt(prover, height, time_ms))
        job.status = JobStatus.ASSIGNED
        self._assigner.add_load(prover, 1)
        self._held.setdefault(prover, set()).add(job.job_id)
        self._deadlines[job.job_id] = None
        self._write(_key_job(job.job_id), job)

    def _unhold(self, job: Job, prover: bytes) -> None:
        self._assigner.add_load(prover, -1)
        held = self._held[prover]
        held.discard(job.job_id)
        if not held:
            del self._held[prover]
        del self._deadlines[job.job_id]

    def _release(self, job: Job, outcome: Outcome, height: int) -> None:
        attempt = job.attempts[-1]
        attempt.outcome, attempt.ended_height = outcome, height
        self._unhold(job, attempt.prover)
        job.status = JobStatus.OPEN
        heapq.heappush(self._open, job.number)
        self._write(_key_job(job.job_id), job)

    def _release_all(self, prover: bytes, height: int) -> list[bytes]:
        jobs = sorted((self._jobs[j] for j in self._held.get(prover, ())), key=lambda j: j.number)
        for job in jobs:
            self._release(job, Outcome.RELEASED, height)
        return [j.job_id for j in jobs]

    def _assign_waiting(
        self, height: int, block_hash: bytes, time_ms: int, out: BlockOutcome
    ) -> None:
        while self._open:
            job_id = self._by_number.get(self._open[0])
            job = self._jobs.get(job_id) if job_id is not None else None
            if job is None or job.status is not JobStatus.OPEN:
                heapq.heappop(self._open)  # finished while waiting (open submissions)
                continue
            attempt = len(job.attempts)
            seed = assignment_seed(block_hash, int(job.kind), job.seq, job.job_id, attempt)
            prover = self._assigner.choose(seed, {a.prover for a in job.attempts})
            if prover is None:
                return
            heapq.heappop(self._open)
            self._assign(job, prover, height, time_ms)
            out.assigned.append((job.job_id, prover, attempt))

    def _open_batch(self, height: int, time_ms: int) -> Batch:
        m = self._meta
        if m.open_batch:
            return self._batches[m.open_batch - 1]
        batch = Batch(index=m.next_batch, start=m.next_seq, first_height=height, first_ms=time_ms)
        m.next_batch += 1
        m.open_batch = batch.index + 1
        self._touch_meta()
        self._batches[batch.index] = batch
        self._index(_key_batch(batch.index), True)
        self._write(_key_batch(batch.index), batch)
        return batch

    def _close_batch(self, batch: Batch, height: int, time_ms: int) -> None:
        batch.closed = True
        self._meta.open_batch = 0
        self._touch_meta()
        self._write(_key_batch(batch.index), batch)
        if batch.proven == batch.count:
            self._start_aggregation(batch, height, time_ms)

    def _start_aggregation(self, batch: Batch, height: int, time_ms: int) -> None:
        m = self._meta
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
        self._touch_meta()
        batch.aggregating = True
        self._write(_key_batch(batch.index), batch)
        self._add_job(job)
        self._new_aggregations.append(job.job_id)
