"""The proving market's rules (issue 4), driven block by block the way the node will drive them.

Each test builds its `pre` state with a `Chain`, applies the operation and checks the `post`
state; a rejected operation (`test_invalid_*`) must leave the state root untouched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from zkbraid.ledger.kv import KVStore, memory_store
from zkbraid.market.errors import (
    BlockOutOfOrder,
    DuplicateJob,
    InvalidBundle,
    JobClosed,
    NotAssignee,
    RootChainBroken,
    UnknownBatch,
    UnknownJob,
)
from zkbraid.market.market_txs import (
    BundleEntry,
    MarketTx,
    sign_bundle,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.params import MarketParams
from zkbraid.market.records import JobKind, JobStatus, Outcome, batch_job_id
from zkbraid.market.state import POOL_ADDRESS, Market
from zkbraid.market.step import BlockOutcome
from zkbraid.market.zkpow import ZkpowLedger

FEE = 10**16  # a transfer's fee (0.01 ZKPoW)
PARAMS = MarketParams()
KEYS = [bytes(keccak(b"prover %d" % i)) for i in range(64)]


def address(i: int) -> bytes:
    return bytes(PrivateKey(KEYS[i]).public_key.to_canonical_address())


def proof_of(tx_hash: bytes) -> bytes:
    """Stand-in proof bytes (the node verifies real ones before calling the market)."""
    return (tx_hash * 8)[:256]


class Chain:
    """A market over its own store, fed blocks of the global order: every block has a height,
    a block time and a hash (here a hash of the state after it, as in the node)."""

    def __init__(self, params: MarketParams = PARAMS, store: KVStore | None = None) -> None:
        self.params = params
        self.store = store or memory_store()
        self.zkpow = ZkpowLedger(self.store.namespace("z.trie"), self.store.namespace("z"))
        self.market = Market(
            params,
            self.zkpow,
            self.store.namespace("m.trie"),
            self.store.namespace("m"),
            self.store.namespace("m.live"),
        )
        self.height = self.market.height
        self.time_ms = 0
        self.block_hash = b"\x00" * 32
        self.zk_root = 1
        self.nonces: dict[int, int] = {}
        self.txs: list[bytes] = []

    def tx(self, i: int) -> bytes:
        return self.txs[i]

    def block(
        self,
        dt_ms: int = 100,
        *,
        commits: int = 0,
        proofs: tuple[tuple[bytes, int], ...] = (),
        txs: tuple[MarketTx, ...] = (),
    ) -> BlockOutcome:
        """One block `dt_ms` after the previous one, with `commits` new ZK-chain transactions,
        proofs (tx hash, prover index) and market transactions, then the market's step."""
        self.open(dt_ms)
        for _ in range(commits):
            tx_hash = bytes(keccak(b"tx %d" % len(self.txs)))
            self.market.job_committed(
                tx_hash, FEE, self.zk_root, self.zk_root + 1, self.height, self.time_ms
            )
            self.zk_root += 1
            self.txs.append(tx_hash)
        for tx_hash, i in proofs:
            self.prove(tx_hash, i)
        for tx in txs:
            self.market.apply(tx, self.height, self.time_ms)
        return self.close()

    def open(self, dt_ms: int = 100) -> None:
        """Starts building the next block (events may then be fed by hand)."""
        self.height += 1
        self.time_ms += dt_ms

    def close(self) -> BlockOutcome:
        """The market's step, then the block's hash, then the block's writes are committed."""
        out = self.market.on_block(self.height, self.block_hash, self.time_ms)
        self.block_hash = bytes(
            keccak(self.height.to_bytes(8, "big") + self.market.root + self.zkpow.root)
        )
        self.store.write_buffer()
        return out

    def prove(self, tx_hash: bytes, i: int) -> int:
        """prover i's proof of tx_hash, in the block being built."""
        return self.market.proof_accepted(
            tx_hash, address(i), bytes(keccak(proof_of(tx_hash))), self.height, self.time_ms
        )

    def register(self, *provers: int) -> BlockOutcome:
        return self.block(txs=tuple(sign_register(KEYS[i]) for i in provers))

    def heartbeat_tx(self, i: int) -> MarketTx:
        n = self.nonces.get(i, 0)
        self.nonces[i] = n + 1
        return sign_heartbeat(KEYS[i], n)

    def deactivate_tx(self, i: int) -> MarketTx:
        n = self.nonces.get(i, 0)
        self.nonces[i] = n + 1
        return sign_deactivate(KEYS[i], n)

    def assignee(self, tx_hash: bytes) -> bytes | None:
        job = self.market.job(tx_hash)
        assert job is not None
        return job.assignee

    def prover_index(self, who: bytes | None) -> int:
        return next(i for i in range(len(KEYS)) if address(i) == who)

    def loads(self) -> Counter[bytes]:
        return Counter(j.assignee for j in self.market.open_jobs() if j.assignee is not None)


