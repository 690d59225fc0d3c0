"""The sequencer's record of proven ZK-chain transactions.

A ZK-chain transaction is *committed* when its block is; it is *proven* once a proof of it has
been verified by the validators and recorded here, with the prover whose signed submission
carried it (the proving market pays that prover). The records live in a Merkle Patricia trie whose
root enters the app hash, like the ZKPoW balances.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_hash.auto import keccak
from trie.hexary import HexaryTrie

from zkbraid.ledger.kv import KVNamespace
from zkbraid.market.zkpow import BLANK_ROOT, TrieNodes

_ROOT_KEY = b"proofs-root"


@dataclass(frozen=True)
class ProofRecord:
    """Who proved a transaction, with which proof (by hash), in which block."""

    prover: bytes
    proof_hash: bytes
    height: int

    def encode(self) -> bytes:
        return bytes(rlp.encode([self.prover, self.proof_hash, self.height]))

    @classmethod
    def decode(cls, raw: bytes) -> ProofRecord:
        prover, proof_hash, height = rlp.decode(raw)
        return cls(bytes(prover), bytes(proof_hash), int.from_bytes(height, "big"))


class ProofRecords:
    """Proven transactions by hash, committed by a trie root."""

    def __init__(self, nodes: KVNamespace, meta: KVNamespace) -> None:
        self._meta = meta
        self._trie = HexaryTrie(TrieNodes(nodes), meta.get(_ROOT_KEY) or BLANK_ROOT)

    @property
    def root(self) -> bytes:
        return bytes(self._trie.root_hash)

    def get(self, tx_hash: bytes) -> ProofRecord | None:
        raw = self._trie.get(keccak(tx_hash))
        return ProofRecord.decode(raw) if raw else None

    def record(self, tx_hash: bytes, record: ProofRecord) -> None:
        self._trie.set(keccak(tx_hash), record.encode())  # type: ignore[no-untyped-call]
        self._meta.put(_ROOT_KEY, self.root)
