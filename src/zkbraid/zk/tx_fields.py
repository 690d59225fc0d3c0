"""Typed transactions declared once: field kinds, and the codec derived from a declaration.

A transaction type is a frozen dataclass whose every field is `Annotated` with its kind, the way
a ledger `Record` (ledger/codec.py) annotates its fields with their sedes:

    @ZK_FAMILY.declare
    @dataclass(frozen=True)
    class Transfer(SignedTx):
        TYPE: ClassVar[TxType] = TxType.TRANSFER
        SENDER: ClassVar[str] = "from_index"
        chain_id: Id
        from_index: Id
        ...
        signature: EdDsaSig = UNSIGNED

From the declaration alone come:

- the range checks, made on construction (`__post_init__`), field by field in declaration
  order: an integer outside its width raises the kind's `OutOfRange` error, never a wrap;
- the encoding: the type byte, then the RLP list of the fields' items in declaration order
  (integers canonical big-endian, 0 as the empty string; byte fields at their fixed length; an
  L2 key spans two items (x, y), an EdDSA signature three (R8.x, R8.y, S));
- the hash, keccak256 of the encoding;
- the decoding, dispatched by type byte through the family's registry: the RLP shape, the item
  count, then each field's items in declaration order (canonical integers of at most 32 bytes,
  byte lengths), then the constructor's range checks;
- for a type signed with an L2 key (`SignedTx`), the signed message
  M = poseidon([type byte, *slots]) where the slots are `MESSAGE`: by default every field but
  the signature, in declaration order (an address as its 160-bit big-endian integer). A type
  whose message differs names its slots: a field name, a constant (`NftCancel`'s 0 slot) or a
  `Pack(high, low, bits)` of two fields (`NftList`'s `token * 2^64 + expiry`).

A family (the ZK chain's transactions here; the other families reuse it) is a `TxFamily`: its
type enum, its error for undecodable bytes and its registry of declarations.
"""

from __future__ import annotations

import dataclasses
import itertools
import typing
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

import rlp
from eth_utils.crypto import keccak

from zkbraid.crypto.eddsa import PublicKey, Signature
from zkbraid.crypto.field import FIELD_MODULUS, NotAFieldElement
from zkbraid.crypto.poseidon import poseidon
from zkbraid.errors import MalformedInput, OutOfRange

MAX_INTEGER_BYTES = 32
"""No integer field is wider than a field element's 32 bytes."""


