"""Every vector of the market's rules (vectors.py), run through the market."""

from __future__ import annotations

import pytest

from tests.unit.market.vectors import (
    VECTORS,
    Bundle,
    Commit,
    Deactivate,
    Heartbeat,
    Prove,
    Register,
    Step,
    run_vector,
)


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector(name: str) -> None:
    run_vector(VECTORS[name])


def test_vectors_cover_every_kind_of_operation() -> None:
    operations = {type(dict(v())["operation"]) for v in VECTORS.values()}
    assert {Register, Heartbeat, Deactivate, Commit, Prove, Bundle, Step} <= operations
    assert sum(name.startswith("invalid_") for name in VECTORS) >= 15
