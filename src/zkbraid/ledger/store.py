"""The node's durable storage: blocks, transaction records, accepted-but-unordered transactions,
and (through `KVStore`) every state, all in one SQLite database in WAL mode.

A block, its transactions and every state write of it land in one SQLite transaction, so a node
killed at any moment (even with SIGKILL) restarts at its last committed block with its roots.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from zkbraid.ledger.block import BlockHeader, ChainKind
from zkbraid.ledger.kv import KVStore, open_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    height       INTEGER PRIMARY KEY,
    hash         BLOB NOT NULL UNIQUE,
    chain        INTEGER NOT NULL,
    chain_height INTEGER NOT NULL,
    header       BLOB NOT NULL,
    marker       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_chain ON blocks (chain, chain_height);
CREATE TABLE IF NOT EXISTS txs (
    hash   BLOB PRIMARY KEY,
    height INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    kind   INTEGER NOT NULL,
    raw    BLOB NOT NULL,
    ok     INTEGER NOT NULL,
    error  TEXT,
    result BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS txs_block ON txs (height, idx);
CREATE TABLE IF NOT EXISTS mempool (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    hash BLOB NOT NULL UNIQUE,
    raw  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS zk_jobs (
    tx_hash BLOB PRIMARY KEY,
    height  INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    job     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS zk_proofs (
    tx_hash BLOB PRIMARY KEY,
    proof   BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ProofJobRecord:
    """A committed ZK-chain transaction's proving job (transaction and circuit witness): what
    a prover fetches. Whether it is proven is the market's record (committed state), not this."""

    tx_hash: bytes
    height: int
    index: int
    job: str


@dataclass(frozen=True)
class TxRecord:
    """What the ledger keeps of an ordered transaction: where it is and how it ended."""

    hash: bytes
    height: int
    index: int
    kind: int
    raw: bytes
    ok: bool
    error: str | None
    result: bytes
    """The block transition's receipt of it, encoded (sequencer/receipts.py)."""


