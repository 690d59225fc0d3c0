"""The fast chain: signed Ethereum transactions executed by py-evm, blocks kept in the KV store.

The node orders fast blocks in the global ledger and calls `execute_block`, the fast chain's
state transition: on top of the head it applies the block's credits, then its transactions, builds
every root (state, transactions, receipts), checks the header against the chain's rules and writes
the block through the KV buffer, which the node commits with the ledger block. Nothing here reads
a clock or does I/O beyond the KV namespace, so the same inputs give the same block on every node.

If the node does not commit the KV buffer after `execute_block` (it discards it, or the call
raised), it must call `reload()` so that the chain forgets the block.

Not thread-safe: the node serialises every call (admission, blocks and JSON-RPC) with its lock.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from eth.abc import (
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    StateAPI,
    UnsignedTransactionAPI,
)
from eth.constants import (
    BLANK_ROOT_HASH,
    CREATE_CONTRACT_ADDRESS,
    EMPTY_SHA3,
    POST_MERGE_NONCE,
)
from eth.exceptions import Revert
from eth.vm.chain_context import ChainContext
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.spoof import SpoofTransaction
from eth_hash.auto import keccak
from eth_typing import Address, BlockNumber, Hash32
from eth_utils.exceptions import ValidationError

from zkbraid.errors import BraidError
from zkbraid.fast.db import BlockRecord, BlockStore, StateDB
from zkbraid.fast.errors import (
    CallFailed,
    ExecutionReverted,
    FeeTooLow,
    GasLimitExceeded,
    InsufficientFunds,
    IntrinsicGasTooLow,
    InvalidBlock,
    NonceTooHigh,
    NonceTooLow,
    SenderNotEOA,
    TipAboveMaxFee,
)
from zkbraid.fast.params import UINT256_MAX, FastParams
from zkbraid.fast.txs import (
    FastTx,
    LogEntry,
    decode_transaction,
    encode_receipt,
    floor_data_gas,
    intrinsic_gas,
    logs_bloom,
)
from zkbraid.fast.vm import FastAccountDB, FastComputation, FastVM, base_fee_of
from zkbraid.ledger.kv import KVNamespace, memory_store
from zkbraid.ledger.trie import ordered_trie_root, rlp_encode

logger = logging.getLogger(__name__)


#: BLOCKHASH reaches this many ancestors.
ANCESTOR_DEPTH = 256
#: Decoded blocks kept for the JSON-RPC.
BLOCK_CACHE_SIZE = 256
#: Blocks whose decoded receipts are kept for the JSON-RPC.
RECEIPT_CACHE_SIZE = 64
#: Decoded transactions kept by raw bytes.
DECODED_TX_CACHE_SIZE = 8_192


@dataclass(frozen=True)
class TxOutcome:
    """What became of one transaction given to `execute_block`."""

    hash: bytes
    #: False when the transaction was left out of the block (then `error` says why).
    included: bool
    #: EIP-658 status of an included transaction: 1 success, 0 reverted/failed.
    status: int | None
    gas_used: int
    error: str | None = None
    #: Name of the error class (`NonceTooLow`, ...) for a transaction left out.
    error_name: str | None = None


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
class CallRequest:
    """A message call for `eth_call` / `eth_estimateGas` (no signature: the sender is trusted)."""

    sender: bytes = b"\x00" * 20
    #: None creates a contract.
    to: bytes | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    value: int = 0
    data: bytes = b""
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] | None = None

    @property
    def pays_fees(self) -> bool:
        return any(
            f is not None
            for f in (self.gas_price, self.max_fee_per_gas, self.max_priority_fee_per_gas)
        )


@dataclass(frozen=True)
class Account:
    nonce: int
    balance: int
    code_hash: bytes


class FastChain:
    """The fast chain over one KV namespace: admission checks, block execution, state reads."""

    def __init__(self, kv: KVNamespace, params: FastParams, *, fast_transfers: bool = True) -> None:
        self.params = params
        #: Apply plain transfers (to an address without code) without running the EVM; the
        #: result is the same (tests compare both paths and stock py-evm).
        self.fast_transfers = fast_transfers
        self.vm_class = FastVM.configure(
            __name__="ConfiguredFastVM",
            block_gas_limit=params.block_gas_limit,
            base_fee_adjusts=params.base_fee_adjusts,
            min_base_fee=params.min_base_fee,
        )
        self._tx_builder = self.vm_class.get_transaction_builder()
        self._receipt_builder = self.vm_class.get_receipt_builder()
        self._chain_context = ChainContext(params.chain_id)
        self._precompiles = frozenset(FastComputation.get_precompiles())
        self._kv = kv
        self._db = StateDB(kv)
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

    # -- loading -----------------------------------------------------------------------------

    def _load(self) -> None:
        genesis = self._make_genesis(None)
        stored_genesis = self._blocks.hash_by_number(0)
        if stored_genesis is None:
            self._make_genesis(self._kv)
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

    def _make_genesis(self, kv: KVNamespace | None) -> BlockHeaderAPI:
        """The genesis header; stores the genesis block and its state in `kv` when given."""
        target = kv if kv is not None else memory_store().namespace("genesis")
        db = StateDB(target)
        accounts = FastAccountDB(db, BLANK_ROOT_HASH)
        for address, balance in sorted(self.params.genesis_alloc.items()):
            accounts.set_balance(Address(address), balance)
        for address, code in sorted(self.params.genesis_code.items()):
            accounts.set_code(Address(address), code)
        accounts.persist()
        header = PragueBlockHeader(
            difficulty=0,
            block_number=BlockNumber(0),
            gas_limit=self.params.block_gas_limit,
            timestamp=self.params.genesis_timestamp,
            state_root=accounts.state_root,
            base_fee_per_gas=self.params.initial_base_fee,
            nonce=POST_MERGE_NONCE,
            # The chain id is in no header field: the genesis names it, so each chain's differs.
            extra_data=b"zkbraid fast chain " + self.params.chain_id.to_bytes(8, "big"),
        )
        if kv is not None:
            BlockStore(kv).put_block(header.hash, BlockRecord(header, (), (), (), ()), ())
        return header

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
        self._check_against_state(ftx, self._head_accounts, self._next_base_fee, pending_nonce)
        return ftx

    @staticmethod
    def _check_against_state(
        ftx: FastTx, accounts: FastAccountDB | StateAPI, base_fee: int, pending_nonce: int | None
    ) -> None:
        if ftx.max_fee_per_gas < base_fee:
            raise FeeTooLow(
                f"max fee per gas {ftx.max_fee_per_gas} is below the base fee {base_fee}"
            )
        sender = Address(ftx.sender)
        if accounts.get_code_hash(sender) != EMPTY_SHA3:
            raise SenderNotEOA(f"sender 0x{ftx.sender.hex()} is a contract (EIP-3607)")
        state_nonce = accounts.get_nonce(sender)
        if ftx.nonce < state_nonce:
            raise NonceTooLow(
                f"nonce {ftx.nonce} already used: the account's nonce is {state_nonce}"
            )
        expected = state_nonce if pending_nonce is None else max(pending_nonce, state_nonce)
        if ftx.nonce < expected:
            raise NonceTooLow(
                f"nonce {ftx.nonce} already used by a pending transaction: next nonce is {expected}"
            )
        if ftx.nonce > expected:
            raise NonceTooHigh(f"nonce {ftx.nonce} leaves a gap: next nonce is {expected}")
        balance = accounts.get_balance(sender)
        if balance < ftx.max_cost:
            raise InsufficientFunds(
                f"balance {balance} wei does not cover value + gas * max fee = {ftx.max_cost} wei"
            )

    # -- blocks ------------------------------------------------------------------------------

    def execute_block(
        self,
        txs: Sequence[FastTx],
        timestamp: int,
        credits: Sequence[tuple[bytes, int]] = (),
    ) -> FastBlockResult:
        """Builds, executes and stores the next block: credits first, then `txs` in order.

        A transaction no longer valid against the block's state (nonce taken, funds gone, block
        full, base fee risen) is left out and reported, never failing the block. Raises
        InvalidBlock for a timestamp before the parent's or a malformed credit (nothing is
        written then).
        """
        parent = self._head_header
        if timestamp < parent.timestamp:
            raise InvalidBlock(
                f"timestamp {timestamp} is before the parent block's {parent.timestamp}"
            )
        if timestamp >= 2**64:
            raise InvalidBlock(f"timestamp {timestamp} does not fit in 64 bits")
        credit_list = self._validated_credits(credits)
        try:
            return self._build_block(parent, txs, timestamp, credit_list)
        except BaseException:
            # The shared account cache may already describe the unfinished block's state.
            self._db.accounts.clear()
            self._set_head(parent)
            raise

    def _build_block(
        self,
        parent: BlockHeaderAPI,
        txs: Sequence[FastTx],
        timestamp: int,
        credit_list: list[tuple[bytes, int]],
    ) -> FastBlockResult:
        number = parent.block_number + 1
        base_fee = self._next_base_fee
        gas_limit = self.params.block_gas_limit
        context_header = PragueBlockHeader(
            difficulty=0,
            block_number=BlockNumber(number),
            gas_limit=gas_limit,
            timestamp=timestamp,
            coinbase=Address(self.params.fee_recipient),
            parent_hash=parent.hash,
            state_root=parent.state_root,
            # PREVRANDAO: deterministic and predictable; games must not draw randomness from it.
            mix_hash=Hash32(keccak(parent.mix_hash + parent.hash)),
            base_fee_per_gas=base_fee,
            nonce=POST_MERGE_NONCE,
        )
        state = self.vm_class.build_state(
            self._db, context_header, self._chain_context, tuple(self._ancestors)
        )

        for address, wei in credit_list:
            if state.get_balance(Address(address)) + wei > UINT256_MAX:
                raise InvalidBlock(f"a credit takes 0x{address.hex()} beyond 2^256 wei")
            state.delta_balance(Address(address), wei)

        outcomes: list[TxOutcome] = []
        included: list[FastTx] = []
        receipts: list[bytes] = []
        gas_used = 0
        bloom = 0
        for ftx in txs:
            try:
                if gas_used + ftx.gas > gas_limit:
                    raise GasLimitExceeded(
                        f"transaction gas {ftx.gas} exceeds the {gas_limit - gas_used} left "
                        "in the block"
                    )
                self._check_against_state(ftx, state, base_fee, None)
            except BraidError as exc:
                outcomes.append(TxOutcome(ftx.hash, False, None, 0, str(exc), exc.name))
                continue
            state.lock_changes()
            snapshot = state.snapshot()
            try:
                logs: Sequence[LogEntry]
                if self._is_plain_transfer(state, ftx):
                    tx_gas = self._apply_plain_transfer(state, ftx, base_fee)
                    success, logs, error = True, (), None
                else:
                    computation = state.apply_transaction(ftx.transaction)
                    tx_gas = self.vm_class.finalize_gas_used(ftx.transaction, computation)
                    success = not computation.is_error
                    logs = computation.get_log_entries()
                    error = None if success else _vm_error_message(computation)
            except ValidationError as exc:
                state.revert(snapshot)
                outcomes.append(TxOutcome(ftx.hash, False, None, 0, str(exc), "ValidationError"))
                continue
            except Exception as exc:  # a py-evm failure must not halt the chain: leave it out
                logger.exception("fast tx 0x%s failed inside py-evm", ftx.hash.hex())
                state.revert(snapshot)
                outcomes.append(TxOutcome(ftx.hash, False, None, 0, repr(exc), "InternalError"))
                continue
            state.commit(snapshot)
            gas_used += tx_gas
            receipt_bloom = logs_bloom(logs)
            bloom |= receipt_bloom
            receipts.append(encode_receipt(ftx.type, success, gas_used, receipt_bloom, logs))
            included.append(ftx)
            outcomes.append(TxOutcome(ftx.hash, True, int(success), tx_gas, error))

        state.persist()
        encoded_receipts = tuple(receipts)
        raw_txs = tuple(f.raw for f in included)
        header = context_header.copy(
            state_root=state.state_root,
            transaction_root=ordered_trie_root(raw_txs),
            receipt_root=ordered_trie_root(encoded_receipts),
            bloom=bloom,
            gas_used=gas_used,
            extra_data=_credits_commitment(credit_list),
        )
        try:
            self.vm_class.validate_header(header, parent)
        except ValidationError as exc:
            raise InvalidBlock(f"built an invalid header: {exc}") from exc

        record = BlockRecord(
            header=header,
            raw_transactions=raw_txs,
            senders=tuple(f.sender for f in included),
            receipts=encoded_receipts,
            credits=tuple(credit_list),
        )
        block_hash = bytes(header.hash)
        self._blocks.put_block(block_hash, record, [f.hash for f in included])
        self._remember_block(block_hash, record)
        self._set_head(header)
        self._ancestors.appendleft(Hash32(block_hash))
        self._db.trim_caches()
        return FastBlockResult(
            number=number,
            hash=block_hash,
            state_root=bytes(header.state_root),
            timestamp=timestamp,
            base_fee=base_fee,
            gas_used=gas_used,
            outcomes=tuple(outcomes),
        )

    def _is_plain_transfer(self, state: StateAPI, ftx: FastTx) -> bool:
        """A call to an address without code that is not a precompile: no EVM code runs."""
        to = ftx.to
        return (
            self.fast_transfers
            and to is not None
            and to not in self._precompiles
            and state.get_code_hash(Address(to)) == EMPTY_SHA3
        )

    @staticmethod
    def _apply_plain_transfer(state: StateAPI, ftx: FastTx, base_fee: int) -> int:
        """The net state changes of py-evm's path for a plain transfer, without building an EVM
        message and computation (tests compare every root with py-evm's full path).

        The caller has checked nonce, balance (value + gas * max fee) and the base fee. Returns
        the gas used: the intrinsic gas or EIP-7623's calldata floor, whichever is higher.
        """
        tx = ftx.transaction
        sender, to = Address(ftx.sender), Address(cast(bytes, ftx.to))
        price = min(ftx.max_fee_per_gas, base_fee + ftx.max_priority_fee_per_gas)
        gas_used = max(tx.intrinsic_gas, floor_data_gas(tx.data))
        # py-evm buys all the gas, moves the value, touches the recipient, refunds the unused
        # gas, pays the tip and clears touched empty accounts (EIP-161); only the net changes
        # matter to the state, so each account is written once or twice here.
        value = ftx.value if to != sender else 0
        state.delta_balance(sender, -(value + gas_used * price))
        state.increment_nonce(sender)
        if value:
            state.delta_balance(to, value)
        else:
            state.touch_account(to)
        coinbase = state.coinbase
        state.delta_balance(coinbase, gas_used * (price - base_fee))
        for account in (coinbase, to):
            if state.account_exists(account) and state.account_is_empty(account):
                state.delete_account(account)
        return gas_used

    @staticmethod
    def _validated_credits(credits: Sequence[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
        checked: list[tuple[bytes, int]] = []
        total = 0
        for address, wei in credits:
            if not isinstance(address, bytes) or len(address) != 20:
                raise InvalidBlock(f"credit to a malformed address {address!r}")
            if not isinstance(wei, int) or not 0 < wei <= UINT256_MAX:
                raise InvalidBlock(f"credit of {wei!r} wei is out of range (0, 2^256)")
            total += wei
            checked.append((bytes(address), wei))
        if total > UINT256_MAX:
            raise InvalidBlock("credits of one block sum beyond 2^256 wei")
        return checked

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

    def _call_state(self, request: CallRequest, header: BlockHeaderAPI) -> StateAPI:
        context = header if request.pays_fees else header.copy(base_fee_per_gas=0)
        return self.vm_class.build_state(
            self._db, context, self._chain_context, self._ancestor_hashes(header)
        )

    def _call_transaction(
        self, request: CallRequest, state: StateAPI, gas: int
    ) -> SignedTransactionAPI:
        nonce = state.get_nonce(Address(request.sender))
        to = CREATE_CONTRACT_ADDRESS if request.to is None else Address(request.to)
        builder = self._tx_builder
        unsigned: UnsignedTransactionAPI
        if request.max_fee_per_gas is not None or request.max_priority_fee_per_gas is not None:
            max_fee = request.max_fee_per_gas
            tip = request.max_priority_fee_per_gas
            if max_fee is None:
                max_fee = (tip or 0) + 2 * (state.execution_context.base_fee_per_gas or 0)
            if tip is None:
                tip = 0
            if tip > max_fee:
                raise TipAboveMaxFee(f"max priority fee per gas {tip} is above max fee {max_fee}")
            unsigned = builder.new_unsigned_dynamic_fee_transaction(  # type: ignore[attr-defined]
                chain_id=self.params.chain_id,
                nonce=nonce,
                max_priority_fee_per_gas=tip,
                max_fee_per_gas=max_fee,
                gas=gas,
                to=to,
                value=request.value,
                data=request.data,
                access_list=request.access_list or (),
            )
        elif request.access_list is not None:
            unsigned = builder.new_unsigned_access_list_transaction(  # type: ignore[attr-defined]
                chain_id=self.params.chain_id,
                nonce=nonce,
                gas_price=request.gas_price or 0,
                gas=gas,
                to=to,
                value=request.value,
                data=request.data,
                access_list=request.access_list,
            )
        else:
            unsigned = builder.create_unsigned_transaction(
                nonce=nonce,
                gas_price=request.gas_price or 0,
                gas=gas,
                to=to,
                value=request.value,
                data=request.data,
            )
        return cast(SignedTransactionAPI, SpoofTransaction(unsigned, from_=Address(request.sender)))

    def _run_call(self, request: CallRequest, state: StateAPI, gas: int) -> ComputationAPI:
        """Runs a call on `state` and rolls the state back afterwards."""
        tx = self._call_transaction(request, state, gas)
        state.lock_changes()  # resets the warm sets (EIP-2929); must precede the snapshot
        snapshot = state.snapshot()
        try:
            return state.apply_transaction(tx)
        except ValidationError as exc:
            message = str(exc)
            if "Insufficient gas" in message:
                raise IntrinsicGasTooLow(
                    f"gas {gas} is below the intrinsic gas {intrinsic_gas(tx)}"
                ) from exc
            if "balance" in message or "afford" in message:
                raise InsufficientFunds(
                    f"insufficient funds for gas * price + value: {message}"
                ) from exc
            raise CallFailed(message) from exc
        finally:
            state.revert(snapshot)

    def call(self, request: CallRequest, header: BlockHeaderAPI | None = None) -> bytes:
        """`eth_call`: the return data of a call at a block (the head by default).

        Raises ExecutionReverted (with the revert data), CallFailed, InsufficientFunds.
        """
        header = header or self._head_header
        gas = request.gas if request.gas is not None else self.params.rpc_gas_cap
        state = self._call_state(request, header)
        computation = self._run_call(request, state, gas)
        _raise_if_failed(computation)
        return bytes(computation.output)

    def estimate_gas(self, request: CallRequest, header: BlockHeaderAPI | None = None) -> int:
        """`eth_estimateGas`: the least gas (within 1.5%, as geth) with which the call succeeds.

        Raises ExecutionReverted, CallFailed (fails even with all the gas allowed).
        """
        header = header or self._head_header
        state = self._call_state(request, header)
        hi = request.gas if request.gas is not None else self.params.rpc_gas_cap
        if request.pays_fees:
            price = request.max_fee_per_gas or request.gas_price or 0
            if price > 0:
                balance = state.get_balance(Address(request.sender))
                affordable = (balance - request.value) // price if balance > request.value else 0
                hi = min(hi, affordable)
        computation = self._run_call(request, state, hi)
        if computation.is_error:
            if isinstance(computation.error, Revert):
                _raise_if_failed(computation)
            raise CallFailed(
                f"gas required exceeds allowance ({hi}): {_vm_error_message(computation)}"
            )
        tx = self._call_transaction(request, state, hi)
        used = self.vm_class.finalize_gas_used(tx, computation)
        consumed = hi - computation.get_gas_remaining()
        # No gas limit below what the call consumed before refunds can succeed.
        lo = max(consumed, used, intrinsic_gas(tx), floor_data_gas(request.data)) - 1
        # Plain transfers and calls without nested CALLs succeed with exactly that; most others
        # with it plus the 1/64 that each CALL withholds (EIP-150).
        for guess in (lo + 1, (lo + 1) * 64 // 63 + 2_300):
            if guess >= hi:
                break
            if not self._run_call(request, state, guess).is_error:
                hi = guess
                break
            lo = guess
        while hi - lo > 1 and (hi - lo) * 1000 > hi * 15:
            mid = (hi + lo) // 2
            if self._run_call(request, state, mid).is_error:
                lo = mid
            else:
                hi = mid
        return hi


def _vm_error_message(computation: ComputationAPI) -> str:
    error = computation.error
    if isinstance(error, Revert):
        reason = _revert_reason(computation.output)
        return "execution reverted" + (f": {reason}" if reason else "")
    return str(error) or type(error).__name__


def _revert_reason(data: bytes) -> str | None:
    """The string of a Solidity `Error(string)` revert, if that is what `data` holds."""
    if len(data) < 68 or data[:4] != bytes.fromhex("08c379a0"):
        return None
    try:
        length = int.from_bytes(data[36:68], "big")
        return data[68 : 68 + length].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _raise_if_failed(computation: ComputationAPI) -> None:
    if not computation.is_error:
        return
    if isinstance(computation.error, Revert):
        raise ExecutionReverted(_vm_error_message(computation), bytes(computation.output))
    raise CallFailed(_vm_error_message(computation))


def _credits_commitment(credits: Sequence[tuple[bytes, int]]) -> bytes:
    """extra_data of a block with credits: keccak of their RLP (the block hash commits to them)."""
    if not credits:
        return b""
    return keccak(rlp_encode([[a, _uint(w)] for a, w in credits]))


def _uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


__all__ = [
    "Account",
    "CallRequest",
    "FastBlockResult",
    "FastChain",
    "FastHead",
    "FastTx",
    "TxOutcome",
]
