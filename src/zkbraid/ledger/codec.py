"""How the market's records are encoded: declarative RLP sedes over the pinned `rlp` package.

A record is a dataclass deriving `Record`; each field's type carries its sedes, so a record's
layout is declared once, beside its fields, the way `rlp.Serializable` declares `fields`:

    @dataclass
    class Attempt(Record):
        prover: Address
        height: U64
        outcome: Annotated[Outcome, EnumOf(Outcome)] = Outcome.PENDING
        ...

where `U64 = Annotated[int, UInt(64)]`: mypy sees an `int`, the codec its sedes (any object with
rlp's `serialize`/`deserialize`, such as `rlp.sedes.boolean` or `CountableList`). A record
encodes as the RLP list of its fields in declaration order (`rlp.encode` with the record's
sedes) and decodes through the same sedes, which checks every field: an integer has its width
and no leading zero, a byte string its length, an enum a known value, a nested record its
fields. A value out of range when encoding raises RecordOutOfRange (never a wrap); anything but a
well-formed record when decoding raises CorruptRecord. Encodings are canonical: two validators
holding the same records hold the same bytes, and the same trie root.

A field annotated `NOT_STORED` (after every stored one) is derived state kept in memory only,
such as a batch's count of proven transactions, which its jobs already record.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from collections.abc import Callable
from enum import IntEnum
from typing import Annotated, Any, Generic, Self, TypeVar

import rlp
from rlp.sedes import CountableList, boolean

from zkbraid.errors import BraidError, OutOfRange


class RecordOutOfRange(OutOfRange):
    """A record field outside its fixed width (a negative amount, a height past U64): nothing
    is stored that would not read back as itself."""


class CorruptRecord(BraidError):
    """A stored record that does not decode as its type (a damaged or foreign database)."""


E = TypeVar("E", bound=IntEnum)
R = TypeVar("R", bound="Record")

NOT_STORED = object()
"""Marks a record field that is derived in memory, not encoded."""


class UInt:
    """Sedes of an unsigned integer below 2**bits: big-endian, no leading zero byte, zero as the
    empty string (RLP's integers, with a bound)."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self._bound = 1 << bits

    def serialize(self, value: int) -> bytes:
        """Raises RecordOutOfRange: negative, or not below 2**bits."""
        if not 0 <= value < self._bound:
            raise RecordOutOfRange(f"{value} is not a {self.bits}-bit unsigned integer")
        return value.to_bytes((value.bit_length() + 7) // 8, "big")

    def deserialize(self, serial: Any) -> int:
        if type(serial) is not bytes or serial[:1] == b"\x00":
            raise rlp.DeserializationError("not a canonical RLP integer", serial)
        value = int.from_bytes(serial, "big")
        if value >= self._bound:
            raise rlp.DeserializationError(f"wider than {self.bits} bits", serial)
        return value


class Bytes:
    """Sedes of a byte string of exactly `size` bytes (or empty, if `allow_empty`)."""

    def __init__(self, size: int, allow_empty: bool = False) -> None:
        self.size = size
        self.allow_empty = allow_empty

    def _valid(self, value: object) -> bool:
        return type(value) is bytes and (
            len(value) == self.size or (self.allow_empty and not value)
        )

    def serialize(self, value: bytes) -> bytes:
        """Raises RecordOutOfRange: another length."""
        if not self._valid(value):
            raise RecordOutOfRange(f"{value!r} is not a {self.size}-byte string")
        return value

    def deserialize(self, serial: Any) -> bytes:
        if not self._valid(serial):
            raise rlp.DeserializationError(f"not a {self.size}-byte string", serial)
        return bytes(serial)


class VarBytes:
    """Sedes of a byte string of at most `max_size` bytes."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    def serialize(self, value: bytes) -> bytes:
        """Raises RecordOutOfRange: longer than `max_size`."""
        if type(value) is not bytes or len(value) > self.max_size:
            raise RecordOutOfRange(f"not a byte string of at most {self.max_size} bytes")
        return value

    def deserialize(self, serial: Any) -> bytes:
        if type(serial) is not bytes or len(serial) > self.max_size:
            raise rlp.DeserializationError(f"not at most {self.max_size} bytes", serial)
        return serial


class EnumOf(Generic[E]):
    """Sedes of an IntEnum member, as its value (a U8)."""

    def __init__(self, enum: type[E]) -> None:
        self._enum = enum
        self._u8 = UInt(8)

    def serialize(self, value: E) -> bytes:
        return self._u8.serialize(int(value))

    def deserialize(self, serial: Any) -> E:
        value = self._u8.deserialize(serial)
        try:
            return self._enum(value)
        except ValueError:
            raise rlp.DeserializationError(f"no {self._enum.__name__} {value}", serial) from None


class RecordSedes(Generic[R]):
    """Sedes of a record: the list of its stored fields' serializations, in declaration order."""

    def __init__(self, cls: type[R]) -> None:
        self._cls = cls
        hints = typing.get_type_hints(cls, include_extras=True)
        names: list[str] = []
        sedes: list[Any] = []
        derived = False
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            metadata = getattr(hints[f.name], "__metadata__", ())
            if not metadata:
                raise TypeError(f"{cls.__name__}.{f.name} is not Annotated with its sedes")
            if metadata[0] is NOT_STORED:
                derived = True
                continue
            if derived:
                raise TypeError(f"{cls.__name__}.{f.name}: stored fields come before derived ones")
            names.append(f.name)
            sedes.append(metadata[0])
        getter = operator.attrgetter(*names)
        self._fields: Callable[[Any], tuple[Any, ...]] = (
            getter if len(names) > 1 else lambda record: (getter(record),)
        )
        self._serializers: tuple[Callable[[Any], Any], ...] = tuple(s.serialize for s in sedes)
        self._deserializers: tuple[Callable[[Any], Any], ...] = tuple(s.deserialize for s in sedes)

    def serialize(self, record: R) -> list[Any]:
        values = self._fields(record)
        return [f(v) for f, v in zip(self._serializers, values, strict=True)]

    def deserialize(self, serial: Any) -> R:
        if type(serial) is not list or len(serial) != len(self._deserializers):
            raise rlp.DeserializationError(
                f"a {self._cls.__name__} is a list of {len(self._deserializers)} fields", serial
            )
        return self._cls(*[f(item) for f, item in zip(self._deserializers, serial, strict=True)])


_SEDES: dict[type[Any], Any] = {}


def sedes_of(cls: type[R]) -> RecordSedes[R]:
    """The sedes of a record type (built once, from its annotations)."""
    sedes: RecordSedes[R] | None = _SEDES.get(cls)
    if sedes is None:
        sedes = _SEDES[cls] = RecordSedes(cls)
    return sedes


class Record:
    """Base of stored records: a dataclass whose every field is `Annotated` with its sedes."""

    __slots__ = ()

    def encode(self) -> bytes:
        """The record's RLP. Raises RecordOutOfRange: a field outside its width."""
        return bytes(rlp.encode(self, sedes=sedes_of(type(self))))

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        """Raises CorruptRecord: not the RLP of such a record."""
        try:
            record: Self = rlp.decode(raw, sedes=sedes_of(cls))
        except (rlp.DecodingError, rlp.DeserializationError) as e:
            raise CorruptRecord(f"not a {cls.__name__} record: {e}") from None
        return record


class ListOf(Generic[R]):
    """Sedes of a list of records: `rlp.sedes.CountableList` of the record's sedes, read back as
    a list (which the rules append to)."""

    def __init__(self, cls: type[R], max_length: int | None = None) -> None:
        self._cls = cls
        self._max_length = max_length
        self._countable: Any = None

    def _sedes(self) -> Any:
        # Built on first use: a record may list records of a class declared after it.
        if self._countable is None:
            self._countable = CountableList(sedes_of(self._cls), max_length=self._max_length)
        return self._countable

    def serialize(self, records: list[R]) -> list[Any]:
        serial: list[Any] = self._sedes().serialize(records)
        return serial

    def deserialize(self, serial: Any) -> list[R]:
        return list(self._sedes().deserialize(serial))


class Maybe:
    """Sedes of an optional value: an empty list for None, else a list of the one value."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def serialize(self, value: Any) -> list[Any]:
        return [] if value is None else [self._inner.serialize(value)]

    def deserialize(self, serial: Any) -> Any:
        if type(serial) is not list or len(serial) > 1:
            raise rlp.DeserializationError("an optional value is a list of at most one", serial)
        return self._inner.deserialize(serial[0]) if serial else None


U8 = Annotated[int, UInt(8)]
U64 = Annotated[int, UInt(64)]
U128 = Annotated[int, UInt(128)]
"""An amount of ZKPoW that a balance can hold (balances are signed 128-bit)."""
U256 = Annotated[int, UInt(256)]
"""A running total of amounts."""
Flag = Annotated[bool, boolean]
Address = Annotated[bytes, Bytes(20)]
MaybeAddress = Annotated[bytes, Bytes(20, allow_empty=True)]
"""An address, or empty (nobody yet)."""
PublicKey = Annotated[bytes, Bytes(64)]
"""An uncompressed secp256k1 public key (x ‖ y)."""
Hash32 = Annotated[bytes, Bytes(32)]
MaybeHash32 = Annotated[bytes, Bytes(32, allow_empty=True)]
"""A 32-byte hash or root, or empty (not set yet)."""
