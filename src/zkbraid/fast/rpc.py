"""The fast chain's Ethereum JSON-RPC: one method per RPC method, JSON params in, JSON out.

Shapes follow the Ethereum JSON-RPC specification and geth (hex quantities without leading zeros,
0x-prefixed data, `null` for unknown blocks, transactions and receipts). Bad parameters raise
`MalformedInput` with a message naming the parameter; a reverted `eth_call` / `eth_estimateGas`
raises `ExecutionReverted` (code 3) whose `rpc_data` is the revert data, as geth answers.

Block tags: `latest`, `pending`, `safe` and `finalized` all mean the head block (a fast block is
final once the ledger commits it, and the node keeps no pending EVM block); `pending` only differs
for `eth_getTransactionCount`, which counts the node's pending transactions. State at any stored
block can be read (trie nodes are never pruned), so `earliest` and block numbers work for
balances, code, storage and calls too.

Not thread-safe: the node calls these under its lock (`submit` takes the lock itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import rlp
from eth._utils.address import generate_contract_address
from eth.abc import BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI
from eth_bloom.bloom import BloomFilter
from eth_hash.auto import keccak
from eth_typing import Address

from zkbraid.errors import MalformedInput
from zkbraid.fast.chain import CallRequest, FastChain
from zkbraid.fast.db import BlockRecord
from zkbraid.fast.errors import BlockNotFound, LogQueryTooLarge
from zkbraid.fast.txs import DYNAMIC_FEE_TX_TYPE, LEGACY_TX_TYPE
from zkbraid.fast.vm import base_fee_of
from zkbraid.ledger.trie import rlp_encode

Params = list[Any]
Method = Callable[[Params], Any]

HEAD_TAGS = ("latest", "pending", "safe", "finalized")


class InvalidRpcParams(MalformedInput):
    """JSON-RPC parameters of the wrong number, type or format."""


# -- parameter parsing ----------------------------------------------------------------------


def _param(params: Params, index: int, name: str, default: Any = ...) -> Any:
    if not isinstance(params, list):
        raise InvalidRpcParams("params must be an array")
    if index < len(params) and params[index] is not None:
        return params[index]
    if default is ...:
        raise InvalidRpcParams(f"missing parameter {index}: {name}")
    return default


def _quantity(value: Any, name: str) -> int:
    """A hex quantity ("0x1a"); JSON numbers are accepted too."""
    if isinstance(value, bool):
        raise InvalidRpcParams(f"{name} must be a hex quantity")
    if isinstance(value, int):
        if value < 0:
            raise InvalidRpcParams(f"{name} must not be negative")
        return value
    if not isinstance(value, str) or not value.startswith(("0x", "0X")) or len(value) < 3:
        raise InvalidRpcParams(f"{name} must be a 0x-prefixed hex quantity, got {value!r}")
    try:
        number = int(value[2:], 16)
    except ValueError:
        raise InvalidRpcParams(f"{name} is not a hex quantity: {value!r}") from None
    if number >= 2**256:
        raise InvalidRpcParams(f"{name} does not fit in 256 bits")
    return number


def _data(value: Any, name: str, length: int | None = None) -> bytes:
    """0x-prefixed hex bytes, optionally of an exact length."""
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InvalidRpcParams(f"{name} must be 0x-prefixed hex data")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidRpcParams(f"{name} is not valid hex data") from None
    if length is not None and len(raw) != length:
        raise InvalidRpcParams(f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def _address(value: Any, name: str) -> bytes:
    return _data(value, name, 20)


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidRpcParams(f"{name} must be true or false")
    return value


# -- JSON encoding --------------------------------------------------------------------------


def _q(value: int) -> str:
    return hex(value)


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _bloom(value: int) -> str:
    return "0x" + value.to_bytes(256, "big").hex()


@dataclass(frozen=True)
class _LogFilter:
    from_block: int
    to_block: int
    block_hash: bytes | None
    addresses: frozenset[bytes] | None
    #: Per position: None matches anything, else one of the topics.
    topics: tuple[frozenset[bytes] | None, ...]


class EthApi:
    """Ethereum JSON-RPC over a `FastChain`.

    `submit(raw)` is the node's mempool admission (returns the tx hash, raises named errors);
    `pending_nonce(address)` is the sender's next nonce counting pending transactions, or None.
    """

    def __init__(
        self,
        chain: FastChain,
        submit: Callable[[bytes], bytes],
        pending_nonce: Callable[[bytes], int | None],
    ) -> None:
        self.chain = chain
        self._submit = submit
        self._pending_nonce = pending_nonce

    def methods(self) -> dict[str, Method]:
        """Every supported JSON-RPC method by name."""
        return {
            "web3_clientVersion": self.web3_clientVersion,
            "web3_sha3": self.web3_sha3,
            "net_version": self.net_version,
            "net_listening": self.net_listening,
            "net_peerCount": self.net_peerCount,
            "eth_chainId": self.eth_chainId,
            "eth_blockNumber": self.eth_blockNumber,
            "eth_syncing": self.eth_syncing,
            "eth_accounts": self.eth_accounts,
            "eth_mining": self.eth_mining,
            "eth_gasPrice": self.eth_gasPrice,
            "eth_maxPriorityFeePerGas": self.eth_maxPriorityFeePerGas,
            "eth_blobBaseFee": self.eth_blobBaseFee,
            "eth_feeHistory": self.eth_feeHistory,
            "eth_getBalance": self.eth_getBalance,
            "eth_getTransactionCount": self.eth_getTransactionCount,
            "eth_getCode": self.eth_getCode,
            "eth_getStorageAt": self.eth_getStorageAt,
            "eth_call": self.eth_call,
            "eth_estimateGas": self.eth_estimateGas,
            "eth_sendRawTransaction": self.eth_sendRawTransaction,
            "eth_getBlockByNumber": self.eth_getBlockByNumber,
            "eth_getBlockByHash": self.eth_getBlockByHash,
            "eth_getBlockTransactionCountByNumber": self.eth_getBlockTransactionCountByNumber,
            "eth_getBlockTransactionCountByHash": self.eth_getBlockTransactionCountByHash,
            "eth_getUncleCountByBlockNumber": self.eth_getUncleCountByBlockNumber,
            "eth_getUncleCountByBlockHash": self.eth_getUncleCountByBlockHash,
            "eth_getTransactionByHash": self.eth_getTransactionByHash,
            "eth_getTransactionByBlockNumberAndIndex": self.eth_getTransactionByBlockNumberAndIndex,
            "eth_getTransactionByBlockHashAndIndex": self.eth_getTransactionByBlockHashAndIndex,
            "eth_getTransactionReceipt": self.eth_getTransactionReceipt,
            "eth_getBlockReceipts": self.eth_getBlockReceipts,
            "eth_getLogs": self.eth_getLogs,
        }

    # -- blocks by tag ------------------------------------------------------------------------

    def _block_number(self, tag: Any, name: str = "block") -> int:
        """The number a block tag or quantity names (not checked to exist)."""
        if isinstance(tag, str) and tag in HEAD_TAGS:
            return int(self.chain.head_header.block_number)
        if tag == "earliest":
            return 0
        return _quantity(tag, name)

    def _record_for(self, tag: Any) -> BlockRecord | None:
        """The block a tag, number or EIP-1898 object names, or None if there is none."""
        if isinstance(tag, dict):
            if "blockHash" in tag:
                return self.chain.block_by_hash(_data(tag["blockHash"], "blockHash", 32))
            if "blockNumber" in tag:
                return self.chain.block_by_number(self._block_number(tag["blockNumber"]))
            raise InvalidRpcParams("a block object needs blockHash or blockNumber")
        return self.chain.block_by_number(self._block_number(tag))

    def _state_header(self, params: Params, index: int) -> BlockHeaderAPI:
        """The header whose state a state query reads (default: the head)."""
        tag = _param(params, index, "block", "latest")
        if isinstance(tag, str) and tag in HEAD_TAGS:
            return self.chain.head_header
        record = self._record_for(tag)
        if record is None:
            raise BlockNotFound(f"no block {tag!r}: header not found")
        return record.header

    # -- simple methods -------------------------------------------------------------------------

    def web3_clientVersion(self, params: Params) -> str:
        return self.chain.params.client_version

    def web3_sha3(self, params: Params) -> str:
        return _hex(keccak(_data(_param(params, 0, "data"), "data")))

    def net_version(self, params: Params) -> str:
        return str(self.chain.params.chain_id)

    def net_listening(self, params: Params) -> bool:
        return True

    def net_peerCount(self, params: Params) -> str:
        return "0x0"

    def eth_chainId(self, params: Params) -> str:
        return _q(self.chain.params.chain_id)

    def eth_blockNumber(self, params: Params) -> str:
        return _q(self.chain.head_header.block_number)

    def eth_syncing(self, params: Params) -> bool:
        return False

    def eth_accounts(self, params: Params) -> list[str]:
        return []

    def eth_mining(self, params: Params) -> bool:
        return False

    def eth_gasPrice(self, params: Params) -> str:
        """Next block's base fee plus the suggested tip (what a legacy transaction should pay)."""
        return _q(self.chain.next_base_fee + self.chain.params.suggested_priority_fee)

    def eth_maxPriorityFeePerGas(self, params: Params) -> str:
        return _q(self.chain.params.suggested_priority_fee)

    def eth_blobBaseFee(self, params: Params) -> str:
        return "0x1"

    def eth_feeHistory(self, params: Params) -> dict[str, Any]:
        count = _quantity(_param(params, 0, "blockCount"), "blockCount")
        if count == 0:
            raise InvalidRpcParams("blockCount must be at least 1")
        count = min(count, self.chain.params.max_fee_history_blocks)
        newest = self._block_number(_param(params, 1, "newestBlock"), "newestBlock")
        head = int(self.chain.head_header.block_number)
        if newest > head:
            raise BlockNotFound(f"newest block {newest} is beyond the head {head}")
        raw_percentiles = _param(params, 2, "rewardPercentiles", None)
        percentiles: list[float] | None = None
        if raw_percentiles is not None:
            if not isinstance(raw_percentiles, list) or not all(
                isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 100
                for p in raw_percentiles
            ):
                raise InvalidRpcParams("rewardPercentiles must be numbers between 0 and 100")
            if any(a > b for a, b in pairwise(raw_percentiles)):
                raise InvalidRpcParams("rewardPercentiles must be in ascending order")
            percentiles = [float(p) for p in raw_percentiles]
        oldest = max(0, newest - count + 1)
        base_fees: list[str] = []
        ratios: list[float] = []
        rewards: list[list[str]] = []
        headers: list[BlockHeaderAPI] = []
        for number in range(oldest, newest + 1):
            record = self.chain.block_by_number(number)
            if record is None:
                raise BlockNotFound(f"block {number} is missing")
            headers.append(record.header)
            base_fees.append(_q(base_fee_of(record.header)))
            ratios.append(record.header.gas_used / record.header.gas_limit)
            if percentiles is not None:
                rewards.append([_q(r) for r in self._block_rewards(record, percentiles)])
        # The base fee of the block after the newest one, as the specification asks.
        base_fees.append(_q(self.chain.vm_class.expected_base_fee(headers[-1])))
        result: dict[str, Any] = {
            "oldestBlock": _q(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": ["0x1"] * len(base_fees),
            "blobGasUsedRatio": [0.0] * len(ratios),
        }
        if percentiles is not None:
            result["reward"] = rewards
        return result

    def _block_rewards(self, record: BlockRecord, percentiles: Sequence[float]) -> list[int]:
        """Effective tips at each percentile of gas used in a block (geth's method)."""
        if not record.raw_transactions:
            return [0] * len(percentiles)
        base_fee = base_fee_of(record.header)
        tips: list[tuple[int, int]] = []
        previous = 0
        receipts = self.chain.block_receipts(record)
        for raw, receipt in zip(record.raw_transactions, receipts, strict=True):
            tx = self.chain.decode_stored_transaction(raw)
            tip = min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)
            tips.append((tip, receipt.gas_used - previous))
            previous = receipt.gas_used
        tips.sort()
        total = sum(gas for _, gas in tips)
        out: list[int] = []
        index, cumulative = 0, tips[0][1]
        for p in percentiles:
            threshold = total * p / 100
            while cumulative < threshold and index < len(tips) - 1:
                index += 1
                cumulative += tips[index][1]
            out.append(tips[index][0])
        return out

    # -- state ----------------------------------------------------------------------------------

    def eth_getBalance(self, params: Params) -> str:
        address = _address(_param(params, 0, "address"), "address")
        return _q(self.chain.account(address, self._state_header(params, 1)).balance)

    def eth_getTransactionCount(self, params: Params) -> str:
        address = _address(_param(params, 0, "address"), "address")
        tag = _param(params, 1, "block", "latest")
        nonce = self.chain.account(address, self._state_header(params, 1)).nonce
        if tag == "pending":
            pending = self._pending_nonce(address)
            if pending is not None:
                nonce = max(nonce, pending)
        return _q(nonce)

    def eth_getCode(self, params: Params) -> str:
        address = _address(_param(params, 0, "address"), "address")
        return _hex(self.chain.get_code(address, self._state_header(params, 1)))

    def eth_getStorageAt(self, params: Params) -> str:
        address = _address(_param(params, 0, "address"), "address")
        slot = _quantity(_param(params, 1, "slot"), "slot")
        return _word(self.chain.get_storage(address, slot, self._state_header(params, 2)))

    def _call_request(self, obj: Any) -> CallRequest:
        if not isinstance(obj, dict):
            raise InvalidRpcParams("the call parameter must be a transaction object")

        def optional_quantity(key: str) -> int | None:
            value = obj.get(key)
            return None if value is None else _quantity(value, key)

        data = obj.get("input")
        other = obj.get("data")
        if data is not None and other is not None and data != other:
            raise InvalidRpcParams('both "data" and "input" are set and they differ')
        payload = _data(data if data is not None else other, "input") if (data or other) else b""
        access_list = None
        if obj.get("accessList") is not None:
            access_list = _access_list(obj["accessList"])
        if obj.get("gasPrice") is not None and (
            obj.get("maxFeePerGas") is not None or obj.get("maxPriorityFeePerGas") is not None
        ):
            raise InvalidRpcParams(
                "gasPrice cannot be given with maxFeePerGas/maxPriorityFeePerGas"
            )
        sender = obj.get("from")
        to = obj.get("to")
        return CallRequest(
            sender=b"\x00" * 20 if sender is None else _address(sender, "from"),
            to=None if to is None else _address(to, "to"),
            gas=optional_quantity("gas"),
            gas_price=optional_quantity("gasPrice"),
            max_fee_per_gas=optional_quantity("maxFeePerGas"),
            max_priority_fee_per_gas=optional_quantity("maxPriorityFeePerGas"),
            value=optional_quantity("value") or 0,
            data=payload,
            access_list=access_list,
        )

    def eth_call(self, params: Params) -> str:
        request = self._call_request(_param(params, 0, "transaction"))
        if len(params) > 2 and params[2] is not None:
            raise InvalidRpcParams("state overrides are not supported")
        return _hex(self.chain.call(request, self._state_header(params, 1)))

    def eth_estimateGas(self, params: Params) -> str:
        request = self._call_request(_param(params, 0, "transaction"))
        return _q(self.chain.estimate_gas(request, self._state_header(params, 1)))

    def eth_sendRawTransaction(self, params: Params) -> str:
        raw = _data(_param(params, 0, "transaction"), "transaction")
        return _hex(self._submit(raw))

    # -- blocks -----------------------------------------------------------------------------------

    def eth_getBlockByNumber(self, params: Params) -> dict[str, Any] | None:
        record = self._record_for(_param(params, 0, "block"))
        full = _bool(_param(params, 1, "fullTransactions", False), "fullTransactions")
        return None if record is None else self._block_json(record, full)

    def eth_getBlockByHash(self, params: Params) -> dict[str, Any] | None:
        block_hash = _data(_param(params, 0, "blockHash"), "blockHash", 32)
        full = _bool(_param(params, 1, "fullTransactions", False), "fullTransactions")
        record = self.chain.block_by_hash(block_hash)
        return None if record is None else self._block_json(record, full)

    def eth_getBlockTransactionCountByNumber(self, params: Params) -> str | None:
        record = self._record_for(_param(params, 0, "block"))
        return None if record is None else _q(len(record.raw_transactions))

    def eth_getBlockTransactionCountByHash(self, params: Params) -> str | None:
        record = self.chain.block_by_hash(_data(_param(params, 0, "blockHash"), "blockHash", 32))
        return None if record is None else _q(len(record.raw_transactions))

    def eth_getUncleCountByBlockNumber(self, params: Params) -> str | None:
        return None if self._record_for(_param(params, 0, "block")) is None else "0x0"

    def eth_getUncleCountByBlockHash(self, params: Params) -> str | None:
        block_hash = _data(_param(params, 0, "blockHash"), "blockHash", 32)
        return None if self.chain.block_by_hash(block_hash) is None else "0x0"

    def _block_json(self, record: BlockRecord, full: bool) -> dict[str, Any]:
        header = record.header
        block_hash = bytes(header.hash)
        if full:
            transactions: list[Any] = [
                self._tx_json(record, i) for i in range(len(record.raw_transactions))
            ]
        else:
            transactions = [_hex(keccak(raw)) for raw in record.raw_transactions]
        return {
            "number": _q(header.block_number),
            "hash": _hex(block_hash),
            "parentHash": _hex(header.parent_hash),
            "nonce": _hex(header.nonce),
            "mixHash": _hex(header.mix_hash),
            "sha3Uncles": _hex(header.uncles_hash),
            "logsBloom": _bloom(header.bloom),
            "transactionsRoot": _hex(header.transaction_root),
            "stateRoot": _hex(header.state_root),
            "receiptsRoot": _hex(header.receipt_root),
            "miner": _hex(header.coinbase),
            "difficulty": "0x0",
            "totalDifficulty": "0x0",
            "extraData": _hex(header.extra_data),
            "size": _q(_block_size(record)),
            "gasLimit": _q(header.gas_limit),
            "gasUsed": _q(header.gas_used),
            "timestamp": _q(header.timestamp),
            "baseFeePerGas": _q(base_fee_of(header)),
            "withdrawalsRoot": _hex(header.withdrawals_root or b""),
            "withdrawals": [],
            "blobGasUsed": _q(header.blob_gas_used),
            "excessBlobGas": _q(header.excess_blob_gas),
            "parentBeaconBlockRoot": _hex(header.parent_beacon_block_root or b""),
            "requestsHash": _hex(getattr(header, "requests_hash", b"")),
            "transactions": transactions,
            "uncles": [],
        }

    # -- transactions and receipts ------------------------------------------------------------

    def _tx_json(self, record: BlockRecord, index: int) -> dict[str, Any]:
        raw = record.raw_transactions[index]
        tx = self.chain.decode_stored_transaction(raw)
        header = record.header
        return _transaction_json(
            tx,
            raw,
            record.senders[index],
            bytes(header.hash),
            header.block_number,
            index,
            base_fee_of(header),
            self.chain.params.chain_id,
        )

    def eth_getTransactionByHash(self, params: Params) -> dict[str, Any] | None:
        tx_hash = _data(_param(params, 0, "transactionHash"), "transactionHash", 32)
        found = self.chain.transaction_location(tx_hash)
        return None if found is None else self._tx_json(*found)

    def _tx_by_index(self, record: BlockRecord | None, params: Params) -> dict[str, Any] | None:
        index = _quantity(_param(params, 1, "index"), "index")
        if record is None or index >= len(record.raw_transactions):
            return None
        return self._tx_json(record, index)

    def eth_getTransactionByBlockNumberAndIndex(self, params: Params) -> dict[str, Any] | None:
        return self._tx_by_index(self._record_for(_param(params, 0, "block")), params)

    def eth_getTransactionByBlockHashAndIndex(self, params: Params) -> dict[str, Any] | None:
        block_hash = _data(_param(params, 0, "blockHash"), "blockHash", 32)
        return self._tx_by_index(self.chain.block_by_hash(block_hash), params)

    def eth_getTransactionReceipt(self, params: Params) -> dict[str, Any] | None:
        tx_hash = _data(_param(params, 0, "transactionHash"), "transactionHash", 32)
        found = self.chain.transaction_location(tx_hash)
        return None if found is None else self._receipts_json(found[0], only=found[1])[0]

    def eth_getBlockReceipts(self, params: Params) -> list[dict[str, Any]] | None:
        record = self._record_for(_param(params, 0, "block"))
        return None if record is None else self._receipts_json(record)

    def _receipts_json(self, record: BlockRecord, only: int | None = None) -> list[dict[str, Any]]:
        """Receipts of a block (or of its transaction `only`), log indexes counted blockwide."""
        header = record.header
        block_hash = _hex(header.hash)
        base_fee = base_fee_of(header)
        out: list[dict[str, Any]] = []
        log_index = 0
        previous_gas = 0
        for index, receipt in enumerate(self.chain.block_receipts(record)):
            if only is not None and index != only:
                log_index += len(receipt.logs)
                previous_gas = receipt.gas_used
                continue
            raw = record.raw_transactions[index]
            tx = self.chain.decode_stored_transaction(raw)
            sender = record.senders[index]
            created = None
            if not tx.to:
                created = _hex(generate_contract_address(Address(sender), tx.nonce))
            tx_hash = _hex(keccak(raw))
            logs = _logs_json(receipt, block_hash, header, tx_hash, index, log_index)
            log_index += len(logs)
            out.append(
                {
                    "transactionHash": tx_hash,
                    "transactionIndex": _q(index),
                    "blockHash": block_hash,
                    "blockNumber": _q(header.block_number),
                    "from": _hex(sender),
                    "to": _hex(tx.to) if tx.to else None,
                    "cumulativeGasUsed": _q(receipt.gas_used),
                    "gasUsed": _q(receipt.gas_used - previous_gas),
                    "effectiveGasPrice": _q(_effective_gas_price(tx, base_fee)),
                    "blobGasUsed": None,
                    "contractAddress": created,
                    "logs": logs,
                    "logsBloom": _bloom(receipt.bloom),
                    "type": _q(_tx_type(tx)),
                    "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
                }
            )
            previous_gas = receipt.gas_used
            if only is not None:
                break
        return out

    # -- logs -----------------------------------------------------------------------------------

    def _log_filter(self, obj: Any) -> _LogFilter:
        if not isinstance(obj, dict):
            raise InvalidRpcParams("the filter must be an object")
        params = self.chain.params
        block_hash = None
        if obj.get("blockHash") is not None:
            if obj.get("fromBlock") is not None or obj.get("toBlock") is not None:
                raise InvalidRpcParams("blockHash cannot be given with fromBlock/toBlock")
            block_hash = _data(obj["blockHash"], "blockHash", 32)
            from_block = to_block = -1
        else:
            from_block = self._block_number(obj.get("fromBlock") or "latest", "fromBlock")
            to_block = self._block_number(obj.get("toBlock") or "latest", "toBlock")
            head = int(self.chain.head_header.block_number)
            to_block = min(to_block, head)
            if from_block > to_block:
                raise InvalidRpcParams(f"fromBlock {from_block} is after toBlock {to_block}")
            if to_block - from_block + 1 > params.max_log_block_range:
                raise LogQueryTooLarge(
                    f"block range {from_block}..{to_block} spans more than "
                    f"{params.max_log_block_range} blocks; narrow the range"
                )
        raw_address = obj.get("address")
        addresses = None
        if raw_address is not None:
            items = raw_address if isinstance(raw_address, list) else [raw_address]
            addresses = frozenset(_address(a, "address") for a in items)
        raw_topics = obj.get("topics") or []
        if not isinstance(raw_topics, list) or len(raw_topics) > 4:
            raise InvalidRpcParams("topics must be an array of at most 4 entries")
        topics: list[frozenset[bytes] | None] = []
        for position, entry in enumerate(raw_topics):
            if entry is None:
                topics.append(None)
            elif isinstance(entry, list):
                options = [_data(t, f"topics[{position}]", 32) for t in entry if t is not None]
                topics.append(frozenset(options) if len(options) == len(entry) else None)
            else:
                topics.append(frozenset((_data(entry, f"topics[{position}]", 32),)))
        return _LogFilter(from_block, to_block, block_hash, addresses, tuple(topics))

    def eth_getLogs(self, params: Params) -> list[dict[str, Any]]:
        query = self._log_filter(_param(params, 0, "filter"))
        if query.block_hash is not None:
            record = self.chain.block_by_hash(query.block_hash)
            if record is None:
                raise BlockNotFound(f"no block with hash {_hex(query.block_hash)}")
            records: Sequence[BlockRecord | None] = [record]
        else:
            records = [
                self.chain.block_by_number(n) for n in range(query.from_block, query.to_block + 1)
            ]
        limit = self.chain.params.max_log_results
        out: list[dict[str, Any]] = []
        for record in records:
            if record is None or not record.raw_transactions:
                continue
            if not _bloom_may_match(record.header.bloom, query):
                continue
            for receipt_json in self._receipts_json(record):
                for log in receipt_json["logs"]:
                    if _log_matches(log, query):
                        out.append(log)
                        if len(out) > limit:
                            raise LogQueryTooLarge(
                                f"the query matches more than {limit} logs; narrow it"
                            )
        return out


