"""The proving market's parameters: one typed, frozen object with documented defaults (STYLE.md §7).

Every period here is a pair, a number of blocks and a number of milliseconds of block time, and
it *passes* only when both have passed (`period_passed`). Blocks of the global order come every
100 ms under load and only when something is pending otherwise, so neither count alone means
the same thing in a busy and in a quiet chain: the block count guarantees a prover enough
chances to have its transaction included, the milliseconds guarantee it enough wall-clock time
to prove (measured here for the transaction circuit, 56k constraints: about 1.1 s a proof with
the native prover on 2 cores, 2–2.5 s when the machine is shared, bench/proving.py; groth16py,
the old default, took 2.5–3.6 s; and 7.0 s with snarkjs in headless Chromium,
web/prover/README.md).

Amounts are in ZKPoW base units; rates are in basis points (10,000 = 1×), so that every
formula is integer arithmetic and every validator computes the same value.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.errors import OutOfRange

BPS = 10_000
"""One, in basis points."""

_ONE_ZKPOW = 10**18  # config.ONE_ZKPOW; not imported, because config will import this module.


class InvalidMarketParams(OutOfRange):
    """A market parameter out of its range, or parameters that contradict each other."""


def period_passed(
    blocks: int, ms: int, since_height: int, since_ms: int, height: int, time_ms: int
) -> bool:
    """Whether a period of (`blocks`, `ms`) started at (`since_height`, `since_ms`) has passed at
    (`height`, `time_ms`): both its blocks and its milliseconds must have passed."""
    return height - since_height >= blocks and time_ms - since_ms >= ms


@dataclass(frozen=True)
class MarketParams:
    """Heartbeats, deadlines, fines, bounty curves and aggregation of the proving market
    (ARCHITECTURE.md, "the life of a ZK-chain transaction", steps 3 and 4; issue 4)."""

    heartbeat_window_blocks: int = 40
    """A prover is active while its last heartbeat is younger than this many blocks or younger
    than `heartbeat_window_ms`. With the default deadline, 40 blocks leaves 30 blocks in which
    a prover is assignable (see `deadline_blocks`)."""
    heartbeat_window_ms: int = 60_000
    """… or this much block time. 60 s: a prover that heartbeats every 20 s (the CLI's and the
    browser's cadence) survives two lost heartbeats; with 1,000 provers that is 50 heartbeat
    transactions a second, a small share of the fast chain's capacity."""

    deadline_blocks: int = 10
    """A job's assignee has this many blocks, and `deadline_ms`, to have a valid proof included;
    a proof in the block where the deadline passes still counts. Ten blocks is one second under
    load, so the milliseconds decide there."""
    deadline_ms: int = 20_000
    """20 s: about two browser proofs (7 s each) or well over ten native proofs (1–2.5 s), so a
    prover holding `max_jobs_per_prover` jobs and fetching witnesses still makes it; a crashed
    prover's job is back on the market within 20 s.

    A prover is *assignable* only while its heartbeat is fresh enough for it to stay active
    through a deadline (younger than window − deadline, in blocks or in ms), so that a prover
    cannot take a job and lapse out of its fine."""

    fine: int = _ONE_ZKPOW // 20
    """ZKPoW taken from an assignee that misses a deadline (its balance may go negative). 0.05
    ZKPoW is five transfer fees, about ten base bounties of a transfer: a prover that misses
    more than one job in ten earns nothing. Fines are burnt, not pooled, so a debt that is never
    earned back does not fund anyone's bounty."""

    bench_after_miss: bool = True
    """A prover that misses a deadline gets no new job until its next heartbeat. A crashed
    prover stays active until its heartbeat window lapses (60 s); without this rule it would
    be given, and fined for, a new job every deadline until then, each job waiting 20 s for
    nothing (bench/market_sim.py measures the difference). An honest prover that missed one
    job is back at its next heartbeat, within 20 s."""

    max_jobs_per_prover: int = 2
    """Most jobs one prover holds at once. Two lets a prover fetch the next witness while it
    proves and still meet the deadline (two browser proofs take 14 s of the 20 s); jobs beyond
    every prover's limit wait, unassigned, with their bounty rising."""
    second_job_while_idle: bool = False
    """The fairness rule (assignment.py): by default no prover is given a second job while an
    assignable prover holds none. True spreads each job uniformly over every assignable prover
    below the limit instead (fewer idle provers waiting for nothing, less even earnings)."""
    open_submissions: bool = False
    """Whether a valid proof from someone other than the current assignee is admitted (it proves
    the transaction but earns nothing, and the assignee is neither paid nor fined). Off by
    default: a copier who re-signs the assignee's proof and gets it included first would
    otherwise take the assignee's bounty away without earning anything itself."""

    tx_bounty_bps: int = 5_000
    """A transaction job's base bounty, as a share of its fee. Every fee goes into the market's
    pool; half of it is the base bounty, `aggregation_bounty_bps` is set aside for its batch's
    aggregation, and the rest stays in the pool to fund the time and scarcity premiums."""
    aggregation_bounty_bps: int = 1_000
    """An aggregation job's base bounty, as a share of the fees of its batch's transactions.
    This share is reserved in the pool as each fee comes in, so that transaction bounties,
    however high their premiums, never leave an aggregation unpaid."""

    bounty_time_unit_ms: int = 10_000
    """The waiting-time curve: a job's bounty grows by `bounty_time_step_bps` of its base for
    every `bounty_time_unit_ms` it has stayed unproven since its commitment, linearly, up to
    `bounty_time_cap_bps`. So a job nobody proves gets more attractive until somebody does, and
    the chain cannot stall for want of a price. 10 s is half a deadline."""
    bounty_time_step_bps: int = 5_000
    """+50% of the base every 10 s: a job reassigned after one missed deadline pays twice its
    base."""
    bounty_time_cap_bps: int = 40_000
    """At most 4× the base from waiting (reached after 60 s)."""

    bounty_scarcity_target: int = 32
    """The scarcity curve: with at least this many active provers there is no premium; below it
    the bounty is multiplied by target / active (in basis points, active counted as at least 1),
    up to `bounty_scarcity_cap_bps`. 32 provers prove about 4.5 transactions a second in
    browsers and 9 on the command line, more than a devnet's load."""
    bounty_scarcity_cap_bps: int = 40_000
    """At most 4× the base from scarcity (reached at 8 active provers or fewer with the default
    target)."""

    batch_size: int = 16
    """Transactions per aggregation batch: once a contiguous run of this many transactions is
    proven, an aggregation job bundles their proofs (issue 4, rule 5)."""
    batch_close_blocks: int = 10
    """A batch that is still short of `batch_size` this many blocks, and `batch_close_ms`, after
    its first transaction closes with what it has, so a quiet chain still settles."""
    batch_close_ms: int = 60_000
    """60 s: at two seconds a ZK block, a busy chain fills a batch long before."""

    def __post_init__(self) -> None:
        for name in (
            "heartbeat_window_blocks",
            "heartbeat_window_ms",
            "deadline_blocks",
            "deadline_ms",
            "fine",
            "tx_bounty_bps",
            "aggregation_bounty_bps",
            "bounty_time_step_bps",
            "batch_close_blocks",
            "batch_close_ms",
        ):
            if getattr(self, name) < 0:
                raise InvalidMarketParams(f"{name} must not be negative")
        for name in (
            "max_jobs_per_prover",
            "bounty_time_unit_ms",
            "bounty_scarcity_target",
            "batch_size",
        ):
            if getattr(self, name) < 1:
                raise InvalidMarketParams(f"{name} must be at least 1")
        for name in ("bounty_time_cap_bps", "bounty_scarcity_cap_bps"):
            if getattr(self, name) < BPS:
                raise InvalidMarketParams(f"{name} must be at least {BPS} (1×)")
        if self.tx_bounty_bps + self.aggregation_bounty_bps > BPS:
            raise InvalidMarketParams("the base bounties cannot exceed the fee they come from")
        if self.deadline_blocks < 1 and self.deadline_ms < 1:
            raise InvalidMarketParams("a deadline must last at least a block or a millisecond")
        if (
            self.heartbeat_window_blocks <= self.deadline_blocks
            or self.heartbeat_window_ms <= self.deadline_ms
        ):
            raise InvalidMarketParams(
                "the heartbeat window must be longer than the deadline, in blocks and in ms,"
                " or no prover would stay active through its job"
            )
