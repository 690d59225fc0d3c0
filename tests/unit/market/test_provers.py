"""The prover registry: registration, heartbeats, going inactive by transaction or by silence."""

from __future__ import annotations

import random

import pytest

from zkbraid.market.errors import AlreadyRegistered, MarketNonceMismatch, UnknownProver
from zkbraid.market.params import MarketParams
from zkbraid.market.provers import ProverRegistry
from zkbraid.market.records import ProverRecord

P = MarketParams()  # window 40 blocks / 60 s, deadline 10 blocks / 20 s
A, B = b"\xaa" * 20, b"\xbb" * 20
KEY = b"\x01" * 64


def _registry() -> ProverRegistry:
    r = ProverRegistry(P)
    r.register(A, KEY, 1, 1_000)
    return r


def test_a_registered_prover_is_active_and_assignable() -> None:
    r = _registry()
    assert r.is_active(A) and r.is_assignable(A) and r.active_count == 1
    record = r.get(A)
    assert record is not None and (record.registered_height, record.nonce) == (1, 0)
    assert r.dirty == {A}


def test_invalid_second_registration() -> None:
    r = _registry()
    with pytest.raises(AlreadyRegistered):
        r.register(A, KEY, 2, 2_000)


@pytest.mark.parametrize(
    ("height", "time_ms", "assignable", "active"),
    [
        (30, 40_999, True, True),  # 29 blocks, 40 s: young enough for a deadline
        (31, 40_999, True, True),  # 30 blocks but under 40 s
        (31, 41_000, False, True),  # window − deadline passed in both: no new jobs
        (40, 99_000, False, True),  # 39 blocks: still active
        (41, 60_999, False, True),  # 40 blocks, under 60 s: still active
        (41, 61_000, False, False),  # the window passed in both: inactive by silence
    ],
)
def test_silence(height: int, time_ms: int, assignable: bool, active: bool) -> None:
    r = _registry()
    r.expire(height, time_ms)
    assert (r.is_assignable(A), r.is_active(A)) == (assignable, active)


def test_expire_reports_each_change_once() -> None:
    r = _registry()
    assert r.expire(31, 41_000) == ([A], [])
    assert r.expire(35, 50_000) == ([], [])
    assert r.expire(41, 61_000) == ([], [A])
    assert r.expire(90, 200_000) == ([], [])


def test_heartbeat_renews_and_reactivates() -> None:
    r = _registry()
    r.expire(41, 61_000)
    assert not r.is_active(A)
    r.heartbeat(A, 0, 42, 62_000)
    assert r.is_active(A) and r.is_assignable(A)
    assert r.expire(81, 101_000) == ([], [])  # the window counts from the new heartbeat
    record = r.get(A)
    assert record is not None and (record.seen_height, record.nonce) == (42, 1)


def test_deactivation_is_immediate_and_a_heartbeat_undoes_it() -> None:
    r = _registry()
    r.deactivate(A, 0)
    assert not r.is_active(A) and not r.is_assignable(A)
    assert r.expire(100, 10**6) == ([], [])  # nothing left to lapse
    r.heartbeat(A, 1, 101, 10**6 + 1)
    assert r.is_active(A)


def test_a_benched_prover_stays_active_but_unassignable_until_its_next_heartbeat() -> None:
    r = _registry()
    r.bench(A)
    assert r.is_active(A) and not r.is_assignable(A)
    r.seen(A, 2, 2_000)  # an accepted proof keeps it active, but does not lift the bench
    assert not r.is_assignable(A)
    r.heartbeat(A, 0, 3, 3_000)
    assert r.is_assignable(A)
    record = r.get(A)
    assert record is not None and not record.benched


def test_invalid_heartbeats() -> None:
    r = _registry()
    with pytest.raises(UnknownProver):
        r.heartbeat(B, 0, 2, 2_000)
    with pytest.raises(MarketNonceMismatch):
        r.heartbeat(A, 1, 2, 2_000)
    with pytest.raises(MarketNonceMismatch):
        r.check_nonce(A, 0, pending_nonce=1)
    with pytest.raises(UnknownProver):
        r.deactivate(B, 0)
    record = r.get(A)
    assert record is not None and record.nonce == 0


def test_records_encode_and_decode() -> None:
    record = ProverRecord(A, KEY, 3, 9, 12_345, False, 4, True, 10, 10**18, 2, 10**17)
    assert ProverRecord.decode(record.encode()) == record


def test_loading_records_gives_the_state_the_steps_gave() -> None:
    """A restarted node rebuilds activity from the records and the last step's height and time;
    it must be what running every step gave."""
    rng = random.Random(7)
    r = ProverRegistry(P)
    provers = [bytes([i]) * 20 for i in range(30)]
    nonces = dict.fromkeys(provers, 0)
    time_ms = 0
    for height in range(1, 301):
        time_ms += rng.choice((10, 100, 1_000, 5_000))
        for p in rng.sample(provers, 3):
            if r.get(p) is None:
                r.register(p, KEY, height, time_ms)
            elif rng.random() < 0.1:
                r.deactivate(p, nonces[p])
                nonces[p] += 1
            elif rng.random() < 0.1:
                r.bench(p)
            else:
                r.heartbeat(p, nonces[p], height, time_ms)
                nonces[p] += 1
        r.expire(height, time_ms)
        loaded = ProverRegistry.load(P, r.records(), height, time_ms)
        for p in provers:
            assert (loaded.is_active(p), loaded.is_assignable(p)) == (
                r.is_active(p),
                r.is_assignable(p),
            )
