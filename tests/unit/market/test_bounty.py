"""Bounty curves: growth with waiting time and with scarcity of active provers, integer only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from zkbraid.market.bounty import base_bounty, bounty, payout, scarcity_bps, time_bps
from zkbraid.market.params import BPS, MarketParams

P = MarketParams()


@pytest.mark.parametrize(
    ("waited_ms", "expected"),
    [(-5, 10_000), (0, 10_000), (9_999, 10_000), (10_000, 15_000), (25_000, 20_000),
     (60_000, 40_000), (10**12, 40_000)],
)  # fmt: skip
def test_time_curve_vectors(waited_ms: int, expected: int) -> None:
    assert time_bps(P, waited_ms) == expected


@pytest.mark.parametrize(
    ("active", "expected"),
    [(1_000, 10_000), (32, 10_000), (31, 10_322), (16, 20_000), (10, 32_000), (8, 40_000),
     (1, 40_000), (0, 40_000)],
)  # fmt: skip
def test_scarcity_curve_vectors(active: int, expected: int) -> None:
    assert scarcity_bps(P, active) == expected


def test_bounty_vector() -> None:
    base = base_bounty(10**16, P.tx_bounty_bps)
    assert base == 5 * 10**15
    assert bounty(P, base, 20_000, 16) == 5 * 10**15 * 2 * 2
    assert bounty(P, base, 0, 64) == base
    assert bounty(P, 7, 10_000, 31) == 7 * 15_000 * 10_322 // BPS**2  # floors, never rounds up


def test_bounty_rises_with_waiting_time_up_to_its_cap() -> None:
    values = [bounty(P, 10**15, ms, 64) for ms in range(0, 200_000, 1_000)]
    assert values == sorted(values)
    assert values[0] == 10**15 and values[-1] == 10**15 * P.bounty_time_cap_bps // BPS


def test_bounty_rises_as_active_provers_get_scarce_up_to_its_cap() -> None:
    values = [bounty(P, 10**15, 0, n) for n in range(100, -1, -1)]
    assert values == sorted(values)
    assert values[0] == 10**15 and values[-1] == 10**15 * P.bounty_scarcity_cap_bps // BPS


def test_curves_come_from_the_params() -> None:
    steep = replace(P, bounty_time_step_bps=10_000, bounty_time_unit_ms=1_000,
                    bounty_time_cap_bps=100_000, bounty_scarcity_target=100,
                    bounty_scarcity_cap_bps=20_000)  # fmt: skip
    assert time_bps(steep, 3_000) == 40_000
    assert time_bps(steep, 10**9) == 100_000
    assert scarcity_bps(steep, 64) == 15_625
    assert scarcity_bps(steep, 10) == 20_000


def test_payout_is_what_the_pool_holds_at_most_and_never_negative() -> None:
    assert payout(100, 1_000) == 100
    assert payout(100, 40) == 40
    assert payout(100, -5) == 0
