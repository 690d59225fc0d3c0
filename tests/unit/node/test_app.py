"""The braid application driven directly through the engine interface (no engine, no HTTP)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from eth_account import Account

from zkbraid.config import ChainParams
from zkbraid.errors import BraidError
from zkbraid.ledger.block import ZERO_HASH, ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.market.fees import FeeSchedule, FeeTooLow
from zkbraid.market.transactions import Faucet
from zkbraid.market.zkpow import InsufficientZkpow
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.sequencer.errors import AlreadyKnown, FaucetDisabled
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.transactions import sign_transfer

FAST_ID = 0x7A6C
T0 = 1_800_000_000_000


@pytest.fixture
def net() -> Devnet:
    return devnet(3, verifying_key_hash=None)  # no circuit keys: a chain without proofs


def _app(tmp_path: Path, net: Devnet, params: ChainParams | None = None) -> BraidApp:
    store = LedgerStore(str(tmp_path / "node.sqlite"))
    return BraidApp(params or net.params, store, net.zk_genesis)


def zk_transfer(
    net: Devnet, sender: int, to: int, amount: int, nonce: int, fee: int | None = None
) -> bytes:
    tx = sign_transfer(
        dev_l2_key(sender),
        chain_id=net.params.zk.chain_id,
        from_index=sender,
        to_index=to,
        token=0,
        amount=amount,
        nonce=nonce,
        fee=net.params.fees.transfer if fee is None else fee,
    )
    return wrap(TxKind.ZK, tx.encode())


def fast_transfer(net: Devnet, sender: int, nonce: int, value: int = 1) -> bytes:
    acct = net.accounts[sender]
    raw = acct.sign_transaction(
        {
            "to": "0x000000000000000000000000000000000000dEaD",
            "value": value,
            "gas": 21000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 1,
            "nonce": nonce,
            "chainId": FAST_ID,
        }
    ).raw_transaction
    return wrap(TxKind.FAST, bytes(raw))


def run_block(app: BraidApp, time_ms: int, candidates: list[bytes]) -> list[bytes]:
    height = app.info().last_height + 1
    proposal = app.prepare_proposal(height, time_ms, candidates)
    if proposal:
        assert app.process_proposal(height, time_ms, proposal)
        app.finalize_block(height, time_ms, proposal)
        app.commit()
    return proposal


def test_blocks_of_both_chains_braid_into_one_order(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    z = zk_transfer(net, 0, 1, 5, 0)
    f = fast_transfer(net, 0, 0)
    app.check_tx(z)
    app.check_tx(f)
    # nothing made yet: both due; the ZK block goes first
    p1 = run_block(app, T0, [z, f])
    assert p1[0] == block_marker(ChainKind.ZK) and p1[1:] == [z]
    p2 = run_block(app, T0 + 1, [f])
    assert p2[0] == block_marker(ChainKind.FAST) and p2[1:] == [f]

    b1, b2 = app.store.header(1), app.store.header(2)
    assert b1 is not None and b2 is not None
    assert (b1.chain, b1.chain_height, b1.parent_hash) == (ChainKind.ZK, 1, ZERO_HASH)
    assert (b2.chain, b2.chain_height, b2.parent_hash) == (ChainKind.FAST, 1, b1.hash)
    assert b2.chain_parent_hash == ZERO_HASH
    assert b1.state_root != b2.state_root

    # a second fast block links to the first fast block, across nothing
    f2 = fast_transfer(net, 0, 1)
    app.check_tx(f2)
    assert run_block(app, T0 + 50, [f2]) == []  # the fast interval (100 ms) has not passed
    run_block(app, T0 + 101, [f2])
    b3 = app.store.header(3)
    assert b3 is not None and b3.chain_parent_hash == b2.hash and b3.chain_height == 2

    assert app.zk.balance(1, 0) == net.zk_genesis.accounts[1].balances[0] + 5
    rec = app.store.tx(app.store.block_txs(1)[0].hash)
    job = app.market.job(rec.hash) if rec is not None else None
    assert rec is not None and rec.ok and job is not None and job.new_root != job.old_root


def test_zk_blocks_wait_for_their_interval_unless_full(tmp_path: Path, net: Devnet) -> None:
    params = replace(net.params, timing=replace(net.params.timing, zk_max_txs=3))
    app = _app(tmp_path, net, params)
    first = zk_transfer(net, 0, 1, 1, 0)
    app.check_tx(first)
    run_block(app, T0, [first])
    # the fast block that records the ZK block's root in the fast chain's oracle
    assert run_block(app, T0 + 100, []) == [block_marker(ChainKind.FAST)]
    txs = [zk_transfer(net, 0, 1, 1, n) for n in (1, 2)]
    for t in txs:
        app.check_tx(t)
    assert run_block(app, T0 + 1000, txs) == []
    assert run_block(app, T0 + 2000, txs)[1:] == txs
    more = [zk_transfer(net, 0, 1, 1, n) for n in (3, 4, 5, 6)]
    for t in more:
        app.check_tx(t)
    # full: cut at once, with at most zk_max_txs
    assert run_block(app, T0 + 2001, more)[1:] == more[:3]


def test_restart_resumes_with_identical_roots(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    z, f = zk_transfer(net, 0, 2, 9, 0), fast_transfer(net, 1, 0)
    app.check_tx(z)
    app.check_tx(f)
    run_block(app, T0, [z, f])
    run_block(app, T0 + 1, [f])
    info = app.info()
    roots = (app.zk.root(), app.fast.state_root, app.zkpow.root)
    app.store.close()

    again = _app(tmp_path, net)
    assert again.info() == info
    assert (again.zk.root(), again.fast.state_root, again.zkpow.root) == roots
    f2 = fast_transfer(net, 1, 1)
    again.check_tx(f2)
    assert run_block(again, T0 + 200, [f2])


def test_an_empty_proposal_is_no_block(tmp_path: Path, net: Devnet) -> None:
    """CometBFT makes blocks without transactions; the proposer proposes one whenever no
    braided block is due. Such a proposal is valid, and finalizing and committing it change
    nothing: no height, same app hash, same market (its time-driven work waits for a proposal
    that carries the empty fast block it asks for)."""
    app = _app(tmp_path, net)
    f = fast_transfer(net, 0, 0)
    app.check_tx(f)
    run_block(app, T0, [f])
    f2 = fast_transfer(net, 0, 1)
    app.check_tx(f2)
    info, head = app.info(), app.head
    assert head is not None
    # within the fast interval nothing is due: the proposal is empty, and accepted
    assert app.prepare_proposal(info.last_height + 1, T0 + 50, [f2]) == []
    assert app.process_proposal(info.last_height + 1, T0 + 50, [])
    done = app.finalize_block(info.last_height + 1, T0 + 50, [])
    assert (done.height, done.block_hash, done.app_hash) == (head.height, head.hash, head.app_hash)
    assert done.tx_results == []
    app.commit()
    assert app.info() == info and app.store.head() == head
    assert app.market.height == head.height and app.state.app_hash() == info.last_app_hash
    # what was pending is rechecked after the commit (as the engines do) and still fits
    assert app.check_tx(f2, recheck=True)
    assert run_block(app, T0 + 101, [f2])[1:] == [f2]
    assert app.info().last_height == info.last_height + 1


def test_invalid_finalize_twice_without_commit(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    app.finalize_block(1, T0, [])
    with pytest.raises(RuntimeError):
        app.finalize_block(1, T0, [block_marker(ChainKind.FAST)])
    app.commit()
    with pytest.raises(RuntimeError):
        app.commit()
    app.finalize_block(1, T0, [block_marker(ChainKind.FAST)])
    with pytest.raises(RuntimeError):
        app.finalize_block(1, T0, [])
    app.commit()
    assert app.info().last_height == 1


def test_fees_are_charged_in_zkpow(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    payer = net.zk_genesis.accounts[0].eth_address
    before = app.zkpow.balance(payer)
    z = zk_transfer(net, 0, 1, 1, 0, fee=net.params.fees.transfer + 7)
    app.check_tx(z)
    run_block(app, T0, [z])
    assert app.zkpow.balance(payer) == before - net.params.fees.transfer - 7


def test_invalid_duplicate_transaction(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    z = zk_transfer(net, 0, 1, 1, 0)
    app.check_tx(z)
    with pytest.raises(AlreadyKnown):
        app.check_tx(z)
    run_block(app, T0, [z])
    with pytest.raises(AlreadyKnown):
        app.check_tx(z)


def test_invalid_fee_below_schedule(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    with pytest.raises(FeeTooLow):
        app.check_tx(zk_transfer(net, 0, 1, 1, 0, fee=net.params.fees.transfer - 1))


def test_invalid_fee_beyond_zkpow_balance_counting_pending(tmp_path: Path, net: Devnet) -> None:
    rich = net.params.fees.transfer * 2
    params = replace(
        net.params,
        zkpow_alloc=((net.zk_genesis.accounts[0].eth_address, rich),),
        fees=FeeSchedule(),
    )
    app = _app(tmp_path, net, params)
    app.check_tx(zk_transfer(net, 0, 1, 1, 0))
    app.check_tx(zk_transfer(net, 0, 1, 1, 1))
    with pytest.raises(InsufficientZkpow):
        app.check_tx(zk_transfer(net, 0, 1, 1, 2))


def test_invalid_faucet_when_disabled(tmp_path: Path, net: Devnet) -> None:
    params = replace(net.params, faucet=replace(net.params.faucet, enabled=False))
    app = _app(tmp_path, net, params)
    with pytest.raises(FaucetDisabled):
        app.check_tx(wrap(TxKind.SEQUENCER, Faucet(b"\x01" * 20, b"s").encode()))


def test_faucet_credits_zkpow_and_fast_coins(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    who = bytes.fromhex(Account.create().address[2:])
    tx = wrap(TxKind.SEQUENCER, Faucet(who, b"salt").encode())
    app.check_tx(tx)
    assert run_block(app, T0, [tx])[0] == block_marker(ChainKind.FAST)
    assert app.zkpow.balance(who) == net.params.faucet.zkpow
    assert app.fast.account(who).balance == net.params.faucet.fast_wei


def test_invalid_proposals_are_rejected(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    z, f = zk_transfer(net, 0, 1, 1, 0), fast_transfer(net, 0, 0)
    assert app.process_proposal(1, T0, [])  # no block (test_an_empty_proposal_is_no_block)
    assert not app.process_proposal(1, T0, [z])  # no marker
    assert not app.process_proposal(1, T0, [block_marker(ChainKind.ZK), f])
    assert not app.process_proposal(1, T0, [block_marker(ChainKind.FAST), z])
    assert not app.process_proposal(2, T0, [block_marker(ChainKind.FAST), f])
    assert app.process_proposal(1, T0, [block_marker(ChainKind.FAST), f])


def test_a_transaction_failing_in_its_block_changes_nothing(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    root = app.zk.root()
    bad = zk_transfer(net, 0, 1, 10**30, 0)  # more than the balance
    with pytest.raises(BraidError):
        app.check_tx(bad)
    # a proposer may still include it: it fails with a named error and changes nothing
    run_block(app, T0, [block_marker(ChainKind.ZK), bad][1:])
    rec = app.store.block_txs(1)[0]
    assert not rec.ok and rec.error is not None and "InsufficientBalance" in rec.error
    assert app.zk.root() == root


def test_fast_blocks_hold_no_more_gas_than_the_block_limit(tmp_path: Path, net: Devnet) -> None:
    params = replace(net.params, fast=replace(net.params.fast, block_gas_limit=50_000))
    app = _app(tmp_path, net, params)
    txs = [fast_transfer(net, 0, n) for n in range(3)]
    for t in txs:
        app.check_tx(t)
    first = run_block(app, T0, txs)
    assert first[1:] == txs[:2]  # 2 x 21,000 gas fit in 50,000; the third waits
    assert all(r.ok for r in app.store.block_txs(1))
    assert run_block(app, T0 + 200, txs[2:])[1:] == txs[2:]
