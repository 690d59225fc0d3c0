"""What the fast chain keeps in its KV namespace, and the py-evm database adapter over it.

Key layout of the namespace (every write goes through the KV buffer, flushed by the node in the
same SQLite transaction as the ledger block):

| key                         | value                                                        |
| --------------------------- | ------------------------------------------------------------ |
| `s` + keccak(node or code)  | a state/storage trie node or a contract's code (py-evm's db) |
| `b` + block hash            | the block record: header, raw txs, senders, receipts, credits, |
|                             | and the ZK root updates when there are any                   |
| `n` + number (8 bytes, BE)  | hash of the block with that number                           |
| `t` + tx hash               | number (8 bytes, BE) and index (4 bytes, BE) of an included tx |
| `head`                      | hash of the head block                                       |

Every key py-evm writes under `s` is the keccak of its value (trie nodes, code), so a cached value
can never go stale; the caches are only dropped (`clear_caches`) when the node discards a buffer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

import rlp
from eth.abc import AtomicWriteBatchAPI, BlockHeaderAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB
from eth.rlp.sedes import address
from eth.vm.forks.prague.blocks import PragueBlockHeader
from rlp.sedes import CountableList, List, big_endian_int, binary

from zkbraid.fast.zk_roots import RootUpdate
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.trie import RLPItem

STATE_PREFIX = b"s"
BLOCK_PREFIX = b"b"
NUMBER_PREFIX = b"n"
TX_PREFIX = b"t"
HEAD_KEY = b"head"

#: Trie nodes and code kept in memory (nodes are ~100-600 bytes: some 50 MB at most).
NODE_CACHE_SIZE = 100_000
#: Decoded trie nodes kept for the root computations (the upper levels are the hot ones).
DECODED_NODE_CACHE_SIZE = 20_000
#: Accounts (address -> RLP) of the head state kept in memory.
ACCOUNT_CACHE_SIZE = 200_000


def _evict_oldest(cache: dict[bytes, bytes], size: int) -> None:
    """Drops the oldest-inserted quarter of a dict grown past `size` (a cheap FIFO bound)."""
    if len(cache) > size:
        for key in list(islice(cache, len(cache) - size * 3 // 4)):
            del cache[key]


class AccountCache:
    """Encoded accounts (address -> RLP, b"" when absent) of the state with root `root`.

    Shared by every py-evm AccountDB opened at that root (see `fast.state.FastAccountDB`): the
    block builder moves it to the new root with the accounts the block changed, so that reading
    an account costs a dict lookup instead of a trie walk in every later block.
    """

    def __init__(self, size: int = ACCOUNT_CACHE_SIZE) -> None:
        self.root: bytes | None = None
        self.entries: dict[bytes, bytes] = {}
        self._size = size

    def remember(self, address: bytes, encoded: bytes) -> None:
        self.entries[address] = encoded
        if len(self.entries) > self._size:
            _evict_oldest(self.entries, self._size)

    def clear(self) -> None:
        self.root = None
        self.entries.clear()


class StateDB(BaseAtomicDB):
    """py-evm's database (state and storage trie nodes, code) over the fast chain's KV namespace.

    Reads go through a bounded in-memory cache; writes go to the cache and to the KV buffer.
    """

    def __init__(self, kv: KVNamespace, cache_size: int = NODE_CACHE_SIZE) -> None:
        self._kv = kv
        self._cache: dict[bytes, bytes] = {}
        self._cache_size = cache_size
        self.accounts = AccountCache()
        #: Decoded trie nodes by hash, for `TrieUpdater` (nodes never change under a hash).
        self.decoded_nodes: dict[bytes, RLPItem] = {}

    def __getitem__(self, key: bytes) -> bytes:
        value = self._cache.get(key)
        if value is None:
            value = self._kv.get(STATE_PREFIX + key)
            if value is None:
                raise KeyError(key)
            self._remember(key, value)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        # Always write through, even a cached key: the buffer holding an earlier write of it may
        # have been discarded by the node.
        self._kv.put(STATE_PREFIX + key, value)
        self._remember(key, value)

    def __delitem__(self, key: bytes) -> None:
        if key not in self:
            raise KeyError(key)
        self._cache.pop(key, None)
        self._kv.delete(STATE_PREFIX + key)

    def _exists(self, key: bytes) -> bool:
        return key in self._cache or self._kv.has(STATE_PREFIX + key)

    def _remember(self, key: bytes, value: bytes) -> None:
        cache = self._cache
        cache[key] = value
        if len(cache) > self._cache_size:
            _evict_oldest(cache, self._cache_size)

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        # Atomicity per block comes from the KV buffer; this only satisfies py-evm's interface.
        with AtomicDBWriteBatch._commit_unless_raises(self) as batch:
            yield batch

    def clear_caches(self) -> None:
        self._cache.clear()
        self.decoded_nodes.clear()
        self.accounts.clear()

    def trim_caches(self) -> None:
        """Keeps the decoded-node cache within bounds (called once per block)."""
        if len(self.decoded_nodes) > DECODED_NODE_CACHE_SIZE:
            for key in list(islice(self.decoded_nodes, len(self.decoded_nodes) // 2)):
                del self.decoded_nodes[key]


@dataclass(frozen=True)
class BlockRecord:
    """One stored fast-chain block: everything the JSON-RPC needs to answer about it."""

    header: BlockHeaderAPI
    raw_transactions: tuple[bytes, ...]
    senders: tuple[bytes, ...]
    #: Encoded receipts (typed receipts with their type byte), as in the receipt trie.
    receipts: tuple[bytes, ...]
    #: (address, wei) credited at the start of the block, before its transactions.
    credits: tuple[tuple[bytes, int], ...]
    #: ZK roots written to `ZkRoots` by the system call at the very start of the block.
    root_updates: tuple[RootUpdate, ...] = ()

    def encode(self) -> bytes:
        fields: list[object] = [
            rlp.encode(self.header),
            self.raw_transactions,
            self.senders,
            self.receipts,
            self.credits,
        ]
        if not self.root_updates:
            # Records of blocks without root updates are encoded as before there were any.
            encoded: bytes = rlp.encode(fields, sedes=_BLOCK_RECORD)
            return encoded
        fields.append([(u.root, u.zk_height, u.status) for u in self.root_updates])
        encoded = rlp.encode(fields, sedes=_BLOCK_RECORD_WITH_ROOTS)
        return encoded

    @classmethod
    def decode(cls, data: bytes) -> BlockRecord:
        items = rlp.decode(data)
        if len(items) == 5:
            header_rlp, txs, senders, receipts, credits = _BLOCK_RECORD.deserialize(items)
            updates: tuple[RootUpdate, ...] = ()
        else:
            header_rlp, txs, senders, receipts, credits, raw_updates = (
                _BLOCK_RECORD_WITH_ROOTS.deserialize(items)
            )
            updates = tuple(RootUpdate(*u) for u in raw_updates)
        return cls(
            header=rlp.decode(header_rlp, sedes=PragueBlockHeader),
            raw_transactions=txs,
            senders=senders,
            receipts=receipts,
            credits=credits,
            root_updates=updates,
        )


#: A block's credits: [[address, wei], ...] (the block's extra_data commits to their RLP).
CREDITS = CountableList(List([address, big_endian_int]))
#: A block's ZK root updates: [[root, zk height, status], ...] (extra_data commits to them too).
ROOT_UPDATES = CountableList(List([big_endian_int, big_endian_int, big_endian_int]))
#: A stored block: [rlp(header), [raw tx, ...], [sender, ...], [receipt, ...], credits], and
#: root updates as a sixth item when the block has any.
_BLOCK_RECORD = List(
    [binary, CountableList(binary), CountableList(address), CountableList(binary), CREDITS]
)
_BLOCK_RECORD_WITH_ROOTS = List(
    [
        binary,
        CountableList(binary),
        CountableList(address),
        CountableList(binary),
        CREDITS,
        ROOT_UPDATES,
    ]
)


def _number_key(number: int) -> bytes:
    return NUMBER_PREFIX + number.to_bytes(8, "big")


class BlockStore:
    """Blocks, the number index, the transaction index and the head pointer in the KV namespace."""

    def __init__(self, kv: KVNamespace) -> None:
        self._kv = kv

    def head_hash(self) -> bytes | None:
        return self._kv.get(HEAD_KEY)

    def put_block(self, block_hash: bytes, record: BlockRecord, tx_hashes: Sequence[bytes]) -> None:
        """Stores a block as the new head (number index, tx index, head pointer)."""
        number = record.header.block_number
        self._kv.put(BLOCK_PREFIX + block_hash, record.encode())
        self._kv.put(_number_key(number), block_hash)
        position = number.to_bytes(8, "big")
        for index, tx_hash in enumerate(tx_hashes):
            self._kv.put(TX_PREFIX + tx_hash, position + index.to_bytes(4, "big"))
        self._kv.put(HEAD_KEY, block_hash)

    def get_block(self, block_hash: bytes) -> BlockRecord | None:
        data = self._kv.get(BLOCK_PREFIX + block_hash)
        return None if data is None else BlockRecord.decode(data)

    def hash_by_number(self, number: int) -> bytes | None:
        if not 0 <= number < 2**64:
            return None
        return self._kv.get(_number_key(number))

    def tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        """(block number, index) of an included transaction."""
        data = self._kv.get(TX_PREFIX + tx_hash)
        if data is None:
            return None
        return int.from_bytes(data[:8], "big"), int.from_bytes(data[8:], "big")
