"""Assignment: the seed, the pick, and the fairness rule's candidate sets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from zkbraid.market.assignment import Assigner, assignment_seed, pick
from zkbraid.market.params import MarketParams

P = MarketParams()
PROVERS = [bytes([i]) * 20 for i in range(1, 6)]


def test_seed_vector() -> None:
    seed = assignment_seed(b"\x11" * 32, 0, 5, b"\x22" * 32, 1)
    assert seed.hex() == "58158912d54185bcb2167728fcedcb9062cbe3f1deda8e776059b66aefd6c722"


def test_seed_binds_every_input() -> None:
    base = (b"\x11" * 32, 0, 5, b"\x22" * 32, 1)
    seeds = {
        assignment_seed(*base),
        assignment_seed(b"\x12" * 32, *base[1:]),  # type: ignore[arg-type]
        assignment_seed(base[0], 1, *base[2:]),  # type: ignore[arg-type]
        assignment_seed(base[0], 0, 6, *base[3:]),  # type: ignore[arg-type]
        assignment_seed(*base[:3], b"\x23" * 32, 1),  # type: ignore[arg-type]
        assignment_seed(*base[:4], 2),  # type: ignore[arg-type]
    }
    assert len(seeds) == 6


def test_pick_is_seed_mod_n() -> None:
    assert pick((7).to_bytes(32, "big"), PROVERS) == PROVERS[2]


def _assigner(params: MarketParams = P) -> Assigner:
    a = Assigner(params)
    for p in PROVERS:
        a.set_assignable(p, True)
    return a


def test_fewest_jobs_first() -> None:
    a = _assigner()
    a.add_load(PROVERS[0], 1)
    a.add_load(PROVERS[3], 1)
    assert a.candidates() == [PROVERS[1], PROVERS[2], PROVERS[4]]
    for p in (PROVERS[1], PROVERS[2], PROVERS[4]):
        a.add_load(p, 1)
    assert a.candidates() == PROVERS  # all hold one: any may take a second
    for p in PROVERS:
        a.add_load(p, 1)
    assert a.candidates() == []  # all at the limit of two: the job waits
    assert a.choose(b"\x00" * 32) is None


def test_spread_mode_ignores_load_below_the_limit() -> None:
    a = _assigner(replace(P, second_job_while_idle=True))
    a.add_load(PROVERS[0], 1)
    a.add_load(PROVERS[1], 2)
    assert a.candidates() == [PROVERS[0], PROVERS[2], PROVERS[3], PROVERS[4]]


def test_earlier_assignees_are_passed_over_while_others_exist() -> None:
    a = _assigner()
    assert a.candidates(exclude={PROVERS[0], PROVERS[1]}) == PROVERS[2:]
    a.add_load(PROVERS[2], 1)
    a.add_load(PROVERS[3], 1)
    a.add_load(PROVERS[4], 1)
    # an idle earlier assignee is passed over for a busy newcomer
    assert a.candidates(exclude={PROVERS[0], PROVERS[1]}) == PROVERS[2:]
    assert a.candidates(exclude=set(PROVERS)) == [PROVERS[0], PROVERS[1]]  # none other: fall back


def test_unassignable_provers_are_never_candidates_but_keep_their_load() -> None:
    a = _assigner()
    a.add_load(PROVERS[0], 1)
    a.set_assignable(PROVERS[0], False)
    a.set_assignable(PROVERS[1], False)
    assert a.candidates() == PROVERS[2:]
    assert a.load(PROVERS[0]) == 1
    a.add_load(PROVERS[0], -1)
    a.set_assignable(PROVERS[0], True)
    assert a.candidates() == [PROVERS[0], *PROVERS[2:]]


def test_invalid_negative_load() -> None:
    a = _assigner()
    with pytest.raises(ValueError):
        a.add_load(PROVERS[0], -1)
