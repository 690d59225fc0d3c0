"""Stored records committed by a trie: every record flat by key (a read is one lookup, where a
trie read walks a path of nodes), the nodes of the Merkle Patricia trie that commits to them
(keys hashed with keccak; its root enters the app hash), and an index of the live records, so
that a restarted node rebuilds its in-memory view without reading history.

Records changed during a block are buffered as objects and encoded once, when the block's root is
asked for (`flush`); the trie is then updated for all of them in one pass (`TrieUpdater`, which
gives the Yellow Paper trie's roots). Used by the market (market/store.py) and the bridge's
deposits (settlement/deposits.py). `NumberedRecords` keeps records numbered 0, 1, 2, … in a
store, the live ones in memory (the batches' attestations, the validator sets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from eth_hash.auto import keccak

from zkbraid.ledger.codec import Record
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.trie import BLANK_ROOT, RLPItem, TrieNodes, TrieUpdater

R = TypeVar("R", bound=Record)

_ROOT_KEY = b"root"
_DECODED_NODES_LIMIT = 200_000
"""Decoded trie nodes kept between blocks (the paths most updates walk again)."""


class RecordStore:
    """Records: flat, committed by a trie root updated once a block, indexed."""

    def __init__(self, nodes: KVNamespace, records: KVNamespace, live: KVNamespace) -> None:
        self._nodes = TrieNodes(nodes)
        self._records = records
        self._live = live
        self._decoded: dict[bytes, RLPItem] = {}
        self._dirty: dict[bytes, Record] = {}
        self._root = records.get(_ROOT_KEY) or BLANK_ROOT

    def reload(self) -> None:
        """Forgets what was not written, after the block's writes were discarded."""
        self._dirty.clear()
        self._decoded.clear()
        self._root = self._records.get(_ROOT_KEY) or BLANK_ROOT

    # -- records ----------------------------------------------------------------------------

    def get(self, key: bytes, kind: type[R]) -> R | None:
        """The record at `key` (this block's version if it changed). Raises CorruptRecord."""
        pending = self._dirty.get(key)
        if pending is not None:
            if not isinstance(pending, kind):
                raise TypeError(f"{key!r} holds a {type(pending).__name__}, not a {kind.__name__}")
            return pending
        raw = self._records.get(key)
        return kind.decode(raw) if raw is not None else None

    def put(self, record: Record, key: bytes) -> None:
        """Marks `record` as the (changed) record at `key`: encoded and committed at the next
        flush, as it is then."""
        self._dirty[key] = record

    # -- the flat index of transactions by seq (not committed: the jobs are) ---------------

    def put_index(self, key: bytes, value: bytes) -> None:
        self._records.put(key, value)

    def get_index(self, key: bytes) -> bytes | None:
        return self._records.get(key)

    # -- the live index ---------------------------------------------------------------------

    def set_live(self, key: bytes, live: bool) -> None:
        if live:
            self._live.put(key, b"\x01")
        else:
            self._live.delete(key)

    def live_keys(self) -> Iterator[bytes]:
        """Keys of the live records, in key order."""
        return (key for key, _ in self._live.items())

    # -- the commitment ---------------------------------------------------------------------

    def flush(self) -> bytes:
        """Encodes every record changed since the last flush, writes it, and returns the trie's
        new root. Raises RecordOutOfRange: a record with a field outside its width (a bug)."""
        if not self._dirty:
            return self._root
        encoded = [(key, record.encode()) for key, record in self._dirty.items()]
        self._dirty.clear()
        updates: dict[bytes, bytes | None] = {}
        for key, value in encoded:
            self._records.put(key, value)
            updates[bytes(keccak(key))] = value
        if len(self._decoded) > _DECODED_NODES_LIMIT:
            self._decoded.clear()
        self._root = TrieUpdater(self._nodes, self._decoded).update(self._root, updates)
        self._records.put(_ROOT_KEY, self._root)
        return self._root

    @property
    def root(self) -> bytes:
        """The root as of the last flush."""
        return self._root


class NumberedRecords(Generic[R]):
    """Records of one kind numbered 0, 1, 2, … (a batch, a set nonce) in a `RecordStore` under
    a key prefix; those still changing (`is_live`) are in the live index and kept in memory, so
    a restarted node rebuilds them without reading the others."""

    def __init__(
        self,
        store: RecordStore,
        kind: type[R],
        prefix: bytes,
        number: Callable[[R], int],
        is_live: Callable[[R], bool],
    ) -> None:
        self._store = store
        self._kind = kind
        self._prefix = prefix
        self._number = number
        self._is_live = is_live
        self.load()

    def load(self) -> None:
        """Reads the live records again (after the store's reload)."""
        self._live: dict[int, R] = {}
        for key in self._store.live_keys():
            if key.startswith(self._prefix) and len(key) == len(self._prefix) + 8:
                record = self._store.get(key, self._kind)
                if record is not None:
                    self._live[self._number(record)] = record

    def _key(self, number: int) -> bytes:
        return self._prefix + number.to_bytes(8, "big")

    def get(self, number: int) -> R | None:
        if not 0 <= number < 2**64:
            return None
        return self._store.get(self._key(number), self._kind)

    def save(self, record: R) -> None:
        number = self._number(record)
        key = self._key(number)
        self._store.put(record, key)
        live = self._is_live(record)
        if live != (number in self._live):
            self._store.set_live(key, live)
        if live:
            self._live[number] = record
        else:
            self._live.pop(number, None)

    def live(self) -> list[R]:
        """The live records, by number."""
        return [self._live[n] for n in sorted(self._live)]
