"""`FastChain`: the fast chain over one KV namespace — its head, stored blocks and state reads.

The rules live in their own modules and this class holds the state they run on:
`txs` and `admission` check a transaction (`check_transaction`), `execution` is the state
transition (`execute_block`), `calls` runs `eth_call` / `eth_estimateGas`. The node orders fast
blocks in the global ledger and calls `execute_block`, which writes the block through the KV
buffer; the node commits that buffer with the ledger block.

If the node does not commit the KV buffer after `execute_block` (it discards it, or the call
raised), it must call `reload()` so that the chain forgets the block.

Not thread-safe: the node serialises every call (admission, blocks and JSON-RPC) with its lock.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from eth.abc import BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI
from eth.vm.chain_context import ChainContext
from eth_typing import Address, Hash32

from zkbraid.fast import calls, execution
from zkbraid.fast.admission import check_against_state
from zkbraid.fast.calls import CallRequest
from zkbraid.fast.db import BlockRecord, BlockStore, StateDB
from zkbraid.fast.errors import InvalidBlock
from zkbraid.fast.execution import ExecutionEnv, TxOutcome
from zkbraid.fast.genesis import genesis_header
from zkbraid.fast.params import FastParams
from zkbraid.fast.system_contracts import RootUpdate
from zkbraid.fast.txs import FastTx, decode_transaction
from zkbraid.fast.vm import FastAccountDB, base_fee_of, configured_vm
from zkbraid.ledger.kv import KVNamespace

#: BLOCKHASH reaches this many ancestors.
ANCESTOR_DEPTH = 256
#: Decoded blocks kept for the JSON-RPC.
BLOCK_CACHE_SIZE = 256
#: Blocks whose decoded receipts are kept for the JSON-RPC.
RECEIPT_CACHE_SIZE = 64
#: Decoded transactions kept by raw bytes.
DECODED_TX_CACHE_SIZE = 8_192


@dataclass(frozen=True)
class FastBlockResult:
    """The block `execute_block` built and stored (buffered in the KV store)."""

    number: int
    hash: bytes
    state_root: bytes
    timestamp: int
    base_fee: int
    gas_used: int
    outcomes: tuple[TxOutcome, ...]

    @property
    def included(self) -> tuple[bytes, ...]:
        return tuple(o.hash for o in self.outcomes if o.included)


@dataclass(frozen=True)
class FastHead:
    """The head block of the fast chain."""

    number: int
    hash: bytes
    state_root: bytes
    timestamp: int
    base_fee: int
    gas_used: int
    gas_limit: int


@dataclass(frozen=True)
class Account:
    """An account's nonce, balance and code hash."""

    nonce: int
    balance: int
    code_hash: bytes


