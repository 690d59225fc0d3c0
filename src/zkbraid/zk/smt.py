"""Fixed-depth, index-addressed binary Poseidon Merkle trees, stored sparsely in a KV namespace.

A tree of depth D has 2^D leaves, addressed by index; an empty leaf is 0 and an inner node is
poseidon([left, right]). Only non-empty nodes are stored: a missing node is the empty subtree of
its level, whose hash is precomputed. This is the shape circomlib-style circuits check an opening
against (D siblings, the index's bits choosing left or right at each level), so every root here is
what the circuits of the ZK chain recompute.

Leaf writes are recorded at once; inner nodes are recomputed lazily by `root()`, in one pass over
all changed leaves, so two leaves changed by one transaction share the hashing of their common
ancestors.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkbraid.crypto.poseidon import poseidon2
from zkbraid.errors import OutOfRange
from zkbraid.ledger.kv import KVNamespace

EMPTY_LEAF = 0
MAX_DEPTH = 64


def _empty_hashes() -> tuple[int, ...]:
    hashes = [EMPTY_LEAF]
    for _ in range(MAX_DEPTH):
        hashes.append(poseidon2(hashes[-1], hashes[-1]))
    return tuple(hashes)


# EMPTY_HASHES[level] is the root of an empty subtree of height `level` (level 0: a leaf).
EMPTY_HASHES = _empty_hashes()


class LeafIndexOutOfRange(OutOfRange):
    """A leaf index outside [0, 2^depth)."""


class NodeStore:
    """The nodes of every tree of one state: read through an in-memory cache, written to the kv.

    Keys are the trees' node keys; values are stored as 32-byte big-endian field elements and
    empty nodes are deleted rather than stored.
    """

    def __init__(self, kv: KVNamespace) -> None:
        self.kv = kv
        self._cache: dict[bytes, int] = {}

    def get(self, key: bytes, empty: int) -> int:
        value = self._cache.get(key)
        if value is None:
            raw = self.kv.get(key)
            value = empty if raw is None else int.from_bytes(raw, "big")
            self._cache[key] = value
        return value

    def put(self, key: bytes, value: int, empty: int) -> None:
        if self._cache.get(key) == value:
            return
        self._cache[key] = value
        if value == empty:
            self.kv.delete(key)
        else:
            self.kv.put(key, value.to_bytes(32, "big"))

    def clear_cache(self) -> None:
        self._cache.clear()


class SparseMerkleTree:
    """One tree of fixed `depth`, its nodes under `prefix` in a `NodeStore`."""

    def __init__(self, nodes: NodeStore, prefix: bytes, depth: int) -> None:
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"tree depth must be in 1..{MAX_DEPTH}, got {depth}")
        self._nodes = nodes
        self._level_prefixes = [prefix + bytes((level,)) for level in range(depth + 1)]
        self.depth = depth
        self._dirty: set[int] = set()

    def _key(self, level: int, index: int) -> bytes:
        return self._level_prefixes[level] + index.to_bytes(8, "big")

    def _node(self, level: int, index: int) -> int:
        return self._nodes.get(self._key(level, index), EMPTY_HASHES[level])

    def _check_index(self, index: int) -> None:
        if not 0 <= index < (1 << self.depth):
            raise LeafIndexOutOfRange(f"leaf index {index} outside a depth-{self.depth} tree")

    def leaf(self, index: int) -> int:
        """The leaf at `index` (0 when empty)."""
        self._check_index(index)
        return self._node(0, index)

    def set_leaf(self, index: int, value: int) -> None:
        """Writes a leaf (a field element); the root is recomputed by the next `root()`."""
        self._check_index(index)
        self._nodes.put(self._key(0, index), value, EMPTY_LEAF)
        self._dirty.add(index)

    def update(self, index: int, value: int) -> int:
        """Writes a leaf and returns the new root."""
        self.set_leaf(index, value)
        return self.root()

    def root(self) -> int:
        """The root, after rehashing the paths of every leaf written since the last call."""
        if self._dirty:
            changed, self._dirty = self._dirty, set()
            for level in range(self.depth):
                empty_child = EMPTY_HASHES[level]
                empty_parent = EMPTY_HASHES[level + 1]
                parents = {i >> 1 for i in changed}
                for p in parents:
                    left = self._node(level, 2 * p)
                    right = self._node(level, 2 * p + 1)
                    if left == empty_child and right == empty_child:
                        value = empty_parent
                    else:
                        value = poseidon2(left, right)
                    self._nodes.put(self._key(level + 1, p), value, empty_parent)
                changed = parents
        return self._node(self.depth, 0)

    def proof(self, index: int) -> list[int]:
        """The Merkle opening of a leaf: its `depth` siblings, from the leaf's level upwards."""
        self._check_index(index)
        self.root()
        return [self._node(level, (index >> level) ^ 1) for level in range(self.depth)]


def compute_root(index: int, leaf: int, siblings: Sequence[int]) -> int:
    """The root an opening leads to; bit `level` of `index` set means a right child there."""
    node = leaf
    for level, sibling in enumerate(siblings):
        node = poseidon2(sibling, node) if (index >> level) & 1 else poseidon2(node, sibling)
    return node
