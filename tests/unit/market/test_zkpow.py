"""ZKPoW balances: credits, debits, negative balances, and a root that commits to them."""

import pytest

from zkbraid.ledger.kv import memory_store
from zkbraid.market.zkpow import BLANK_ROOT, InsufficientZkpow, ZkpowLedger, ZkpowOverflow

A = b"\xaa" * 20
B = b"\xbb" * 20


def _ledger() -> tuple[ZkpowLedger, object]:
    store = memory_store()
    return ZkpowLedger(store.namespace("t"), store.namespace("m")), store


def test_credit_debit_and_root() -> None:
    z, _ = _ledger()
    assert z.root == BLANK_ROOT
    z.credit(A, 100)
    r1 = z.root
    assert r1 != BLANK_ROOT
    z.debit(A, 40)
    assert z.balance(A) == 60
    assert z.root != r1
    assert z.balance(B) == 0


def test_invalid_debit_beyond_balance_changes_nothing() -> None:
    z, _ = _ledger()
    z.credit(A, 10)
    root = z.root
    with pytest.raises(InsufficientZkpow):
        z.debit(A, 11)
    assert z.balance(A) == 10
    assert z.root == root


def test_fines_may_take_a_balance_negative_and_negative_pays_nothing() -> None:
    z, _ = _ledger()
    z.credit(A, -5)
    assert z.balance(A) == -5
    with pytest.raises(InsufficientZkpow):
        z.debit(A, 1)


def test_invalid_overflow() -> None:
    z, _ = _ledger()
    z.credit(A, 2**127 - 1)
    with pytest.raises(ZkpowOverflow):
        z.credit(A, 1)


def test_root_is_order_independent_and_reloads() -> None:
    store = memory_store()
    z1 = ZkpowLedger(store.namespace("t"), store.namespace("m"))
    z1.credit(A, 1)
    z1.credit(B, 2)
    other = memory_store()
    z2 = ZkpowLedger(other.namespace("t"), other.namespace("m"))
    z2.credit(B, 2)
    z2.credit(A, 1)
    assert z1.root == z2.root
    store.write_buffer()
    z3 = ZkpowLedger(store.namespace("t"), store.namespace("m"))
    assert z3.root == z1.root
    assert z3.balance(B) == 2