class FastChain:
    """The fast chain over one KV namespace: admission checks, block execution, state reads."""

    def __init__(self, kv: KVNamespace, params: FastParams, *, fast_transfers: bool = True) -> None:
        self.params = params
        self.vm_class = configured_vm(params)
        self._tx_builder = self.vm_class.get_transaction_builder()
        self._receipt_builder = self.vm_class.get_receipt_builder()
        self._kv = kv
        self._db = StateDB(kv)
        self._env = ExecutionEnv(
            params, self.vm_class, self._db, ChainContext(params.chain_id), fast_transfers
        )
        self._blocks = BlockStore(kv)
        self._block_cache: OrderedDict[bytes, BlockRecord] = OrderedDict()
        # Recently decoded transactions by raw bytes: the node decodes before checking, and
        # checks again when it rechecks its mempool.
        self._decoded: dict[bytes, FastTx] = {}
        self._receipt_cache: dict[bytes, tuple[ReceiptAPI, ...]] = {}
        # Hashes of the head and its ancestors, newest first: BLOCKHASH for the next block.
        self._ancestors: deque[Hash32] = deque(maxlen=ANCESTOR_DEPTH)
        self._head_header: BlockHeaderAPI
        self._head_accounts: FastAccountDB
        self._next_base_fee = 0
        self._load()

    @property
    def fast_transfers(self) -> bool:
        """Whether plain transfers skip the EVM (same result; see `execution`)."""
        return self._env.fast_transfers

    # -- loading -----------------------------------------------------------------------------

    def _load(self) -> None:
        genesis = genesis_header(self.params)
        stored_genesis = self._blocks.hash_by_number(0)
        if stored_genesis is None:
            genesis_header(self.params, self._kv)
        elif stored_genesis != genesis.hash:
            raise InvalidBlock(
                "the stored fast chain has another genesis than these parameters give "
                f"(stored 0x{stored_genesis.hex()}, expected 0x{genesis.hash.hex()})"
            )
        head_hash = self._blocks.head_hash()
        record = None if head_hash is None else self._blocks.get_block(head_hash)
        if record is None:
            raise InvalidBlock("the fast chain's head block is missing from the store")
        self._ancestors.clear()
        number = record.header.block_number
        for n in range(number, max(-1, number - ANCESTOR_DEPTH), -1):
            block_hash = self._blocks.hash_by_number(n)
            if block_hash is None:
                raise InvalidBlock(f"fast block #{n} is missing from the store")
            self._ancestors.append(Hash32(block_hash))
        self._set_head(record.header)

    def reload(self) -> None:
        """Re-reads the head from the KV namespace and drops every cache.

        The node calls this after discarding KV writes it had not committed (a block that
        `execute_block` built but the ledger did not take).
        """
        self._db.clear_caches()
        self._block_cache.clear()
        self._receipt_cache.clear()
        self._load()

    def _set_head(self, header: BlockHeaderAPI) -> None:
        self._head_header = header
        if self._db.accounts.root != header.state_root:
            self._db.accounts.clear()
            self._db.accounts.root = header.state_root
        self._head_accounts = FastAccountDB(self._db, header.state_root)
        self._next_base_fee = self.vm_class.expected_base_fee(header)

    # -- head --------------------------------------------------------------------------------

    def head(self) -> FastHead:
        h = self._head_header
        return FastHead(
            number=h.block_number,
            hash=h.hash,
            state_root=h.state_root,
            timestamp=h.timestamp,
            base_fee=base_fee_of(h),
            gas_used=h.gas_used,
            gas_limit=h.gas_limit,
        )

    @property
    def head_header(self) -> BlockHeaderAPI:
        return self._head_header

    @property
    def state_root(self) -> bytes:
        return bytes(self._head_header.state_root)

    @property
    def next_base_fee(self) -> int:
        """Base fee of the next block (what admission checks and fee RPCs use)."""
        return self._next_base_fee

    # -- admission ---------------------------------------------------------------------------

    def decode_transaction(self, raw: bytes) -> FastTx:
        """Decodes a raw signed transaction and checks everything that needs no state.

        Raises MalformedTransaction, UnprotectedTransaction, WrongChainId, InvalidSignature,
        TipAboveMaxFee, GasLimitExceeded, IntrinsicGasTooLow.
        """
        raw = bytes(raw)
        cache = self._decoded
        ftx = cache.get(raw)
        if ftx is None:
            ftx = decode_transaction(raw, self._tx_builder, self.params)
            cache[ftx.raw] = ftx
            if len(cache) > DECODED_TX_CACHE_SIZE:
                del cache[next(iter(cache))]
        return ftx

    def check_transaction(self, raw: bytes, *, pending_nonce: int | None = None) -> FastTx:
        """Decodes and validates a raw transaction against the head state; changes nothing.

        With `pending_nonce` (the sender's next nonce counting the node's pending transactions)
        the nonce must equal it; without, it must equal the sender's nonce in the head state.
        Raises every error of `decode_transaction`, and FeeTooLow, SenderNotEOA, NonceTooLow,
        NonceTooHigh, InsufficientFunds.
        """
        ftx = self.decode_transaction(raw)
        check_against_state(ftx, self._head_accounts, self._next_base_fee, pending_nonce)
        return ftx

    # -- blocks ------------------------------------------------------------------------------

    def execute_block(
        self,
        txs: Sequence[FastTx],
        timestamp: int,
        credits: Sequence[tuple[bytes, int]] = (),
        *,
        root_updates: Sequence[RootUpdate] = (),
    ) -> FastBlockResult:
        """Builds, executes and stores the next block: the ZkRoots system call writing
        `root_updates` first, then credits, then `txs` in order.

        A transaction no longer valid against the block's state (nonce taken, funds gone, block
        full, base fee risen) is left out and reported, never failing the block. Raises
        InvalidBlock for a timestamp before the parent's, a malformed credit or root update, or
        root updates ZkRoots refuses (no block is stored then).
        """
        parent = self._head_header
        try:
            block = execution.execute_block(
                self._env,
                parent,
                self._ancestors,
                txs,
                timestamp,
                credits,
                root_updates=root_updates,
            )
            record = block.record
            header = record.header
            block_hash = bytes(header.hash)
            included = [o.hash for o in block.outcomes if o.included]
            self._blocks.put_block(block_hash, record, included)
        except BaseException:
            # The shared account cache may already describe the unfinished block's state.
            self._db.accounts.clear()
            self._set_head(parent)
            raise
        self._remember_block(block_hash, record)
        self._set_head(header)
        self._ancestors.appendleft(Hash32(block_hash))
        self._db.trim_caches()
        return FastBlockResult(
            number=header.block_number,
            hash=block_hash,
            state_root=bytes(header.state_root),
            timestamp=header.timestamp,
            base_fee=base_fee_of(header),
            gas_used=header.gas_used,
            outcomes=block.outcomes,
        )

    # -- stored blocks -----------------------------------------------------------------------

    def _remember_block(self, block_hash: bytes, record: BlockRecord) -> None:
        cache = self._block_cache
        cache[block_hash] = record
        cache.move_to_end(block_hash)
        while len(cache) > BLOCK_CACHE_SIZE:
            cache.popitem(last=False)

    def block_by_hash(self, block_hash: bytes) -> BlockRecord | None:
        record = self._block_cache.get(block_hash)
        if record is None:
            record = self._blocks.get_block(block_hash)
            if record is not None:
                self._remember_block(block_hash, record)
        return record

    def block_hash(self, number: int) -> bytes | None:
        head = self._head_header.block_number
        if 0 <= head - number < len(self._ancestors):
            return self._ancestors[head - number]
        return self._blocks.hash_by_number(number)

    def block_by_number(self, number: int) -> BlockRecord | None:
        block_hash = self.block_hash(number)
        return None if block_hash is None else self.block_by_hash(block_hash)

    def transaction_location(self, tx_hash: bytes) -> tuple[BlockRecord, int] | None:
        """The block holding an included transaction, and its index there."""
        location = self._blocks.tx_location(tx_hash)
        if location is None:
            return None
        record = self.block_by_number(location[0])
        if record is None or location[1] >= len(record.raw_transactions):
            return None
        return record, location[1]

    def decode_stored_transaction(self, raw: bytes) -> SignedTransactionAPI:
        cached = self._decoded.get(raw)
        return cached.transaction if cached is not None else self._tx_builder.decode(raw)

    def block_receipts(self, record: BlockRecord) -> tuple[ReceiptAPI, ...]:
        """The decoded receipts of a stored block (kept for recent blocks: clients poll them)."""
        block_hash = bytes(record.header.hash)
        receipts = self._receipt_cache.get(block_hash)
        if receipts is None:
            receipts = tuple(self._receipt_builder.decode(r) for r in record.receipts)
            self._receipt_cache[block_hash] = receipts
            if len(self._receipt_cache) > RECEIPT_CACHE_SIZE:
                del self._receipt_cache[next(iter(self._receipt_cache))]
        return receipts

    def _ancestor_hashes(self, header: BlockHeaderAPI) -> tuple[Hash32, ...]:
        """BLOCKHASH's view when executing inside `header` (its parent first)."""
        if header.hash == self._head_header.hash:
            return tuple(self._ancestors)[1:]
        hashes = []
        for n in range(
            header.block_number - 1, max(-1, header.block_number - 1 - ANCESTOR_DEPTH), -1
        ):
            block_hash = self.block_hash(n)
            if block_hash is None:
                break
            hashes.append(Hash32(block_hash))
        return tuple(hashes)

    # -- state reads -------------------------------------------------------------------------

    def _accounts_at(self, header: BlockHeaderAPI | None) -> FastAccountDB:
        if header is None or header.state_root == self._head_header.state_root:
            return self._head_accounts
        return FastAccountDB(self._db, header.state_root)

    def account(self, address: bytes, header: BlockHeaderAPI | None = None) -> Account:
        """Nonce, balance and code hash of an account at a block (the head by default)."""
        accounts = self._accounts_at(header)
        addr = Address(address)
        return Account(
            accounts.get_nonce(addr), accounts.get_balance(addr), accounts.get_code_hash(addr)
        )

    def get_code(self, address: bytes, header: BlockHeaderAPI | None = None) -> bytes:
        return bytes(self._accounts_at(header).get_code(Address(address)))

    def get_storage(self, address: bytes, slot: int, header: BlockHeaderAPI | None = None) -> int:
        return self._accounts_at(header).get_storage(Address(address), slot, from_journal=True)

    # -- calls -------------------------------------------------------------------------------

    def call(
        self, request: CallRequest, header: BlockHeaderAPI | None = None, *, gas_cap: int
    ) -> bytes:
        """`eth_call`: the return data of a call at a block (the head by default).

        The call gets `gas_cap` gas when the request names none. Raises ExecutionReverted (with
        the revert data), CallFailed, InsufficientFunds.
        """
        header = header or self._head_header
        return calls.call(self._env, request, header, self._ancestor_hashes(header), gas_cap)

    def estimate_gas(
        self, request: CallRequest, header: BlockHeaderAPI | None = None, *, gas_cap: int
    ) -> int:
        """`eth_estimateGas`: the least gas (within 1.5%, as geth) with which the call succeeds.

        The search starts from `gas_cap` when the request names no gas. Raises
        ExecutionReverted, CallFailed (fails even with all the gas allowed).
        """
        header = header or self._head_header
        return calls.estimate_gas(
            self._env, request, header, self._ancestor_hashes(header), gas_cap
        )


__all__ = [
    "Account",
    "CallRequest",
    "FastBlockResult",
    "FastChain",
    "FastHead",
    "FastTx",
    "TxOutcome",
]
