"""What the block transition says of each transaction: typed receipts, and their stored
encoding (a type byte, then the record's RLP, ledger/records.py). JSON is made in api/ only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from zkbraid.ledger.codec import (
    U64,
    U128,
    U256,
    Address,
    CorruptRecord,
    EnumOf,
    Hash32,
    Maybe,
    Record,
    UInt,
)
from zkbraid.ledger.envelope import TxKind
from zkbraid.market.receipts import BundleReceipt, ProverReceipt
from zkbraid.zk.transactions import TxType

MaybeU64 = Annotated[int | None, Maybe(UInt(64))]


@dataclass(frozen=True)
class ZkTxResult(Record):
    """A ZK-chain transaction that executed (its roots are its market job's, market/)."""

    tx_type: Annotated[TxType, EnumOf(TxType)]
    fee: U64
    account_index: MaybeU64 = None
    """RegisterKey: the new account's index."""
    nft_id: MaybeU64 = None
    """NftMint: the new NFT's id."""


@dataclass(frozen=True)
class FastTxResult(Record):
    """A fast-chain transaction and the EVM block it went into."""

    evm_block: U64
    status: Annotated[int | None, Maybe(UInt(8))]
    """1 success, 0 reverted; None: not included in the EVM block."""
    gas_used: U64


@dataclass(frozen=True)
class ProofResult(Record):
    """An accepted proof of transaction `proven`, submitted by `prover`, who was paid `paid`."""

    proven: Hash32
    prover: Address
    paid: U128


@dataclass(frozen=True)
class FaucetResult(Record):
    """The devnet faucet credited `address`."""

    address: Address
    zkpow: U128
    fast_wei: U256


Result = ZkTxResult | FastTxResult | ProofResult | FaucetResult | ProverReceipt | BundleReceipt

_TAGS: dict[type[Record], int] = {
    ZkTxResult: 1,
    FastTxResult: 2,
    ProofResult: 3,
    FaucetResult: 4,
    ProverReceipt: 5,
    BundleReceipt: 6,
}
_TYPES = {tag: cls for cls, tag in _TAGS.items()}


@dataclass(frozen=True)
class TxReceipt:
    """One transaction of a block: where it is and how it ended."""

    hash: bytes
    height: int
    index: int
    """Its position in the block's body (after the chain marker)."""
    kind: TxKind
    raw: bytes
    ok: bool
    error: str | None = None
    """`Name: message` of the rule that refused it."""
    result: Result | None = None


def encode_result(result: Result | None) -> bytes:
    """A result's stored bytes (empty for none)."""
    if result is None:
        return b""
    return bytes([_TAGS[type(result)]]) + result.encode()


def decode_result(raw: bytes) -> Result | None:
    """The result stored as `raw`.

    Raises CorruptRecord.
    """
    if not raw:
        return None
    cls = _TYPES.get(raw[0])
    if cls is None:
        raise CorruptRecord(f"unknown receipt type {raw[0]}")
    result = cls.decode(raw[1:])
    if not isinstance(result, Result):
        raise CorruptRecord(f"receipt type {raw[0]} is not a result")
    return result
