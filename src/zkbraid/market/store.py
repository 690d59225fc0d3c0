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

from typing import TypeVar

from zkbraid.ledger.codec import Record
from zkbraid.ledger.record_store import RecordStore as RecordStore

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
