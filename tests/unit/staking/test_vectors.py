"""Every vector of the staking rules (vectors.py), run through the staking state."""

from __future__ import annotations

import pytest

from tests.unit.staking.vectors import VECTORS, Bond, EndBlock, Slash, Unbond, run_vector


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector(name: str) -> None:
    run_vector(VECTORS[name])


def test_vectors_cover_every_kind_of_operation() -> None:
    operations = {type(dict(v())["operation"]) for v in VECTORS.values()}
    assert operations == {Bond, Unbond, Slash, EndBlock}
    assert sum(name.startswith("invalid_") for name in VECTORS) >= 15
