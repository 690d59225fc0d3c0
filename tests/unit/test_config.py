"""Command-line settings of config objects (`braid devnet --market NAME=VALUE`)."""

from __future__ import annotations

import pytest

from zkbraid.config import parse_settings, with_overrides
from zkbraid.market.params import InvalidMarketParams, MarketParams


def test_settings_parse_to_the_fields_types() -> None:
    p = MarketParams()
    got = parse_settings(p, ["deadline_ms=5000", "open-submissions=true", "fine=1_000"])
    assert got == {"deadline_ms": 5000, "open_submissions": True, "fine": 1000}
    assert with_overrides(p, got).deadline_ms == 5000


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("deadline_ms", "NAME=VALUE"),
        ("deadline=5", "unknown setting 'deadline'"),
        ("deadline_ms=soon", "is an integer"),
        ("open_submissions=maybe", "true or false"),
    ],
)
def test_invalid_settings_are_refused_by_name(item: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_settings(MarketParams(), [item])


def test_invalid_combination_is_refused_by_the_params() -> None:
    with pytest.raises(InvalidMarketParams):
        with_overrides(MarketParams(), parse_settings(MarketParams(), ["deadline_ms=90000"]))
