"""The fast VM's account state against py-evm's: the same accounts give the same trie bytes."""

from __future__ import annotations

import random

import pytest
import rlp
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.rlp.accounts import Account
from eth_hash.auto import keccak
from eth_typing import Address
from trie.hexary import HexaryTrie

from zkbraid.fast.db import StateDB
from zkbraid.fast.vm import FastAccountDB
from zkbraid.ledger.kv import memory_store


@pytest.mark.parametrize("seed", range(4))
def test_accounts_encode_and_decode_as_pyevms(seed: int) -> None:
    """Random nonces, balances (up to 2^256 - 1), code, storage and deletions, applied to our
    AccountDB and py-evm's: equal roots (so equal account bytes, which are pyrlp's `Account`),
    and each AccountDB reads the accounts the other wrote."""
    rng = random.Random(seed)
    our_db = StateDB(memory_store().namespace("fast"))
    ours = FastAccountDB(our_db)
    reference_db = AtomicDB()
    reference = AccountDB(reference_db)
    addresses = [Address(rng.randbytes(20)) for _ in range(30)]
    for _ in range(3):
        for address in rng.sample(addresses, 20):
            delete = rng.random() < 0.15
            nonce = rng.choice([0, 1, 7, 2**64 - 2])
            balance = rng.choice([0, 1, 10**18, 2**256 - 1])
            code = b"\x60\x00" * rng.randint(0, 3)
            slot, value = rng.randint(0, 3), rng.choice([0, 1, 2**256 - 1])
            for db in (ours, reference):
                if delete:
                    db.delete_account(address)
                    continue
                db.set_nonce(address, nonce)
                db.set_balance(address, balance)
                if code:
                    db.set_code(address, code)
                db.set_storage(address, slot, value)
        ours.persist()
        reference.persist()
        assert ours.state_root == reference.state_root
        trie = HexaryTrie(reference_db, reference.state_root)
        ours_read = FastAccountDB(reference_db, reference.state_root)
        reference_read = AccountDB(our_db, ours.state_root)
        for address in addresses:
            stored = trie.get(keccak(address))
            assert bool(stored) == ours.account_exists(address)
            if not stored:
                continue
            account = rlp.decode(stored, sedes=Account)
            assert stored == rlp.encode(account)
            for db in (ours_read, reference_read):
                assert db.get_nonce(address) == account.nonce
                assert db.get_balance(address) == account.balance
                assert db.get_code_hash(address) == account.code_hash
                assert db.get_storage(address, 0) == reference.get_storage(address, 0)
