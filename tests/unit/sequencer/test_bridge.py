"""L1 deposits in consensus: a ZK block's marker carries what its proposer saw of L1 (an L1
block at the confirmation depth and the deposits up to it); validators check it against their
own view of L1; observed deposits wait in committed state until the proposer's Deposit
transaction credits them, once; replay needs no L1."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from tests.unit.node.test_app import T0, run_block, zk_transfer
from zkbraid.errors import BraidError
from zkbraid.ledger.block import ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.market.records import Batch
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.node.replay import replay
from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.settlement.deposits import DepositStatus
from zkbraid.settlement.observation import DepositEvent, L1Observation, SettledEvent
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.transactions import Deposit

L1_T0 = 1_700_000_000
FAR = L1_T0 + 86_400


class FakeL1:
    """An L1 as a validator's follower sees it: blocks (height, hash, time) and deposits."""

    def __init__(self, depth: int = 2) -> None:
        self.depth = depth
        self.blocks: list[tuple[int, bytes, int]] = []
        self.deposits: list[tuple[int, DepositEvent]] = []  # (L1 height, event)

    def mine(self, *deposits: tuple[bytes, int, int]) -> None:
        height = len(self.blocks) + 1
        self.blocks.append((height, bytes(keccak(b"l1 %d" % height)), L1_T0 + 12 * height))
        for recipient, amount, deadline in deposits:
            event = DepositEvent(len(self.deposits), recipient, amount, deadline)
            self.deposits.append((height, event))

    def _confirmed(self) -> tuple[int, bytes, int] | None:
        index = len(self.blocks) - 1 - self.depth
        return self.blocks[index] if index >= 0 else None

    def observation(
        self, after_height: int, next_deposit_id: int, next_batch: int = 0
    ) -> L1Observation | None:
        head = self._confirmed()
        if head is None or head[0] <= after_height:
            return None
        events = tuple(
            e for h, e in self.deposits if h <= head[0] and e.deposit_id >= next_deposit_id
        )
        return L1Observation(head[0], head[1], head[2], events)

    def check(
        self,
        observation: L1Observation,
        after_height: int,
        next_deposit_id: int,
        next_batch: int = 0,
    ) -> None:
        seen = next((b for b in self.blocks if b[0] == observation.height), None)
        head = self._confirmed()
        if seen is None or head is None or observation.height > head[0]:
            raise InvalidBlock(f"L1 block {observation.height} not seen at the depth")
        if (seen[1], seen[2]) != (observation.block_hash, observation.timestamp):
            raise InvalidBlock("another L1 block")
        events = tuple(
            e
            for h, e in self.deposits
            if after_height < h <= observation.height and e.deposit_id >= next_deposit_id
        )
        if events != observation.deposits:
            raise InvalidBlock("other deposits")


@pytest.fixture
def net() -> Devnet:
    return devnet(3, verifying_key_hash=None)


def _app(path: Path, net: Devnet, l1: FakeL1 | None) -> BraidApp:
    path.mkdir(parents=True, exist_ok=True)
    return BraidApp(net.params, LedgerStore(str(path / "node.sqlite")), net.zk_genesis, l1=l1)


