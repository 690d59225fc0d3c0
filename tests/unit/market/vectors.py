"""The proving market's rules as vectors, in the consensus specs' style (STYLE.md §5).

Each vector is a generator that yields, in order:

    ("pre", Pre)             the operations that build the market it starts from (parameters and
                             a short list of operations, fed block by block as the node feeds them)
    ("operation", Op)        one operation: a market transaction, a proof acceptance, a committed
                             transaction or a block's step
    ("error", str | None)    the name of the rejection it must raise, None if valid
    ("post", dict | None)    the market's summary after it (`Driver.summary`: pool, reserve,
                             balances, provers, jobs with their assignees and attempts, batches),
                             or the sections of it the vector pins down; None if rejected

`run_vector` replays one and checks it: vectors named `invalid_*`, and only they, are rejected,
and a rejected operation leaves the market exactly as it was (same summary, same market and ZKPoW
roots). `VECTORS` maps names to generators. Expected amounts are worked out by hand from the
defaults (`MarketParams`): a transfer's fee FEE, a base bounty of half of it, a tenth set aside
for the batch's aggregation, a fine of five fees, and with fewer than 8 active provers a bounty of
4× its base, capped by what the pool can pay for the job (its base plus the unreserved surplus).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from tests.vectors import runner
from zkbraid.crypto.personal_sign import personal_sign
from zkbraid.ledger.kv import memory_store
from zkbraid.market.market_txs import (
    BundleEntry,
    MarketTx,
    ProverHeartbeat,
    RegisterProver,
    heartbeat_text,
    register_text,
    sign_bundle,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.params import MarketParams
from zkbraid.market.records import JobKind, batch_job_id
from zkbraid.market.state import Market
from zkbraid.market.zkpow import ZkpowLedger

KEYS = [bytes(keccak(b"vector prover %d" % i)) for i in range(8)]
ADDRESSES = [bytes(PrivateKey(k).public_key.to_canonical_address()) for k in KEYS]
NAMES = {a: f"p{i}" for i, a in enumerate(ADDRESSES)}
P = MarketParams()
FEE = 10**16
BASE = FEE // 2  # tx_bounty_bps 5,000
AGG = FEE // 10  # aggregation_bounty_bps 1,000
FINE = P.fine  # 5 * FEE


# -- operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    prover: int
    signer: int | None = None
    """Another key signs it (a forged registration)."""


@dataclass(frozen=True)
class Heartbeat:
    prover: int
    nonce: int | None = None
    """None: the prover's next nonce."""
    signer: int | None = None


@dataclass(frozen=True)
class Deactivate:
    prover: int
    nonce: int | None = None


@dataclass(frozen=True)
class Commit:
    """`count` new ZK-chain transactions, committed in the open block."""

    count: int = 1
    old_root: int | None = None
    """A root other than the previous transaction's new root (a broken chain)."""


@dataclass(frozen=True)
class Recommit:
    """Transaction `tx` committed again."""

    tx: int


@dataclass(frozen=True)
class Prove:
    """A verified proof of transaction `tx`, signed by prover `by`, in the open block."""

    tx: int
    by: int


@dataclass(frozen=True)
class ProveUnknown:
    by: int


@dataclass(frozen=True)
class Bundle:
    """Prover `by`'s bundle of batch `batch`; `fault` alters it."""

    batch: int
    by: int
    fault: str | None = None


@dataclass(frozen=True)
class Step:
    """The step of the open block, then the next block `dt_ms` later; `blocks` times."""

    dt_ms: int = 100
    blocks: int = 1


@dataclass(frozen=True)
class StepAgain:
    """A step at the last step's height (a node that replays a block)."""


Op = (
    Register
    | Heartbeat
    | Deactivate
    | Commit
    | Recommit
    | Prove
    | ProveUnknown
    | Bundle
    | Step
    | StepAgain
)


@dataclass(frozen=True)
class Pre:
    ops: tuple[Op, ...] = ()
    params: MarketParams = P


# -- the driver: a market fed blocks the way the node feeds them -------------------------------


