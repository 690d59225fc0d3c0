"""The fast chain's EVM: py-evm's Prague VM with our header rules, and faster state handling
that changes no result (a shared account cache, one-pass trie updates, reused jump analysis).

Differences from Ethereum mainnet Prague, all deliberate:

- a block may have the same timestamp as its parent (blocks come every ~100 ms, as on Arbitrum);
- the gas limit is a constant, and the EIP-1559 base fee has a floor (or is constant);
- no proof of work or beacon chain: difficulty 0, nonce 0, parent beacon root zero, no blobs,
  no withdrawals, no execution-layer requests; the EIP-4788 / EIP-2935 / EIP-7002 / EIP-7251
  system contracts are not deployed, so py-evm skips their system calls (BLOCKHASH still serves
  the last 256 blocks from the execution context);
- blob (type 3) and EIP-7702 set-code (type 4) transactions are refused at admission.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple, cast

from eth._utils.address import generate_contract_address
from eth.abc import (
    AccountStorageDatabaseAPI,
    AtomicDatabaseAPI,
    BlockHeaderAPI,
    ComputationAPI,
    DatabaseAPI,
    MessageAPI,
    SignedTransactionAPI,
)
from eth.constants import (
    BLANK_ROOT_HASH,
    CREATE_CONTRACT_ADDRESS,
    EMPTY_SHA3,
    POST_MERGE_DIFFICULTY,
    POST_MERGE_NONCE,
    POST_MERGE_OMMERS_HASH,
)
from eth.db.account import AccountDB
from eth.db.backends.base import BaseDB
from eth.db.batch import BatchDB
from eth.db.cache import CacheDB
from eth.db.journal import JournalDB
from eth.db.storage import AccountStorageDB, PendingWrites, StorageLookup
from eth.exceptions import Revert
from eth.vm.code_stream import CodeStream
from eth.vm.forks.london.constants import (
    BASE_FEE_MAX_CHANGE_DENOMINATOR,
    ELASTICITY_MULTIPLIER,
)
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState, PragueTransactionExecutor
from eth.vm.interrupt import MissingStorageTrieNode
from eth.vm.message import Message
from eth_hash.auto import keccak
from eth_typing import Address, Hash32
from eth_utils.exceptions import ValidationError
from eth_utils.logging import get_extended_debug_logger
from trie import exceptions as trie_exceptions
from trie.hexary import HexaryTrie

from zkbraid.fast.db import AccountCache
from zkbraid.fast.params import FastParams
from zkbraid.ledger.trie import RLPItem, TrieUpdater, decode_node, encode_node


def base_fee_of(header: BlockHeaderAPI) -> int:
    """The header's EIP-1559 base fee (every fast-chain header has one)."""
    fee = header.base_fee_per_gas
    if fee is None:
        raise ValidationError("a fast-chain header must carry a base fee")
    return fee


class _SharedAccountView(BaseDB):
    """An AccountDB's account lookup (address -> RLP) that uses the shared `AccountCache` while
    the cache describes the AccountDB's current root, and the trie otherwise."""

    def __init__(self, cache: AccountCache, trie: DatabaseAPI, owner: AccountDB) -> None:
        self._cache = cache
        self._trie = trie
        self._owner = owner

    def __getitem__(self, address: bytes) -> bytes:
        cache = self._cache
        if cache.root != self._owner.state_root:
            return self._trie[address]
        value = cache.entries.get(address)
        if value is None:
            try:
                value = self._trie[address]
            except KeyError:
                value = b""
            cache.remember(address, value)
        if not value:
            raise KeyError(address)
        return value

    def __setitem__(self, address: bytes, value: bytes) -> None:
        self._trie[address] = value

    def __delitem__(self, address: bytes) -> None:
        del self._trie[address]

    def _exists(self, address: bytes) -> bool:
        try:
            self[address]
        except KeyError:
            return False
        return True

    def reset_cache(self) -> None:
        """Called by AccountDB when its root moves; entries are checked against the root on read."""


