"""One-pass Merkle-Patricia tries (per-block roots, batched updates) and their nodes' RLP codec.

A block's transaction and receipt tries are built once and never read back, so instead of
inserting key by key into `trie.HexaryTrie` (which re-encodes nodes on every insert), the root is
computed in one pass over the sorted keys, the way the execution specs' `patricialize` does
(`ethereum/forks/*/trie.py`); `TrieUpdater` does the same for updates of the stored state tries.
Tests check both against `eth.db.trie.make_trie_root_and_nodes` and `trie.HexaryTrie`.

RLP is pyrlp's (`rlp.encode` / `rlp.decode`) everywhere else. Trie nodes, and accounts (the state
trie's values), have their own codec here, `encode_node` / `decode_node`: they are encoded several
times per transaction and pyrlp is 3-10 times slower at it (with pyrlp, blocks of transfers
execute ~20% slower). Tests check that it gives the same bytes and items as pyrlp.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from functools import lru_cache
from typing import Protocol, cast

import rlp
from eth_hash.auto import keccak

from zkbraid.ledger.kv import KVNamespace

RLPItem = bytes | list["RLPItem"] | tuple["RLPItem", ...]


def _length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes((offset + length,))
    length_bytes = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((offset + 55 + len(length_bytes),)) + length_bytes


def encode_node(item: RLPItem) -> bytes:
    """RLP of a trie node (a byte string or a nested list of them): `rlp.encode`'s bytes, faster."""
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return _length_prefix(len(item), 0x80) + item
    # Trie nodes are lists of short byte strings: encode those inline, recurse only into lists.
    parts = []
    for child in item:
        if isinstance(child, bytes):
            size = len(child)
            if size == 1 and child[0] < 0x80:
                parts.append(child)
            elif size < 56:
                parts.append(_SHORT_PREFIX[size] + child)
            else:
                parts.append(_length_prefix(size, 0x80) + child)
        else:
            parts.append(encode_node(child))
    payload = b"".join(parts)
    size = len(payload)
    if size < 56:
        return _LIST_PREFIX[size] + payload
    return _length_prefix(size, 0xC0) + payload


_SHORT_PREFIX = [bytes((0x80 + n,)) for n in range(56)]
_LIST_PREFIX = [bytes((0xC0 + n,)) for n in range(56)]


def _compact(nibbles: bytes, is_leaf: bool) -> bytes:
    """Hex-prefix encoding of a nibble path (Yellow Paper appendix C)."""
    flag = 2 if is_leaf else 0
    if len(nibbles) % 2:
        out = [16 * (flag + 1) + nibbles[0]]
        rest = nibbles[1:]
    else:
        out = [16 * flag]
        rest = nibbles
    out.extend(16 * rest[i] + rest[i + 1] for i in range(0, len(rest), 2))
    return bytes(out)


def _reference(node: RLPItem) -> RLPItem:
    """How a parent refers to a child: inline if its encoding is short, else by hash."""
    encoded = encode_node(node)
    return node if len(encoded) < 32 else keccak(encoded)


def _patricialize(items: list[tuple[bytes, bytes]], level: int) -> RLPItem:
    """The node over `items` (sorted (nibble-key, value) pairs that share `level` nibbles)."""
    if not items:
        return b""
    if len(items) == 1:
        key, value = items[0]
        return [_compact(key[level:], True), value]
    first, last = items[0][0], items[-1][0]
    # Keys are sorted: the prefix common to all of them is the one the first and last share.
    prefix = level
    limit = min(len(first), len(last))
    while prefix < limit and first[prefix] == last[prefix]:
        prefix += 1
    if prefix > level:
        child = _patricialize(items, prefix)
        return [_compact(first[level:prefix], False), _reference(child)]
    branches: list[list[tuple[bytes, bytes]]] = [[] for _ in range(16)]
    value = b""
    for key, item_value in items:
        if len(key) == level:
            value = item_value
        else:
            branches[key[level]].append((key, item_value))
    node: list[RLPItem] = [
        _reference(_patricialize(branch, level + 1)) if branch else b"" for branch in branches
    ]
    node.append(value)
    return node


_HEX_TO_NIBBLE = bytes.maketrans(b"0123456789abcdef", bytes(range(16)))


def _nibbles(key: bytes) -> bytes:
    """The key's nibbles, one per byte (hex then translate: both run in C)."""
    return key.hex().encode("ascii").translate(_HEX_TO_NIBBLE)


@lru_cache(maxsize=4096)
def _index_key(index: int) -> bytes:
    """The nibbles of rlp(index), the key of a block's index-th transaction or receipt."""
    return _nibbles(rlp.encode(index))