# -- assignment -------------------------------------------------------------------------------


def test_jobs_go_to_distinct_idle_provers() -> None:
    c = Chain()
    c.register(*range(6))
    out = c.block(commits=6)
    assert [a for _, _, a in out.assigned] == [0] * 6
    assert len({p for _, p, _ in out.assigned}) == 6
    assert all(c.market.job(c.tx(i)).status is JobStatus.ASSIGNED for i in range(6))  # type: ignore[union-attr]


def test_no_second_job_while_an_idle_prover_exists() -> None:
    c = Chain()
    c.register(*range(5))
    for _ in range(3):  # 3 + 3 + 3 jobs over 5 provers, max 2 each
        c.block(commits=3)
        loads = [c.market.jobs_held(address(i)) for i in range(5)]
        assert max(loads) - min(loads) <= 1, loads
    loads = [c.market.jobs_held(address(i)) for i in range(5)]
    assert sorted(loads) == [1, 2, 2, 2, 2]


def test_second_job_while_idle_when_configured() -> None:
    c = Chain(replace(PARAMS, second_job_while_idle=True, max_jobs_per_prover=4))
    c.register(*range(8))
    c.block(commits=8)
    loads = [c.market.jobs_held(address(i)) for i in range(8)]
    # 8 uniform picks over 8 provers collide with probability 1 - 8!/8^8 > 99.7%; the seeds
    # here are fixed, and they do.
    assert sum(loads) == 8 and max(loads) >= 2 and min(loads) == 0


def test_jobs_beyond_every_provers_limit_wait_then_go_to_whoever_frees_up() -> None:
    c = Chain()
    c.register(0, 1)
    c.block(commits=5)
    waiting = [j for j in c.market.open_jobs() if j.status is JobStatus.OPEN]
    assert [j.job_id for j in waiting] == [c.tx(4)]
    first = c.tx(0)
    who = c.prover_index(c.assignee(first))
    out = c.block(proofs=((first, who),))
    assert out.assigned == [(c.tx(4), address(who), 0)]


def test_assignment_is_deterministic_across_independent_states() -> None:
    """Two markets built separately and fed the same blocks agree on every assignment, fine,
    payment and root (two validators, or two independently started nodes)."""
    chains = [Chain(), Chain()]
    history: list[list[tuple[BlockOutcome, bytes, bytes]]] = [[], []]
    for k, c in enumerate(chains):
        c.register(*range(10))
        for b in range(40):
            # provers 0 and 1 never prove; the others prove a job within three blocks
            proofs = tuple(
                (j.job_id, c.prover_index(j.assignee))
                for j in c.market.open_jobs()
                if j.assignee is not None
                and j.kind is JobKind.TX
                and c.prover_index(j.assignee) >= 2
                and (j.seq + b) % 3 == 0
            )
            out = c.block(dt_ms=700, commits=b % 4, proofs=proofs)
            history[k].append((out, c.market.root, c.zkpow.root))
    assert history[0] == history[1]
    assert any(out.fined for out, _, _ in history[0])  # the run exercises fines too
    assert any(out.aggregation_jobs for out, _, _ in history[0])


