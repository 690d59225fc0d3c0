"""The sequencer's own state: ZKPoW balances, committed by a Merkle Patricia trie.

ZKPoW is the sequencer's token: ZK-chain fees are paid in it, provers will earn it and be fined in
it (so a balance may go negative; ARCHITECTURE.md, "the life of a ZK-chain transaction", step 3).
Balances are keyed by Ethereum address. The root of the trie (Ethereum's hexary trie from the
`trie` package, keys hashed with keccak) enters the app hash, so every validator agrees on it.
"""

from __future__ import annotations

from eth_hash.auto import keccak
from trie.hexary import HexaryTrie

from zkbraid.errors import InsufficientFunds, OutOfRange
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.trie import BLANK_ROOT, TrieNodes

BALANCE_BOUND = 2**127  # balances live in [-2**127, 2**127)
_ROOT_KEY = b"root"


class InsufficientZkpow(InsufficientFunds):
    """The ZKPoW balance does not cover a fee or a transfer."""


class ZkpowOverflow(OutOfRange):
    """A ZKPoW balance would leave its signed 128-bit range."""


def _encode(balance: int) -> bytes:
    return balance.to_bytes(16, "big", signed=True)


def _decode(raw: bytes) -> int:
    return int.from_bytes(raw, "big", signed=True)


class ZkpowLedger:
    """ZKPoW balances by address; every change updates the committed trie root."""

    def __init__(self, nodes: KVNamespace, meta: KVNamespace) -> None:
        self._meta = meta
        root = meta.get(_ROOT_KEY) or BLANK_ROOT
        self._trie = HexaryTrie(TrieNodes(nodes), root)
        self._cache: dict[bytes, int] = {}
        self._dirty: set[bytes] = set()

    @property
    def root(self) -> bytes:
        """The trie root over every balance, after writing the balances changed since the last
        call (a block's many fee debits of one payer cost one trie write)."""
        if self._dirty:
            for address in sorted(self._dirty):
                self._trie.set(keccak(address), _encode(self._cache[address]))  # type: ignore[no-untyped-call]
            self._dirty.clear()
            self._meta.put(_ROOT_KEY, bytes(self._trie.root_hash))
        return bytes(self._trie.root_hash)

    def balance(self, address: bytes) -> int:
        cached = self._cache.get(address)
        if cached is not None:
            return cached
        raw = self._trie.get(keccak(address))
        value = _decode(raw) if raw else 0
        self._cache[address] = value
        return value

    def credit(self, address: bytes, amount: int) -> None:
        """Adds `amount` (may be negative: a fine) to a balance."""
        new = self.balance(address) + amount
        if not -BALANCE_BOUND <= new < BALANCE_BOUND:
            raise ZkpowOverflow(f"ZKPoW balance of 0x{address.hex()} would overflow")
        self._cache[address] = new
        self._dirty.add(address)

    def debit(self, address: bytes, amount: int) -> None:
        """Takes `amount` from a balance that must cover it.

        Raises InsufficientZkpow: the balance (negative balances pay nothing) is below `amount`.
        """
        have = self.balance(address)
        if have < amount:
            raise InsufficientZkpow(
                f"ZKPoW balance of 0x{address.hex()} is {have}, the fee is {amount}"
            )
        self.credit(address, -amount)

    def reload(self) -> None:
        """Forgets cached values after uncommitted writes were discarded."""
        self._cache.clear()
        self._dirty.clear()
        self._trie.root_hash = self._meta.get(_ROOT_KEY) or BLANK_ROOT
