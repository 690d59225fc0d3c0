"""What a proof states: its public inputs, and the transaction's public data they commit to.

A proof of one ZK-chain transaction has five public inputs (circuits/README.md):

    [old_root, new_root, tx_data[0], tx_data[1], tx_data[2]]

`tx_data` is the transaction's *public data*, the record a batch publishes for data
availability, cut into field elements the L1 contract reads straight from that record without
hashing. The record is the type byte and the narrow fields big-endian (the header), then the wide
fields; each type's rule declares its record's layout (`ZkRule.pubdata`, zk/rules/), which this
module turns into bytes and public inputs:

    RegisterKey  0x10 ‖ fee (8) ‖ eth_address (20)            ‖ pk_x (32) ‖ pk_y (32)   93 bytes
    Transfer     0x11 ‖ fee (8) ‖ from (4) ‖ to (4) ‖ token (2) ‖ amount (16)           35 bytes
    NftMint      0x12 ‖ fee (8) ‖ minter (4) ‖ collection (2) ‖ to (4) ‖ content (32)  51 bytes
    NftTransfer  0x13 ‖ fee (8) ‖ from (4) ‖ to (4) ‖ nft_id (4)                        21 bytes
    Deposit      0x14 ‖ fee (8, 0) ‖ deposit_id (8) ‖ to (4) ‖ token (2)
                      ‖ recipient (20) ‖ amount (16)                                59 bytes
    Withdraw     0x15 ‖ fee (8) ‖ from (4) ‖ token (2) ‖ l1_recipient (20) ‖ amount (16) 51 bytes

and the hybrid's (docs/hybrid.md):

    MoveToFast       0x16 ‖ fee (8) ‖ from (4) ‖ token (2)             ‖ amount (16)     31 bytes
    MoveFromFast     0x17 ‖ fee (8, 0) ‖ exit_id (8) ‖ to (4) ‖ token (2) ‖ amount (16) 39 bytes
    CreateCollection 0x18 ‖ fee (8) ‖ creator (4) ‖ collection (2) ‖ cap (4) ‖ minter (20) 39
    GameMint         0x19 ‖ fee (8, 0) ‖ report_id (8) ‖ collection (2) ‖ round (4) ‖ to (4)
                          ‖ content (32) ‖ game (20)                                 79 bytes
    NftList          0x1A ‖ fee (8) ‖ owner (4) ‖ nft (4) ‖ token (2) ‖ expiry (8) ‖ price (16) 43
    NftCancel        0x1B ‖ fee (8) ‖ owner (4) ‖ nft (4)                                17 bytes
    NftBuy           0x1C ‖ fee (8) ‖ buyer (4) ‖ nft (4) ‖ token (2) ‖ time (8) ‖ price (16)  43

NftBuy's `time` is the ZK block's time in seconds, which its rule reads (time <= the listing's
expiry): the validators compute the statement with their block's time, so a proof made for
another time does not verify.

    tx_data[0] = the header as a big-endian integer (at most 29 bytes)
    tx_data[1] = the first wide field (pk_x, amount, content hash, recipient), else 0
    tx_data[2] = the second wide field (pk_y, a deposit's or withdrawal's amount), else 0

Nonces and signatures are not published: the circuit checks them against the old root. The fee
is, because the signed message covers it and RegisterKey's Ethereum signature, which L1 checks
from published data, signs it. A RegisterKey's account index and an NftMint's NFT id are the
state's counters, so they are not published either.

A Deposit's record is what L1 matches against the deposit it stored (id, recipient, amount: the
circuit proves the credited account is bound to that recipient); a Withdraw's is what L1 pays
out (recipient and amount).
"""

from __future__ import annotations

from operator import attrgetter

from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.errors import MalformedInput
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules import RULES
from zkbraid.zk.rules.pubdata import (
    ACCOUNT_BYTES,
    AMOUNT_BYTES,
    BLOCK_TIME,
    COLLECTION_BYTES,
    FEE_BYTES,
    NFT_BYTES,
    TIME_BYTES,
    TOKEN_BYTES,
    PubdataLayout,
)
from zkbraid.zk.transactions import TxType, ZkTransaction

N_TX_DATA = 3
N_PUBLIC_INPUTS = 2 + N_TX_DATA

_LAYOUTS: dict[TxType, PubdataLayout] = {t: rule.pubdata for t, rule in RULES.items()}
_HEADER_LENGTHS = {t: layout.header_length for t, layout in _LAYOUTS.items()}
_WIDE_LENGTHS = {t: tuple(f.width for f in layout.wide) for t, layout in _LAYOUTS.items()}
# Each type's record: whether it holds the block's time, and each field's name, width and
# reader (None: the ZK block's time, else the transaction's attribute), and its bound.
_READERS = {
    t: (
        layout.needs_block_time,
        tuple(
            (
                f.name,
                f.width,
                None if f.source == BLOCK_TIME else attrgetter(f.source),
                1 << 8 * f.width,
            )
            for f in (*layout.header, *layout.wide)
        ),
    )
    for t, layout in _LAYOUTS.items()
}
_TIME_OFFSETS: dict[int, int] = {}
for _t, _layout in _LAYOUTS.items():
    _offset = 1 + FEE_BYTES
    for _f in (*_layout.header, *_layout.wide):
        if _f.source == BLOCK_TIME:
            _TIME_OFFSETS[_t] = _offset
        _offset += _f.width


