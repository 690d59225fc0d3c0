"""What the block transition says of each transaction: typed receipts, and their stored
encoding (a type byte, then the record's RLP, ledger/records.py). JSON is made in api/ only."""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.ledger.envelope import TxKind
from zkbraid.ledger.records import MalformedRecord, decode_record, encode_record
from zkbraid.market.receipts import BundleReceipt, ProverReceipt
from zkbraid.zk.transactions import TxType


@dataclass(frozen=True)
class ZkTxResult:
    """A ZK-chain transaction that executed (its roots are its market job's, market/)."""

    tx_type: TxType
    fee: int
    account_index: int | None = None
    """RegisterKey: the new account's index."""
    nft_id: int | None = None
    """NftMint: the new NFT's id."""


@dataclass(frozen=True)
class FastTxResult:
    """A fast-chain transaction and the EVM block it went into."""

    evm_block: int
    status: int | None
    """1 success, 0 reverted; None: not included in the EVM block."""
    gas_used: int


@dataclass(frozen=True)
class ProofResult:
    """An accepted proof of transaction `proven`, submitted by `prover`, who was paid `paid`."""

    proven: bytes
    prover: bytes
    paid: int


@dataclass(frozen=True)
class FaucetResult:
    """The devnet faucet credited `address`."""

    address: bytes
    zkpow: int
    fast_wei: int


Result = ZkTxResult | FastTxResult | ProofResult | FaucetResult | ProverReceipt | BundleReceipt

_TAGS: dict[type, int] = {
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
    return bytes([_TAGS[type(result)]]) + encode_record(result)


def decode_result(raw: bytes) -> Result | None:
    """The result stored as `raw`.

    Raises MalformedRecord.
    """
    if not raw:
        return None
    cls = _TYPES.get(raw[0])
    if cls is None:
        raise MalformedRecord(f"unknown receipt type {raw[0]}")
    result: Result = decode_record(cls, raw[1:])
    return result