def test_assignment_depends_on_the_previous_block_hash() -> None:
    a, b = Chain(), Chain()
    for c in (a, b):
        c.register(*range(16))
    b.block_hash = b"\x01" * 32
    picks = [
        [p for _, p, _ in c.block(commits=1).assigned] + [p for _, p, _ in c.block().assigned]
        for c in (a, b)
    ]
    assert picks[0] != picks[1]


def test_inactive_provers_are_not_assigned() -> None:
    c = Chain()
    c.register(0, 1, 2)
    c.block(txs=(c.deactivate_tx(1),))
    for _ in range(5):
        c.block(commits=1)
    assert address(1) not in c.loads()
    assert not c.market.is_active(address(1))


def test_silent_provers_stop_being_assignable_before_they_stop_being_active() -> None:
    c = Chain()
    c.register(0)
    c.register(1)
    # prover 1 heartbeats, prover 0 falls silent for 35 blocks and 42 s: past window − deadline
    # (30 blocks, 40 s), within the window (40 blocks, 60 s)
    for _ in range(35):
        c.block(dt_ms=1_200, txs=(c.heartbeat_tx(1),))
    assert c.market.is_active(address(0)) and not c.market.is_assignable(address(0))
    c.block(commits=2)
    assert c.loads() == Counter({address(1): 2})


# -- deadlines, fines, reassignment ---------------------------------------------------------


def _one_job(c: Chain, provers: tuple[int, ...] = (0, 1)) -> tuple[bytes, int]:
    c.register(*provers)
    c.block(commits=1)
    tx = c.tx(0)
    return tx, c.prover_index(c.assignee(tx))


def test_missed_deadline_fines_into_a_negative_balance_and_reassigns() -> None:
    c = Chain()
    tx, first = _one_job(c)
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
    _one_job(c)
    for _ in range(PARAMS.deadline_blocks * 3):  # many blocks, little time
        assert c.block(dt_ms=10).fined == []
    c2 = Chain()
    _one_job(c2)
    c2.block(dt_ms=PARAMS.deadline_ms * 2)  # much time, one block
    assert c2.block(dt_ms=1).fined == []