def ordered_trie_root(values: Sequence[bytes]) -> bytes:
    """Root of the trie mapping rlp(index) to each value (a block's transactions or receipts)."""
    items = sorted((_index_key(i), value) for i, value in enumerate(values))
    return keccak(encode_node(_patricialize(items, 0)))


# -- decoding -------------------------------------------------------------------------------


class RLPDecodingError(ValueError):
    """Bytes that are not one RLP item."""


def _decode_at(data: bytes, pos: int) -> tuple[RLPItem, int]:
    first = data[pos]
    if first < 0x80:
        return data[pos : pos + 1], pos + 1
    if first < 0xB8:
        end = pos + 1 + first - 0x80
        if end > len(data):
            raise RLPDecodingError("string runs past the end")
        return data[pos + 1 : end], end
    if first < 0xC0:
        size = first - 0xB7
        length = int.from_bytes(data[pos + 1 : pos + 1 + size], "big")
        start = pos + 1 + size
        if start + length > len(data):
            raise RLPDecodingError("string runs past the end")
        return data[start : start + length], start + length
    if first < 0xF8:
        start, end = pos + 1, pos + 1 + first - 0xC0
    else:
        size = first - 0xF7
        start = pos + 1 + size
        end = start + int.from_bytes(data[pos + 1 : start], "big")
    if end > len(data):
        raise RLPDecodingError("list runs past the end")
    items: list[RLPItem] = []
    while start < end:
        item, start = _decode_at(data, start)
        items.append(item)
    if start != end:
        raise RLPDecodingError("list items overrun the list")
    # Tuples: decoded nodes are cached for long, and tuples of bytes escape the cyclic GC.
    return tuple(items), end


def decode_node(data: bytes) -> RLPItem:
    """Decodes one RLP item, as `rlp.decode` but into tuples and faster.

    Lenient about non-canonical lengths: only for our own trie nodes and accounts (a caller that
    needs canonical input re-encodes, or uses `rlp.decode`). Raises RLPDecodingError.
    """
    if not data:
        raise RLPDecodingError("empty input")
    item, end = _decode_at(data, 0)
    if end != len(data):
        raise RLPDecodingError("trailing bytes after the item")
    return item


# -- batched updates of a stored trie -------------------------------------------------------

BLANK_NODE_ROOT = keccak(b"\x80")


class NodeStore(Protocol):
    """Where trie nodes live, by keccak of their encoding (py-evm's databases fit)."""

    def __getitem__(self, key: bytes) -> bytes: ...

    def __setitem__(self, key: bytes, value: bytes) -> None: ...


def _decode_compact(path: bytes) -> tuple[bytes, bool]:
    flag = path[0] >> 4
    nibbles = _nibbles(path[1:])
    if flag & 1:
        nibbles = bytes((path[0] & 0x0F,)) + nibbles
    return nibbles, flag >= 2