class _Account(NamedTuple):
    """An account as AccountDB handles it; a tuple instead of py-evm's `rlp.Serializable`
    `Account`, whose construction and `copy` dominate the cost of a balance change."""

    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes

    def copy(self, **changes: Any) -> _Account:
        return self._replace(**changes)

    # The trie's own RLP codec, not pyrlp: accounts are encoded and decoded several times per
    # transaction, and pyrlp makes blocks of transfers 5-8% slower (tests compare with py-evm).
    def encode(self) -> bytes:
        return encode_node(
            [_uint(self.nonce), _uint(self.balance), self.storage_root, self.code_hash]
        )

    @classmethod
    def decode(cls, encoded: bytes) -> _Account:
        item = decode_node(encoded)
        if isinstance(item, bytes) or len(item) != 4:
            raise ValidationError("an account is an RLP list of four items")
        nonce, balance, storage_root, code_hash = (cast(bytes, field) for field in item)
        return cls(
            int.from_bytes(nonce, "big"), int.from_bytes(balance, "big"), storage_root, code_hash
        )


_EMPTY_ACCOUNT = _Account(0, 0, BLANK_ROOT_HASH, EMPTY_SHA3)


def _uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class _BatchedStorageLookup(StorageLookup):
    """py-evm's StorageLookup (slot -> trie), with writes kept in a dict and applied to the
    storage trie in one `TrieUpdater` pass when the root is asked for, instead of one
    `HexaryTrie` insert per slot."""

    def __init__(
        self,
        db: DatabaseAPI,
        storage_root: Hash32,
        address: Address,
        decoded_nodes: dict[bytes, RLPItem] | None,
    ) -> None:
        self._decoded_nodes = decoded_nodes
        super().__init__(db, storage_root, address)

    def _initialize_to_root_hash(self, root_hash: Hash32) -> None:
        super()._initialize_to_root_hash(root_hash)
        self._pending: dict[bytes, bytes | None] = {}
        self._changed = False
        self._root: Hash32 | None = None

    def __getitem__(self, key: bytes) -> bytes:
        hashed_slot = self._decode_key(key)
        if hashed_slot in self._pending:
            return self._pending[hashed_slot] or b""
        try:
            value: bytes = self._get_read_trie()[hashed_slot]
        except trie_exceptions.MissingTrieNode as exc:
            raise MissingStorageTrieNode(
                Hash32(exc.missing_node_hash),
                self._starting_root_hash,
                Hash32(exc.requested_key),
                exc.prefix,
                self._address,
            ) from exc
        return value

    def _get_read_trie(self) -> HexaryTrie:
        return HexaryTrie(self._db, root_hash=self._starting_root_hash)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[self._decode_key(key)] = value
        self._changed, self._root = True, None

    def __delitem__(self, key: bytes) -> None:
        self._pending[self._decode_key(key)] = None
        self._changed, self._root = True, None

    def _exists(self, key: bytes) -> bool:
        return self[key] != b""

    @property
    def has_changed_root(self) -> bool:
        return self._changed

    def get_changed_root(self) -> Hash32:
        if not self._changed:
            raise ValidationError("Asked for changed root when no writes have been made")
        if self._root is None:
            if self._trie_nodes_batch is None:
                self._trie_nodes_batch = BatchDB(self._db, read_through_deletes=True)
            updater = TrieUpdater(self._trie_nodes_batch, self._decoded_nodes)
            self._root = Hash32(updater.update(self._starting_root_hash, self._pending))
        return self._root

    def commit_to(self, db: DatabaseAPI) -> None:
        root = self.get_changed_root()
        if self._trie_nodes_batch is not None:
            self._trie_nodes_batch.commit_to(db, apply_deletes=False)
        self._initialize_to_root_hash(root)

    def new_trie(self) -> int:
        # As StorageLookup.new_trie, saving the pending writes instead of a write trie.
        self._historical_write_tries.append(
            PendingWrites(
                (self._pending, self._changed, self._root),  # type: ignore[arg-type]
                self._trie_nodes_batch,
                self._starting_root_hash,
            )
        )
        new_index = len(self._historical_write_tries)
        self._starting_root_hash = BLANK_ROOT_HASH
        self._trie_nodes_batch = None  # type: ignore[assignment]  # as py-evm's new_trie
        self._pending, self._changed, self._root = {}, True, None
        return new_index

    def rollback_trie(self, trie_index: int) -> None:
        if trie_index >= len(self._historical_write_tries):
            raise ValidationError(f"no storage trie {trie_index} to roll back to")
        saved, self._trie_nodes_batch, self._starting_root_hash = self._historical_write_tries[
            trie_index
        ]
        self._pending, self._changed, self._root = saved  # type: ignore[misc]
        del self._historical_write_tries[trie_index:]


