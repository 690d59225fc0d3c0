"""Block headers, envelopes and the commitments they carry."""

import pytest

from zkbraid.errors import MalformedInput
from zkbraid.ledger.block import ZERO_HASH, BlockHeader, ChainKind, app_hash, tx_root
from zkbraid.ledger.envelope import (
    MalformedEnvelope,
    TxKind,
    block_marker,
    read_marker,
    unwrap,
    wrap,
)


def _header(**kw: object) -> BlockHeader:
    base: dict[str, object] = dict(
        height=7,
        chain=ChainKind.FAST,
        chain_height=5,
        parent_hash=b"\x01" * 32,
        chain_parent_hash=b"\x02" * 32,
        timestamp_ms=1_700_000_000_123,
        tx_root=ZERO_HASH,
        state_root=b"\x03" * 32,
        app_hash=b"\x04" * 32,
    )
    base.update(kw)
    return BlockHeader(**base)  # type: ignore[arg-type]


def test_header_roundtrips_and_hash_commits_to_every_field() -> None:
    h = _header()
    assert BlockHeader.decode(h.encode()) == h
    for change in (
        {"height": 8},
        {"chain": ChainKind.ZK},
        {"chain_height": 6},
        {"parent_hash": b"\x09" * 32},
        {"chain_parent_hash": b"\x09" * 32},
        {"timestamp_ms": 1},
        {"tx_root": b"\x09" * 32},
        {"state_root": b"\x09" * 32},
        {"app_hash": b"\x09" * 32},
    ):
        assert _header(**change).hash != h.hash, change


def test_invalid_header_bytes_are_a_named_error() -> None:
    with pytest.raises(MalformedInput):
        BlockHeader.decode(b"\xc1\x01")


def test_tx_root_depends_on_order_and_content() -> None:
    a, b, c = (bytes([i]) * 32 for i in (1, 2, 3))
    assert tx_root([]) == ZERO_HASH
    assert tx_root([a]) == a
    assert tx_root([a, b]) != tx_root([b, a])
    assert tx_root([a, b, c]) != tx_root([a, b])


def test_app_hash_commits_to_all_three_roots() -> None:
    r = b"\x00" * 32
    base = app_hash(r, r, r)
    assert app_hash(b"\x01" * 32, r, r) != base
    assert app_hash(r, b"\x01" * 32, r) != base
    assert app_hash(r, r, b"\x01" * 32) != base


def test_envelopes_and_markers() -> None:
    assert unwrap(wrap(TxKind.ZK, b"abc")) == (TxKind.ZK, b"abc")
    assert read_marker(block_marker(ChainKind.ZK)) == (ChainKind.ZK, b"")
    assert read_marker(block_marker(ChainKind.FAST)) == (ChainKind.FAST, b"")
    assert read_marker(block_marker(ChainKind.ZK, b"seen")) == (ChainKind.ZK, b"seen")


def test_invalid_envelopes() -> None:
    with pytest.raises(MalformedEnvelope, match="empty"):
        unwrap(b"")
    with pytest.raises(MalformedEnvelope, match="unknown transaction kind"):
        unwrap(b"\x09abc")
    with pytest.raises(MalformedEnvelope, match="block marker"):
        read_marker(wrap(TxKind.ZK, b"\x00"))
    with pytest.raises(MalformedEnvelope, match="block marker"):
        read_marker(wrap(TxKind.BLOCK_MARKER, b"\x05"))
    with pytest.raises(MalformedEnvelope, match="fast block"):
        read_marker(wrap(TxKind.BLOCK_MARKER, b"\x01extra"))
    with pytest.raises(ValueError):
        block_marker(ChainKind.FAST, b"extra")
