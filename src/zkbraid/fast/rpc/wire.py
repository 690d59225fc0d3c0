"""The JSON of blocks, transactions, receipts and logs, shaped as the Ethereum JSON-RPC and geth.

Quantities are hex without leading zeros, data is 0x-prefixed hex, 32-byte words and blooms keep
their full width.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth._utils.address import generate_contract_address
from eth.abc import BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI
from eth_hash.auto import keccak
from eth_typing import Address
from rlp.codec import length_prefix

from zkbraid.fast.db import BlockRecord
from zkbraid.fast.txs import DYNAMIC_FEE_TX_TYPE, LEGACY_TX_TYPE
from zkbraid.fast.vm import base_fee_of


def hex_quantity(value: int) -> str:
    return hex(value)


def hex_data(value: bytes) -> str:
    return "0x" + value.hex()


def hex_word(value: int) -> str:
    """A 256-bit value as 32 bytes of hex (storage slots, topics)."""
    return "0x" + value.to_bytes(32, "big").hex()


def hex_bloom(value: int) -> str:
    """A 2048-bit logs bloom as 256 bytes of hex."""
    return "0x" + value.to_bytes(256, "big").hex()


def tx_type(tx: SignedTransactionAPI) -> int:
    """The EIP-2718 type of a transaction (0 for legacy)."""
    type_id = getattr(tx, "type_id", None)
    return LEGACY_TX_TYPE if type_id is None else int(type_id)


def effective_gas_price(tx: SignedTransactionAPI, base_fee: int) -> int:
    """What the transaction paid per gas in a block with `base_fee`."""
    return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)


def block_json(record: BlockRecord, transactions: list[Any]) -> dict[str, Any]:
    """A block with `transactions` (their hashes, or their objects for full blocks)."""
    header = record.header
    return {
        "number": hex_quantity(header.block_number),
        "hash": hex_data(header.hash),
        "parentHash": hex_data(header.parent_hash),
        "nonce": hex_data(header.nonce),
        "mixHash": hex_data(header.mix_hash),
        "sha3Uncles": hex_data(header.uncles_hash),
        "logsBloom": hex_bloom(header.bloom),
        "transactionsRoot": hex_data(header.transaction_root),
        "stateRoot": hex_data(header.state_root),
        "receiptsRoot": hex_data(header.receipt_root),
        "miner": hex_data(header.coinbase),
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": hex_data(header.extra_data),
        "size": hex_quantity(block_size(record)),
        "gasLimit": hex_quantity(header.gas_limit),
        "gasUsed": hex_quantity(header.gas_used),
        "timestamp": hex_quantity(header.timestamp),
        "baseFeePerGas": hex_quantity(base_fee_of(header)),
        "withdrawalsRoot": hex_data(header.withdrawals_root or b""),
        "withdrawals": [],
        "blobGasUsed": hex_quantity(header.blob_gas_used),
        "excessBlobGas": hex_quantity(header.excess_blob_gas),
        "parentBeaconBlockRoot": hex_data(header.parent_beacon_block_root or b""),
        "requestsHash": hex_data(getattr(header, "requests_hash", b"")),
        "transactions": transactions,
        "uncles": [],
    }


def transaction_json(
    tx: SignedTransactionAPI, raw: bytes, record: BlockRecord, index: int, chain_id: int
) -> dict[str, Any]:
    """The included transaction `tx` (raw bytes `raw`) at `index` of block `record`."""
    header = record.header
    kind = tx_type(tx)
    out: dict[str, Any] = {
        "blockHash": hex_data(header.hash),
        "blockNumber": hex_quantity(header.block_number),
        "transactionIndex": hex_quantity(index),
        "hash": hex_data(keccak(raw)),
        "type": hex_quantity(kind),
        "from": hex_data(record.senders[index]),
        "to": hex_data(tx.to) if tx.to else None,
        "nonce": hex_quantity(tx.nonce),
        "gas": hex_quantity(tx.gas),
        "value": hex_quantity(tx.value),
        "input": hex_data(tx.data),
        "gasPrice": hex_quantity(effective_gas_price(tx, base_fee_of(header))),
        "chainId": hex_quantity(chain_id),
        "r": hex_quantity(tx.r),
        "s": hex_quantity(tx.s),
    }
    if kind == LEGACY_TX_TYPE:
        out["v"] = hex_quantity(tx.v)  # type: ignore[attr-defined]  # legacy transactions carry v
    else:
        out["v"] = hex_quantity(tx.y_parity)
        out["yParity"] = hex_quantity(tx.y_parity)
        out["accessList"] = [
            {"address": hex_data(address), "storageKeys": [hex_word(k) for k in keys]}
            for address, keys in tx.access_list
        ]
    if kind == DYNAMIC_FEE_TX_TYPE:
        out["maxFeePerGas"] = hex_quantity(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = hex_quantity(tx.max_priority_fee_per_gas)
    return out


def receipt_json(
    record: BlockRecord,
    index: int,
    tx: SignedTransactionAPI,
    receipt: ReceiptAPI,
    previous_gas: int,
    first_log_index: int,
) -> dict[str, Any]:
    """The receipt of transaction `index` of block `record`.

    `previous_gas` is the cumulative gas before it, `first_log_index` the block-wide index of its
    first log.
    """
    header = record.header
    raw = record.raw_transactions[index]
    sender = record.senders[index]
    created = None
    if not tx.to:
        created = hex_data(generate_contract_address(Address(sender), tx.nonce))
    tx_hash = hex_data(keccak(raw))
    return {
        "transactionHash": tx_hash,
        "transactionIndex": hex_quantity(index),
        "blockHash": hex_data(header.hash),
        "blockNumber": hex_quantity(header.block_number),
        "from": hex_data(sender),
        "to": hex_data(tx.to) if tx.to else None,
        "cumulativeGasUsed": hex_quantity(receipt.gas_used),
        "gasUsed": hex_quantity(receipt.gas_used - previous_gas),
        "effectiveGasPrice": hex_quantity(effective_gas_price(tx, base_fee_of(header))),
        "blobGasUsed": None,
        "contractAddress": created,
        "logs": logs_json(receipt, header, tx_hash, index, first_log_index),
        "logsBloom": hex_bloom(receipt.bloom),
        "type": hex_quantity(tx_type(tx)),
        "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
    }


def logs_json(
    receipt: ReceiptAPI,
    header: BlockHeaderAPI,
    tx_hash: str,
    tx_index: int,
    first_log_index: int,
) -> list[dict[str, Any]]:
    """The logs of one receipt, numbered from the block-wide index `first_log_index`."""
    block_hash = hex_data(header.hash)
    return [
        {
            "address": hex_data(log.address),
            "topics": [hex_word(t) for t in log.topics],
            "data": hex_data(log.data),
            "blockNumber": hex_quantity(header.block_number),
            "blockHash": block_hash,
            "blockTimestamp": hex_quantity(header.timestamp),
            "transactionHash": tx_hash,
            "transactionIndex": hex_quantity(tx_index),
            "logIndex": hex_quantity(first_log_index + i),
            "removed": False,
        }
        for i, log in enumerate(receipt.logs)
    ]


def block_size(record: BlockRecord) -> int:
    """Length of the block's RLP: [header, transactions, uncles, withdrawals]."""
    header = rlp.encode(record.header)
    # A legacy transaction is an RLP list, a typed one a byte string: both as stored.
    txs = b"".join(raw if raw[0] >= 0xC0 else rlp.encode(raw) for raw in record.raw_transactions)
    empty_list = rlp.encode([])
    payload_size = len(header) + len(length_prefix(len(txs), 0xC0)) + len(txs) + 2 * len(empty_list)
    return len(length_prefix(payload_size, 0xC0)) + payload_size