class _FastAccountStorageDB(AccountStorageDB):
    """py-evm's AccountStorageDB over `_BatchedStorageLookup`."""

    def __init__(
        self,
        db: AtomicDatabaseAPI,
        storage_root: Hash32,
        address: Address,
        decoded_nodes: dict[bytes, RLPItem] | None,
    ) -> None:
        super().__init__(db, storage_root, address)
        # Rebuild the pipeline of AccountStorageDB.__init__ over the batched lookup.
        self._storage_lookup = _BatchedStorageLookup(db, storage_root, address, decoded_nodes)
        self._storage_cache = CacheDB(self._storage_lookup)
        self._locked_changes = JournalDB(self._storage_cache)
        self._journal_storage = JournalDB(self._locked_changes)


class FastAccountDB(AccountDB):
    """py-evm's AccountDB with speed-ups that change no result:

    - accounts are tuples (`_Account`) encoded by the trie's node codec, not `rlp.Serializable`s;
    - accounts are read through the chain's shared `AccountCache`, which the block builder's
      `make_state_root` moves to the new root with exactly the accounts the block changed
      (every other AccountDB — eth_call, admission checks — only reads);
    - the state root is computed by `TrieUpdater` in one pass over the changed accounts instead
      of one `HexaryTrie` insert (and root re-hash) per account.
    """

    def __init__(self, db: Any, state_root: Hash32 = BLANK_ROOT_HASH) -> None:
        super().__init__(db, state_root)
        self._shared: AccountCache | None = getattr(db, "accounts", None)
        self._decoded_nodes: dict[bytes, RLPItem] | None = getattr(db, "decoded_nodes", None)
        if self._shared is not None:
            view = _SharedAccountView(self._shared, self._trie_logger, self)
            self._trie_cache = view  # type: ignore[assignment]  # same interface as CacheDB
            self._journaltrie = JournalDB(view)

    def _get_address_store(self, address: Address) -> AccountStorageDatabaseAPI:
        # As AccountDB._get_address_store, with the batched storage lookup.
        store = self._account_stores.get(address)
        if store is None:
            store = _FastAccountStorageDB(
                self._raw_store_db,
                self._get_storage_root(address),
                address,
                self._decoded_nodes,
            )
            self._account_stores[address] = store
        return store

    def _get_account(self, address: Address, from_journal: bool = True) -> Any:
        # As AccountDB._get_account, with `_Account`.
        cache = self._account_cache
        if from_journal and address in cache:
            return cache[address]
        encoded = self._get_encoded_account(address, from_journal)
        account = _Account.decode(encoded) if encoded else _EMPTY_ACCOUNT
        if from_journal:
            cache[address] = account  # type: ignore[assignment]  # _Account stands in for Account
        return account

    def _set_account(self, address: Address, account: Any) -> None:
        self._account_cache[address] = account
        self._journaltrie[address] = account.encode()

    def make_state_root(self) -> Hash32:
        # As AccountDB.make_state_root, with the account diff applied by TrieUpdater.
        for _address, store in self._dirty_account_stores():
            store.make_storage_root()
        for address, storage_root in self._get_changed_roots():
            if self.account_exists(address) or storage_root != BLANK_ROOT_HASH:
                self._set_storage_root(address, storage_root)
        self._journaldb.persist()

        diff = self._journaltrie.diff()
        deleted = list(diff.deleted_keys())
        pending = list(diff.pending_items())
        if deleted or pending:
            old_root = self.state_root
            updates: dict[bytes, bytes | None] = {keccak(a): None for a in deleted}
            for key, encoded in pending:
                updates[keccak(key)] = encoded
            updater = TrieUpdater(self._batchtrie, self._decoded_nodes)
            new_root = Hash32(updater.update(old_root, updates))
            self._trie.root_hash = new_root
            shared = self._shared
            if shared is not None and shared.root == old_root:
                for key in deleted:
                    shared.remember(key, b"")
                for key, encoded in pending:
                    shared.remember(key, encoded)
                shared.root = new_root
        self._journaltrie.reset()
        self._trie_cache.reset_cache()
        return self.state_root