@dataclass
class Driver:
    params: MarketParams
    height: int = 1
    time_ms: int = 100
    block_hash: bytes = b"\x00" * 32
    zk_root: int = 1
    txs: list[bytes] = field(default_factory=list)
    nonces: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store = memory_store()
        self.zkpow = ZkpowLedger(self.store.namespace("z.trie"), self.store.namespace("z"))
        self.market = Market(
            self.params,
            self.zkpow,
            self.store.namespace("m.trie"),
            self.store.namespace("m"),
            self.store.namespace("m.live"),
        )

    def _nonce(self, prover: int, nonce: int | None) -> int:
        n = self.nonces.get(prover, 0) if nonce is None else nonce
        return n

    def _market_tx(self, tx: MarketTx, prover: int) -> None:
        self.market.apply(tx, self.height, self.time_ms)
        if not isinstance(tx, RegisterProver):
            self.nonces[prover] = self.nonces.get(prover, 0) + 1

    def run(self, op: Op) -> None:
        m = self.market
        if isinstance(op, Register):
            tx = sign_register(KEYS[op.prover])
            if op.signer is not None:
                text = register_text(ADDRESSES[op.prover], tx.public_key)
                tx = replace(tx, signature=personal_sign(KEYS[op.signer], text))
            self._market_tx(tx, op.prover)
        elif isinstance(op, Heartbeat):
            n = self._nonce(op.prover, op.nonce)
            hb = sign_heartbeat(KEYS[op.prover], n)
            if op.signer is not None:
                sig = personal_sign(KEYS[op.signer], heartbeat_text(ADDRESSES[op.prover], n))
                hb = ProverHeartbeat(ADDRESSES[op.prover], n, sig)
            self._market_tx(hb, op.prover)
        elif isinstance(op, Deactivate):
            n = self._nonce(op.prover, op.nonce)
            self._market_tx(sign_deactivate(KEYS[op.prover], n), op.prover)
        elif isinstance(op, Commit):
            for _ in range(op.count):
                tx_hash = bytes(keccak(b"vector tx %d" % len(self.txs)))
                old = self.zk_root if op.old_root is None else op.old_root
                m.job_committed(tx_hash, FEE, old, old + 1, self.height, self.time_ms)
                self.zk_root = old + 1
                self.txs.append(tx_hash)
        elif isinstance(op, Recommit):
            tx_hash = self.txs[op.tx]
            m.job_committed(tx_hash, FEE, self.zk_root, self.zk_root + 1, self.height, self.time_ms)
        elif isinstance(op, Prove):
            tx_hash = self.txs[op.tx]
            proof_hash = bytes(keccak(proof_of(tx_hash)))
            m.proof_accepted(tx_hash, ADDRESSES[op.by], proof_hash, self.height, self.time_ms)
        elif isinstance(op, ProveUnknown):
            m.proof_accepted(
                b"\x42" * 32, ADDRESSES[op.by], b"\x01" * 32, self.height, self.time_ms
            )
        elif isinstance(op, Bundle):
            self.market.apply(self._bundle(op), self.height, self.time_ms)
        elif isinstance(op, Step):
            for _ in range(op.blocks):
                m.on_block(self.height, self.block_hash, self.time_ms)
                self.block_hash = bytes(
                    keccak(self.height.to_bytes(8, "big") + m.root + self.zkpow.root)
                )
                self.store.write_buffer()
                self.height += 1
                self.time_ms += op.dt_ms
        else:
            m.on_block(m.height, self.block_hash, self.time_ms)

    def _bundle(self, op: Bundle) -> MarketTx:
        batch = self.market.batch(op.batch)
        assert batch is not None
        entries = []
        for seq in range(batch.start, batch.start + batch.count):
            tx_hash = self.market.tx_at(seq)
            assert tx_hash is not None
            job = self.market.job(tx_hash)
            assert job is not None
            entries.append(BundleEntry(tx_hash, job.old_root, job.new_root, proof_of(tx_hash)))
        if op.fault == "order":
            entries[0], entries[1] = entries[1], entries[0]
        elif op.fault == "root":
            entries[1] = replace(entries[1], new_root=b"\x07" * 32)
        elif op.fault == "proof":
            entries[0] = replace(entries[0], proof=b"\x01" * 256)
        elif op.fault == "short":
            entries = entries[:-1]
        return sign_bundle(KEYS[op.by], op.batch, entries)

    def roots(self) -> tuple[bytes, ...]:
        return self.market.root, self.zkpow.root

    def summary(self) -> dict[str, Any]:
        """What a vector's post pins down (provers by name, jobs by label: tx0…, agg0…)."""
        m = self.market
        jobs: dict[str, tuple[Any, ...]] = {}
        labels = [(f"tx{i}", h) for i, h in enumerate(self.txs)]
        batches: dict[int, tuple[Any, ...]] = {}
        index = 0
        while (b := m.batch(index)) is not None:
            by = NAMES[b.aggregated_by] if b.aggregated_by else None
            batches[index] = (b.count, b.proven, b.closed, by)
            labels.append((f"agg{index}", batch_job_id(index)))
            index += 1
        for label, job_id in labels:
            job = m.job(job_id)
            if job is None:
                continue
            assert job.kind is (JobKind.TX if label.startswith("tx") else JobKind.AGGREGATE)
            attempts = tuple(
                (NAMES[a.prover], a.outcome.name.lower(), a.amount) for a in job.attempts
            )
            assignee = NAMES[job.assignee] if job.assignee is not None else None
            jobs[label] = (job.status.name.lower(), assignee, attempts)
        provers: dict[str, tuple[Any, ...]] = {}
        for r in m.provers():
            state = (
                "assignable"
                if m.is_assignable(r.address)
                else "active"
                if m.is_active(r.address)
                else "inactive"
            )
            provers[NAMES[r.address]] = (state, r.nonce, r.jobs_done, r.fines)
        return {
            "pool": m.pool,
            "reserved": m.reserved,
            "balances": {
                NAMES[a]: self.zkpow.balance(a) for a in ADDRESSES if self.zkpow.balance(a)
            },
            "provers": provers,
            "jobs": jobs,
            "spread": sorted(m.jobs_held(a) for a in ADDRESSES if m.prover(a) is not None),
            "batches": batches,
        }


