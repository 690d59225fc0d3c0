"""Admission checks: every rejection has a name and a specific message, and changes nothing.

Vectors: (name, raw transaction built against the genesis state, pending nonce, expected error
class, a fragment of its message).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import rlp
from eth_hash.auto import keccak
from rlp.codec import length_prefix

from zkbraid.errors import BraidError
from zkbraid.fast.errors import (
    FeeTooLow,
    GasLimitExceeded,
    InsufficientFunds,
    IntrinsicGasTooLow,
    InvalidSignature,
    MalformedTransaction,
    NonceTooHigh,
    NonceTooLow,
    SenderNotEOA,
    TipAboveMaxFee,
    UnprotectedTransaction,
    WrongChainId,
)
from zkbraid.fast.txs import signing_hash

from .game import GAME_BYTECODE
from .helpers import (
    ALICE,
    BOB,
    CAROL,
    ETHER,
    GWEI,
    NOBODY,
    SECP256K1_N,
    addr,
    new_chain,
    resign_fields,
    sign,
    transfer,
)

Build = Callable[[], bytes]


def high_s() -> bytes:
    raw = transfer(ALICE, addr(BOB), 1, 0)
    fields = rlp.decode(raw[1:])
    y_parity, s = int.from_bytes(fields[-3], "big"), int.from_bytes(fields[-1], "big")
    return resign_fields(raw, v=1 - y_parity, s=SECP256K1_N - s)


def bad_y_parity() -> bytes:
    return resign_fields(transfer(ALICE, addr(BOB), 1, 0), v=2)


def unrecoverable() -> bytes:
    # r = 1 is not the x coordinate of any point on the curve with these parities.
    return resign_fields(transfer(ALICE, addr(BOB), 1, 0), r=5)


REJECTIONS: list[tuple[str, Build, int | None, type[BraidError], str]] = [
    ("empty", lambda: b"", None, MalformedTransaction, "empty"),
    ("garbage", lambda: b"\xc3\x01\x02", None, MalformedTransaction, "undecodable"),
    ("bad envelope byte", lambda: b"\x85abcde", None, MalformedTransaction, "RLP list"),
    ("blob type", lambda: b"\x03" + rlp.encode([1, 2]), None, MalformedTransaction, "type 3"),
    ("set-code type", lambda: b"\x04" + rlp.encode([1]), None, MalformedTransaction, "type 4"),
    (
        "trailing bytes",
        lambda: transfer(ALICE, addr(BOB), 1, 0) + b"\x00",
        None,
        MalformedTransaction,
        "undecodable",
    ),
    (
        "oversize",
        lambda: sign(ALICE, to=addr(BOB), gas=3_000_000, data=b"\x01" * 140_000),
        None,
        MalformedTransaction,
        "exceeds the maximum",
    ),
    (
        "initcode too big",
        lambda: sign(ALICE, gas=29_000_000, data=b"\x00" * 49_153),
        None,
        MalformedTransaction,
        "EIP-3860",
    ),
    (
        "nonce 2^64-1",
        lambda: transfer(ALICE, addr(BOB), 1, 2**64 - 1),
        None,
        MalformedTransaction,
        "2^64-1",
    ),
    (
        "unprotected legacy",
        lambda: transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI, chainId=None),
        None,
        UnprotectedTransaction,
        "EIP-155",
    ),
    (
        "other chain, 1559",
        lambda: transfer(ALICE, addr(BOB), 1, 0, chainId=1),
        None,
        WrongChainId,
        "chain id 1,",
    ),
    (
        "other chain, legacy",
        lambda: transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI, chainId=5),
        None,
        WrongChainId,
        "chain id 5,",
    ),
    ("high s", high_s, None, InvalidSignature, "EIP-2"),
    (
        "r zero",
        lambda: resign_fields(transfer(ALICE, addr(BOB), 1, 0), r=0),
        None,
        InvalidSignature,
        "out of range",
    ),
    ("y parity 2", bad_y_parity, None, InvalidSignature, "y parity"),
    ("unrecoverable", unrecoverable, None, InvalidSignature, "recover"),
    ("replayed nonce", lambda: transfer(CAROL, addr(BOB), 1, 0), None, NonceTooLow, "already used"),
    ("gap", lambda: transfer(ALICE, addr(BOB), 1, 1), None, NonceTooHigh, "gap"),
    (
        "gap after pending",
        lambda: transfer(ALICE, addr(BOB), 1, 5),
        3,
        NonceTooHigh,
        "next nonce is 3",
    ),
    ("taken by pending", lambda: transfer(ALICE, addr(BOB), 1, 1), 3, NonceTooLow, "pending"),
    (
        "value over balance",
        lambda: transfer(CAROL, addr(BOB), 5 * ETHER, 1),
        None,
        InsufficientFunds,
        "does not cover",
    ),
    (
        "gas over balance",
        lambda: transfer(NOBODY, addr(BOB), 0, 0),
        None,
        InsufficientFunds,
        "balance 0 wei",
    ),
    (
        "gas below 21000",
        lambda: transfer(ALICE, addr(BOB), 1, 0, gas=20_999),
        None,
        IntrinsicGasTooLow,
        "intrinsic gas 21000",
    ),
    (
        "legacy gas below 21000",
        lambda: transfer(ALICE, addr(BOB), 1, 0, gas=20_000, gasPrice=GWEI),
        None,
        IntrinsicGasTooLow,
        "intrinsic",
    ),
    (
        "calldata floor (EIP-7623)",
        lambda: sign(ALICE, to=addr(BOB), gas=21_000 + 16 * 100, data=b"\x01" * 100),
        None,
        IntrinsicGasTooLow,
        "25000",
    ),
    (
        "create without initcode gas",
        lambda: sign(ALICE, gas=53_000 + 16 * 10, data=b"\x01" * 10),
        None,
        IntrinsicGasTooLow,
        "intrinsic",
    ),
    (
        "above block gas limit",
        lambda: transfer(ALICE, addr(BOB), 1, 0, gas=30_000_001),
        None,
        GasLimitExceeded,
        "block gas limit",
    ),
    (
        "max fee below base fee",
        lambda: transfer(ALICE, addr(BOB), 1, 0, maxFeePerGas=GWEI - 1, maxPriorityFeePerGas=0),
        None,
        FeeTooLow,
        "below the base fee",
    ),
    (
        "legacy price below base fee",
        lambda: transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI // 2),
        None,
        FeeTooLow,
        "below the base fee",
    ),
    (
        "tip above max fee",
        lambda: transfer(
            ALICE, addr(BOB), 1, 0, maxFeePerGas=2 * GWEI, maxPriorityFeePerGas=3 * GWEI
        ),
        None,
        TipAboveMaxFee,
        "above max fee",
    ),
]


@pytest.mark.parametrize(
    ("build", "pending", "error", "fragment"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
def test_invalid_transaction(
    build: Build, pending: int | None, error: type[BraidError], fragment: str
) -> None:
    store, chain = new_chain()
    # CAROL's nonce 0 is used in block 1, so that a replay can be tried.
    chain.execute_block([chain.check_transaction(transfer(CAROL, addr(ALICE), 1, 0))], 1)
    store.write_buffer()
    head, root = chain.head(), chain.state_root
    with pytest.raises(error) as info:
        chain.check_transaction(build(), pending_nonce=pending)
    assert type(info.value) is error
    assert fragment in str(info.value)
    assert chain.head() == head and chain.state_root == root
    assert store.pending_writes == 0


def test_invalid_sender_with_code() -> None:
    """EIP-3607: no transaction from an address that holds code (here, given code at genesis)."""
    _, chain = new_chain(genesis_code={addr(CAROL): b"\x00"})
    with pytest.raises(SenderNotEOA, match="EIP-3607"):
        chain.check_transaction(transfer(CAROL, addr(BOB), 0, 0))


@pytest.mark.parametrize(
    "raw",
    [
        transfer(ALICE, addr(BOB), 1, 0),
        transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI),
        transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI, type=1, accessList=[]),
        sign(ALICE, gas=200_000, data=GAME_BYTECODE),
    ],
    ids=["eip1559", "legacy-eip155", "eip2930", "create"],
)
def test_valid_transactions_recover_the_signer_as_pyevm(raw: bytes) -> None:
    _, chain = new_chain()
    ftx = chain.check_transaction(raw)
    assert ftx.sender == addr(ALICE)
    reference = chain.vm_class.get_transaction_builder().decode(raw)
    assert reference.get_sender() == ftx.sender
    message = reference.get_message_for_signing()
    assert signing_hash(raw, ftx.type, chain.params.chain_id) == keccak(message)
    assert ftx.hash == reference.hash
    assert chain.decode_transaction(raw) is ftx  # decoded once, then cached


def test_signatures_use_the_coincurve_backend() -> None:
    """Recovery goes through coincurve (libsecp256k1), directly and in eth_keys."""
    from eth_keys.backends import get_backend

    assert type(get_backend()).__name__ == "CoinCurveECCBackend"


COMMON_SHAPES = {
    "eip1559": transfer(ALICE, addr(BOB), 10**18, 3),
    "eip1559 create": sign(ALICE, gas=200_000, data=GAME_BYTECODE),
    "eip1559 zero fields": sign(ALICE, to=addr(BOB), maxFeePerGas=0, maxPriorityFeePerGas=0),
    "eip1559 access list": sign(
        ALICE,
        to=addr(BOB),
        gas=60_000,
        accessList=[{"address": "0x" + "11" * 20, "storageKeys": ["0x" + "00" * 31 + "01"]}],
    ),
    "legacy": transfer(ALICE, addr(BOB), 1, 7, gasPrice=GWEI, gas=30_000, data=b"\x00\x01"),
    "legacy create": sign(ALICE, gas=200_000, gasPrice=GWEI, data=b"\x60\x00"),
    "eip2930": transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI, type=1, accessList=[]),
}


@pytest.mark.parametrize("raw", list(COMMON_SHAPES.values()), ids=list(COMMON_SHAPES))
def test_fast_decoding_builds_pyevms_transaction(raw: bytes) -> None:
    _, chain = new_chain()
    reference = chain.vm_class.get_transaction_builder().decode(raw)
    ours = chain.decode_transaction(raw).transaction
    assert type(ours) is type(reference)
    assert ours == reference
    assert ours.encode() == reference.encode() == raw
    assert ours.intrinsic_gas == reference.intrinsic_gas


def _mangle(raw: bytes, index: int, value: bytes) -> bytes:
    typed = raw[0] < 0x80
    items = rlp.decode(raw[1:] if typed else raw)
    items[index] = value
    encoded = bytes(rlp.encode(items))
    return raw[:1] + encoded if typed else encoded


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (_mangle(transfer(ALICE, addr(BOB), 1, 5), 1, b"\x00\x05"), "undecodable"),
        (_mangle(transfer(ALICE, addr(BOB), 1, 0), 5, b"\x11" * 19), "undecodable"),
        (_mangle(transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI), 2, b"\x00"), "undecodable"),
        (_mangle(transfer(ALICE, addr(BOB), 1, 0), 7, [b"x"]), "undecodable"),  # type: ignore[arg-type]
    ],
    ids=["leading zero", "short address", "zero as 0x00", "data as a list"],
)
def test_invalid_noncanonical_fields(raw: bytes, fragment: str) -> None:
    _, chain = new_chain()
    with pytest.raises(MalformedTransaction, match=fragment):
        chain.check_transaction(raw)


def _with_long_form_item(raw: bytes, index: int) -> bytes:
    """`raw` with payload item `index` (a short byte string) given a long-form length prefix."""
    typed = raw[0] < 0x80
    items = rlp.decode(raw[1:] if typed else raw)
    parts = [rlp.encode(item) for item in items]
    value = items[index]
    parts[index] = b"\xb8" + bytes((len(value),)) + value  # canonical only from 56 bytes on
    payload = b"".join(parts)
    encoded = length_prefix(len(payload), 0xC0) + payload
    return raw[:1] + encoded if typed else encoded


@pytest.mark.parametrize("index", [0, 5, 7], ids=["chain id", "to", "data"])
def test_invalid_noncanonical_rlp_lengths(index: int) -> None:
    raw = _with_long_form_item(transfer(ALICE, addr(BOB), 1, 0), index)
    _, chain = new_chain()
    with pytest.raises(MalformedTransaction, match="undecodable"):
        chain.check_transaction(raw)
