"""Durable key-value state with writes buffered per block.

Every chain's state (ZK trees, EVM trie and chain data, the sequencer's own state) lives in one
SQLite table, split by namespace. While a block executes, writes go to an in-memory buffer that
reads see first; the node flushes the buffer in the same SQLite transaction as the block itself,
so a process killed at any moment restarts with all of a block or none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

_TOMBSTONE = None

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    ns    TEXT NOT NULL,
    key   BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (ns, key)
) WITHOUT ROWID;
"""


class KVStore:
    """All namespaces of a node's state over one SQLite connection, with a per-block write buffer.

    Not thread-safe: the node serialises access with its own lock.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._conn.executescript(SCHEMA)
        self._buffer: dict[tuple[str, bytes], bytes | None] = {}

    def namespace(self, ns: str) -> KVNamespace:
        return KVNamespace(self, ns)

    def get(self, ns: str, key: bytes) -> bytes | None:
        k = (ns, key)
        if k in self._buffer:
            return self._buffer[k]
        row = self._conn.execute("SELECT value FROM kv WHERE ns = ? AND key = ?", k).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        self._buffer[(ns, key)] = bytes(value)

    def delete(self, ns: str, key: bytes) -> None:
        self._buffer[(ns, key)] = _TOMBSTONE

    def items(self, ns: str) -> Iterator[tuple[bytes, bytes]]:
        """Every committed and buffered pair of a namespace, in key order (for loading caches)."""
        merged: dict[bytes, bytes | None] = {
            bytes(k): bytes(v)
            for k, v in self._conn.execute("SELECT key, value FROM kv WHERE ns = ?", (ns,))
        }
        for (bns, key), value in self._buffer.items():
            if bns == ns:
                merged[key] = value
        for key in sorted(merged):
            value = merged[key]
            if value is not None:
                yield key, value

    @property
    def pending_writes(self) -> int:
        return len(self._buffer)

    def write_buffer(self) -> None:
        """Writes the buffer into the connection's open transaction (the caller commits)."""
        puts = [(ns, k, v) for (ns, k), v in self._buffer.items() if v is not None]
        dels = [(ns, k) for (ns, k), v in self._buffer.items() if v is None]
        if puts:
            self._conn.executemany(
                "INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?, ?, ?)", puts
            )
        if dels:
            self._conn.executemany("DELETE FROM kv WHERE ns = ? AND key = ?", dels)
        self._buffer.clear()

    def discard(self) -> None:
        """Drops every buffered write (the block they belonged to was not committed)."""
        self._buffer.clear()


class KVNamespace:
    """One namespace of a `KVStore`: the only storage interface the state machines see."""

    def __init__(self, store: KVStore, ns: str) -> None:
        self._store = store
        self.ns = ns

    def get(self, key: bytes) -> bytes | None:
        return self._store.get(self.ns, key)

    def put(self, key: bytes, value: bytes) -> None:
        self._store.put(self.ns, key, value)

    def delete(self, key: bytes) -> None:
        self._store.delete(self.ns, key)

    def has(self, key: bytes) -> bool:
        return self._store.get(self.ns, key) is not None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return self._store.items(self.ns)


def open_database(path: str) -> sqlite3.Connection:
    """Opens (or creates) a node database in WAL mode, safe against a killed process."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process (not a power cut) without an fsync per commit.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def memory_store() -> KVStore:
    """An in-memory store for unit tests."""
    return KVStore(sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None))
