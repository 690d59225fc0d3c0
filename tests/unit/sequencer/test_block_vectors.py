"""The block-level vectors (tests/vectors/block_vectors.py) through the block transition: each
one replayed over an in-memory store, every transaction family among them, every invalid block
refused with its reason, and the exported JSON current and replayable from itself alone."""

from __future__ import annotations

import json

import pytest

from tests.vectors import block_vectors as bv
from tests.vectors import export_blocks
from zkbraid.ledger.envelope import TxKind, unwrap
from zkbraid.ledger.kv import memory_store
from zkbraid.market.market_txs import ProverHeartbeat, RegisterProver
from zkbraid.market.transactions import Faucet, SubmitProof
from zkbraid.sequencer.admission import decode
from zkbraid.sequencer.attest_tx import Attest
from zkbraid.sequencer.header import REASONS
from zkbraid.sequencer.state import SequencerState
from zkbraid.staking.transactions import Bond, Unbond
from zkbraid.zk.transactions import TxType, ZkTransaction


@pytest.mark.parametrize("name", sorted(bv.VECTORS))
def test_block_vector(name: str) -> None:
    bv.run_vector(bv.VECTORS[name])


def _all_blocks() -> list[bv.Signed]:
    out: list[bv.Signed] = []
    for fn in bv.VECTORS.values():
        parts = dict(fn())
        out += [*parts["pre"].blocks, *parts["blocks"]]
    return out


def test_the_vectors_cover_every_transaction_family() -> None:
    scratch = SequencerState(memory_store(), bv.genesis(), create=True)
    zk_types: set[TxType] = set()
    others: set[type] = set()
    kinds: set[TxKind] = set()
    for signed in _all_blocks():
        for raw in signed.block.body:
            try:
                kind, _ = unwrap(raw)
                tx = decode(raw, scratch.fast).tx
            except Exception:
                continue  # the invalid blocks' malformed transactions
            kinds.add(kind)
            if isinstance(tx, ZkTransaction):
                zk_types.add(tx.TYPE)
            else:
                others.add(type(tx))
    assert zk_types == set(TxType)
    sequencer = {Faucet, RegisterProver, ProverHeartbeat, SubmitProof, Bond, Unbond, Attest}
    assert sequencer <= others
    assert kinds == {TxKind.ZK, TxKind.FAST, TxKind.SEQUENCER}


def test_every_invalid_vector_names_its_reason() -> None:
    reasons = set()
    for name, fn in bv.VECTORS.items():
        error = dict(fn())["error"]
        if name.startswith("invalid_"):
            assert error[0] == "InvalidBlock" and error[1] in REASONS, name
            reasons.add(error[1])
    assert reasons == set(REASONS)


def test_the_exported_vectors_are_current() -> None:
    files = export_blocks.render()
    on_disk = {p.name: p.read_text() for p in export_blocks.OUT.glob("*.json")}
    assert on_disk == files, "run .venv/bin/python -m tests.vectors.export_blocks"


@pytest.mark.parametrize("name", sorted(bv.VECTORS))
def test_an_exported_vector_replays_from_its_json_alone(name: str) -> None:
    export_blocks.replay_json(json.loads((export_blocks.OUT / f"{name}.json").read_text()))
