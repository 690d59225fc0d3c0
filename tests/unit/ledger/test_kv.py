"""The buffered KV store: reads see buffered writes; only a flushed buffer is durable."""

import sqlite3

from zkbraid.ledger.kv import KVStore, open_database


def test_buffered_writes_are_read_back_before_flush() -> None:
    store = KVStore(sqlite3.connect(":memory:", isolation_level=None))
    ns = store.namespace("a")
    ns.put(b"k", b"v")
    assert ns.get(b"k") == b"v"
    assert store.namespace("b").get(b"k") is None
    ns.delete(b"k")
    assert ns.get(b"k") is None


def test_only_flushed_writes_survive_a_reopen(tmp_path: object) -> None:
    path = f"{tmp_path}/db.sqlite"
    conn = open_database(path)
    store = KVStore(conn)
    store.namespace("a").put(b"kept", b"1")
    conn.execute("BEGIN")
    store.write_buffer()
    conn.execute("COMMIT")
    store.namespace("a").put(b"lost", b"2")
    conn.close()

    reopened = KVStore(open_database(path)).namespace("a")
    assert reopened.get(b"kept") == b"1"
    assert reopened.get(b"lost") is None


def test_discard_drops_the_buffer() -> None:
    store = KVStore(sqlite3.connect(":memory:", isolation_level=None))
    store.namespace("a").put(b"k", b"v")
    store.discard()
    assert store.namespace("a").get(b"k") is None


def test_items_merge_committed_and_buffered_in_key_order() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    store = KVStore(conn)
    ns = store.namespace("a")
    ns.put(b"b", b"2")
    ns.put(b"c", b"3")
    store.write_buffer()
    ns.put(b"a", b"1")
    ns.delete(b"c")
    assert list(ns.items()) == [(b"a", b"1"), (b"b", b"2")]