def test_proof_in_the_block_where_the_deadline_passes_still_counts() -> None:
    c = Chain()
    tx, first = _one_job(c)
    for _ in range(PARAMS.deadline_blocks - 1):
        c.block(dt_ms=PARAMS.deadline_ms // PARAMS.deadline_blocks)
    out = c.block(dt_ms=PARAMS.deadline_ms, proofs=((tx, first),))
    assert out.fined == []
    assert c.zkpow.balance(address(first)) > 0


def test_deactivated_prover_is_not_fined_and_its_job_is_reassigned() -> None:
    c = Chain()
    tx, first = _one_job(c)
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


# -- payment --------------------------------------------------------------------------------


def test_assignee_is_paid_the_bounty_out_of_the_pool() -> None:
    c = Chain()
    tx, who = _one_job(c)
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
    tx, _ = _one_job(c, provers=(0,))
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


def test_invalid_proof_from_a_non_assignee() -> None:
    c = Chain()
    tx, who = _one_job(c)
    root = c.market.root
    other = 1 - who
    with pytest.raises(NotAssignee):
        c.market.check_submission(tx, address(other))
    c.open()
    with pytest.raises(NotAssignee):
        c.prove(tx, other)
    assert c.market.root == root
    assert c.zkpow.balance(address(other)) == 0


def test_invalid_copied_proof_earns_the_copier_nothing() -> None:
    """A copier re-signs the assignee's proof (same bytes) under its own key: the reward binds
    to the assignee's signed submission, so the copy is refused and the assignee is paid."""
    c = Chain()
    tx, who = _one_job(c)
    copier = 1 - who
    c.open()
    with pytest.raises(NotAssignee):
        c.prove(tx, copier)  # the same proof hash, signed by the copier
    c.prove(tx, who)
    c.close()
    assert c.zkpow.balance(address(copier)) == 0
    assert c.zkpow.balance(address(who)) > 0


def test_open_submissions_let_others_prove_unpaid() -> None:
    c = Chain(replace(PARAMS, open_submissions=True))
    tx, who = _one_job(c)
    other = 1 - who
    c.open()
    assert c.prove(tx, other) == 0
    c.close()
    job = c.market.job(tx)
    assert job is not None and job.status is JobStatus.DONE and job.proven_by == address(other)
    assert job.attempts[-1].outcome is Outcome.SUPERSEDED
    assert c.zkpow.balance(address(other)) == 0 == c.zkpow.balance(address(who))
    assert c.market.assignments(address(who)) == []
    c.open()
    with pytest.raises(JobClosed):
        c.prove(tx, who)


def test_invalid_proof_of_an_unknown_or_finished_job() -> None:
    c = Chain()
    tx, who = _one_job(c)
    c.block(proofs=((tx, who),))
    root = c.market.root
    c.open()
    with pytest.raises(JobClosed):
        c.prove(tx, who)
    with pytest.raises(UnknownJob):
        c.prove(b"\x42" * 32, who)
    assert c.market.root == root


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


# -- bounties in the market -----------------------------------------------------------------


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


# -- aggregation ----------------------------------------------------------------------------


def _prove_all(c: Chain, order: list[int]) -> BlockOutcome:
    outs = BlockOutcome()
    for i in order:
        tx = c.tx(i)
        out = c.block(proofs=((tx, c.prover_index(c.assignee(tx))),))
        outs.aggregation_jobs += out.aggregation_jobs
    return outs


def test_aggregation_job_when_a_contiguous_run_completes_a_batch() -> None:
    p = replace(PARAMS, batch_size=4)
    c = Chain(p)
    c.register(*range(8))
    c.block(commits=6)
    out = _prove_all(c, [3, 1, 2, 5, 4])  # all of batch 0 but its first transaction
    assert out.aggregation_jobs == []
    out = _prove_all(c, [0])
    assert out.aggregation_jobs == [batch_job_id(0)]
    job = c.market.job(batch_job_id(0))
    assert job is not None and job.kind is JobKind.AGGREGATE and job.status is JobStatus.ASSIGNED
    assert job.base == 4 * FEE * p.aggregation_bounty_bps // 10_000
    batch = c.market.batch(0)
    assert batch is not None and (batch.start, batch.count, batch.proven) == (0, 4, 4)
    assert batch.old_root == (1).to_bytes(32, "big") and batch.new_root == (5).to_bytes(32, "big")
    second = c.market.batch(1)
    assert second is not None and not second.closed and second.count == 2


def _entries(c: Chain, txs: list[bytes]) -> list[BundleEntry]:
    out = []
    for tx in txs:
        job = c.market.job(tx)
        assert job is not None
        out.append(BundleEntry(tx, job.old_root, job.new_root, proof_of(tx)))
    return out


def _aggregated_chain() -> tuple[Chain, int]:
    c = Chain(replace(PARAMS, batch_size=3))
    c.register(*range(4))
    c.block(commits=3)
    _prove_all(c, [0, 1, 2])
    job = c.market.job(batch_job_id(0))
    assert job is not None
    return c, c.prover_index(job.assignee)


def test_bundle_from_the_aggregation_assignee_is_recorded_and_paid() -> None:
    c, agg = _aggregated_chain()
    before = c.zkpow.balance(address(agg))
    tx = sign_bundle(KEYS[agg], 0, _entries(c, c.txs[:3]))
    c.block(txs=(tx,))
    batch = c.market.batch(0)
    assert batch is not None and batch.bundle_hash == tx.hash and batch.aggregated_by == tx.prover
    job = c.market.job(batch_job_id(0))
    assert job is not None and job.status is JobStatus.DONE and job.paid > 0
    assert c.zkpow.balance(address(agg)) == before + job.paid


@pytest.mark.parametrize("fault", ["order", "proof", "root", "short", "not_assignee"])
def test_invalid_bundle(fault: str) -> None:
    c, agg = _aggregated_chain()
    entries = _entries(c, c.txs[:3])
    signer = agg
    if fault == "order":
        entries[0], entries[1] = entries[1], entries[0]
    elif fault == "proof":
        entries[2] = replace(entries[2], proof=b"\x01" * 256)
    elif fault == "root":
        entries[1] = replace(entries[1], new_root=b"\x07" * 32)
    elif fault == "short":
        entries = entries[:2]
    else:
        signer = (agg + 1) % 4
    root = c.market.root
    with pytest.raises(NotAssignee if fault == "not_assignee" else InvalidBundle):
        c.market.check(sign_bundle(KEYS[signer], 0, entries))
    assert c.market.root == root


def test_invalid_bundle_of_an_unknown_or_incomplete_batch() -> None:
    c = Chain(replace(PARAMS, batch_size=3))
    c.register(0, 1, 2)
    c.block(commits=2)
    with pytest.raises(UnknownBatch):
        c.market.check(sign_bundle(KEYS[0], 7, _entries(c, c.txs[:1])))
    with pytest.raises(UnknownJob):
        c.market.check(sign_bundle(KEYS[0], 0, _entries(c, c.txs[:2])))


def test_a_short_batch_closes_on_time() -> None:
    p = replace(PARAMS, batch_size=16)
    c = Chain(p)
    c.register(0, 1)
    c.block(commits=2)
    _prove_all(c, [0, 1])
    assert c.market.job(batch_job_id(0)) is None
    for _ in range(p.batch_close_blocks):
        out = c.block(dt_ms=p.batch_close_ms // p.batch_close_blocks)
        if out.closed_batches:
            break
    assert out.closed_batches == [0] and out.aggregation_jobs == [batch_job_id(0)]
    batch = c.market.batch(0)
    assert batch is not None and batch.closed and batch.count == 2
    c.block(commits=1)
    nxt = c.market.job(c.tx(2))
    assert nxt is not None and nxt.batch == 1


# -- commitments, restarts, node-side invariants ----------------------------------------------


def test_a_restarted_market_continues_like_one_that_never_stopped() -> None:
    """Two nodes fed the same blocks; one restarts (a new Market over its committed store) and
    both go on: their roots and results stay equal."""
    a, b = Chain(), Chain()
    for c in (a, b):
        c.register(*range(5))
        for k in range(12):
            c.block(dt_ms=3_000, commits=2, txs=(c.heartbeat_tx(k % 5),))
    assert a.market.root == b.market.root
    r = Chain(store=b.store)
    r.height, r.time_ms, r.block_hash = b.height, b.time_ms, b.block_hash
    r.zk_root, r.txs, r.nonces = b.zk_root, list(b.txs), dict(b.nonces)
    assert r.market.root == a.market.root
    assert r.market.open_jobs() == a.market.open_jobs()
    assert r.market.provers() == a.market.provers()
    outs = []
    for c in (a, r):  # deadlines, lapses and reassignment after the restart
        outs.append([c.block(dt_ms=PARAMS.deadline_ms, commits=3)])
        outs[-1] += [c.block(dt_ms=2_000) for _ in range(PARAMS.heartbeat_window_blocks)]
        assert any(o.fined for o in outs[-1]) and any(o.lapsed for o in outs[-1])
    assert outs[0] == outs[1]
    assert (r.market.root, r.zkpow.root) == (a.market.root, a.zkpow.root)


def test_reload_forgets_uncommitted_writes() -> None:
    c = Chain()
    c.register(0, 1)
    root = c.market.root
    c.open()
    c.market.job_committed(b"\x01" * 32, FEE, c.zk_root, c.zk_root + 1, c.height, c.time_ms)
    assert c.market.root != root
    c.store.discard()
    c.zkpow.reload()
    c.market.reload()
    assert c.market.root == root and c.market.job(b"\x01" * 32) is None


def test_invalid_node_side_events() -> None:
    c = Chain()
    c.register(0)
    c.block(commits=1)
    root = c.market.root
    c.open()
    with pytest.raises(DuplicateJob):
        c.market.job_committed(c.tx(0), FEE, c.zk_root, c.zk_root + 1, c.height, c.time_ms)
    with pytest.raises(RootChainBroken):
        c.market.job_committed(b"\x02" * 32, FEE, 999, 1000, c.height, c.time_ms)
    with pytest.raises(BlockOutOfOrder):
        c.market.on_block(c.height - 1, b"\x00" * 32, c.time_ms)
    assert c.market.root == root