class TrieUpdater:
    """Applies many key updates to a hexary Merkle-Patricia trie in one pass.

    py-evm's `HexaryTrie` re-encodes and re-hashes the whole path from the root on every key it
    sets; a block that changes a hundred accounts re-hashes the root a hundred times. This walks
    the trie once over the sorted updates and encodes, hashes and stores each changed node once.
    The nodes and roots are those of the Yellow Paper's trie (tests compare with `HexaryTrie`);
    old nodes are never deleted (the state of every block stays readable).
    """

    def __init__(self, db: NodeStore, decoded_cache: dict[bytes, RLPItem] | None = None) -> None:
        self._db = db
        self._decoded = decoded_cache if decoded_cache is not None else {}

    def update(self, root: bytes, updates: dict[bytes, bytes | None]) -> bytes:
        """The root after setting each key to its value (None or b"" deletes the key)."""
        if not updates:
            return root
        items = sorted((_nibbles(k), v or None) for k, v in updates.items())
        start: RLPItem = b"" if root == BLANK_NODE_ROOT else root
        node = self._update(start, items, 0)
        if node == b"":
            return BLANK_NODE_ROOT
        encoded = encode_node(node)
        root_hash = keccak(encoded)
        self._db[root_hash] = encoded
        return root_hash

    # A node is b"" (blank), [compact path, value or child] (leaf or extension) or a 17-list.

    def _resolve(self, ref: RLPItem) -> RLPItem:
        if not isinstance(ref, bytes) or ref == b"":
            return ref
        node = self._decoded.get(ref)
        if node is None:
            node = decode_node(self._db[ref])
            self._decoded[ref] = node
        return node

    def _ref(self, node: RLPItem) -> RLPItem:
        """How a parent refers to `node`: inline when its encoding is short, else stored by hash."""
        if node == b"":
            return b""
        encoded = encode_node(node)
        if len(encoded) < 32:
            return node
        node_hash = keccak(encoded)
        self._db[node_hash] = encoded
        self._decoded[node_hash] = tuple(node) if isinstance(node, list) else node
        return node_hash

    def _update(self, ref: RLPItem, items: list[tuple[bytes, bytes | None]], depth: int) -> RLPItem:
        node = self._resolve(ref)
        if isinstance(node, bytes):  # blank
            return self._build([(k, v) for k, v in items if v is not None], depth)
        if len(node) == 2:
            path, is_leaf = _decode_compact(cast(bytes, node[0]))
            if is_leaf:
                merged = {items[0][0][:depth] + path: node[1]}
                for key, value in items:
                    if value is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = value
                return self._build(
                    sorted((k, v) for k, v in merged.items() if isinstance(v, bytes)), depth
                )
            end = depth + len(path)
            if all(key[depth:end] == path for key, _ in items):
                return self._extension(path, self._update(node[1], items, end))
            # Some keys leave the extension: continue as the equivalent branch.
            branch: list[RLPItem] = [b""] * 17
            rest = path[1:]
            branch[path[0]] = node[1] if not rest else self._ref([_compact(rest, False), node[1]])
            return self._update_branch(branch, items, depth)
        return self._update_branch(list(node), items, depth)

    def _update_branch(
        self, branch: list[RLPItem], items: list[tuple[bytes, bytes | None]], depth: int
    ) -> RLPItem:
        i = 0
        while i < len(items):
            key, value = items[i]
            if len(key) == depth:
                branch[16] = value or b""
                i += 1
                continue
            nibble = key[depth]
            j = i + 1
            while j < len(items) and items[j][0][depth] == nibble:
                j += 1
            branch[nibble] = self._ref(self._update(branch[nibble], items[i:j], depth + 1))
            i = j
        children = [n for n in range(16) if branch[n] != b""]
        if not children:
            return b"" if branch[16] == b"" else [_compact(b"", True), branch[16]]
        if len(children) == 1 and branch[16] == b"":
            only = children[0]
            return self._extension(bytes((only,)), self._resolve(branch[only]))
        return branch

    def _extension(self, path: bytes, child: RLPItem) -> RLPItem:
        """A node for `path` followed by `child`, merged into a leaf/extension where it must be."""
        if isinstance(child, bytes):  # blank
            return b""
        if len(child) == 2:
            child_path, is_leaf = _decode_compact(cast(bytes, child[0]))
            return [_compact(path + child_path, is_leaf), child[1]]
        return [_compact(path, False), self._ref(child)]

    def _build(self, items: list[tuple[bytes, bytes]], depth: int) -> RLPItem:
        """A fresh subtrie over `items` (sorted, values non-empty), storing its nodes."""
        if not items:
            return b""
        if len(items) == 1:
            key, value = items[0]
            return [_compact(key[depth:], True), value]
        first, last = items[0][0], items[-1][0]
        prefix = depth
        limit = min(len(first), len(last))
        while prefix < limit and first[prefix] == last[prefix]:
            prefix += 1
        if prefix > depth:
            return [_compact(first[depth:prefix], False), self._ref(self._build(items, prefix))]
        groups: list[list[tuple[bytes, bytes]]] = [[] for _ in range(16)]
        value = b""
        for key, item_value in items:
            if len(key) == depth:
                value = item_value
            else:
                groups[key[depth]].append((key, item_value))
        node: list[RLPItem] = [self._ref(self._build(g, depth + 1)) if g else b"" for g in groups]
        node.append(value)
        return node


BLANK_ROOT = bytes(keccak(b"\x80"))
"""The root of an empty trie (keccak of the RLP of the empty string)."""


class TrieNodes(MutableMapping[bytes, bytes]):
    """The trie's node database, stored in a KV namespace."""

    def __init__(self, kv: KVNamespace) -> None:
        self._kv = kv

    def __getitem__(self, key: bytes) -> bytes:
        value = self._kv.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._kv.put(key, value)

    def __delitem__(self, key: bytes) -> None:
        # Old nodes are kept: a root of an earlier block stays readable.
        pass

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes) and self._kv.has(key)

    def __iter__(self) -> Iterator[bytes]:
        return (k for k, _ in self._kv.items())

    def __len__(self) -> int:
        return sum(1 for _ in self._kv.items())
