"""One codec for stored records: a frozen dataclass is encoded as the RLP list of its fields, in
declaration order, each field's sedes derived from its type annotation (the pinned `rlp`
package does the encoding). A record's layout is therefore read from its class, never spelled
out by position.

Supported field types: `int` (unsigned, big-endian), `bool`, `bytes`, `str` (UTF-8), an
`IntEnum`, a nested record, `tuple[T, ...]` of any of these, and `T | None` (an empty or a
one-item list).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import Any, TypeVar

import rlp
from rlp.sedes import CountableList, big_endian_int, binary, boolean, text

from zkbraid.errors import MalformedInput

T = TypeVar("T")


class MalformedRecord(MalformedInput):
    """Stored bytes that are not a record of the expected type."""


class _Optional:
    """`T | None` as a list of zero or one item."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def serialize(self, obj: Any) -> Any:
        return [] if obj is None else [self.inner.serialize(obj)]

    def deserialize(self, serial: Any) -> Any:
        if not isinstance(serial, list | tuple) or len(serial) > 1:
            raise rlp.DeserializationError(
                "an optional field is a list of at most one item", serial
            )
        return None if not serial else self.inner.deserialize(serial[0])


class _Enum:
    def __init__(self, cls: type[enum.IntEnum]) -> None:
        self.cls = cls

    def serialize(self, obj: Any) -> Any:
        return big_endian_int.serialize(int(obj))

    def deserialize(self, serial: Any) -> Any:
        try:
            return self.cls(big_endian_int.deserialize(serial))
        except ValueError as e:
            raise rlp.DeserializationError(str(e), serial) from None


class _Record:
    def __init__(self, cls: type) -> None:
        self.cls = cls

    def serialize(self, obj: Any) -> Any:
        fields = dataclasses.fields(self.cls)
        return [
            s.serialize(getattr(obj, f.name)) for f, s in zip(fields, _sedes(self.cls), strict=True)
        ]

    def deserialize(self, serial: Any) -> Any:
        fields = dataclasses.fields(self.cls)
        sedes = _sedes(self.cls)
        if not isinstance(serial, list | tuple) or len(serial) != len(fields):
            raise rlp.DeserializationError(
                f"a {self.cls.__name__} has {len(fields)} fields", serial
            )
        values = {f.name: s.deserialize(v) for f, s, v in zip(fields, sedes, serial, strict=True)}
        return self.cls(**values)


def _for_type(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {tp}")
        return _Optional(_for_type(args[0]))
    if origin is tuple:
        items = typing.get_args(tp)
        if len(items) != 2 or items[1] is not Ellipsis:
            raise TypeError(f"only tuple[T, ...] is supported, not {tp}")
        return CountableList(_for_type(items[0]))
    if tp is bool:
        return boolean
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        return _Enum(tp)
    if tp is int:
        return big_endian_int
    if tp is bytes:
        return binary
    if tp is str:
        return text
    if dataclasses.is_dataclass(tp):
        return _Record(tp)  # type: ignore[arg-type]
    raise TypeError(f"unsupported record field type {tp}")


@functools.cache
def _sedes(cls: type) -> tuple[Any, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(_for_type(hints[f.name]) for f in dataclasses.fields(cls))


def encode_record(obj: Any) -> bytes:
    """The RLP encoding of a record (a dataclass instance of supported field types)."""
    return bytes(rlp.encode(_Record(type(obj)).serialize(obj)))


def decode_record(cls: type[T], raw: bytes) -> T:
    """The record of type `cls` encoded in `raw`.

    Raises MalformedRecord: not RLP, or not a `cls`.
    """
    try:
        value: T = _Record(cls).deserialize(rlp.decode(raw))
    except (rlp.DecodingError, rlp.DeserializationError, TypeError, ValueError) as e:
        raise MalformedRecord(f"not a {cls.__name__} record: {e}") from None
    return value


__all__ = ["MalformedRecord", "decode_record", "encode_record"]
