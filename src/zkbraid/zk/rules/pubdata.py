"""The layout of a transaction's public-data record, declared by each type's rule.

A record is the type byte and the narrow fields big-endian (the header), then the wide fields
(proving/statement.py derives the bytes and the proof's public inputs from the layout):

    type (1) ‖ fee (8) ‖ header fields ‖ wide fields

A field is named by the transaction's attribute it holds (`path`, dotted for a key's x or y),
or by `BLOCK_TIME` for the ZK block's time (an NftBuy's record). A field's `name` is what an
error about it says. An address is its 20 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

# Byte widths of the public data's fields; they bound the chain parameters (`check_params`).
FEE_BYTES = 8
ACCOUNT_BYTES = 4
TOKEN_BYTES = 2
COLLECTION_BYTES = 2
NFT_BYTES = 4
AMOUNT_BYTES = 16
DEPOSIT_ID_BYTES = 8
ADDRESS_BYTES = 20
FIELD_BYTES = 32
EXIT_ID_BYTES = 8
REPORT_ID_BYTES = 8
CAP_BYTES = 4
ROUND_BYTES = 4
TIME_BYTES = 8

BLOCK_TIME = "<block time>"
"""The `path` of a field holding the ZK block's time, not a field of the transaction."""


@dataclass(frozen=True)
class PubField:
    """One field of a record: `width` bytes holding the transaction's `path` (default: `name`)."""

    name: str
    width: int
    path: str = ""

    @property
    def source(self) -> str:
        return self.path or self.name


def account(name: str) -> PubField:
    return PubField(name, ACCOUNT_BYTES)


def token(name: str = "token") -> PubField:
    return PubField(name, TOKEN_BYTES)


def amount(name: str = "amount") -> PubField:
    return PubField(name, AMOUNT_BYTES)


def address(name: str) -> PubField:
    return PubField(name, ADDRESS_BYTES)


@dataclass(frozen=True)
class PubdataLayout:
    """A record's fields after the type byte and the fee: the header's, then the wide ones (at
    most two, each a public input of its own)."""

    header: tuple[PubField, ...]
    wide: tuple[PubField, ...] = ()

    @property
    def header_length(self) -> int:
        """The header's bytes, type byte and fee included (at most 29: one field element)."""
        return 1 + FEE_BYTES + sum(f.width for f in self.header)

    @property
    def length(self) -> int:
        return self.header_length + sum(f.width for f in self.wide)

    @property
    def needs_block_time(self) -> bool:
        return any(f.source == BLOCK_TIME for f in (*self.header, *self.wide))