class FastTransactionExecutor(PragueTransactionExecutor):
    """Prague's executor, with `build_evm_message` copied from py-evm's Cancun executor minus its
    debug line, whose f-string hashes the calldata and hex-encodes the code on every transaction
    whether or not debug logging is on."""

    def build_evm_message(self, transaction: SignedTransactionAPI) -> MessageAPI:
        state = self.vm_state
        # Buy gas (no blob fee: the fast chain refuses blob transactions).
        state.delta_balance(transaction.sender, -transaction.gas * state.get_gas_price(transaction))
        state.increment_nonce(transaction.sender)
        msg_refund = self.calc_message_refund(transaction)
        message_gas = transaction.gas - transaction.intrinsic_gas
        if transaction.to == CREATE_CONTRACT_ADDRESS:
            contract_address: Address | None = generate_contract_address(
                transaction.sender, state.get_nonce(transaction.sender) - 1
            )
            data = b""
            code = transaction.data
            is_delegation = False
        else:
            contract_address = None
            data = transaction.data
            code, delegation_address = self.get_code_at_address(transaction.to)
            is_delegation = delegation_address is not None
        return Message(
            gas=message_gas,
            to=transaction.to,
            sender=transaction.sender,
            value=transaction.value,
            data=data,
            code=code,
            create_address=contract_address,  # type: ignore[arg-type]  # py-evm takes None
            refund=msg_refund,
            is_delegation=is_delegation,
        )


#: JUMPDEST analysis (valid, invalid positions) by contract code, shared by every computation
#: that runs the same code: the result depends on the code alone.
_JUMP_ANALYSIS: dict[bytes, tuple[set[int], set[int]]] = {}
_JUMP_ANALYSIS_SIZE = 512