def proof_of(tx_hash: bytes) -> bytes:
    """Stand-in proof bytes (the node verifies real ones before calling the market)."""
    return (tx_hash * 8)[:256]


# -- vectors -----------------------------------------------------------------------------------

Vector = Callable[[], Iterator[tuple[str, Any]]]
VECTORS: dict[str, Vector] = {}
vector = runner.registry(VECTORS)


def _idle(*provers: int) -> dict[str, tuple[Any, ...]]:
    return {f"p{i}": ("assignable", 0, 0, 0) for i in provers}


# provers: registration, heartbeats, deactivation


@vector
def register_prover() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Register(0)
    yield "error", None
    yield "post", {"provers": _idle(0), "balances": {}, "jobs": {}}


@vector
def invalid_register_twice() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step()))
    yield "operation", Register(0)
    yield "error", "AlreadyRegistered"
    yield "post", None


@vector
def invalid_register_signed_by_another_key() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Register(0, signer=1)
    yield "error", "BadMarketSignature"
    yield "post", None


@vector
def heartbeat_takes_the_next_nonce() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Heartbeat(0), Step()))
    yield "operation", Heartbeat(0)
    yield "error", None
    yield "post", {"provers": {"p0": ("assignable", 2, 0, 0)}}


@vector
def invalid_heartbeat_replayed() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Heartbeat(0), Step()))
    yield "operation", Heartbeat(0, nonce=0)
    yield "error", "MarketNonceMismatch"
    yield "post", None


@vector
def invalid_heartbeat_signed_by_another_key() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Register(1), Step()))
    yield "operation", Heartbeat(0, signer=1)
    yield "error", "BadMarketSignature"
    yield "post", None


