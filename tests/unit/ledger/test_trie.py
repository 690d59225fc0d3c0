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
    ordered_trie_root,
    rlp_decode,
    rlp_encode,
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


def test_rlp_matches_pyrlp() -> None:
    rng = random.Random(7)
    for _ in range(200):
        item: RLPItem = [
            rng.randbytes(rng.randint(0, 60)),
            [rng.randbytes(rng.randint(0, 2)) for _ in range(rng.randint(0, 20))],
            [[b"\x7f", b"\x80", b"x" * rng.randint(0, 80)]],
            b"y" * rng.randint(50, 70_000),
        ]
        encoded = rlp_encode(item)
        assert encoded == rlp.encode(item)
        assert rlp_encode(rlp_decode(encoded)) == encoded


@pytest.mark.parametrize("data", [b"", b"\xc2\x01", b"\x01\x02", b"\xb8\x05a", b"\xf8\x05\x01"])
def test_invalid_rlp(data: bytes) -> None:
    """Empty, truncated or trailed input (the decoder reads only our own trie nodes, so it does
    not insist on canonical lengths)."""
    with pytest.raises(ValueError):
        rlp_decode(data)


@pytest.mark.parametrize("seed", range(12))
def test_batched_updates_match_hexary_trie(seed: int) -> None:
    """Random rounds of inserts, updates and deletes (also of missing keys), with hashed keys
    (as the state trie) and with short keys that prefix each other (values in branches)."""
    rng = random.Random(seed)
    short_keys = seed % 2 == 1
    reference = HexaryTrie({})
    nodes: dict[bytes, bytes] = {}
    updater = TrieUpdater(nodes)
    root = BLANK_NODE_ROOT
    keys: list[bytes] = []

    def new_key() -> bytes:
        if short_keys:
            return bytes(rng.randint(0, 2) for _ in range(rng.randint(1, 4)))
        return rng.randbytes(32)

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
            if value is None:
                reference.delete(key)  # type: ignore[no-untyped-call]
            else:
                reference[key] = value
        root = updater.update(root, updates)
        assert root == reference.root_hash
        # Every node of the new trie was stored: reading it back finds every key.
        stored = HexaryTrie(nodes, root)
        for key in keys:
            assert stored.get(key) == reference.get(key)


def test_deleting_everything_gives_the_blank_root() -> None:
    nodes: dict[bytes, bytes] = {}
    updater = TrieUpdater(nodes)
    root = updater.update(BLANK_NODE_ROOT, {b"\x01" * 32: b"a" * 40, b"\x02" * 32: b"b" * 40})
    assert updater.update(root, {b"\x01" * 32: None, b"\x02" * 32: b""}) == BLANK_NODE_ROOT
    assert updater.update(BLANK_NODE_ROOT, {}) == BLANK_NODE_ROOT
