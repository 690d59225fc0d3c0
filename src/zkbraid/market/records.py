"""The records the proving market commits to (their encoding: codec.py; where they are kept:
store.py).

- `ProverRecord`: a registered prover, its liveness and its record of work;
- `Job` with its `Attempt`s: a proving job (a ZK-chain transaction, or a batch's aggregation) and
  every assignment it had. A transaction's job is also the record of its proof: once it is DONE
  it names who proved it (`proven_by`), the proof by hash, the block that included it, and the
  roots the validators recorded for the transaction;
- `Batch`: a run of consecutive ZK-chain transactions aggregated together, and its bundle;
- `MarketMeta`: the market's counters, its reserve and the height and time of its last step.

Each is one fact, stored once: nothing here is a copy of another record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Annotated

from eth_hash.auto import keccak

from zkbraid.ledger.codec import (
    NOT_STORED,
    U64,
    U128,
    U256,
    Address,
    EnumOf,
    Flag,
    Hash32,
    ListOf,
    MaybeAddress,
    MaybeHash32,
    PublicKey,
    Record,
    VarBytes,
)

PUBDATA_MAX = 1024
"""Bound of a public data record's length (the longest, a RegisterKey's, is 93 bytes)."""


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
class ProverRecord(Record):
    """A registered prover: its key, liveness and record of work (what `braid market` shows)."""

    address: Address
    public_key: PublicKey
    registered_height: U64
    seen_height: U64
    """Height of the last heartbeat (or registration, accepted proof or bundle)."""
    seen_ms: U64
    """Block time of the last heartbeat."""
    live: Flag = True
    """False from a deactivation until the next heartbeat."""
    nonce: U64 = 0
    """The nonce the next heartbeat or deactivation must carry."""
    benched: Flag = False
    """Missed a deadline since its last heartbeat (not assignable, if the params say so)."""
    jobs_done: U64 = 0
    earned: U256 = 0
    fines: U64 = 0
    fined: U256 = 0
    """Total ZKPoW fined."""


@dataclass
class Attempt(Record):
    """One assignment of a job."""

    prover: Address
    height: U64
    time_ms: U64
    outcome: Annotated[Outcome, EnumOf(Outcome)] = Outcome.PENDING
    ended_height: U64 = 0
    amount: U128 = 0
    """What the assignee was paid (PROVEN) or fined (MISSED)."""


@dataclass
class Job(Record):
    """A proving job and its history."""

    job_id: Hash32
    """The transaction's hash, or `batch_job_id(batch)`."""
    kind: Annotated[JobKind, EnumOf(JobKind)]
    number: U64
    """Creation order over all jobs: waiting jobs are assigned oldest first."""
    seq: U64
    """A transaction's position in the ZK chain's order; an aggregation job's batch index."""
    base: U128
    """The base bounty (bounty.py)."""
    created_height: U64
    created_ms: U64
    batch: U64
    status: Annotated[JobStatus, EnumOf(JobStatus)] = JobStatus.OPEN
    attempts: Annotated[list[Attempt], ListOf(Attempt)] = field(default_factory=list)
    done_height: U64 = 0
    """The block that included the accepted proof or bundle."""
    proven_by: MaybeAddress = b""
    """Whose signed submission was accepted."""
    paid: U128 = 0
    old_root: MaybeHash32 = b""
    """A transaction job's recorded roots, before and after it."""
    new_root: MaybeHash32 = b""
    pubdata: Annotated[bytes, VarBytes(PUBDATA_MAX)] = b""
    """A transaction job's public data record (proving/statement.py): with the roots, the
    statement its proof must show."""
    proof_hash: MaybeHash32 = b""
    """keccak of the accepted proof, or the accepted bundle's hash."""

    @property
    def assignee(self) -> bytes | None:
        return self.attempts[-1].prover if self.status is JobStatus.ASSIGNED else None


@dataclass
class Batch(Record):
    """A run of consecutive ZK-chain transactions aggregated together."""

    index: U64
    start: U64
    """The seq of its first transaction."""
    first_height: U64
    first_ms: U64
    count: U64 = 0
    fees: U128 = 0
    reserve: U128 = 0
    """The pool funds set aside for its aggregation bounty (its aggregation job's base)."""
    closed: Flag = False
    """No more transactions join it (full, or closed on time)."""
    aggregating: Flag = False
    """Its aggregation job exists."""
    old_root: MaybeHash32 = b""
    new_root: MaybeHash32 = b""
    bundle_hash: MaybeHash32 = b""
    aggregated_by: MaybeAddress = b""
    settlement_reserve: U128 = 0
    """The pool funds set aside for the agent that gets the batch settled on L1 (a share of its
    fees, `BridgeParams.agent_share_bps`)."""
    settled_by: MaybeAddress = b""
    """The agent paid for settling it (empty: not settled yet)."""
    proven: Annotated[int, NOT_STORED] = 0
    """How many of its transactions are proven: its jobs record that, so it is counted when the
    market loads, not stored."""


@dataclass
class MarketMeta(Record):
    """The market's counters and the height and time of its last step."""

    next_number: U64 = 0
    next_seq: U64 = 0
    next_batch: U64 = 0
    open_batch: U64 = 0
    """The open batch's index + 1 (0: none)."""
    last_root: MaybeHash32 = b""
    """The new root of the last committed transaction."""
    reserved: U128 = 0
    """Pool funds set aside: the base bounties of unfinished transaction jobs and the
    aggregation bounties of batches not yet aggregated."""
    height: U64 = 0
    """Height and time of the last step."""
    time_ms: U64 = 0