@vector
def invalid_heartbeat_of_an_unregistered_prover() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step()))
    yield "operation", Heartbeat(3)
    yield "error", "UnknownProver"
    yield "post", None


@vector
def deactivation_gives_the_jobs_back_unfined() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(2), Step()))
    yield "operation", Deactivate(0)
    released = ("open", None, (("p0", "released", 0),))
    yield "error", None
    yield (
        "post",
        {
            "provers": {"p0": ("inactive", 1, 0, 0)},
            "balances": {},
            "jobs": {"tx0": released, "tx1": released},
            "spread": [0],
            "pool": 2 * FEE,
            "reserved": 2 * (BASE + AGG),
        },
    )


@vector
def invalid_deactivation_replayed() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Deactivate(0), Step(), Heartbeat(0), Step()))
    yield "operation", Deactivate(0, nonce=0)
    yield "error", "MarketNonceMismatch"
    yield "post", None


# assignment


@vector
def each_idle_prover_gets_one_job() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Register(1), Register(2), Step(), Commit(3)))
    yield "operation", Step()
    yield "error", None
    yield "post", {"spread": [1, 1, 1]}


@vector
def no_second_job_while_a_prover_is_idle() -> Iterator[tuple[str, Any]]:
    # 4 jobs over 3 provers, then 1 more: loads 2, 1, 1, then 2, 2, 1 (never 2, 2, 0 or 3, …)
    yield "pre", Pre((Register(0), Register(1), Register(2), Step(), Commit(4), Step(), Commit(1)))
    yield "operation", Step()
    yield "error", None
    yield "post", {"spread": [1, 2, 2]}


@vector
def jobs_beyond_every_provers_limit_wait() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(3)))
    yield "operation", Step()
    held = ("assigned", "p0", (("p0", "pending", 0),))
    yield "error", None
    yield (
        "post",
        {
            "jobs": {"tx0": held, "tx1": held, "tx2": ("open", None, ())},
            "spread": [2],
            "pool": 3 * FEE,
            "reserved": 3 * (BASE + AGG),
        },
    )


# deadlines and fines
#
# The job is assigned at the step of block 2 (t = 200 ms); its deadline passes at the step of
# the first block at height ≥ 12 and t ≥ 20,200 ms. p1 registers at block 3.
_MISS = (
    Register(0),
    Step(),
    Commit(1),
    Step(),
    Register(1),
    Step(dt_ms=20_000),  # block 4 at t = 20,300: the milliseconds have passed
    Step(blocks=7),  # blocks 4…10; block 11 at t = 21,000 is open
)


@vector
def deadline_needs_its_blocks_too() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(_MISS)
    yield "operation", Step()  # block 11: 9 blocks after the assignment
    yield "error", None
    yield (
        "post",
        {
            "jobs": {"tx0": ("assigned", "p0", (("p0", "pending", 0),))},
            "balances": {},
            "provers": _idle(0, 1),
        },
    )


@vector
def missed_deadline_fines_below_zero_and_reassigns() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((*_MISS, Step()))
    yield "operation", Step()  # block 12 at t = 21,100: both halves of the deadline passed
    yield "error", None
    yield (
        "post",
        {
            "jobs": {"tx0": ("assigned", "p1", (("p0", "missed", FINE), ("p1", "pending", 0)))},
            "balances": {"p0": -FINE},
            "provers": {"p0": ("active", 0, 0, 1), "p1": ("assignable", 0, 0, 0)},
            "pool": FEE,  # fines are burnt, not pooled
            "reserved": BASE + AGG,
        },
    )


@vector
def a_proof_in_the_block_where_the_deadline_passes_counts() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((*_MISS, Step(), Prove(0, 0)))
    yield "operation", Step()
    # paid at t = 21,100: waited 20,900 ms, two time steps (+100%): 2× base, times the scarcity
    # premium (4×) — capped by what the pool can pay: FEE − reserved (BASE + AGG) + BASE.
    paid = FEE - AGG
    yield "error", None
    yield (
        "post",
        {
            "jobs": {"tx0": ("done", None, (("p0", "proven", paid),))},
            "balances": {"p0": paid},
            "pool": AGG,
            "reserved": AGG,
        },
    )


