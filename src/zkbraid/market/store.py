"""Where the market's records are stored (records.py says what they are).

Three KV namespaces of the node's store:

- `records`: every record, flat, by key (a read is one lookup, where a trie read walks a path of
  nodes), and the trie's root;
- `nodes`: the nodes of the Merkle Patricia trie that commits to the records (keys hashed with
  keccak, like the ZKPoW ledger); its root enters the app hash;
- `live`: an index of the live records — provers, unfinished jobs, proven jobs of batches not
  yet aggregated, and those batches — so that a restarted node rebuilds its view of the market
  without reading its history.

Records changed during a block are buffered as objects and encoded once, when the block's root is
asked for (`flush`); the trie is then updated for all of them in one pass (`TrieUpdater`, which
gives the Yellow Paper trie's roots). An index (the `seq` → transaction hash order) is kept flat
only: it is derived from the jobs, which the trie commits to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from eth_hash.auto import keccak

from zkbraid.ledger.codec import Record
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.trie import RLPItem, TrieUpdater
from zkbraid.market.zkpow import BLANK_ROOT, TrieNodes

R = TypeVar("R", bound=Record)

META_KEY = b"m"
_ROOT_KEY = b"root"
_DECODED_NODES_LIMIT = 200_000
"""Decoded trie nodes kept between blocks (the paths most updates walk again)."""


def job_key(job_id: bytes) -> bytes:
    return b"j" + job_id


def batch_key(index: int) -> bytes:
    return b"b" + index.to_bytes(8, "big")


def prover_key(address: bytes) -> bytes:
    return b"p" + address


def seq_key(seq: int) -> bytes:
    return b"s" + seq.to_bytes(8, "big")


class RecordStore:
    """The market's records: flat, committed by a trie root updated once a block, indexed."""

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
