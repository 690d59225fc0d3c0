"""Receipts of fast-chain transactions: the logs' bloom filter and the receipt trie's encoding."""

from __future__ import annotations

from collections.abc import Sequence

import rlp
from eth_bloom.bloom import BloomFilter

from zkbraid.fast.txs import LEGACY_TX_TYPE

#: A log as py-evm's computation gives it: (address, topics, data).
LogEntry = tuple[bytes, tuple[int, ...], bytes]


def logs_bloom(logs: Sequence[LogEntry]) -> int:
    """The 2048-bit bloom filter of a receipt's logs (addresses and topics)."""
    if not logs:
        return 0
    bloom = BloomFilter()
    for address, topics, _data in logs:
        bloom.add(address)
        for topic in topics:
            bloom.add(topic.to_bytes(32, "big"))
    return int(bloom)


def encode_receipt(
    tx_type: int, success: bool, cumulative_gas: int, bloom: int, logs: Sequence[LogEntry]
) -> bytes:
    """A receipt as the receipt trie holds it (EIP-2718: typed receipts start with the type)."""
    # [status, cumulative gas, bloom, [[address, [topic, ...], data], ...]] (EIP-658), given to
    # pyrlp as bytes: with sedes inference, blocks of transfers execute ~3% slower.
    payload: bytes = rlp.encode(
        [
            b"\x01" if success else b"",
            cumulative_gas.to_bytes((cumulative_gas.bit_length() + 7) // 8, "big"),
            bloom.to_bytes(256, "big"),
            [[a, [t.to_bytes(32, "big") for t in topics], data] for a, topics, data in logs],
        ],
        infer_serializer=False,
    )
    return payload if tx_type == LEGACY_TX_TYPE else bytes((tx_type,)) + payload
