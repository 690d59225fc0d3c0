"""The proving market inside the braid application: admission of market transactions, the
assignee-only rule for proofs, empty blocks while a deadline is due, and two independently
started nodes fed the same blocks holding the same market, to the byte."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from tests.unit.node.test_app import T0, run_block, zk_transfer
from zkbraid.config import ChainParams
from zkbraid.errors import BraidError
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.market.market_txs import (
    MarketTx,
    ProverHeartbeat,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.params import MarketParams
from zkbraid.market.records import JobStatus, Outcome
from zkbraid.market.state import POOL_ADDRESS
from zkbraid.market.transactions import sign_submit_proof
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.sequencer.errors import AlreadyKnown

KEYS = [bytes(keccak(b"app prover %d" % i)) for i in range(4)]
MARKET = MarketParams(deadline_blocks=3, deadline_ms=5_000, heartbeat_window_ms=30_000)


def address(i: int) -> bytes:
    return sign_register(KEYS[i]).prover


@pytest.fixture
def net() -> Devnet:
    return devnet(3, market=MARKET, verifying_key_hash=None)  # no circuit keys


def _app(path: Path, params: ChainParams, net: Devnet) -> BraidApp:
    path.mkdir(parents=True, exist_ok=True)
    return BraidApp(params, LedgerStore(str(path / "node.sqlite")), net.zk_genesis)


def market_tx(tx: MarketTx) -> bytes:
    return wrap(TxKind.SEQUENCER, tx.encode())


class Driver:
    """Feeds the same candidates at the same block times to several apps, the way the solo
    engine does (check_tx, then a block if one is due)."""

    def __init__(self, *apps: BraidApp) -> None:
        self.apps = apps
        self.time_ms = T0

    def block(self, raws: list[bytes], dt_ms: int = 200) -> list[list[bytes]]:
        self.time_ms += dt_ms
        proposals = []
        for app in self.apps:
            for raw in raws:
                app.check_tx(raw)
            proposals.append(run_block(app, self.time_ms, raws))
        return proposals


def test_two_independent_nodes_agree_on_assignments_fines_and_app_hash(
    tmp_path: Path, net: Devnet
) -> None:
    a, b = _app(tmp_path / "a", net.params, net), _app(tmp_path / "b", net.params, net)
    d = Driver(a, b)
    d.block([market_tx(sign_register(k)) for k in KEYS[:3]])
    d.block([zk_transfer(net, i, (i + 1) % 3, 5, 0) for i in range(3)], dt_ms=2_000)
    for app in (a, b):
        jobs = app.market.open_jobs()
        assert len(jobs) == 3 and all(j.status is JobStatus.ASSIGNED for j in jobs)
        # three idle provers, three jobs: one each (no second job while an idle one exists)
        assert len({j.assignee for j in jobs}) == 3
    assert [j.assignee for j in a.market.open_jobs()] == [j.assignee for j in b.market.open_jobs()]
    assert a.info() == b.info()

    # nobody proves, nothing is sent: once the deadline's milliseconds pass the proposer cuts
    # empty blocks until its blocks pass too; then all three are fined, below zero
    d.time_ms += MARKET.deadline_ms
    cut = 0
    while any(
        j.status is JobStatus.ASSIGNED and len(j.attempts) == 1 for j in a.market.open_jobs()
    ):
        proposals = d.block([], dt_ms=100)
        assert proposals[0] == proposals[1] and len(proposals[0]) == 1  # the marker alone
        cut += 1
        assert cut <= MARKET.deadline_blocks + 1
    for app in (a, b):
        for i in range(3):
            record = app.market.prover(address(i))
            assert record is not None and record.fines == 1 and record.benched
            assert app.zkpow.balance(address(i)) == -MARKET.fine
        for j in app.market.open_jobs():
            assert j.attempts[0].outcome is Outcome.MISSED
    assert a.info() == b.info()
    assert a.head == b.head
    # benched until their next heartbeat, the provers get the jobs back after heartbeats
    d.block([market_tx(sign_heartbeat(KEYS[i], 0)) for i in range(3)])
    assert a.info() == b.info()
    for app in (a, b):
        jobs = app.market.open_jobs()
        assert all(j.status is JobStatus.ASSIGNED and len(j.attempts) == 2 for j in jobs)
        assert all(j.attempts[1].prover != j.attempts[0].prover for j in jobs)


def test_quiet_chain_without_due_work_makes_no_block(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net.params, net)
    d = Driver(app)
    d.block([market_tx(sign_register(KEYS[0]))])
    assert d.block([], dt_ms=60_000) == [[]]  # no job: nothing is due


def test_market_txs_count_what_is_pending(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net.params, net)
    d = Driver(app)
    d.block([market_tx(sign_register(KEYS[0]))])
    before = app.info()
    # a registration pending is not admitted twice
    app.check_tx(market_tx(sign_register(KEYS[1])))
    with pytest.raises(AlreadyKnown):
        app.check_tx(market_tx(sign_register(KEYS[1])))
    # heartbeats queue at consecutive nonces; a replay or a gap is refused
    app.check_tx(market_tx(sign_heartbeat(KEYS[0], 0)))
    app.check_tx(market_tx(sign_heartbeat(KEYS[0], 1)))
    assert app.pending_market_nonce(address(0)) == 2
    with pytest.raises(BraidError) as e:
        app.check_tx(market_tx(sign_heartbeat(KEYS[0], 5)))
    assert e.value.name == "MarketNonceMismatch"
    assert app.info() == before  # admission changes no state


def test_invalid_market_txs_are_refused_with_their_names(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net.params, net)
    d = Driver(app)
    d.block([market_tx(sign_register(KEYS[0]))])
    before = app.info()
    forged = ProverHeartbeat(address(1), 0, sign_heartbeat(KEYS[0], 0).signature)
    cases = {
        "BadMarketSignature": market_tx(forged),
        "UnknownProver": market_tx(sign_heartbeat(KEYS[2], 0)),
        "MalformedSequencerTx": wrap(TxKind.SEQUENCER, b"\x04\xc0"),
        "AlreadyKnown": market_tx(sign_register(KEYS[0])),  # the same registration, ordered
    }
    for name, raw in cases.items():
        with pytest.raises(BraidError) as e:
            app.check_tx(raw)
        assert e.value.name == name, name
    assert app.info() == before


def test_only_the_assignee_may_submit_a_proof(tmp_path: Path, net: Devnet) -> None:
    # this app has no verifier: the assignee rule is checked before the proof is, so a
    # non-assignee is told NotAssignee and the assignee ProvingUnavailable (never accepted)
    app = _app(tmp_path, net.params, net)
    d = Driver(app)
    d.block([market_tx(sign_register(KEYS[0]))])
    d.block([zk_transfer(net, 0, 1, 5, 0)], dt_ms=2_000)
    (job,) = app.market.open_jobs()
    assert job.assignee == address(0)
    proof = b"\x01" * 256
    with pytest.raises(BraidError) as e:
        app.check_tx(wrap(TxKind.SEQUENCER, sign_submit_proof(KEYS[1], job.job_id, proof).encode()))
    assert e.value.name == "NotAssignee"
    with pytest.raises(BraidError) as e:
        app.check_tx(wrap(TxKind.SEQUENCER, sign_submit_proof(KEYS[0], job.job_id, proof).encode()))
    assert e.value.name == "ProvingUnavailable"


def test_fees_fund_the_pool_and_the_market_survives_a_restart(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net.params, net)
    d = Driver(app)
    d.block([market_tx(sign_register(KEYS[0]))])
    d.block([zk_transfer(net, 0, 1, 5, 0)], dt_ms=2_000)
    assert app.zkpow.balance(POOL_ADDRESS) == net.params.fees.transfer
    root, info = app.market.root, app.info()
    app.store.close()
    again = _app(tmp_path, net.params, net)
    assert again.info() == info and again.market.root == root
    (job,) = again.market.open_jobs()
    assert job.assignee == address(0)
    # it goes on as the first one would have: a deactivation releases the job unfined
    resumed = Driver(again)
    resumed.time_ms = d.time_ms
    resumed.block([market_tx(sign_deactivate(KEYS[0], 0))], dt_ms=1_000)
    assert again.market.job(job.job_id).status is JobStatus.OPEN  # type: ignore[union-attr]
    assert again.market.prover(address(0)).fines == 0  # type: ignore[union-attr]


def test_market_params_are_chain_params() -> None:
    params = replace(ChainParams(), market=MARKET)
    assert params.market.deadline_ms == 5_000
    assert ChainParams().market == MarketParams()