class MalformedPubdata(MalformedInput):
    """Bytes that are not one transaction's public data record."""


class UnsupportedParams(MalformedInput):
    """Chain parameters wider than the circuit's public data can carry."""


def check_params(params: ZkParams) -> None:
    """Raises `UnsupportedParams` unless every id and value fits its public data width."""
    limits = (
        ("account_depth", params.account_depth, 8 * ACCOUNT_BYTES),
        ("nft_depth", params.nft_depth, 8 * NFT_BYTES),
        ("token_depth", params.token_depth, 8 * TOKEN_BYTES),
        ("collection_depth", params.collection_depth, 8 * COLLECTION_BYTES),
        ("amount_bits", params.amount_bits, 8 * AMOUNT_BYTES),
        ("fee_bits", params.fee_bits, 8 * FEE_BYTES),
    )
    for name, value, limit in limits:
        if value > limit:
            raise UnsupportedParams(f"{name} = {value} does not fit the circuit (at most {limit})")


def _be(value: int, width: int, what: str) -> bytes:
    if not 0 <= value < 1 << (8 * width):
        raise MalformedPubdata(f"{what} = {value} does not fit {width} bytes")
    return value.to_bytes(width, "big")


class BlockTimeMissing(MalformedInput):
    """An NftBuy's record asked for without the ZK block's time it was applied at."""


def pubdata(tx: ZkTransaction, time_s: int | None = None) -> bytes:
    """The transaction's public data record (module docstring), laid out as its rule declares.

    `time_s`: the ZK block's time in seconds, part of an NftBuy's record (`BlockTimeMissing`
    without it; other types ignore it). Raises `MalformedPubdata` when a field is wider than
    its slot (an index or id beyond any tree the circuit supports): such a transaction has no
    proof.
    """
    tx_type = tx.TYPE
    parts = [bytes((tx_type,)), _be(tx.fee, FEE_BYTES, "fee")]
    needs_time, readers = _READERS[tx_type]
    if time_s is None and needs_time:
        raise BlockTimeMissing(f"an {type(tx).__name__}'s public data holds the ZK block's time")
    time = 0 if time_s is None else time_s  # 0: not in this type's record
    for name, width, read, bound in readers:
        value = time if read is None else read(tx)
        if type(value) is not bytes:
            if not 0 <= value < bound:
                raise MalformedPubdata(f"{name} = {value} does not fit {width} bytes")
            value = value.to_bytes(width, "big")
        parts.append(value)
    return b"".join(parts)


def tx_data_from_pubdata(record: bytes) -> tuple[int, int, int]:
    """The three public inputs a record stands for, as the L1 contract computes them.

    Raises `MalformedPubdata` for an unknown type byte or a wrong length.
    """
    if not record:
        raise MalformedPubdata("empty public data record")
    try:
        tx_type = TxType(record[0])
    except ValueError:
        raise MalformedPubdata(f"unknown transaction type 0x{record[0]:02x}") from None
    header = _HEADER_LENGTHS[tx_type]
    wide = _WIDE_LENGTHS[tx_type]
    if len(record) != header + sum(wide):
        raise MalformedPubdata(
            f"a {tx_type.name} record is {header + sum(wide)} bytes, got {len(record)}"
        )
    values = [int.from_bytes(record[:header], "big")]
    offset = header
    for width in wide:
        values.append(int.from_bytes(record[offset : offset + width], "big"))
        offset += width
    values += [0] * (N_TX_DATA - len(values))
    if any(v >= FIELD_MODULUS for v in values):
        raise MalformedPubdata("a wide field of the record is not a field element")
    return values[0], values[1], values[2]


def block_time_of(record: bytes) -> int | None:
    """The ZK block's time an NftBuy's record holds (None for every other type): what its
    proof's statement was made with."""
    start = _TIME_OFFSETS.get(record[0]) if record else None
    if start is None:
        return None
    return int.from_bytes(record[start : start + TIME_BYTES], "big")


def pubdata_length(tx_type: TxType) -> int:
    """The length of a record of this type (L1 walks a batch's records with it)."""
    return _HEADER_LENGTHS[tx_type] + sum(_WIDE_LENGTHS[tx_type])


def tx_data(tx: ZkTransaction, time_s: int | None = None) -> tuple[int, int, int]:
    """The transaction's three public-data inputs (raises like `pubdata`)."""
    return tx_data_from_pubdata(pubdata(tx, time_s))


def public_inputs(
    old_root: int, new_root: int, tx: ZkTransaction, time_s: int | None = None
) -> list[int]:
    """The five public inputs of the proof that `tx` takes the state from `old_root` to
    `new_root` (`time_s`: the ZK block's time, for an NftBuy)."""
    return [old_root, new_root, *tx_data(tx, time_s)]


__all__ = [
    "N_PUBLIC_INPUTS",
    "BlockTimeMissing",
    "MalformedPubdata",
    "UnsupportedParams",
    "block_time_of",
    "check_params",
    "pubdata",
    "pubdata_length",
    "public_inputs",
    "tx_data",
    "tx_data_from_pubdata",
]
