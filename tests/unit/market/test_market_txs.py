"""Market transactions: encodings, signatures, and every way decoding refuses bytes."""

from __future__ import annotations

from dataclasses import replace

import pytest
import rlp
from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from zkbraid.crypto.personal_sign import SECP256K1_N
from zkbraid.market.market_txs import (
    DEACTIVATE_PROVER,
    PROVER_HEARTBEAT,
    REGISTER_PROVER,
    SUBMIT_BUNDLE,
    BadMarketSignature,
    BundleEntry,
    MarketTx,
    ProverHeartbeat,
    decode_market_tx,
    sign_bundle,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.transactions import MalformedSequencerTx

KEY = bytes(keccak(b"prover 0"))
OTHER = bytes(keccak(b"prover 1"))
ADDRESS = bytes(PrivateKey(KEY).public_key.to_canonical_address())
ENTRY = BundleEntry(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, b"\x04" * 256)


def _all() -> list[MarketTx]:
    return [
        sign_register(KEY),
        sign_heartbeat(KEY, 7),
        sign_deactivate(KEY, 8),
        sign_bundle(KEY, 3, [ENTRY, replace(ENTRY, tx_hash=b"\x05" * 32)]),
    ]


def test_vectors() -> None:
    """RFC 6979 signatures are deterministic: these encodings are fixed."""
    assert ADDRESS.hex() == "ba1dc1f329212e2ee4e82805ad1c7fcfbfabfee3"
    assert (
        keccak(sign_register(KEY).encode()).hex()
        == "dd446a6d27f96141ca420cd7d997ce113aef9aefdc343b073cc603e9d36767a4"
    )
    assert (
        keccak(sign_heartbeat(KEY, 7).encode()).hex()
        == "9c3547ef4f6882373f673d2d6771684f829e12ee5cdbe1a63bcf0fa11c80b6ac"
    )


@pytest.mark.parametrize("index", range(4))
def test_round_trip_and_signature(index: int) -> None:
    tx = _all()[index]
    raw = tx.encode()
    assert raw[0] == (REGISTER_PROVER, PROVER_HEARTBEAT, DEACTIVATE_PROVER, SUBMIT_BUNDLE)[index]
    decoded = decode_market_tx(raw)
    assert decoded == tx
    decoded.check_signature()
    assert decoded.prover == ADDRESS


def test_invalid_signature_by_another_key() -> None:
    forged = replace(sign_heartbeat(OTHER, 7), prover=ADDRESS)
    with pytest.raises(BadMarketSignature):
        forged.check_signature()
    stolen = replace(sign_bundle(OTHER, 3, [ENTRY]), prover=ADDRESS)
    with pytest.raises(BadMarketSignature):
        stolen.check_signature()


def test_invalid_signature_over_other_fields() -> None:
    with pytest.raises(BadMarketSignature):
        replace(sign_heartbeat(KEY, 7), nonce=8).check_signature()
    with pytest.raises(BadMarketSignature):
        replace(sign_bundle(KEY, 3, [ENTRY]), batch=4).check_signature()
    with pytest.raises(BadMarketSignature):  # a heartbeat's signature is no deactivation's
        hb = sign_heartbeat(KEY, 7)
        decode_market_tx(bytes([DEACTIVATE_PROVER]) + hb.encode()[1:]).check_signature()


def test_invalid_high_s_signature() -> None:
    hb = sign_heartbeat(KEY, 7)
    r, s, v = hb.signature[:32], int.from_bytes(hb.signature[32:64], "big"), hb.signature[64]
    flipped = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    with pytest.raises(BadMarketSignature):
        ProverHeartbeat(hb.prover, hb.nonce, flipped).check_signature()


def _raw(kind: int, fields: list[object]) -> bytes:
    return bytes([kind]) + bytes(rlp.encode(fields))


SIG = b"\x01" * 65
BAD_ENCODINGS = {
    "empty": b"",
    "faucet type": bytes([0x01]) + bytes(rlp.encode([b"\x00" * 20, b"x"])),
    "unknown type": bytes([0x07]) + bytes(rlp.encode([])),
    "bad rlp": bytes([PROVER_HEARTBEAT, 0xF8]),
    "not a list": _raw(PROVER_HEARTBEAT, b"abc"),  # type: ignore[arg-type]
    "short key": _raw(REGISTER_PROVER, [b"\x01" * 63, SIG]),
    "extra field": _raw(REGISTER_PROVER, [b"\x01" * 64, SIG, b""]),
    "short address": _raw(PROVER_HEARTBEAT, [b"\x01" * 19, 1, SIG]),
    "leading zero nonce": _raw(PROVER_HEARTBEAT, [b"\x01" * 20, b"\x00\x01", SIG]),
    "huge nonce": _raw(DEACTIVATE_PROVER, [b"\x01" * 20, 2**64, SIG]),
    "list nonce": _raw(DEACTIVATE_PROVER, [b"\x01" * 20, [b"\x01"], SIG]),
    "short signature": _raw(PROVER_HEARTBEAT, [b"\x01" * 20, 1, SIG[:64]]),
    "no entries": _raw(SUBMIT_BUNDLE, [0, [], b"\x01" * 20, SIG]),
    "short proof": _raw(
        SUBMIT_BUNDLE,
        [0, [[b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, b"\x04" * 255]], b"\x01" * 20, SIG],
    ),
    "entry fields": _raw(SUBMIT_BUNDLE, [0, [[b"\x01" * 32]], b"\x01" * 20, SIG]),
}


@pytest.mark.parametrize("name", sorted(BAD_ENCODINGS))
def test_invalid_encoding(name: str) -> None:
    with pytest.raises(MalformedSequencerTx):
        decode_market_tx(BAD_ENCODINGS[name])