def test_an_l1_deposit_is_credited_once_by_the_proposer(tmp_path: Path, net: Devnet) -> None:
    l1 = FakeL1()
    app = _app(tmp_path / "a", net, l1)
    alice, nobody = dev_eth_address(1), b"\x77" * 20
    before = app.zk.balance(1, 0)
    l1.mine((alice, 5, FAR), (nobody, 7, FAR), (alice, 9, L1_T0 + 100))  # the last: too late
    l1.mine()
    assert run_block(app, T0 + 2_000, []) == []  # not yet at the confirmation depth
    l1.mine()
    proposal = run_block(app, T0 + 4_000, [])
    assert len(proposal) == 2  # the marker with the observation, one Deposit
    # the fast block that records the new ZK root in the fast chain's oracle
    assert run_block(app, T0 + 4_100, []) == [block_marker(ChainKind.FAST)]
    assert app.zk.balance(1, 0) == before + 5
    bridge = app.state.bridge
    assert bridge.meta.l1_height == 1 and bridge.meta.next_deposit_id == 3
    credited = bridge.deposit(0)
    assert credited is not None and credited.status is DepositStatus.CREDITED
    assert [d.deposit_id for d in bridge.pending()] == [1, 2]  # no account / too late: waiting
    job = app.market.job(credited.credited_by)
    assert job is not None and job.pubdata[:1] == b"\x14"  # a Deposit job, to be proven
    # users cannot submit Deposits: the proposer makes them
    for deposit_id, recipient, amount, name in (
        (1, nobody, 7, "ProposerOnly"),
        (2, alice, 9, "DepositTooLate"),
    ):
        tx = Deposit(net.params.zk.chain_id, deposit_id, 2, 0, recipient, amount)
        with pytest.raises(BraidError) as e:
            app.check_tx(wrap(TxKind.ZK, tx.encode()))
        assert e.value.name == name
    # nothing new on L1, nothing creditable: no more ZK blocks
    assert run_block(app, T0 + 8_000, []) == []
    assert app.zk.balance(1, 0) == before + 5

    # a replica replays the chain without any L1 access and agrees
    replica = _app(tmp_path / "b", net, None)
    replay(app.store, replica)
    assert replica.info() == app.info()


def test_invalid_deposits_are_refused_by_name(tmp_path: Path, net: Devnet) -> None:
    l1 = FakeL1()
    app = _app(tmp_path, net, l1)
    alice = dev_eth_address(1)
    l1.mine((alice, 5, FAR))
    l1.mine()
    l1.mine()
    run_block(app, T0 + 2_000, [])
    before = app.info()

    def deposit(deposit_id: int, amount: int, to: int = 1) -> bytes:
        tx = Deposit(net.params.zk.chain_id, deposit_id, to, 0, alice, amount)
        return wrap(TxKind.ZK, tx.encode())

    for raw, name in (
        (deposit(5, 5), "DepositNotBacked"),  # no such L1 deposit
        (deposit(0, 6), "DepositNotBacked"),  # another amount
        (deposit(0, 5), "AlreadyKnown"),  # the proposer's own Deposit, ordered
        (deposit(0, 5, to=2), "DepositAlreadyCredited"),
    ):
        with pytest.raises(BraidError) as e:
            app.check_tx(raw)
        assert e.value.name == name
    assert app.info() == before

    # a block whose Deposit no observation backs: the deposit fails in it and credits nothing
    balance = app.zk.balance(1, 0)
    height = app.info().last_height + 1
    block = [block_marker(ChainKind.ZK), deposit(0, 5, to=2), deposit(9, 1)]
    app.finalize_block(height, T0 + 5_000, block)
    app.commit()
    receipts = app.store.block_txs(height)
    assert [r.ok for r in receipts] == [False, False]
    assert receipts[0].error is not None and receipts[0].error.startswith("DepositAlreadyCredited")
    assert app.zk.balance(1, 0) == balance


