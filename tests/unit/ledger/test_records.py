"""The declarative record codec: round trips, and named errors for bytes that are not a record."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import pytest
import rlp

from zkbraid.ledger.records import MalformedRecord, decode_record, encode_record


class Colour(IntEnum):
    RED = 0
    BLUE = 1


@dataclass(frozen=True)
class Inner:
    who: bytes
    amount: int


@dataclass(frozen=True)
class Outer:
    number: int
    flag: bool
    name: str
    colour: Colour
    inner: Inner
    many: tuple[Inner, ...]
    hashes: tuple[bytes, ...]
    maybe: int | None
    maybe_inner: Inner | None


CASES = [
    Outer(0, False, "", Colour.RED, Inner(b"", 0), (), (), None, None),
    Outer(
        2**64,
        True,
        "é",
        Colour.BLUE,
        Inner(b"\x01" * 20, 5),
        (Inner(b"a", 1), Inner(b"b", 2)),
        (b"\x00" * 32,),
        0,
        Inner(b"c", 3),
    ),
]


@pytest.mark.parametrize("record", CASES)
def test_records_round_trip(record: Outer) -> None:
    raw = encode_record(record)
    assert decode_record(Outer, raw) == record
    assert encode_record(decode_record(Outer, raw)) == raw


def test_the_layout_is_the_field_order() -> None:
    assert encode_record(Inner(b"\x01", 7)) == rlp.encode([b"\x01", 7])


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x01\x02",
        rlp.encode([b"\x01"]),  # too few fields
        rlp.encode([b"\x01", 7, 8]),  # too many
        rlp.encode([b"\x01", b"\x00\x07"]),  # a non-canonical integer
        rlp.encode([[b"\x01"], 7]),  # a list where bytes belong
    ],
)
def test_invalid_records_are_named(raw: bytes) -> None:
    with pytest.raises(MalformedRecord):
        decode_record(Inner, raw)


def test_invalid_enum_and_optional() -> None:
    good = encode_record(CASES[1])
    items = rlp.decode(good)
    items[3] = b"\x07"  # no such colour
    with pytest.raises(MalformedRecord):
        decode_record(Outer, rlp.encode(items))
    items = rlp.decode(good)
    items[7] = [b"\x01", b"\x02"]  # an optional of two items
    with pytest.raises(MalformedRecord):
        decode_record(Outer, rlp.encode(items))
