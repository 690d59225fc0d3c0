"""Market parameters: documented defaults hold together; contradictions are refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from zkbraid.market.params import InvalidMarketParams, MarketParams, period_passed


def test_defaults_are_consistent() -> None:
    p = MarketParams()
    assert p.heartbeat_window_ms > p.deadline_ms and p.heartbeat_window_blocks > p.deadline_blocks
    assert p.tx_bounty_bps + p.aggregation_bounty_bps <= 10_000


@pytest.mark.parametrize(
    "change",
    [
        {"fine": -1},
        {"deadline_blocks": 0, "deadline_ms": 0},
        {"heartbeat_window_ms": 20_000},
        {"heartbeat_window_blocks": 10},
        {"max_jobs_per_prover": 0},
        {"batch_size": 0},
        {"bounty_time_unit_ms": 0},
        {"bounty_scarcity_target": 0},
        {"bounty_time_cap_bps": 9_999},
        {"bounty_scarcity_cap_bps": 0},
        {"tx_bounty_bps": 9_500, "aggregation_bounty_bps": 1_000},
    ],
)
def test_invalid_params(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidMarketParams):
        replace(MarketParams(), **change)


@pytest.mark.parametrize(
    ("height", "time_ms", "passed"),
    [(110, 20_500, True), (111, 30_000, True), (109, 99_999, False), (500, 20_499, False)],
)
def test_a_period_passes_when_both_its_blocks_and_its_milliseconds_have(
    height: int, time_ms: int, passed: bool
) -> None:
    assert period_passed(10, 20_000, 100, 500, height, time_ms) is passed