def test_invalid_observations_are_refused(tmp_path: Path, net: Devnet) -> None:
    l1 = FakeL1()
    app = _app(tmp_path, net, l1)
    for _ in range(4):
        l1.mine()
    run_block(app, T0 + 2_000, [zk_transfer(net, 0, 1, 1, 0)])
    assert app.state.bridge.meta.l1_height == 2
    height, t = app.info().last_height + 1, T0 + 4_000
    unseen = L1Observation(9, b"\x01" * 32, L1_T0 + 500, ())
    backwards = L1Observation(1, l1.blocks[0][1], l1.blocks[0][2], ())
    skipping = L1Observation(
        2, l1.blocks[1][1], l1.blocks[1][2], (DepositEvent(3, b"\x01" * 20, 1, FAR),)
    )
    for obs in (unseen, backwards, skipping):
        assert not app.process_proposal(height, t, [block_marker(ChainKind.ZK, obs.encode())])
    with pytest.raises(InvalidBlock):
        app.finalize_block(height, t, [block_marker(ChainKind.ZK, backwards.encode())])
    assert app.state.bridge.meta.l1_height == 2
    # a node that does not follow L1 cannot check an observation, so it refuses it
    blind = _app(tmp_path / "blind", net, None)
    fine = L1Observation(1, l1.blocks[0][1], l1.blocks[0][2], ())
    assert not blind.process_proposal(1, T0, [block_marker(ChainKind.ZK, fine.encode())])


class SettlingL1(FakeL1):
    """A FakeL1 whose blocks can also carry the rollup's BatchSettled events."""

    def __init__(self, depth: int = 2) -> None:
        super().__init__(depth)
        self.settled: list[tuple[int, SettledEvent]] = []

    def settle(self, event: SettledEvent) -> None:
        self.mine()
        self.settled.append((len(self.blocks), event))

    def _events(self, after: int, upto: int, next_batch: int) -> tuple[SettledEvent, ...]:
        return tuple(
            e for h, e in self.settled if after < h <= upto and e.batch_index >= next_batch
        )

    def observation(
        self, after_height: int, next_deposit_id: int, next_batch: int = 0
    ) -> L1Observation | None:
        obs = super().observation(after_height, next_deposit_id, next_batch)
        if obs is None:
            return None
        return replace(obs, settled=self._events(after_height, obs.height, next_batch))

    def check(
        self,
        observation: L1Observation,
        after_height: int,
        next_deposit_id: int,
        next_batch: int = 0,
    ) -> None:
        super().check(replace(observation, settled=()), after_height, next_deposit_id, next_batch)
        if observation.settled != self._events(after_height, observation.height, next_batch):
            raise InvalidBlock("other settled batches")


def test_a_settled_batch_marks_its_transactions_and_pays_the_agent(
    tmp_path: Path, net: Devnet
) -> None:
    l1 = SettlingL1()
    app = _app(tmp_path, net, l1)
    for _ in range(3):
        l1.mine()
    run_block(app, T0 + 2_000, [zk_transfer(net, 0, 1, 5, 0)])
    # the market closes the batch by time (empty blocks while it is due)
    t = T0 + 2_000
    while not (app.market.batch(0) or Batch).closed:  # type: ignore[attr-defined]
        t += 2_000
        run_block(app, t, [])
    (job,) = [app.market.job(app.market.tx_at(0))]  # type: ignore[arg-type]
    assert job is not None
    batch = app.market.batch(0)
    assert batch is not None and batch.settlement_reserve == net.params.fees.transfer // 10
    agent = b"\x42" * 20
    reserved = app.market.reserved
    l1.settle(SettledEvent(0, job.old_root, job.new_root, 1, agent))
    l1.mine()
    l1.mine()
    run_block(app, t + 2_000, [])
    meta = app.state.bridge.meta
    assert meta.settled_txs == 1 and meta.next_settled_batch == 1
    assert app.zkpow.balance(agent) == net.params.fees.transfer // 10
    assert app.market.reserved == reserved - net.params.fees.transfer // 10
    assert (app.market.batch(0) or batch).settled_by == agent

    # an L1 batch that does not follow this chain's transactions: the block observing it is
    # invalid (L1 and this chain disagree) and changes nothing
    before = (app.info(), app.state.app_hash())
    l1.settle(SettledEvent(1, b"\x01" * 32, b"\x02" * 32, 1, agent))
    l1.mine()
    l1.mine()
    with pytest.raises(InvalidBlock, match="L1 batch 1"):
        run_block(app, t + 4_000, [])
    assert (app.info(), app.state.app_hash()) == before