class FastComputation(PragueComputation):
    """Prague's computation, reusing the jump-destination analysis of code it has run before
    (py-evm redoes it lazily for every message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.msg.code
        if len(code) < 64:
            return
        analysis = _JUMP_ANALYSIS.get(code)
        if analysis is None:
            if len(_JUMP_ANALYSIS) >= _JUMP_ANALYSIS_SIZE:
                del _JUMP_ANALYSIS[next(iter(_JUMP_ANALYSIS))]
            analysis = _JUMP_ANALYSIS[code] = (set(), set())
        stream = cast(CodeStream, self.code)
        stream.valid_positions, stream.invalid_positions = analysis


class FastState(PragueState):
    account_db_class = FastAccountDB
    computation_class = FastComputation
    transaction_executor_class = FastTransactionExecutor
    # BaseState.logger builds a logger on every access (twice per transaction).
    logger = get_extended_debug_logger("eth.vm.state.FastState")  # type: ignore[assignment]


class FastVM(PragueVM):
    """Prague with the fast chain's header rules; `configure` it with the chain's parameters."""

    _state_class = FastState

    #: Set by `configure(...)` from `FastParams`.
    block_gas_limit: ClassVar[int] = 30_000_000
    base_fee_adjusts: ClassVar[bool] = True
    min_base_fee: ClassVar[int] = 0

    @classmethod
    def expected_base_fee(cls, parent: BlockHeaderAPI) -> int:
        """EIP-1559's base fee after `parent`, held at or above the floor (or constant)."""
        parent_fee = base_fee_of(parent)
        if not cls.base_fee_adjusts:
            return parent_fee
        target = parent.gas_limit // ELASTICITY_MULTIPLIER
        used = parent.gas_used
        if used == target:
            fee = parent_fee
        elif used > target:
            delta = parent_fee * (used - target) // target // BASE_FEE_MAX_CHANGE_DENOMINATOR
            fee = parent_fee + max(delta, 1)
        else:
            delta = parent_fee * (target - used) // target // BASE_FEE_MAX_CHANGE_DENOMINATOR
            fee = parent_fee - delta
        return max(fee, cls.min_base_fee)

    @classmethod
    def validate_header(cls, header: BlockHeaderAPI, parent_header: BlockHeaderAPI) -> None:
        """Ethereum's post-merge header rules, except that equal timestamps are allowed and the
        gas limit and base fee follow our parameters. Raises `eth_utils.ValidationError`."""
        if len(header.extra_data) > cls.extra_data_max_bytes:
            raise ValidationError("extra_data is longer than 32 bytes")
        if header.block_number != parent_header.block_number + 1:
            raise ValidationError(
                f"block #{header.block_number} does not follow #{parent_header.block_number}"
            )
        if header.parent_hash != parent_header.hash:
            raise ValidationError("parent_hash is not the hash of the parent header")
        if header.timestamp < parent_header.timestamp:
            raise ValidationError(
                f"timestamp {header.timestamp} is before the parent's {parent_header.timestamp}"
            )
        if header.gas_limit != cls.block_gas_limit:
            raise ValidationError(f"gas limit must be {cls.block_gas_limit}")
        if header.gas_used > header.gas_limit:
            raise ValidationError("gas used exceeds the gas limit")
        expected_fee = cls.expected_base_fee(parent_header)
        if header.base_fee_per_gas != expected_fee:
            raise ValidationError(
                f"base fee {header.base_fee_per_gas} is not the expected {expected_fee}"
            )
        if header.difficulty != POST_MERGE_DIFFICULTY or header.nonce != POST_MERGE_NONCE:
            raise ValidationError("difficulty and nonce must be zero after the merge")
        if header.uncles_hash != POST_MERGE_OMMERS_HASH:
            raise ValidationError("a fast-chain block has no uncles")
        if header.blob_gas_used != 0 or header.excess_blob_gas != 0:
            raise ValidationError("a fast-chain block carries no blobs")


def configured_vm(params: FastParams) -> type[FastVM]:
    """`FastVM` with the header rules of `params`: the gas limit and the base fee's course."""
    return FastVM.configure(
        __name__="ConfiguredFastVM",
        block_gas_limit=params.block_gas_limit,
        base_fee_adjusts=params.base_fee_adjusts,
        min_base_fee=params.min_base_fee,
    )


def vm_error_message(computation: ComputationAPI) -> str:
    """What a failed computation says: "execution reverted" with the reason, or the VM error."""
    error = computation.error
    if isinstance(error, Revert):
        reason = revert_reason(computation.output)
        return "execution reverted" + (f": {reason}" if reason else "")
    return str(error) or type(error).__name__


def revert_reason(data: bytes) -> str | None:
    """The string of a Solidity `Error(string)` revert, if that is what `data` holds."""
    if len(data) < 68 or data[:4] != bytes.fromhex("08c379a0"):
        return None
    try:
        length = int.from_bytes(data[36:68], "big")
        return data[68 : 68 + length].decode("utf-8")
    except UnicodeDecodeError:
        return None
