"""Bounties: what the assignee of a job is paid for its first valid proof.

Fees of ZK-chain transactions fund bounties (ARCHITECTURE.md, "the life of a ZK-chain
transaction", step 3; issue 4, rule 4). Every fee goes into the market's pool; a job's *base* is
a share of the fees behind it (`MarketParams.tx_bounty_bps`, `aggregation_bounty_bps`), and its
bounty is the base times two premiums, each a curve of `MarketParams`:

    bounty = base × time_bps(waited) × scarcity_bps(active) / 10,000²

- waiting time, so that a job nobody proves keeps getting more attractive and the chain cannot
  stall: time_bps(w) = min(cap, 10,000 + step × ⌊w / unit⌋), linear in whole units;
- scarcity of active provers, so that fewer provers are paid more per job:
  scarcity_bps(n) = 10,000 for n ≥ target, else min(cap, ⌊10,000 × target / max(n, 1)⌋).

The pool pays what it holds: the payout is the bounty capped by the pool's balance, so the
market never mints ZKPoW. Integer arithmetic only, so every validator agrees to the unit.
"""

from __future__ import annotations

from zkbraid.market.params import BPS, MarketParams


def base_bounty(fee: int, share_bps: int) -> int:
    """A job's base: `share_bps` of the fees behind it."""
    return fee * share_bps // BPS


def time_bps(params: MarketParams, waited_ms: int) -> int:
    """The waiting-time multiplier, in basis points, after `waited_ms` unproven."""
    steps = max(waited_ms, 0) // params.bounty_time_unit_ms
    return min(params.bounty_time_cap_bps, BPS + params.bounty_time_step_bps * steps)


def scarcity_bps(params: MarketParams, active_provers: int) -> int:
    """The scarcity multiplier, in basis points, with `active_provers` active."""
    target = params.bounty_scarcity_target
    if active_provers >= target:
        return BPS
    return min(params.bounty_scarcity_cap_bps, BPS * target // max(active_provers, 1))


def bounty(params: MarketParams, base: int, waited_ms: int, active_provers: int) -> int:
    """The bounty of a job of `base` after `waited_ms` unproven with `active_provers` active."""
    return base * time_bps(params, waited_ms) * scarcity_bps(params, active_provers) // BPS**2


def payout(bounty_amount: int, pool_balance: int) -> int:
    """What the pool pays for a bounty: all of it if it can, else what it holds (never < 0)."""
    return max(0, min(bounty_amount, pool_balance))