class LedgerStore:
    """Blocks, transaction records, the durable mempool and the state KV of one node."""

    def __init__(self, path: str) -> None:
        self.conn: sqlite3.Connection = open_database(path)
        self.conn.executescript(SCHEMA)
        self.kv = KVStore(self.conn)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()

    # -- reads -----------------------------------------------------------------------------

    def head(self) -> BlockHeader | None:
        row = self.conn.execute("SELECT header FROM blocks ORDER BY height DESC LIMIT 1").fetchone()
        return None if row is None else BlockHeader.decode(bytes(row[0]))

    def chain_head(self, chain: ChainKind) -> BlockHeader | None:
        row = self.conn.execute(
            "SELECT header FROM blocks WHERE chain = ? ORDER BY height DESC LIMIT 1", (int(chain),)
        ).fetchone()
        return None if row is None else BlockHeader.decode(bytes(row[0]))

    def header(self, height: int) -> BlockHeader | None:
        row = self.conn.execute("SELECT header FROM blocks WHERE height = ?", (height,)).fetchone()
        return None if row is None else BlockHeader.decode(bytes(row[0]))

    def header_by_hash(self, block_hash: bytes) -> BlockHeader | None:
        row = self.conn.execute(
            "SELECT header FROM blocks WHERE hash = ?", (block_hash,)
        ).fetchone()
        return None if row is None else BlockHeader.decode(bytes(row[0]))

    def headers(self, first: int, last: int) -> list[BlockHeader]:
        rows = self.conn.execute(
            "SELECT header FROM blocks WHERE height BETWEEN ? AND ? ORDER BY height", (first, last)
        ).fetchall()
        return [BlockHeader.decode(bytes(r[0])) for r in rows]

    def marker(self, height: int) -> bytes | None:
        """The block's first entry, its chain marker (a ZK block's carries its L1 observation)."""
        row = self.conn.execute("SELECT marker FROM blocks WHERE height = ?", (height,)).fetchone()
        return None if row is None else bytes(row[0])

    def block_txs(self, height: int) -> list[TxRecord]:
        rows = self.conn.execute(
            "SELECT hash, height, idx, kind, raw, ok, error, result FROM txs"
            " WHERE height = ? ORDER BY idx",
            (height,),
        ).fetchall()
        return [_record(r) for r in rows]

    def tx_counts(self, first: int, last: int) -> dict[int, int]:
        rows = self.conn.execute(
            "SELECT height, COUNT(*) FROM txs WHERE height BETWEEN ? AND ? GROUP BY height",
            (first, last),
        ).fetchall()
        return {int(h): int(n) for h, n in rows}

    def tx(self, tx_hash: bytes) -> TxRecord | None:
        row = self.conn.execute(
            "SELECT hash, height, idx, kind, raw, ok, error, result FROM txs WHERE hash = ?",
            (tx_hash,),
        ).fetchone()
        return None if row is None else _record(row)

    def proof_job(self, tx_hash: bytes) -> ProofJobRecord | None:
        row = self.conn.execute(
            "SELECT tx_hash, height, idx, job FROM zk_jobs WHERE tx_hash = ?", (tx_hash,)
        ).fetchone()
        return None if row is None else _job(row)

    def proof(self, tx_hash: bytes) -> bytes | None:
        """The accepted proof of a ZK-chain transaction (256 bytes), if it is proven."""
        row = self.conn.execute(
            "SELECT proof FROM zk_proofs WHERE tx_hash = ?", (tx_hash,)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- writes ----------------------------------------------------------------------------

    def commit_block(
        self,
        header: BlockHeader,
        marker: bytes,
        txs: list[TxRecord],
        jobs: list[ProofJobRecord] | None = None,
        proofs: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Writes a block, its transaction records, the proving jobs of its ZK transactions,
        the proofs it accepted ((transaction hash, proof) pairs, kept outside consensus for
        aggregation) and the buffered state in one transaction, and drops its transactions from
        the durable mempool."""
        with self._lock:
            c = self.conn
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute(
                    "INSERT INTO blocks (height, hash, chain, chain_height, header, marker)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        header.height,
                        header.hash,
                        int(header.chain),
                        header.chain_height,
                        header.encode(),
                        marker,
                    ),
                )
                c.executemany(
                    "INSERT OR REPLACE INTO txs (hash, height, idx, kind, raw, ok, error, result)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            t.hash,
                            t.height,
                            t.index,
                            t.kind,
                            t.raw,
                            int(t.ok),
                            t.error,
                            t.result,
                        )
                        for t in txs
                    ],
                )
                c.executemany("DELETE FROM mempool WHERE hash = ?", [(t.hash,) for t in txs])
                c.executemany(
                    "INSERT OR REPLACE INTO zk_jobs (tx_hash, height, idx, job)"
                    " VALUES (?, ?, ?, ?)",
                    [(j.tx_hash, j.height, j.index, j.job) for j in jobs or []],
                )
                c.executemany(
                    "INSERT OR REPLACE INTO zk_proofs (tx_hash, proof) VALUES (?, ?)", proofs or []
                )
                self.kv.write_buffer()
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )

    def commit_genesis(self, meta: dict[str, str]) -> None:
        """Writes the genesis state (buffered in the KV) and its metadata in one transaction."""
        with self._lock:
            c = self.conn
            c.execute("BEGIN IMMEDIATE")
            try:
                self.kv.write_buffer()
                c.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items())
                )
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    # -- the durable mempool ---------------------------------------------------------------

    def mempool_add(self, tx_hash: bytes, raw: bytes) -> None:
        with self._lock:
            self.conn.execute(
                "INSERT OR IGNORE INTO mempool (hash, raw) VALUES (?, ?)", (tx_hash, raw)
            )

    def mempool_remove(self, tx_hashes: list[bytes]) -> None:
        with self._lock:
            self.conn.executemany("DELETE FROM mempool WHERE hash = ?", [(h,) for h in tx_hashes])

    def mempool_all(self) -> list[bytes]:
        return [bytes(r[0]) for r in self.conn.execute("SELECT raw FROM mempool ORDER BY seq")]


def _job(row: tuple[Any, ...]) -> ProofJobRecord:
    tx_hash, height, idx, job = row
    return ProofJobRecord(bytes(tx_hash), int(height), int(idx), str(job))


def _record(row: tuple[Any, ...]) -> TxRecord:
    h, height, idx, kind, raw, ok, error, result = row
    return TxRecord(
        hash=bytes(h),
        height=int(height),
        index=int(idx),
        kind=int(kind),
        raw=bytes(raw),
        ok=bool(ok),
        error=error,
        result=bytes(result),
    )