# -- helpers ----------------------------------------------------------------------------------


def _access_list(value: Any) -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    if not isinstance(value, list):
        raise InvalidRpcParams("accessList must be an array")
    out = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("storageKeys", []), list):
            raise InvalidRpcParams("accessList entries are {address, storageKeys} objects")
        address = _address(entry.get("address"), "accessList.address")
        keys = tuple(
            int.from_bytes(_data(k, "accessList.storageKeys", 32), "big")
            for k in entry.get("storageKeys", [])
        )
        out.append((address, keys))
    return tuple(out)


def _tx_type(tx: SignedTransactionAPI) -> int:
    type_id = getattr(tx, "type_id", None)
    return LEGACY_TX_TYPE if type_id is None else int(type_id)


def _effective_gas_price(tx: SignedTransactionAPI, base_fee: int) -> int:
    return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)


def _transaction_json(
    tx: SignedTransactionAPI,
    raw: bytes,
    sender: bytes,
    block_hash: bytes,
    block_number: int,
    index: int,
    base_fee: int,
    chain_id: int,
) -> dict[str, Any]:
    tx_type = _tx_type(tx)
    out: dict[str, Any] = {
        "blockHash": _hex(block_hash),
        "blockNumber": _q(block_number),
        "transactionIndex": _q(index),
        "hash": _hex(keccak(raw)),
        "type": _q(tx_type),
        "from": _hex(sender),
        "to": _hex(tx.to) if tx.to else None,
        "nonce": _q(tx.nonce),
        "gas": _q(tx.gas),
        "value": _q(tx.value),
        "input": _hex(tx.data),
        "gasPrice": _q(_effective_gas_price(tx, base_fee)),
        "chainId": _q(chain_id),
        "r": _q(tx.r),
        "s": _q(tx.s),
    }
    if tx_type == LEGACY_TX_TYPE:
        out["v"] = _q(tx.v)  # type: ignore[attr-defined]  # legacy transactions carry v
    else:
        out["v"] = _q(tx.y_parity)
        out["yParity"] = _q(tx.y_parity)
        out["accessList"] = [
            {"address": _hex(address), "storageKeys": [_word(k) for k in keys]}
            for address, keys in tx.access_list
        ]
    if tx_type == DYNAMIC_FEE_TX_TYPE:
        out["maxFeePerGas"] = _q(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = _q(tx.max_priority_fee_per_gas)
    return out


def _logs_json(
    receipt: ReceiptAPI,
    block_hash: str,
    header: BlockHeaderAPI,
    tx_hash: str,
    tx_index: int,
    first_log_index: int,
) -> list[dict[str, Any]]:
    return [
        {
            "address": _hex(log.address),
            "topics": [_word(t) for t in log.topics],
            "data": _hex(log.data),
            "blockNumber": _q(header.block_number),
            "blockHash": block_hash,
            "blockTimestamp": _q(header.timestamp),
            "transactionHash": tx_hash,
            "transactionIndex": _q(tx_index),
            "logIndex": _q(first_log_index + i),
            "removed": False,
        }
        for i, log in enumerate(receipt.logs)
    ]


def _bloom_may_match(bloom_value: int, query: _LogFilter) -> bool:
    bloom = BloomFilter(bloom_value)
    if query.addresses is not None and not any(a in bloom for a in query.addresses):
        return False
    return all(options is None or any(t in bloom for t in options) for options in query.topics)


def _log_matches(log: dict[str, Any], query: _LogFilter) -> bool:
    if query.addresses is not None and bytes.fromhex(log["address"][2:]) not in query.addresses:
        return False
    topics = log["topics"]
    for position, options in enumerate(query.topics):
        if options is None:
            continue
        if position >= len(topics) or bytes.fromhex(topics[position][2:]) not in options:
            return False
    return True


def _block_size(record: BlockRecord) -> int:
    """Length of the block's RLP: [header, transactions, uncles, withdrawals]."""
    header = rlp.encode(record.header)
    txs = b"".join(raw if raw[0] >= 0xC0 else rlp_encode(raw) for raw in record.raw_transactions)
    tx_list = rlp_encode([]) if not txs else _list_prefix(len(txs)) + txs
    payload = header + tx_list + rlp_encode([]) + rlp_encode([])
    return len(_list_prefix(len(payload))) + len(payload)


def _list_prefix(length: int) -> bytes:
    if length < 56:
        return bytes((0xC0 + length,))
    length_bytes = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(length_bytes),)) + length_bytes
