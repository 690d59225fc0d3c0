"""The block transition: the header's rules (each invalid block named, the state unchanged),
replay of committed blocks with their headers checked field by field, and the verifying key
pinned by the genesis."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import rlp

from tests.unit.node.test_app import T0, fast_transfer, run_block, zk_transfer
from zkbraid.ledger.block import BlockHeader, ChainKind
from zkbraid.ledger.codec import CorruptRecord, RecordOutOfRange
from zkbraid.ledger.envelope import TxKind, block_marker, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.market.receipts import BundleReceipt, ProverReceipt
from zkbraid.market.transactions import Faucet
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.node.replay import replay
from zkbraid.proving.verifying_key import VerifyingKeyMismatch, verifying_key_hash
from zkbraid.sequencer.block import Block
from zkbraid.sequencer.errors import InvalidBlock, MissingVerifyingKey, UnexpectedVerifyingKey
from zkbraid.sequencer.genesis import Genesis
from zkbraid.sequencer.header import validate_block
from zkbraid.sequencer.receipts import (
    FastTxResult,
    FaucetResult,
    ZkTxResult,
    decode_result,
    encode_result,
)
from zkbraid.zk.transactions import TxType

VK = Path(__file__).resolve().parents[2] / "vectors" / "product_verification_key.json"


@pytest.fixture
def net() -> Devnet:
    return devnet(3, verifying_key_hash=None)


def _app(path: Path, net: Devnet) -> BraidApp:
    path.mkdir(parents=True, exist_ok=True)
    return BraidApp(net.params, LedgerStore(str(path / "node.sqlite")), net.zk_genesis)


def _some_blocks(app: BraidApp, net: Devnet) -> None:
    t = T0
    for i in range(3):
        t += 2_000
        faucet = wrap(TxKind.SEQUENCER, Faucet(bytes([i + 1]) * 20, b"salt").encode())
        candidates = [zk_transfer(net, 0, 1, 5, i), fast_transfer(net, 1, i), faucet]
        for raw in candidates:
            app.check_tx(raw)
        run_block(app, t, candidates)  # the ZK block
        run_block(app, t + 200, [c for c in candidates if c[0] != TxKind.ZK])


def test_invalid_blocks_are_named_and_change_nothing(tmp_path: Path, net: Devnet) -> None:
    app = _app(tmp_path, net)
    _some_blocks(app, net)
    state, params = app.state, net.params
    before = (app.info(), state.app_hash())
    head = state.head
    assert head is not None
    f = fast_transfer(net, 2, 0)
    z = zk_transfer(net, 2, 0, 1, 0)
    fast, zk = block_marker(ChainKind.FAST), block_marker(ChainKind.ZK)

    def block(*txs: bytes, dh: int = 1, dt: int = 10) -> Block:
        return Block(head.height + dh, head.timestamp_ms + dt, txs)

    # an empty proposal is no block (node/app.py, test_an_empty_proposal_is_no_block): never
    # a block to validate
    with pytest.raises(InvalidBlock):
        validate_block(state, params, block())
    cases = {
        "no marker": block(f),
        "height gap": block(fast, f, dh=2),
        "height replayed": block(fast, f, dh=0),
        "time stands still": block(fast, f, dt=0),
        "zk tx in a fast block": block(fast, z),
        "fast tx in a zk block": block(zk, f),
        "unknown kind": block(fast, b"\x09"),
        "too many": block(zk, *[z] * (params.timing.zk_max_txs + 1)),
    }
    for name, block in cases.items():
        with pytest.raises(InvalidBlock):
            validate_block(state, params, block)
        assert not app.process_proposal(block.height, block.time_ms, list(block.txs)), name
        with pytest.raises(InvalidBlock):
            app.finalize_block(block.height, block.time_ms, list(block.txs))
        assert (app.info(), app.state.app_hash()) == before, name
    # and the chain goes on from where it was
    app.check_tx(f)
    assert run_block(app, head.timestamp_ms + 200, [f])
    assert app.info().last_height == head.height + 1


def test_a_replayed_chain_computes_every_header(tmp_path: Path, net: Devnet) -> None:
    a = _app(tmp_path / "a", net)
    _some_blocks(a, net)
    b = _app(tmp_path / "b", net)
    assert replay(a.store, b) == a.info().last_height == 6
    assert b.info() == a.info()
    for h in range(1, 7):
        assert b.store.header(h) == a.store.header(h)
        assert [r.result for r in b.store.block_txs(h)] == [r.result for r in a.store.block_txs(h)]
    assert b.state.app_hash() == a.state.app_hash()
    assert replay(a.store, b) == 0  # nothing new


@pytest.mark.parametrize(
    "field,value",
    [
        ("app_hash", b"\x01" * 32),
        ("state_root", b"\x02" * 32),
        ("tx_root", b"\x03" * 32),
        ("parent_hash", b"\x04" * 32),
        ("chain_height", 7),
    ],
)
def test_invalid_replayed_header_is_refused_and_changes_nothing(
    tmp_path: Path, net: Devnet, field: str, value: object
) -> None:
    a = _app(tmp_path / "a", net)
    _some_blocks(a, net)
    b = _app(tmp_path / "b", net)
    replay(a.store, b, to_height=3)
    before = (b.info(), b.state.app_hash(), b.state.zk.root(), b.state.fast.state_root)
    header = a.store.header(4)
    assert header is not None
    body = [r.raw for r in a.store.block_txs(4)]
    marker = a.store.marker(4)
    assert marker is not None
    forged: BlockHeader = replace(header, **{field: value})
    with pytest.raises(InvalidBlock) as e:
        b.apply_block(forged, marker, body)
    assert "block 4" in str(e.value)
    after = (b.info(), b.state.app_hash(), b.state.zk.root(), b.state.fast.state_root)
    assert after == before and b.store.header(4) is None
    b.apply_block(header, marker, body)  # the real block still applies
    assert b.store.header(4) == header


def test_invalid_replay_of_another_genesis(tmp_path: Path, net: Devnet) -> None:
    a = _app(tmp_path / "a", net)
    _some_blocks(a, net)
    other = devnet(4, verifying_key_hash=None)
    b = _app(tmp_path / "b", other)
    with pytest.raises(InvalidBlock):
        replay(a.store, b)
    assert b.info().last_height == 0


def test_receipts_are_typed_and_stored_in_their_own_encoding() -> None:
    for result in (
        ZkTxResult(TxType.TRANSFER, 10**16),
        ZkTxResult(TxType.REGISTER_KEY, 1, account_index=7),
        FastTxResult(3, 1, 21_000),
        FastTxResult(3, None, 0),
        FaucetResult(b"\x01" * 20, 5, 6),
        ProverReceipt(b"\x02" * 20, False, (b"\x03" * 32,)),
        BundleReceipt(4, b"\x05" * 32, b"\x06" * 20, 7),
        None,
    ):
        assert decode_result(encode_result(result)) == result


@pytest.mark.parametrize(
    "raw",
    [
        b"\x09" + ZkTxResult(TxType.TRANSFER, 1).encode(),  # no such receipt type
        b"\x01\xc0",  # a ZK result of no fields
        b"\x02" + rlp.encode([3, [1, 2], 0]),  # an optional of two values
        b"\x01" + rlp.encode([0x99, 1, [], []]),  # no such transaction type
    ],
)
def test_invalid_stored_receipts_are_named(raw: bytes) -> None:
    with pytest.raises(CorruptRecord):
        decode_result(raw)


def test_invalid_receipt_values_are_never_stored_wrapped() -> None:
    with pytest.raises(RecordOutOfRange):
        encode_result(ZkTxResult(TxType.TRANSFER, 2**64))


class KeyOnly:
    """A verifier as far as the genesis looks at one: its key's hash (no pairing checks)."""

    def __init__(self, text: str) -> None:
        self.key_hash = verifying_key_hash(text)


def test_the_genesis_pins_the_verifying_key(net: Devnet) -> None:
    verifier: Any = KeyOnly(VK.read_text())
    pinned = replace(net.params, verifying_key_hash=verifier.key_hash)
    assert Genesis.make(pinned, net.zk_genesis, verifier).verifier is verifier
    wrong = replace(net.params, verifying_key_hash=b"\x07" * 32)
    with pytest.raises(VerifyingKeyMismatch) as e:
        Genesis.make(wrong, net.zk_genesis, verifier)
    assert "0x" + verifier.key_hash.hex() in str(e.value)
    with pytest.raises(MissingVerifyingKey):
        Genesis.make(pinned, net.zk_genesis, None)
    with pytest.raises(UnexpectedVerifyingKey):
        Genesis.make(net.params, net.zk_genesis, verifier)


def test_a_node_whose_key_differs_refuses_to_start(tmp_path: Path, net: Devnet) -> None:
    verifier: Any = KeyOnly(VK.read_text())
    params = replace(net.params, verifying_key_hash=b"\x07" * 32)
    with pytest.raises(VerifyingKeyMismatch):
        BraidApp(params, LedgerStore(str(tmp_path / "node.sqlite")), net.zk_genesis, verifier)
