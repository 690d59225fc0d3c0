"""Our trie code against py-evm's: per-block roots, batched state updates, RLP."""

from __future__ import annotations

import random

import pytest
import rlp
from eth.db.trie import make_trie_root_and_nodes
from trie.hexary import HexaryTrie

from zkbraid.ledger.trie import (
    BLANK_NODE_ROOT,
    RLPItem,
    TrieUpdater,
    decode_node,
    encode_node,
    ordered_trie_root,
)


class _Item:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def encode(self) -> bytes:
        return self.data


@pytest.mark.parametrize("count", [0, 1, 2, 15, 16, 17, 127, 128, 129, 300])
def test_ordered_trie_root_is_pyevms(count: int) -> None:
    rng = random.Random(count)
    values = [rng.randbytes(rng.choice([1, 3, 31, 32, 33, 120])) for _ in range(count)]
    expected, _ = make_trie_root_and_nodes([_Item(v) for v in values])  # type: ignore[arg-type]
    assert ordered_trie_root(values) == expected


def _random_item(rng: random.Random, depth: int = 0) -> RLPItem:
    """A byte string or nested list, with sizes at RLP's boundaries (1 byte, 55/56, 255/256)."""
    if depth >= 3 or rng.random() < 0.4:
        size = rng.choice([0, 1, 1, 2, 31, 32, 54, 55, 56, 57, 255, 256, 1024])
        if size == 1:
            return bytes((rng.choice([0, 0x7F, 0x80, 0xFF]),))
        return rng.randbytes(70_000 if rng.random() < 0.01 else size)
    lengths = [0, 1, 2, 17, 60] if depth == 0 else [0, 1, 2, 17]
    return [_random_item(rng, depth + 1) for _ in range(rng.choice(lengths))]


def _as_lists(item: RLPItem) -> object:
    return item if isinstance(item, bytes) else [_as_lists(i) for i in item]


@pytest.mark.parametrize("seed", range(4))
def test_node_codec_matches_pyrlp(seed: int) -> None:
    """Random items: the same bytes as `rlp.encode`, the same items back as `rlp.decode`."""
    rng = random.Random(seed)
    for _ in range(150):
        item = _random_item(rng)
        encoded = encode_node(item)
        assert encoded == rlp.encode(item)
        assert _as_lists(decode_node(encoded)) == rlp.decode(encoded)
        assert encode_node(decode_node(encoded)) == encoded


@pytest.mark.parametrize("data", [b"", b"\xc2\x01", b"\x01\x02", b"\xb8\x05a", b"\xf8\x05\x01"])
def test_invalid_rlp(data: bytes) -> None:
    """Empty, truncated or trailed input (the decoder reads only our own trie nodes, so it does
    not insist on canonical lengths)."""
    with pytest.raises(ValueError):
        decode_node(data)


@pytest.mark.parametrize("seed", range(16))
def test_batched_updates_match_hexary_trie(seed: int) -> None:
    """Random rounds of inserts, updates and deletes (also of missing keys), with hashed keys
    (as the state trie) and with short keys that prefix each other (values in branches); in half
    the cases the trie starts as one `HexaryTrie` built key by key, in the same node store."""
    rng = random.Random(seed)
    short_keys = seed % 2 == 1
    nodes: dict[bytes, bytes] = {}
    reference = HexaryTrie(nodes if seed % 4 >= 2 else {})
    updater = TrieUpdater(nodes)
    keys: list[bytes] = []
    done = {"insert": 0, "update": 0, "delete": 0}

    def new_key() -> bytes:
        if short_keys:
            return bytes(rng.randint(0, 2) for _ in range(rng.randint(1, 4)))
        return rng.randbytes(32)

    model: dict[bytes, bytes] = {}
    if seed % 4 >= 2:
        for _ in range(30):
            key = new_key()
            keys.append(key)
            model[key] = reference[key] = rng.randbytes(rng.choice([1, 5, 40]))
    root = reference.root_hash
    for _ in range(10):
        updates: dict[bytes, bytes | None] = {}
        for _ in range(rng.randint(0, 40)):
            r = rng.random()
            if keys and r < 0.35:
                key = rng.choice(keys)
                updates[key] = None if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 50))
            elif r < 0.4:
                updates[new_key()] = None
            else:
                key = new_key()
                keys.append(key)
                updates[key] = rng.randbytes(rng.choice([1, 2, 5, 30, 70]))
        for key, value in updates.items():
            present = key in model
            if value is None:
                done["delete"] += present
                model.pop(key, None)
                reference.delete(key)  # type: ignore[no-untyped-call]
            else:
                done["update" if present else "insert"] += 1
                model[key] = value
                reference[key] = value
        root = updater.update(root, updates)
        assert root == reference.root_hash
        # Every node of the new trie was stored: reading it back finds every key. (Only present
        # ones: HexaryTrie cannot look up a missing key that prefixes another.)
        stored = HexaryTrie(nodes, root)
        for key, value in model.items():
            assert stored.get(key) == value
    assert all(done.values()), done


def test_deleting_everything_gives_the_blank_root() -> None:
    nodes: dict[bytes, bytes] = {}
    updater = TrieUpdater(nodes)
    root = updater.update(BLANK_NODE_ROOT, {b"\x01" * 32: b"a" * 40, b"\x02" * 32: b"b" * 40})
    assert updater.update(root, {b"\x01" * 32: None, b"\x02" * 32: b""}) == BLANK_NODE_ROOT
    assert updater.update(BLANK_NODE_ROOT, {}) == BLANK_NODE_ROOT