def int_bytes(value: int) -> bytes:
    """RLP's canonical integer: big-endian, no leading zero byte, 0 as the empty string."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class FieldKind:
    """How a declared field is checked, encoded as RLP items, decoded and signed.

    `items`: how many RLP items the field spans. `malformed`: the family's error for bytes of
    the wrong shape (set by the kind's constructor).
    """

    items: int = 1
    malformed: type[MalformedInput] = MalformedInput

    def check(self, value: Any, name: str) -> None:
        """Raises the kind's error when `value` is not of the kind."""
        raise NotImplementedError

    def encode(self, value: Any, out: list[bytes]) -> None:
        """Appends the field's RLP items to `out`."""
        raise NotImplementedError

    def decode(self, items: list[bytes], at: int, name: str) -> Any:
        """The value of the field whose items start at `items[at]` (shape checks only; the
        constructor checks ranges)."""
        raise NotImplementedError

    def message(self, value: Any) -> int:
        """The field as a slot of a signed Poseidon message."""
        raise NotImplementedError

    def _uint(self, item: bytes, name: str) -> int:
        if item[:1] == b"\x00":
            raise self.malformed(f"{name}: non-canonical integer (leading zero bytes)")
        if len(item) > MAX_INTEGER_BYTES:
            raise self.malformed(f"{name}: integer longer than 32 bytes")
        return int.from_bytes(item, "big")


class UInt(FieldKind):
    """An unsigned integer below 2**bits; wider values raise `error`."""

    def __init__(self, bits: int, error: type[OutOfRange], malformed: type[MalformedInput]):
        self.bits = bits
        self.bound = 1 << bits
        self.error = error
        self.malformed = malformed

    def check(self, value: Any, name: str) -> None:
        if type(value) is not int or not 0 <= value < self.bound:
            raise self.error(f"{name} must be an integer in [0, 2^{self.bits}), got {value!r}")

    def encode(self, value: int, out: list[bytes]) -> None:
        out.append(int_bytes(value))

    def decode(self, items: list[bytes], at: int, name: str) -> int:
        return self._uint(items[at], name)

    def message(self, value: int) -> int:
        return value


def _check_field_element(value: Any, name: str) -> None:
    if type(value) is not int or not 0 <= value < FIELD_MODULUS:
        raise NotAFieldElement(f"{name} must be a field element (< r), got {value!r}")


class FieldElement(UInt):
    """An element of the BN254 scalar field (< r): `NotAFieldElement` otherwise."""

    def __init__(self, malformed: type[MalformedInput]) -> None:
        super().__init__(254, NotAFieldElement, malformed)

    def check(self, value: Any, name: str) -> None:
        _check_field_element(value, name)


class FixedBytes(FieldKind):
    """A byte string of exactly `size` bytes (an address, an Ethereum signature).

    `what`: appended to the constructor's error, to say what the bytes are.
    """

    def __init__(self, size: int, malformed: type[MalformedInput], what: str = "") -> None:
        self.size = size
        self.malformed = malformed
        self.what = what

    def check(self, value: Any, name: str) -> None:
        if type(value) is not bytes or len(value) != self.size:
            raise self.malformed(f"{name} must be {self.size} bytes{self.what}")

    def encode(self, value: bytes, out: list[bytes]) -> None:
        out.append(value)

    def decode(self, items: list[bytes], at: int, name: str) -> bytes:
        item = items[at]
        if len(item) != self.size:
            raise self.malformed(f"{name} must be {self.size} bytes, got {len(item)}")
        return item

    def message(self, value: bytes) -> int:
        return int.from_bytes(value, "big")


class L2Key(FieldKind):
    """An EdDSA public key: two field elements, x then y (items named pk_x, pk_y)."""

    items = 2

    def __init__(self, malformed: type[MalformedInput]) -> None:
        self.malformed = malformed

    def check(self, value: PublicKey, name: str) -> None:
        _check_field_element(value.x, "public key x")
        _check_field_element(value.y, "public key y")

    def encode(self, value: PublicKey, out: list[bytes]) -> None:
        out += (int_bytes(value.x), int_bytes(value.y))

    def decode(self, items: list[bytes], at: int, name: str) -> PublicKey:
        return PublicKey(self._uint(items[at], "pk_x"), self._uint(items[at + 1], "pk_y"))


class EdDsaSignature(FieldKind):
    """An EdDSA-Poseidon signature: three field elements, R8.x, R8.y and S."""

    items = 3

    def __init__(self, malformed: type[MalformedInput]) -> None:
        self.malformed = malformed

    def check(self, value: Any, name: str) -> None:
        if not isinstance(value, Signature):
            raise self.malformed(f"{name} must be an EdDSA Signature")
        _check_field_element(value.r8x, f"{name} R8.x")
        _check_field_element(value.r8y, f"{name} R8.y")
        _check_field_element(value.s, f"{name} S")

    def encode(self, value: Signature, out: list[bytes]) -> None:
        out += (int_bytes(value.r8x), int_bytes(value.r8y), int_bytes(value.s))

    def decode(self, items: list[bytes], at: int, name: str) -> Signature:
        r8x, r8y, s = (self._uint(items[at + i], n) for i, n in enumerate(("R8.x", "R8.y", "S")))
        return Signature(r8x, r8y, s)


# Messages


@dataclass(frozen=True)
class Pack:
    """A message slot holding two fields: `high * 2^bits + low`."""

    high: str
    low: str
    bits: int


MessageSlot = str | int | Pack
"""A field's name, a constant, or two fields packed into one slot."""


# Declarations

T = TypeVar("T", bound="ZkTx")
E = TypeVar("E", bound=IntEnum)


class Layout:
    """What a declaration derives: its fields and kinds, item count, checks and codec."""

    def __init__(self, cls: type[ZkTx]) -> None:
        hints = typing.get_type_hints(cls, include_extras=True)
        self.fields: tuple[tuple[str, FieldKind], ...] = tuple(
            (f.name, _kind(cls, f.name, hints[f.name]))
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
        self.n_items = sum(kind.items for _, kind in self.fields)
        # Bound methods, looked up once: a node decodes and checks every transaction it sees.
        self._checks = tuple((name, kind.check) for name, kind in self.fields)
        self._encoders = tuple((name, kind.encode) for name, kind in self.fields)
        starts = itertools.accumulate((kind.items for _, kind in self.fields), initial=0)
        self._decoders = tuple(
            (kind.decode, at, name) for (name, kind), at in zip(self.fields, starts, strict=False)
        )
        self.message_slots: tuple[Callable[[Any], int], ...] = ()
        if issubclass(cls, SignedTx):
            slots = cls.MESSAGE or tuple(n for n, _ in self.fields if n != "signature")
            self.message_slots = tuple(self._slot(slot) for slot in slots)
            if cls.SENDER not in dict(self.fields):
                raise TypeError(f"{cls.__name__}.SENDER names no field")

    def _slot(self, slot: MessageSlot) -> Callable[[Any], int]:
        kinds = dict(self.fields)
        if isinstance(slot, int):
            return lambda tx: slot
        if isinstance(slot, Pack):
            high, low, bits = slot.high, slot.low, slot.bits
            return lambda tx: (getattr(tx, high) << bits) + getattr(tx, low)
        kind = kinds[slot]
        return lambda tx: kind.message(getattr(tx, slot))

    def check(self, tx: ZkTx) -> None:
        for name, check in self._checks:
            check(getattr(tx, name), name)

    def encode(self, tx: ZkTx) -> list[bytes]:
        out: list[bytes] = []
        for name, encode in self._encoders:
            encode(getattr(tx, name), out)
        return out

    def decode(self, items: list[bytes]) -> list[Any]:
        return [decode(items, at, name) for decode, at, name in self._decoders]


def _kind(cls: type, name: str, hint: Any) -> FieldKind:
    metadata = getattr(hint, "__metadata__", ())
    if not metadata or not isinstance(metadata[0], FieldKind):
        raise TypeError(f"{cls.__name__}.{name} is not Annotated with its field kind")
    return metadata[0]


class ZkTx:
    """Behaviour every declared transaction type derives: checks, encoding and hash."""

    TYPE: ClassVar[IntEnum]
    LAYOUT: ClassVar[Layout]

    def __post_init__(self) -> None:
        self.LAYOUT.check(self)

    def encode(self) -> bytes:
        """The canonical encoding: type byte ‖ RLP list of the fields."""
        payload: bytes = rlp.encode(self.LAYOUT.encode(self))
        return bytes((self.TYPE,)) + payload

    @cached_property
    def hash(self) -> bytes:
        """keccak256 of the encoding."""
        return bytes(keccak(self.encode()))


class SignedTx(ZkTx):
    """A transaction signed with its sender's L2 key: `SENDER` names the sender's field,
    `MESSAGE` the message's slots (None: every field but the signature, in order)."""

    SENDER: ClassVar[str]
    MESSAGE: ClassVar[tuple[MessageSlot, ...] | None] = None

    @property
    def sender(self) -> int:
        """The account that signs, and whose nonce the transaction uses."""
        sender: int = getattr(self, self.SENDER)
        return sender

    @cached_property
    def message(self) -> int:
        """M = poseidon([type byte, *MESSAGE slots]) (module docstring)."""
        return poseidon([int(self.TYPE), *(slot(self) for slot in self.LAYOUT.message_slots)])


class SystemTx(ZkTx):
    """A transaction nobody on the chain signs (made by the proposer from L1 or fast-chain
    events): no nonce, no signature, fee 0."""

    @property
    def fee(self) -> int:
        """Always 0: the event was paid for where it happened (L1, the fast chain)."""
        return 0


class TxFamily(Generic[E]):
    """A family's transaction types by type byte, and its decoder.

    `malformed`: the error for bytes that are not a transaction of the family.
    """

    def __init__(self, types: type[E], malformed: type[MalformedInput]) -> None:
        self.types = types
        self.malformed = malformed
        self.declarations: dict[E, type[ZkTx]] = {}
        self._constructors: dict[E, Callable[..., ZkTx]] = {}

    def declare(self, cls: type[T]) -> type[T]:
        """Registers the dataclass `cls` under its type byte, deriving its `LAYOUT`."""
        tx_type = cls.TYPE
        if tx_type in self.declarations:
            raise TypeError(f"type 0x{tx_type:02x} is declared twice")
        cls.LAYOUT = Layout(cls)
        self.declarations[tx_type] = cls  # type: ignore[index]
        self._constructors[tx_type] = cls  # type: ignore[index]
        return cls

    def decode(self, data: bytes) -> ZkTx:
        """Decodes a transaction of the family from its canonical encoding.

        Raises `malformed` for anything but a canonical encoding of a declared type (unknown
        type, bad or non-canonical RLP, a wrong number of items, non-canonical or too long
        integers, wrong byte lengths, trailing bytes) and the kinds' `OutOfRange` errors for a
        value too wide for its field.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise self.malformed("a transaction is bytes")
        data = bytes(data)
        if not data:
            raise self.malformed("empty transaction")
        try:
            tx_type = self.types(data[0])
        except ValueError:
            raise self.malformed(f"unknown transaction type 0x{data[0]:02x}") from None
        cls = self.declarations.get(tx_type)
        if cls is None:
            raise self.malformed(f"unknown transaction type 0x{data[0]:02x}")
        try:
            decoded = rlp.decode(data[1:], strict=True)
        except rlp.exceptions.DecodingError as exc:
            raise self.malformed(f"bad RLP: {exc}") from None
        if not isinstance(decoded, list):
            raise self.malformed("the payload must be an RLP list")
        if not all(isinstance(item, bytes) for item in decoded):
            raise self.malformed("fields must be RLP strings, not lists")
        layout = cls.LAYOUT
        if len(decoded) != layout.n_items:
            raise self.malformed(f"{tx_type.name} has {layout.n_items} fields, got {len(decoded)}")
        return self._constructors[tx_type](*layout.decode(decoded))
