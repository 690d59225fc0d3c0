"""Proof of stake through the in-process app (node/app.py) and the block transition: bonds and
unbonds in blocks change finalize_block's validator updates when they should, evidence the
engine hands over rides in the block's marker and slashes, and a replica replaying the blocks
agrees."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.unit.node.test_app import T0, _app
from zkbraid.consensus.engine import FinalizedBlock, Misbehavior, ValidatorUpdate
from zkbraid.ledger.block import ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, read_marker, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.market.fees import ONE_ZKPOW
from zkbraid.market.zkpow import InsufficientZkpow
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import (
    DEV_STAKING,
    DEV_VALIDATOR_BOND,
    Devnet,
    dev_consensus_seed,
    dev_validators,
    devnet,
)
from zkbraid.node.replay import replay
from zkbraid.sequencer.errors import AlreadyKnown, InvalidBlock
from zkbraid.sequencer.header import MarkerExtra
from zkbraid.staking.evidence import EvidenceKind
from zkbraid.staking.keys import consensus_address, consensus_public_key
from zkbraid.staking.state import UnbondTooLarge, UnknownValidator
from zkbraid.staking.transactions import Bond, Unbond, sign_bond, sign_unbond
from zkbraid.zk.genesis import dev_eth_address, dev_eth_private_key

PERIOD = DEV_STAKING.unbonding_period_ms
KEY_9 = consensus_public_key(dev_consensus_seed(9))
KEY_1 = consensus_public_key(bytes([1]) * 32)
BOND = 1_000 * ONE_ZKPOW
VOTES = BOND // ONE_ZKPOW


@pytest.fixture
def net() -> Devnet:
    return devnet(4, verifying_key_hash=None)


def _seq(tx: Bond | Unbond) -> bytes:
    return wrap(TxKind.SEQUENCER, tx.encode())


def block(
    app: BraidApp,
    time_ms: int,
    candidates: list[bytes],
    misbehavior: Sequence[Misbehavior] = (),
) -> tuple[list[bytes], FinalizedBlock | None]:
    """One height as an engine drives it: its proposal and (if not empty) the finalized block."""
    height = app.info().last_height + 1
    proposal = app.prepare_proposal(height, time_ms, candidates, misbehavior=misbehavior)
    if not proposal:
        return proposal, None
    assert app.process_proposal(height, time_ms, proposal, misbehavior=misbehavior)
    finalized = app.finalize_block(height, time_ms, proposal, misbehavior=misbehavior)
    app.commit()
    return proposal, finalized


def _submit(app: BraidApp, time_ms: int, *txs: Bond | Unbond) -> FinalizedBlock:
    raws = [_seq(tx) for tx in txs]
    for raw in raws:
        app.check_tx(raw)
    _, finalized = block(app, time_ms, raws)
    assert finalized is not None and all(r.ok for r in finalized.tx_results), finalized
    return finalized


def _replica(tmp_path: Path, net: Devnet, app: BraidApp) -> BraidApp:
    replica = BraidApp(net.params, LedgerStore(str(tmp_path / "replica.sqlite")), net.zk_genesis)
    replay(app.store, replica)
    assert replica.info() == app.info()
    assert replica.state.app_hash() == app.state.app_hash()
    return replica


def test_the_devnet_starts_with_dev_account_9_as_its_validator(tmp_path: Path, net: Devnet) -> None:
    assert KEY_9.hex() == "c1bd75f326c7eb8bc26ecd155af5fbe823e378a396f36f9e06042005a31d2c72"
    app = _app(tmp_path, net)
    assert app.validator_set() == [ValidatorUpdate(KEY_9, VOTES)]
    record = app.state.staking.validator(dev_eth_address(9))
    assert record is not None and record.bonded == DEV_VALIDATOR_BOND and record.power == VOTES
    # the bond is minted beside the allocation (a 4-account devnet allocates account 9 nothing)
    assert app.zkpow.balance(dev_eth_address(9)) == 0
    four = dev_validators(4)
    assert [v.address for v in four] == [dev_eth_address(i) for i in (9, 8, 7, 6)]
    assert len({v.consensus_key for v in four}) == 4


def test_bond_and_unbond_change_the_validator_updates_on_time(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    alice = dev_eth_address(1)
    before = app.zkpow.balance(alice)

    # a bond: power in the block that bonds
    bonded = _submit(app, T0, sign_bond(dev_eth_private_key(1), KEY_1, BOND, 0))
    assert bonded.validator_updates == [ValidatorUpdate(KEY_1, VOTES)]
    assert app.zkpow.balance(alice) == before - BOND
    assert app.state.staking.total_power == 2 * VOTES

    # an unbond: nothing changes until the period has passed
    unbonded = _submit(app, T0 + 200, sign_unbond(dev_eth_private_key(1), BOND, 1))
    assert unbonded.validator_updates == []
    assert block(app, T0 + 200 + PERIOD - 1, []) == ([], None)  # a quiet chain: no block due
    assert app.zkpow.balance(alice) == before - BOND

    # at maturity the proposer cuts a block on its own: the power leaves, the ZKPoW returns
    proposal, matured = block(app, T0 + 200 + PERIOD, [])
    assert proposal == [block_marker(ChainKind.FAST)] and matured is not None
    assert matured.validator_updates == [ValidatorUpdate(KEY_1, 0)]
    assert app.zkpow.balance(alice) == before
    assert app.validator_set() == [ValidatorUpdate(KEY_9, VOTES)]
    # a transaction that breaks a rule fails in its block with the rule's name
    taken = _seq(sign_bond(dev_eth_private_key(2), KEY_9, BOND, 0))
    _, later = block(app, T0 + 300 + PERIOD, [taken])
    assert later is not None and [(r.ok, (r.error or "")[:17]) for r in later.tx_results] == [
        (False, "ConsensusKeyInUse")
    ]

    replica = _replica(tmp_path, net, app)
    assert replica.state.staking.validators() == app.state.staking.validators()
    assert replica.zkpow.balance(alice) == before


def test_evidence_in_the_marker_slashes(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    _submit(app, T0, sign_bond(dev_eth_private_key(1), KEY_1, BOND, 0))
    offence = Misbehavior("duplicate_vote", consensus_address(KEY_9), 1, T0, 2 * VOTES)
    height, t = app.info().last_height + 1, T0 + 10  # within the fast interval: due all the same
    proposal = app.prepare_proposal(height, t, [], misbehavior=[offence])
    chain, extra = read_marker(proposal[0])
    carried = MarkerExtra.decode(chain, extra).evidence
    assert chain is ChainKind.FAST and [(e.kind, e.validator) for e in carried] == [
        (EvidenceKind.DUPLICATE_VOTE, consensus_address(KEY_9))
    ]
    # a validator refuses a proposal whose evidence is not the engine's
    assert not app.process_proposal(height, t, proposal)
    assert not app.process_proposal(
        height, t, [block_marker(ChainKind.FAST)], misbehavior=[offence]
    )
    assert not app.process_proposal(height, t, [], misbehavior=[offence])
    assert app.process_proposal(height, t, proposal, misbehavior=[offence])
    with pytest.raises(InvalidBlock, match="evidence"):
        app.finalize_block(height, t, proposal)
    assert app.info().last_height == height - 1  # reloaded

    finalized = app.finalize_block(height, t, proposal, misbehavior=[offence])
    app.commit()
    assert finalized.validator_updates == [ValidatorUpdate(KEY_9, 0)]
    record = app.state.staking.validator(dev_eth_address(9))
    slashed = BOND * DEV_STAKING.slash_double_sign_bps // 10_000
    assert record is not None and record.jailed and record.slashed == slashed
    assert record.bonded == BOND - slashed and record.power == 0
    assert app.state.staking.total_power == VOTES

    # the same offence again (a second block carrying it): nothing more is burnt
    _, again = block(app, T0 + 300, [], misbehavior=[offence])
    assert again is not None and again.validator_updates == []
    record = app.state.staking.validator(dev_eth_address(9))
    assert record is not None and record.slashed == slashed

    replica = _replica(tmp_path, net, app)
    assert replica.state.staking.validator(dev_eth_address(9)) == record


def test_evidence_rides_in_a_zk_block_with_its_l1_observation_slot(
    tmp_path: Path, net: Devnet
) -> None:
    app = _app(tmp_path, net)
    _submit(app, T0, sign_bond(dev_eth_private_key(1), KEY_1, BOND, 0))
    from tests.unit.node.test_app import zk_transfer

    z = zk_transfer(net, 0, 1, 5, 0)
    app.check_tx(z)
    offence = Misbehavior("light_client_attack", consensus_address(KEY_1), 1, T0, 2 * VOTES)
    proposal, finalized = block(app, T0 + 5_000, [z], misbehavior=[offence])
    assert read_marker(proposal[0])[0] is ChainKind.ZK and proposal[1:] == [z]
    assert finalized is not None and finalized.validator_updates == [ValidatorUpdate(KEY_1, 0)]
    _replica(tmp_path, net, app)


def test_the_mempool_counts_pending_staking(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    key = dev_eth_private_key(1)
    balance = app.zkpow.balance(dev_eth_address(1))
    app.check_tx(_seq(sign_bond(key, KEY_1, balance - BOND, 0)))
    with pytest.raises(InsufficientZkpow, match="promised"):
        app.check_tx(_seq(sign_bond(key, KEY_1, BOND + 1, 1)))
    app.check_tx(_seq(sign_bond(key, KEY_1, BOND, 1)))  # the next nonce, the rest of the balance
    # another new validator with the same key, while the first is pending
    with pytest.raises(AlreadyKnown, match="consensus key"):
        app.check_tx(_seq(sign_bond(dev_eth_private_key(2), KEY_1, BOND, 0)))
    # a new validator unbonds once its first bond is in a block
    unbond = _seq(sign_unbond(key, balance, 2))
    with pytest.raises(UnknownValidator):
        app.check_tx(unbond)
    assert app.mempool.staking_nonce(dev_eth_address(1)) == 2
    pending = list(app.mempool.pending.values())
    _, finalized = block(app, T0, [d.raw for d in pending])
    assert finalized is not None and [r.ok for r in finalized.tx_results] == [True, True]
    app.check_tx(unbond)
    # the pending unbond counts: nothing more is left to unbond
    with pytest.raises(UnbondTooLarge):
        app.check_tx(_seq(sign_unbond(key, 1, 3)))