# silence
#
# p0 registers at block 1 (t = 100) and is silent. 34 quick blocks later it is still assignable
# (window − deadline: 30 blocks *and* 40 s), takes the job at block 35, and then a minute
# passes: its heartbeat window (40 blocks and 60 s) ends at block 41, before the job's deadline
# (block 45), so it lapses unfined and the job goes to p1.
_SILENT = (
    Register(0),
    Step(dt_ms=10, blocks=34),  # block 35 at t = 440
    Commit(1),
    Step(dt_ms=60_000),  # block 36 at t = 60,440
    Register(1),
    Step(blocks=5),  # blocks 36…40; block 41 at t = 60,940 is open
)


@vector
def silence_releases_the_job_unfined() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(_SILENT)
    yield "operation", Step()
    yield "error", None
    yield (
        "post",
        {
            "jobs": {"tx0": ("assigned", "p1", (("p0", "released", 0), ("p1", "pending", 0)))},
            "balances": {},
            "provers": {"p0": ("inactive", 0, 0, 0), "p1": ("assignable", 0, 0, 0)},
        },
    )


# proofs and payment


@vector
def proof_by_the_assignee_is_paid() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1), Step()))
    yield "operation", Prove(0, 0)
    # bounty 4 × BASE (one active prover), capped at FEE − (BASE + AGG) + BASE
    paid = FEE - AGG
    yield "error", None
    yield (
        "post",
        {
            "jobs": {"tx0": ("done", None, (("p0", "proven", paid),))},
            "balances": {"p0": paid},
            "provers": {"p0": ("assignable", 0, 1, 0)},
            "pool": AGG,
            "reserved": AGG,
            "batches": {0: (1, 1, False, None)},
        },
    )


@vector
def invalid_proof_by_a_non_assignee() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1), Step(), Register(1), Step()))
    yield "operation", Prove(0, 1)
    yield "error", "NotAssignee"
    yield "post", None


@vector
def invalid_proof_of_a_waiting_job() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1)))
    yield "operation", Prove(0, 0)
    yield "error", "NotAssignee"
    yield "post", None


@vector
def invalid_proof_of_a_proven_job() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1), Step(), Prove(0, 0), Step()))
    yield "operation", Prove(0, 0)
    yield "error", "JobClosed"
    yield "post", None


@vector
def invalid_proof_of_an_unknown_job() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step()))
    yield "operation", ProveUnknown(0)
    yield "error", "UnknownJob"
    yield "post", None


# batches and aggregation
#
# batch_size 2, one prover: tx0 and tx1 fill batch 0 at block 2 (t = 200); both are proven at
# block 3 (t = 300). The pool then holds 2 FEE with 2 (BASE + AGG) reserved: tx0 is paid
# 2 FEE − 2 (BASE + AGG) + BASE = 13/10 FEE, tx1 what is left over its reserve, its base.
_PAIR = replace(P, batch_size=2)
_PAIR_PROVEN = (Register(0), Step(), Commit(2), Step(), Prove(0, 0), Prove(1, 0))


@vector
def a_full_batch_closes() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step()), _PAIR)
    yield "operation", Commit(2)
    yield "error", None
    yield "post", {"batches": {0: (2, 0, True, None)}, "pool": 2 * FEE}


