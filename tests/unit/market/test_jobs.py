"""Jobs: who is assigned a job (fairly, deterministically), and whose submissions are
accepted (market/jobs.py, assignment.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from tests.unit.market.chain import (
    PARAMS,
    Chain,
    address,
    one_job,
)
from zkbraid.market.errors import (
    JobClosed,
    NotAssignee,
    UnknownJob,
)
from zkbraid.market.records import JobKind, JobStatus, Outcome
from zkbraid.market.step import BlockOutcome


def test_jobs_go_to_distinct_idle_provers() -> None:
    c = Chain()
    c.register(*range(6))
    out = c.block(commits=6)
    assert [a for _, _, a in out.assigned] == [0] * 6
    assert len({p for _, p, _ in out.assigned}) == 6
    assert all(c.market.job(c.tx(i)).status is JobStatus.ASSIGNED for i in range(6))  # type: ignore[union-attr]


def test_no_second_job_while_an_idle_prover_exists() -> None:
    c = Chain()
    c.register(*range(5))
    for _ in range(3):  # 3 + 3 + 3 jobs over 5 provers, max 2 each
        c.block(commits=3)
        loads = [c.market.jobs_held(address(i)) for i in range(5)]
        assert max(loads) - min(loads) <= 1, loads
    loads = [c.market.jobs_held(address(i)) for i in range(5)]
    assert sorted(loads) == [1, 2, 2, 2, 2]


def test_second_job_while_idle_when_configured() -> None:
    c = Chain(replace(PARAMS, second_job_while_idle=True, max_jobs_per_prover=4))
    c.register(*range(8))
    c.block(commits=8)
    loads = [c.market.jobs_held(address(i)) for i in range(8)]
    # 8 uniform picks over 8 provers collide with probability 1 - 8!/8^8 > 99.7%; the seeds
    # here are fixed, and they do.
    assert sum(loads) == 8 and max(loads) >= 2 and min(loads) == 0


def test_jobs_beyond_every_provers_limit_wait_then_go_to_whoever_frees_up() -> None:
    c = Chain()
    c.register(0, 1)
    c.block(commits=5)
    waiting = [j for j in c.market.open_jobs() if j.status is JobStatus.OPEN]
    assert [j.job_id for j in waiting] == [c.tx(4)]
    first = c.tx(0)
    who = c.prover_index(c.assignee(first))
    out = c.block(proofs=((first, who),))
    assert out.assigned == [(c.tx(4), address(who), 0)]


def test_assignment_is_deterministic_across_independent_states() -> None:
    """Two markets built separately and fed the same blocks agree on every assignment, fine,
    payment and root (two validators, or two independently started nodes)."""
    chains = [Chain(), Chain()]
    history: list[list[tuple[BlockOutcome, bytes, bytes]]] = [[], []]
    for k, c in enumerate(chains):
        c.register(*range(10))
        for b in range(40):
            # provers 0 and 1 never prove; the others prove a job within three blocks
            proofs = tuple(
                (j.job_id, c.prover_index(j.assignee))
                for j in c.market.open_jobs()
                if j.assignee is not None
                and j.kind is JobKind.TX
                and c.prover_index(j.assignee) >= 2
                and (j.seq + b) % 3 == 0
            )
            out = c.block(dt_ms=700, commits=b % 4, proofs=proofs)
            history[k].append((out, c.market.root, c.zkpow.root))
    assert history[0] == history[1]
    assert any(out.fined for out, _, _ in history[0])  # the run exercises fines too
    assert any(out.aggregation_jobs for out, _, _ in history[0])


def test_assignment_depends_on_the_previous_block_hash() -> None:
    a, b = Chain(), Chain()
    for c in (a, b):
        c.register(*range(16))
    b.block_hash = b"\x01" * 32
    picks = [
        [p for _, p, _ in c.block(commits=1).assigned] + [p for _, p, _ in c.block().assigned]
        for c in (a, b)
    ]
    assert picks[0] != picks[1]


def test_inactive_provers_are_not_assigned() -> None:
    c = Chain()
    c.register(0, 1, 2)
    c.block(txs=(c.deactivate_tx(1),))
    for _ in range(5):
        c.block(commits=1)
    assert address(1) not in c.loads()
    assert not c.market.is_active(address(1))


def test_silent_provers_stop_being_assignable_before_they_stop_being_active() -> None:
    c = Chain()
    c.register(0)
    c.register(1)
    # prover 1 heartbeats, prover 0 falls silent for 35 blocks and 42 s: past window − deadline
    # (30 blocks, 40 s), within the window (40 blocks, 60 s)
    for _ in range(35):
        c.block(dt_ms=1_200, txs=(c.heartbeat_tx(1),))
    assert c.market.is_active(address(0)) and not c.market.is_assignable(address(0))
    c.block(commits=2)
    assert c.loads() == Counter({address(1): 2})


def test_invalid_proof_from_a_non_assignee() -> None:
    c = Chain()
    tx, who = one_job(c)
    root = c.market.root
    other = 1 - who
    with pytest.raises(NotAssignee):
        c.market.check_submission(tx, address(other))
    c.open()
    with pytest.raises(NotAssignee):
        c.prove(tx, other)
    assert c.market.root == root
    assert c.zkpow.balance(address(other)) == 0


def test_invalid_copied_proof_earns_the_copier_nothing() -> None:
    """A copier re-signs the assignee's proof (same bytes) under its own key: the reward binds
    to the assignee's signed submission, so the copy is refused and the assignee is paid."""
    c = Chain()
    tx, who = one_job(c)
    copier = 1 - who
    c.open()
    with pytest.raises(NotAssignee):
        c.prove(tx, copier)  # the same proof hash, signed by the copier
    c.prove(tx, who)
    c.close()
    assert c.zkpow.balance(address(copier)) == 0
    assert c.zkpow.balance(address(who)) > 0


def test_open_submissions_let_others_prove_unpaid() -> None:
    c = Chain(replace(PARAMS, open_submissions=True))
    tx, who = one_job(c)
    other = 1 - who
    c.open()
    assert c.prove(tx, other) == 0
    c.close()
    job = c.market.job(tx)
    assert job is not None and job.status is JobStatus.DONE and job.proven_by == address(other)
    assert job.attempts[-1].outcome is Outcome.SUPERSEDED
    assert c.zkpow.balance(address(other)) == 0 == c.zkpow.balance(address(who))
    assert c.market.assignments(address(who)) == []
    c.open()
    with pytest.raises(JobClosed):
        c.prove(tx, who)


def test_invalid_proof_of_an_unknown_or_finished_job() -> None:
    c = Chain()
    tx, who = one_job(c)
    c.block(proofs=((tx, who),))
    root = c.market.root
    c.open()
    with pytest.raises(JobClosed):
        c.prove(tx, who)
    with pytest.raises(UnknownJob):
        c.prove(b"\x42" * 32, who)
    assert c.market.root == root
