"""`EthApi`: one method per Ethereum JSON-RPC method, JSON params in, JSON out, over a `FastChain`.

Parameters are parsed by `params`, answers shaped by `wire`, log queries by `logs`; what a
request may cost is bounded by `RpcLimits`. Not thread-safe: the node calls these under its lock
(`submit` takes the lock itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eth.abc import BlockHeaderAPI
from eth_hash.auto import keccak

from zkbraid.api.jsonrpc import submits
from zkbraid.fast.chain import FastChain
from zkbraid.fast.db import BlockRecord
from zkbraid.fast.errors import BlockNotFound, LogQueryTooLarge
from zkbraid.fast.rpc.fees import block_rewards
from zkbraid.fast.rpc.limits import DEFAULT_LIMITS, RpcLimits
from zkbraid.fast.rpc.logs import bloom_may_match, log_matches, parse_log_filter
from zkbraid.fast.rpc.params import (
    HEAD_TAGS,
    U64_BITS,
    InvalidRpcParams,
    Params,
    param,
    parse_address,
    parse_block_number,
    parse_bool,
    parse_call_request,
    parse_data,
    parse_hash,
    parse_quantity,
    parse_reward_percentiles,
)
from zkbraid.fast.rpc.wire import (
    block_json,
    hex_data,
    hex_quantity,
    hex_word,
    receipt_json,
    transaction_json,
)
from zkbraid.fast.vm import base_fee_of

Method = Callable[[Params], Any]


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
        *,
        limits: RpcLimits = DEFAULT_LIMITS,
    ) -> None:
        self.chain = chain
        self.limits = limits
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

    @property
    def _head(self) -> int:
        return int(self.chain.head_header.block_number)

    def _block_number(self, tag: Any, name: str = "block") -> int:
        """The number a block tag or quantity names (not checked to exist)."""
        return parse_block_number(tag, self._head, name)

    def _record_for(self, tag: Any) -> BlockRecord | None:
        """The block a tag, number or EIP-1898 object names, or None if there is none."""
        if isinstance(tag, dict):
            if "blockHash" in tag:
                return self.chain.block_by_hash(parse_hash(tag["blockHash"], "blockHash"))
            if "blockNumber" in tag:
                return self.chain.block_by_number(self._block_number(tag["blockNumber"]))
            raise InvalidRpcParams("a block object needs blockHash or blockNumber")
        return self.chain.block_by_number(self._block_number(tag))

    def _state_header(self, params: Params, index: int) -> BlockHeaderAPI:
        """The header whose state a state query reads (default: the head)."""
        tag = param(params, index, "block", "latest")
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
        return hex_data(keccak(parse_data(param(params, 0, "data"), "data")))

    def net_version(self, params: Params) -> str:
        return str(self.chain.params.chain_id)

    def net_listening(self, params: Params) -> bool:
        return True

    def net_peerCount(self, params: Params) -> str:
        return "0x0"

    def eth_chainId(self, params: Params) -> str:
        return hex_quantity(self.chain.params.chain_id)

    def eth_blockNumber(self, params: Params) -> str:
        return hex_quantity(self._head)

    def eth_syncing(self, params: Params) -> bool:
        return False

    def eth_accounts(self, params: Params) -> list[str]:
        return []

    def eth_mining(self, params: Params) -> bool:
        return False

    # -- fees -----------------------------------------------------------------------------------

    def eth_gasPrice(self, params: Params) -> str:
        """Next block's base fee plus the suggested tip (what a legacy transaction should pay)."""
        return hex_quantity(self.chain.next_base_fee + self.limits.suggested_priority_fee)

    def eth_maxPriorityFeePerGas(self, params: Params) -> str:
        return hex_quantity(self.limits.suggested_priority_fee)

    def eth_blobBaseFee(self, params: Params) -> str:
        return "0x1"

    def eth_feeHistory(self, params: Params) -> dict[str, Any]:
        count = parse_quantity(param(params, 0, "blockCount"), "blockCount", U64_BITS)
        if count == 0:
            raise InvalidRpcParams("blockCount must be at least 1")
        count = min(count, self.limits.max_fee_history_blocks)
        newest = self._block_number(param(params, 1, "newestBlock"), "newestBlock")
        head = self._head
        if newest > head:
            raise BlockNotFound(f"newest block {newest} is beyond the head {head}")
        percentiles = parse_reward_percentiles(param(params, 2, "rewardPercentiles", None))
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
            base_fees.append(hex_quantity(base_fee_of(record.header)))
            ratios.append(record.header.gas_used / record.header.gas_limit)
            if percentiles is not None:
                rewards.append([hex_quantity(r) for r in self._block_rewards(record, percentiles)])
        # The base fee of the block after the newest one, as the specification asks.
        base_fees.append(hex_quantity(self.chain.vm_class.expected_base_fee(headers[-1])))
        result: dict[str, Any] = {
            "oldestBlock": hex_quantity(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": ["0x1"] * len(base_fees),
            "blobGasUsedRatio": [0.0] * len(ratios),
        }
        if percentiles is not None:
            result["reward"] = rewards
        return result

    def _block_rewards(self, record: BlockRecord, percentiles: Sequence[float]) -> list[int]:
        if not record.raw_transactions:
            return [0] * len(percentiles)
        txs = [self.chain.decode_stored_transaction(raw) for raw in record.raw_transactions]
        receipts = self.chain.block_receipts(record)
        return block_rewards(txs, receipts, base_fee_of(record.header), percentiles)

    # -- state ----------------------------------------------------------------------------------

    def eth_getBalance(self, params: Params) -> str:
        address = parse_address(param(params, 0, "address"), "address")
        return hex_quantity(self.chain.account(address, self._state_header(params, 1)).balance)

    def eth_getTransactionCount(self, params: Params) -> str:
        address = parse_address(param(params, 0, "address"), "address")
        tag = param(params, 1, "block", "latest")
        nonce = self.chain.account(address, self._state_header(params, 1)).nonce
        if tag == "pending":
            pending = self._pending_nonce(address)
            if pending is not None:
                nonce = max(nonce, pending)
        return hex_quantity(nonce)

    def eth_getCode(self, params: Params) -> str:
        address = parse_address(param(params, 0, "address"), "address")
        return hex_data(self.chain.get_code(address, self._state_header(params, 1)))

    def eth_getStorageAt(self, params: Params) -> str:
        address = parse_address(param(params, 0, "address"), "address")
        slot = parse_quantity(param(params, 1, "slot"), "slot")
        return hex_word(self.chain.get_storage(address, slot, self._state_header(params, 2)))

    # -- calls and transactions -----------------------------------------------------------------

    def eth_call(self, params: Params) -> str:
        request = parse_call_request(param(params, 0, "transaction"))
        if len(params) > 2 and params[2] is not None:
            raise InvalidRpcParams("state overrides are not supported")
        header = self._state_header(params, 1)
        return hex_data(self.chain.call(request, header, gas_cap=self.limits.rpc_gas_cap))

    def eth_estimateGas(self, params: Params) -> str:
        request = parse_call_request(param(params, 0, "transaction"))
        header = self._state_header(params, 1)
        gas = self.chain.estimate_gas(request, header, gas_cap=self.limits.rpc_gas_cap)
        return hex_quantity(gas)

    @submits
    def eth_sendRawTransaction(self, params: Params) -> str:
        raw = parse_data(param(params, 0, "transaction"), "transaction")
        return hex_data(self._submit(raw))

    # -- blocks ---------------------------------------------------------------------------------

    def eth_getBlockByNumber(self, params: Params) -> dict[str, Any] | None:
        record = self._record_for(param(params, 0, "block"))
        full = parse_bool(param(params, 1, "fullTransactions", False), "fullTransactions")
        return None if record is None else self._block_json(record, full)

    def eth_getBlockByHash(self, params: Params) -> dict[str, Any] | None:
        block_hash = parse_hash(param(params, 0, "blockHash"), "blockHash")
        full = parse_bool(param(params, 1, "fullTransactions", False), "fullTransactions")
        record = self.chain.block_by_hash(block_hash)
        return None if record is None else self._block_json(record, full)

    def eth_getBlockTransactionCountByNumber(self, params: Params) -> str | None:
        record = self._record_for(param(params, 0, "block"))
        return None if record is None else hex_quantity(len(record.raw_transactions))

    def eth_getBlockTransactionCountByHash(self, params: Params) -> str | None:
        record = self.chain.block_by_hash(parse_hash(param(params, 0, "blockHash"), "blockHash"))
        return None if record is None else hex_quantity(len(record.raw_transactions))

    def eth_getUncleCountByBlockNumber(self, params: Params) -> str | None:
        return None if self._record_for(param(params, 0, "block")) is None else "0x0"

    def eth_getUncleCountByBlockHash(self, params: Params) -> str | None:
        block_hash = parse_hash(param(params, 0, "blockHash"), "blockHash")
        return None if self.chain.block_by_hash(block_hash) is None else "0x0"

    def _block_json(self, record: BlockRecord, full: bool) -> dict[str, Any]:
        if full:
            transactions: list[Any] = [
                self._tx_json(record, i) for i in range(len(record.raw_transactions))
            ]
        else:
            transactions = [hex_data(keccak(raw)) for raw in record.raw_transactions]
        return block_json(record, transactions)

    # -- transactions and receipts ------------------------------------------------------------

    def _tx_json(self, record: BlockRecord, index: int) -> dict[str, Any]:
        raw = record.raw_transactions[index]
        tx = self.chain.decode_stored_transaction(raw)
        return transaction_json(tx, raw, record, index, self.chain.params.chain_id)

    def eth_getTransactionByHash(self, params: Params) -> dict[str, Any] | None:
        tx_hash = parse_hash(param(params, 0, "transactionHash"), "transactionHash")
        found = self.chain.transaction_location(tx_hash)
        return None if found is None else self._tx_json(*found)

    def _tx_by_index(self, record: BlockRecord | None, params: Params) -> dict[str, Any] | None:
        index = parse_quantity(param(params, 1, "index"), "index", U64_BITS)
        if record is None or index >= len(record.raw_transactions):
            return None
        return self._tx_json(record, index)

    def eth_getTransactionByBlockNumberAndIndex(self, params: Params) -> dict[str, Any] | None:
        return self._tx_by_index(self._record_for(param(params, 0, "block")), params)

    def eth_getTransactionByBlockHashAndIndex(self, params: Params) -> dict[str, Any] | None:
        block_hash = parse_hash(param(params, 0, "blockHash"), "blockHash")
        return self._tx_by_index(self.chain.block_by_hash(block_hash), params)

    def eth_getTransactionReceipt(self, params: Params) -> dict[str, Any] | None:
        tx_hash = parse_hash(param(params, 0, "transactionHash"), "transactionHash")
        found = self.chain.transaction_location(tx_hash)
        return None if found is None else self._receipts_json(found[0], only=found[1])[0]

    def eth_getBlockReceipts(self, params: Params) -> list[dict[str, Any]] | None:
        record = self._record_for(param(params, 0, "block"))
        return None if record is None else self._receipts_json(record)

    def _receipts_json(self, record: BlockRecord, only: int | None = None) -> list[dict[str, Any]]:
        """Receipts of a block (or of its transaction `only`), log indexes counted blockwide."""
        out: list[dict[str, Any]] = []
        log_index = 0
        previous_gas = 0
        for index, receipt in enumerate(self.chain.block_receipts(record)):
            if only is None or index == only:
                tx = self.chain.decode_stored_transaction(record.raw_transactions[index])
                out.append(receipt_json(record, index, tx, receipt, previous_gas, log_index))
                if only is not None:
                    break
            log_index += len(receipt.logs)
            previous_gas = receipt.gas_used
        return out

    # -- logs -----------------------------------------------------------------------------------

    def eth_getLogs(self, params: Params) -> list[dict[str, Any]]:
        query = parse_log_filter(param(params, 0, "filter"), self._head, self.limits)
        if query.block_hash is not None:
            record = self.chain.block_by_hash(query.block_hash)
            if record is None:
                raise BlockNotFound(f"no block with hash {hex_data(query.block_hash)}")
            records: Sequence[BlockRecord | None] = [record]
        else:
            records = [
                self.chain.block_by_number(n) for n in range(query.from_block, query.to_block + 1)
            ]
        limit = self.limits.max_log_results
        out: list[dict[str, Any]] = []
        for record in records:
            if record is None or not record.raw_transactions:
                continue
            if not bloom_may_match(record.header.bloom, query):
                continue
            for receipt in self._receipts_json(record):
                for log in receipt["logs"]:
                    if log_matches(log, query):
                        out.append(log)
                        if len(out) > limit:
                            raise LogQueryTooLarge(
                                f"the query matches more than {limit} logs; narrow it"
                            )
        return out