@vector
def the_last_proof_of_a_closed_batch_creates_its_aggregation_job() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(_PAIR_PROVEN[:-1], _PAIR)
    yield "operation", Prove(1, 0)
    yield "error", None
    yield (
        "post",
        {
            "jobs": {
                "tx0": ("done", None, (("p0", "proven", 13 * FEE // 10),)),
                "tx1": ("done", None, (("p0", "proven", BASE),)),
                "agg0": ("open", None, ()),
            },
            "batches": {0: (2, 2, True, None)},
            "pool": 2 * AGG,
            "reserved": 2 * AGG,
        },
    )


@vector
def bundle_from_the_aggregation_assignee_is_paid() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((*_PAIR_PROVEN, Step()), _PAIR)
    yield "operation", Bundle(0, 0)
    # agg0's base is the batch's reserve, 2 AGG, all the pool can pay for it
    yield "error", None
    yield (
        "post",
        {
            "jobs": {
                "tx0": ("done", None, (("p0", "proven", 13 * FEE // 10),)),
                "tx1": ("done", None, (("p0", "proven", BASE),)),
                "agg0": ("done", None, (("p0", "proven", 2 * AGG),)),
            },
            "batches": {0: (2, 2, True, "p0")},
            "balances": {"p0": 2 * FEE},
            "provers": {"p0": ("assignable", 0, 3, 0)},
            "pool": 0,
            "reserved": 0,
        },
    )


def _invalid_bundle(fault: str) -> Vector:
    def invalid_bundle() -> Iterator[tuple[str, Any]]:
        yield "pre", Pre((*_PAIR_PROVEN, Step()), _PAIR)
        yield "operation", Bundle(0, 0, fault)
        yield "error", "InvalidBundle"
        yield "post", None

    invalid_bundle.__name__ = f"invalid_bundle_with_a_wrong_entry_{fault}"
    return invalid_bundle


for _fault in ("order", "root", "proof", "short"):
    vector(_invalid_bundle(_fault))


@vector
def invalid_bundle_from_a_non_assignee() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((*_PAIR_PROVEN, Step(), Register(1), Step()), _PAIR)
    yield "operation", Bundle(0, 1)
    yield "error", "NotAssignee"
    yield "post", None


@vector
def invalid_bundle_of_an_incomplete_batch() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(2), Step(), Prove(0, 0), Step()), _PAIR)
    yield "operation", Bundle(0, 0)
    yield "error", "UnknownJob"
    yield "post", None


# A short batch: tx0 at block 2 (t = 200), proven at block 3. It closes at the step of the first
# block at height ≥ 12 and t ≥ 60,200; its aggregation job is created then and assigned in the
# same step (closing comes before assignment).
_SHORT = (Register(0), Step(), Commit(1), Step(), Prove(0, 0), Step(dt_ms=60_000), Step(blocks=7))


@vector
def a_short_batch_stays_open_until_its_blocks_have_passed() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(_SHORT)
    yield "operation", Step()  # block 11
    yield "error", None
    yield "post", {"batches": {0: (1, 1, False, None)}}


@vector
def a_short_batch_closes_on_time_and_its_aggregation_is_assigned() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((*_SHORT, Step()))
    yield "operation", Step()  # block 12 at t = 61,100
    yield "error", None
    yield (
        "post",
        {
            "batches": {0: (1, 1, True, None)},
            "jobs": {
                "tx0": ("done", None, (("p0", "proven", FEE - AGG),)),
                "agg0": ("assigned", "p0", (("p0", "pending", 0),)),
            },
        },
    )


# the node's own events


@vector
def invalid_transaction_committed_twice() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1), Step()))
    yield "operation", Recommit(0)
    yield "error", "DuplicateJob"
    yield "post", None


@vector
def invalid_transaction_from_another_root() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1), Step()))
    yield "operation", Commit(1, old_root=999)
    yield "error", "RootChainBroken"
    yield "post", None


@vector
def invalid_step_replayed() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre((Register(0), Step(), Commit(1), Step()))
    yield "operation", StepAgain()
    yield "error", "BlockOutOfOrder"
    yield "post", None


# -- the runner --------------------------------------------------------------------------------


def start(pre: Pre) -> Driver:
    """The market a vector starts from: its parameters and its pre's operations."""
    driver = Driver(pre.params)
    for op in pre.ops:
        driver.run(op)
    return driver


def run_vector(vector_fn: Vector) -> dict[str, Any]:
    """Replays a vector and checks its post (or its rejection); returns its parts."""
    return runner.run_vector(vector_fn, start)
