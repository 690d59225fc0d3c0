"""The market as the node uses it: commitments, restarts and reloads, the node's own events
(market/state.py, book.py, store.py)."""

from __future__ import annotations

import pytest

from tests.unit.market.chain import (
    FEE,
    KEYS,
    PARAMS,
    Chain,
    address,
    aggregated_chain,
    bundle_entries,
)
from zkbraid.market.errors import (
    BlockOutOfOrder,
    DuplicateJob,
    RootChainBroken,
)
from zkbraid.market.market_txs import (
    sign_bundle,
)


def test_a_restarted_market_continues_like_one_that_never_stopped() -> None:
    """Two nodes fed the same blocks; one restarts (a new Market over its committed store) and
    both go on: their roots and results stay equal."""
    a, b = Chain(), Chain()
    for c in (a, b):
        c.register(*range(5))
        for k in range(12):
            c.block(dt_ms=3_000, commits=2, txs=(c.heartbeat_tx(k % 5),))
    assert a.market.root == b.market.root
    r = Chain(store=b.store)
    r.height, r.time_ms, r.block_hash = b.height, b.time_ms, b.block_hash
    r.zk_root, r.txs, r.nonces = b.zk_root, list(b.txs), dict(b.nonces)
    assert r.market.root == a.market.root
    assert r.market.open_jobs() == a.market.open_jobs()
    assert r.market.provers() == a.market.provers()
    outs = []
    for c in (a, r):  # deadlines, lapses and reassignment after the restart
        outs.append([c.block(dt_ms=PARAMS.deadline_ms, commits=3)])
        outs[-1] += [c.block(dt_ms=2_000) for _ in range(PARAMS.heartbeat_window_blocks)]
        assert any(o.fined for o in outs[-1]) and any(o.lapsed for o in outs[-1])
    assert outs[0] == outs[1]
    assert (r.market.root, r.zkpow.root) == (a.market.root, a.zkpow.root)


def test_a_restart_between_a_batchs_proofs_and_its_bundle() -> None:
    """Proven jobs of a batch not yet aggregated are live: a restarted node still counts them,
    checks the bundle against them, and ends with the roots of one that never stopped."""
    a, _ = aggregated_chain()
    b, agg = aggregated_chain()
    r = Chain(b.params, store=b.store)
    r.height, r.time_ms, r.block_hash = b.height, b.time_ms, b.block_hash
    r.zk_root, r.txs = b.zk_root, list(b.txs)
    assert r.market.root == a.market.root
    batch = r.market.batch(0)
    assert batch is not None and (batch.proven, batch.count, batch.aggregating) == (3, 3, True)
    for c in (a, r):
        c.block(txs=(sign_bundle(KEYS[agg], 0, bundle_entries(c, c.txs[:3])),))
        done = c.market.batch(0)
        assert done is not None and done.aggregated_by == address(agg) and done.proven == 3
    assert (r.market.root, r.zkpow.root) == (a.market.root, a.zkpow.root)
    assert Chain(b.params, store=b.store).market.root == a.market.root


def test_reload_forgets_uncommitted_writes() -> None:
    c = Chain()
    c.register(0, 1)
    root = c.market.root
    c.open()
    c.market.job_committed(b"\x01" * 32, FEE, c.zk_root, c.zk_root + 1, c.height, c.time_ms)
    assert c.market.root != root
    c.store.discard()
    c.zkpow.reload()
    c.market.reload()
    assert c.market.root == root and c.market.job(b"\x01" * 32) is None


def test_invalid_node_side_events() -> None:
    c = Chain()
    c.register(0)
    c.block(commits=1)
    root = c.market.root
    c.open()
    with pytest.raises(DuplicateJob):
        c.market.job_committed(c.tx(0), FEE, c.zk_root, c.zk_root + 1, c.height, c.time_ms)
    with pytest.raises(RootChainBroken):
        c.market.job_committed(b"\x02" * 32, FEE, 999, 1000, c.height, c.time_ms)
    with pytest.raises(BlockOutOfOrder):
        c.market.on_block(c.height - 1, b"\x00" * 32, c.time_ms)
    assert c.market.root == root
