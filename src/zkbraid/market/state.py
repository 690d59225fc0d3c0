"""The proving market: the sequencer's deterministic rules for who proves what, when, for how much
(ARCHITECTURE.md, "the life of a ZK-chain transaction", steps 3 and 4; issue 4).

Every committed ZK-chain transaction becomes a *job*. At the end of every block the market's step
(step.py) fines the assignees whose deadline passed and puts their jobs back (fines.py), puts
back the jobs of provers that went silent (provers.py), closes a batch whose time is up and
assigns every waiting job to an active prover chosen from a seed of the previous block's hash
(jobs.py, assignment.py). The assignee's proof, included in a later block, proves the transaction
and is paid the job's bounty (bounty.py) out of the pool the fees went into (pool.py). When every
transaction of a batch is proven, an aggregation job bundles their proofs (batches.py).

`Market` is what the node calls, in each block it finalizes, in this order:

- `job_committed(tx_hash, fee, old_root, new_root, height, time_ms)` for each ZK-chain
  transaction that executed (after debiting its fee);
- `check_submission(tx_hash, submitter)` at check_tx and before verifying a proof, then
  `proof_accepted(tx_hash, submitter, proof_hash, height, time_ms)` once it verified;
- `check(tx, pending_nonce)` at check_tx and `apply(tx, height, time_ms)` for the market's own
  transactions (market_txs.py);
- `on_block(height, previous_block_hash, time_ms)` last, then `root` for the app hash.

The state is pure data (book.py) over the market's KV namespaces (store.py), committed by a trie
whose root enters the app hash. Balances, payouts and fines are in the ZKPoW ledger; the pool is
its account `POOL_ADDRESS`. Nothing here reads a clock or draws a random number: two validators
fed the same blocks hold the same state, to the byte.
"""

from __future__ import annotations

from zkbraid.errors import MalformedInput
from zkbraid.ledger.kv import KVNamespace
from zkbraid.market import batches, fines, jobs, step
from zkbraid.market import pool as pool_rules
from zkbraid.market.book import Book
from zkbraid.market.bounty import base_bounty
from zkbraid.market.errors import DuplicateJob, InvalidFee, RootChainBroken, UnknownJob
from zkbraid.market.market_txs import (
    DeactivateProver,
    MarketTx,
    ProverHeartbeat,
    RegisterProver,
    SubmitBundle,
)
from zkbraid.market.params import MarketParams
from zkbraid.market.pool import POOL_ADDRESS
from zkbraid.market.receipts import BundleReceipt, MarketReceipt, ProverReceipt
from zkbraid.market.records import PUBDATA_MAX, Batch, Job, JobKind, JobStatus, ProverRecord
from zkbraid.market.step import BlockOutcome
from zkbraid.market.store import RecordStore, prover_key
from zkbraid.market.zkpow import ZkpowLedger

__all__ = ["POOL_ADDRESS", "Market"]

ROOT_BOUND = 2**256
FEE_BOUND = 2**64


def _root_bytes(root: int) -> bytes:
    if not 0 <= root < ROOT_BOUND:
        raise InvalidFee(f"a root must be a 256-bit unsigned integer, got {root}")
    return root.to_bytes(32, "big")


class Market:
    """The proving market's state and rules, as the node and the API use them."""

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
        self._store = RecordStore(nodes, records, live)
        self._book = Book.load(params, zkpow, self._store)

    def reload(self) -> None:
        """Rebuilds the view from the stored state, after uncommitted writes were discarded."""
        self._store.reload()
        self._book = Book.load(self.params, self.zkpow, self._store)

    @property
    def root(self) -> bytes:
        """The commitment to the market's state (for the app hash); writes pending changes."""
        return self._book.root()

    # -- ZK-chain transactions and their proofs --------------------------------------------

    def job_committed(
        self,
        tx_hash: bytes,
        fee: int,
        old_root: int,
        new_root: int,
        height: int,
        time_ms: int,
        *,
        pubdata: bytes = b"",
        settlement_bps: int = 0,
    ) -> Job:
        """A ZK-chain transaction executed in block `height`: its fee (already debited from its
        payer) goes into the pool, and it becomes a proving job, assigned at the block's step.
        The job records the statement its proof must show: the roots around the transaction
        and its public data record `pubdata`.

        Raises InvalidFee, MalformedInput, DuplicateJob, RootChainBroken, BlockOutOfOrder.
        """
        book = self._book
        book.check_time(height, time_ms)
        if len(tx_hash) != 32:
            raise MalformedInput("a transaction hash is 32 bytes")
        if not 0 <= fee < FEE_BOUND:
            raise InvalidFee(f"a fee must be a U64, got {fee}")
        if len(pubdata) > PUBDATA_MAX:
            raise MalformedInput(f"a public data record is at most {PUBDATA_MAX} bytes")
        old, new = _root_bytes(old_root), _root_bytes(new_root)
        if book.job(tx_hash) is not None:
            raise DuplicateJob(f"0x{tx_hash.hex()} is already a job")
        m = book.meta
        if m.last_root and old != m.last_root:
            raise RootChainBroken(
                f"0x{tx_hash.hex()} starts from root 0x{old.hex()}, "
                f"the previous transaction ended at 0x{m.last_root.hex()}"
            )
        batch = batches.open_batch(book, height, time_ms)
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
            pubdata=pubdata,
        )
        m.next_number += 1
        m.next_seq += 1
        m.last_root = new
        aggregation_reserve = batches.add_tx(book, batch, fee, old, new)
        # the settling agent's share is set aside too, so premiums never leave it unpaid
        settlement_reserve = base_bounty(fee, settlement_bps)
        batch.settlement_reserve += settlement_reserve
        book.save_batch(batch)
        pool_rules.deposit(book, fee, job.base + aggregation_reserve + settlement_reserve)
        book.add_job(job)
        if batch.count >= self.params.batch_size:
            batches.close(book, batch, height, time_ms)
        return job

    def check_submission(self, tx_hash: bytes, submitter: bytes) -> Job:
        """The job a proof of `tx_hash` signed by `submitter` would complete; changes nothing.

        Raises UnknownJob, JobClosed, NotAssignee (only the current assignee may submit, unless
        `open_submissions`).
        """
        job = self._book.job(tx_hash)
        if job is None or job.kind is not JobKind.TX:
            raise UnknownJob(f"0x{tx_hash.hex()} is not a proving job")
        jobs.check_submitter(self._book, job, submitter)
        return job

    def proof_accepted(
        self, tx_hash: bytes, submitter: bytes, proof_hash: bytes, height: int, time_ms: int
    ) -> int:
        """A proof of `tx_hash`, signed by `submitter`, verified and is included in block
        `height`: the transaction is proven (its job records by whom, with which proof) and its
        assignee paid. Returns the payout (0 for a non-assignee's proof, admitted only with
        `open_submissions`: the reward binds to the assignee's signed submission, so a copier
        earns nothing).

        Raises what `check_submission` raises, and BlockOutOfOrder, before changing anything.
        """
        book = self._book
        book.check_time(height, time_ms)
        job = self.check_submission(tx_hash, submitter)
        paid = jobs.complete(book, job, submitter, height, time_ms)
        pool_rules.unreserve(book, job.base)  # paid out, or (a non-assignee's proof) freed
        jobs.finish(book, job, height, proof_hash)
        batches.tx_proven(book, job, height, time_ms)
        return paid

    # -- the market's own transactions ------------------------------------------------------

    def check(self, tx: MarketTx, pending_nonce: int | None = None) -> None:
        """Every rule a market transaction must pass against the current state; changes
        nothing. `pending_nonce`: the prover's next nonce counting its pending transactions.

        Raises BadMarketSignature, AlreadyRegistered, UnknownProver, MarketNonceMismatch,
        UnknownBatch, UnknownJob, JobClosed, NotAssignee, InvalidBundle.
        """
        tx.check_signature()
        registry = self._book.registry
        if isinstance(tx, RegisterProver):
            registry.check_register(tx.prover)
        elif isinstance(tx, ProverHeartbeat | DeactivateProver):
            registry.check_nonce(tx.prover, tx.nonce, pending_nonce)
        else:
            batches.check_bundle(self._book, tx)

    def apply(self, tx: MarketTx, height: int, time_ms: int) -> MarketReceipt:
        """Applies a market transaction included in block `height`; returns its receipt.

        Raises what `check` raises, and BlockOutOfOrder, before changing anything.
        """
        book = self._book
        book.check_time(height, time_ms)
        if isinstance(tx, SubmitBundle):
            tx.check_signature()
            paid = batches.accept_bundle(book, tx, height, time_ms)
            return BundleReceipt(tx.batch, tx.hash, tx.prover, paid)
        self.check(tx)
        registry = book.registry
        prover = tx.prover
        if isinstance(tx, RegisterProver):
            registry.register(prover, tx.public_key, height, time_ms)
            book.store.set_live(prover_key(prover), True)
            book.sync(prover)
            return ProverReceipt(prover, True)
        if isinstance(tx, ProverHeartbeat):
            registry.heartbeat(prover, tx.nonce, height, time_ms)
            book.sync(prover)
            return ProverReceipt(prover, True)
        registry.deactivate(prover, tx.nonce)
        book.sync(prover)
        released = jobs.release_all(book, prover, height)
        return ProverReceipt(prover, False, tuple(released))

    # -- the step of a block ----------------------------------------------------------------

    def on_block(self, height: int, block_hash: bytes, time_ms: int) -> BlockOutcome:
        """The market's step at the end of block `height` (block time `time_ms`), after all its
        transactions; `block_hash` is the hash of the block before it (step.py: deadlines,
        silence, batch closing, assignment).

        Raises BlockOutOfOrder.
        """
        return step.on_block(self._book, height, block_hash, time_ms)

    def due(self, height: int, time_ms: int) -> bool:
        """Whether a step at (`height`, `time_ms`) has time-driven work (a deadline or the open
        batch's closing time has passed in milliseconds): the proposer then cuts a block."""
        return step.due(self._book, height, time_ms)

    # -- views ------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        """The height of the last step."""
        return self._book.meta.height

    @property
    def last_time_ms(self) -> int:
        """The block time of the last step."""
        return self._book.meta.time_ms

    def job(self, job_id: bytes) -> Job | None:
        """A job (live or done) with its proving history; a transaction's job id is its hash."""
        return self._book.job(job_id)

    def roots_of(self, tx_hash: bytes) -> tuple[bytes, bytes] | None:
        """The (old, new) state roots the validators recorded for a committed ZK-chain
        transaction, or None for a hash the market has no transaction job for."""
        job = self._book.job(tx_hash)
        if job is None or job.kind is not JobKind.TX:
            return None
        return job.old_root, job.new_root

    def proof_of(self, tx_hash: bytes) -> Job | None:
        """The job of a proven ZK-chain transaction (`proven_by`, `proof_hash`, `done_height`),
        or None while it is not proven (or not a transaction the market knows)."""
        job = self._book.job(tx_hash)
        if job is None or job.kind is not JobKind.TX or job.status is not JobStatus.DONE:
            return None
        return job

    def batch(self, index: int) -> Batch | None:
        return self._book.batch(index)

    def pay_settlement(self, index: int, agent: bytes) -> int:
        """Pays batch `index`'s settlement reserve to the agent that got it settled on L1, once;
        returns what was paid (0: already paid, or the batch is not closed)."""
        book = self._book
        batch = book.batch(index)
        if batch is None or not batch.closed or batch.settled_by:
            return 0
        amount = batch.settlement_reserve
        pool_rules.unreserve(book, amount)
        pool_rules.pay(book, agent, amount)
        batch.settled_by = agent
        book.save_batch(batch)
        return amount

    def tx_at(self, seq: int) -> bytes | None:
        """The hash of the `seq`-th committed ZK-chain transaction (its job id)."""
        return self._book.tx_at(seq)

    def bundle_hash_of(self, batch: Batch) -> bytes:
        """The hash the batch's bundle must have: its transactions in order, each with the
        roots and the proof (by hash) the validators recorded (`bundle_hash`)."""
        return batches.bundle_hash_of(self._book, batch)

    def prover(self, address: bytes) -> ProverRecord | None:
        return self._book.registry.get(address)

    def provers(self) -> list[ProverRecord]:
        """Every registered prover, by address."""
        return self._book.registry.records()

    def is_active(self, address: bytes) -> bool:
        return self._book.registry.is_active(address)

    def is_assignable(self, address: bytes) -> bool:
        return self._book.registry.is_assignable(address)

    @property
    def active_count(self) -> int:
        return self._book.registry.active_count

    def open_jobs(self) -> list[Job]:
        """Unfinished jobs (waiting or assigned), oldest first."""
        return sorted(self._book.jobs.values(), key=lambda j: j.number)

    def assignments(self, address: bytes) -> list[Job]:
        """The jobs a prover holds, oldest first (what a prover polls for)."""
        return self._book.held_by(address)

    def jobs_held(self, address: bytes) -> int:
        """How many jobs a prover holds."""
        return self._book.assigner.load(address)

    def deadline(self, job: Job) -> tuple[int, int] | None:
        """(height, block time) by which the current assignee's result must be included: it
        counts in any block at or before the first one past both."""
        return fines.deadline(self.params, job)

    @property
    def pool(self) -> int:
        """The pool's balance."""
        return pool_rules.balance(self._book)

    @property
    def reserved(self) -> int:
        """Pool funds set aside for the bases of unfinished jobs and for aggregations."""
        return self._book.meta.reserved

    def available(self, job: Job) -> int:
        """What the pool can pay for this unfinished job: its own base plus the pool's surplus
        over every reserve (pool.py)."""
        return pool_rules.available(self._book, job)

    def bounty_of(self, job: Job, time_ms: int) -> int:
        """What the job's assignee would be paid for a result included at `time_ms` with
        today's active provers (the pool permitting)."""
        return pool_rules.bounty_of(self._book, job, time_ms)
