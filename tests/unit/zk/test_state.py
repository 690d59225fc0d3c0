"""The ZK state's trees and storage: layout, openings, persistence, reload, genesis."""

import random
from pathlib import Path

import pytest

from tests.unit.zk.vectors import BALANCE, N_ACCOUNTS, Chain, new_chain
from zkbraid.crypto.eddsa import PublicKey, _verify
from zkbraid.crypto.poseidon import poseidon, poseidon2
from zkbraid.ledger.kv import KVStore, memory_store, open_database
from zkbraid.zk.errors import (
    InvalidGenesis,
    ParamsMismatch,
    StateAlreadyInitialized,
    StateNotInitialized,
)
from zkbraid.zk.genesis import (
    GenesisAccount,
    ZkGenesis,
    dev_eth_address,
    dev_l2_key,
    devnet_genesis,
)
from zkbraid.zk.params import ZkParams
from zkbraid.zk.smt import (
    EMPTY_HASHES,
    LeafIndexOutOfRange,
    NodeStore,
    SparseMerkleTree,
    compute_root,
)
from zkbraid.zk.state import ZkState
from zkbraid.zk.stf import apply_transaction
from zkbraid.zk.transactions import decode_transaction

# Sparse Merkle tree


def _tree(depth: int = 8) -> SparseMerkleTree:
    return SparseMerkleTree(NodeStore(memory_store().namespace("t")), b"T", depth)


def test_empty_tree_root() -> None:
    assert EMPTY_HASHES[0] == 0
    assert EMPTY_HASHES[1] == poseidon([0, 0])
    assert _tree(8).root() == EMPTY_HASHES[8]


def test_single_leaf_root_by_hand() -> None:
    tree = _tree(2)
    tree.update(2, 5)  # index 2 = 0b10: left child at level 0, right child at level 1
    assert tree.root() == poseidon2(EMPTY_HASHES[1], poseidon2(5, 0))


def test_openings_lead_to_the_root() -> None:
    rng = random.Random(1)
    tree = _tree(8)
    leaves = {rng.randrange(256): rng.randrange(1, 2**128) for _ in range(20)}
    for index, value in leaves.items():
        tree.set_leaf(index, value)
    root = tree.root()
    for index in [*leaves, 0, 255]:
        assert compute_root(index, tree.leaf(index), tree.proof(index)) == root


def test_batched_and_sequential_updates_agree() -> None:
    rng = random.Random(2)
    writes = [(rng.randrange(256), rng.randrange(2**64)) for _ in range(30)]
    batched, sequential = _tree(8), _tree(8)
    for index, value in writes:
        batched.set_leaf(index, value)
        sequential.update(index, value)
    assert batched.root() == sequential.root()


def test_clearing_leaves_restores_the_empty_tree() -> None:
    kv = memory_store().namespace("t")
    tree = SparseMerkleTree(NodeStore(kv), b"T", 8)
    for index in (1, 2, 200):
        tree.update(index, index)
    for index in (1, 2, 200):
        tree.update(index, 0)
    assert tree.root() == EMPTY_HASHES[8]
    assert list(kv.items()) == []  # empty nodes are not stored


def test_invalid_leaf_index() -> None:
    tree = _tree(4)
    with pytest.raises(LeafIndexOutOfRange):
        tree.set_leaf(16, 1)
    with pytest.raises(LeafIndexOutOfRange):
        tree.proof(-1)


# State layout: every root is what the circuits will recompute


def _busy_chain() -> Chain:
    chain = new_chain()
    chain.apply(chain.register(N_ACCOUNTS))
    chain.apply(chain.transfer(0, N_ACCOUNTS, 77, token=1))
    chain.apply(chain.nft_mint(0, 2))
    chain.apply(chain.nft_mint(1, 3, collection_id=1, content_hash=9))
    chain.apply(chain.nft_transfer(2, 1, 0))
    return chain


def test_root_layout() -> None:
    state = _busy_chain().state
    params = state.params
    accounts_root = state.accounts_root()
    assert state.root() == poseidon(
        [accounts_root, state.nfts_root(), state.collections_root(), N_ACCOUNTS + 1, 2]
    )
    for index in range(state.next_account_index):
        account = state.account(index)
        assert account is not None
        address = int.from_bytes(account.eth_address, "big")
        pk = account.public_key
        leaf = poseidon([pk.x, pk.y, address, account.nonce, account.balances_root])
        assert account.leaf() == leaf
        assert compute_root(index, leaf, state.account_proof(index)) == accounts_root
        for token in (0, 1, 2):
            balance = state.balance(index, token)
            opening = state.balance_proof(index, token)
            assert len(opening) == params.token_depth
            assert compute_root(token, balance, opening) == account.balances_root
    assert len(state.account_proof(0)) == params.account_depth
    for nft_id in range(state.next_nft_id):
        nft = state.nft(nft_id)
        assert nft is not None
        listing = [nft.list_token, nft.list_price, nft.list_expiry]
        leaf = poseidon([nft.owner, nft.collection_id, nft.content_hash, *listing])
        assert compute_root(nft_id, leaf, state.nft_proof(nft_id)) == state.nfts_root()
    for cid in (0, 1):
        collection = state.collection(cid)
        assert collection is not None
        leaf = poseidon([int.from_bytes(collection.minter, "big"), 0, 0, 0])
        assert compute_root(cid, leaf, state.collection_proof(cid)) == state.collections_root()
    assert compute_root(2, 0, state.collection_proof(2)) == state.collections_root()
    # The escrow: the last leaf, no account, its balances tree under a keyless leaf.
    escrow = params.escrow_index
    assert state.account(escrow) is None
    leaf = poseidon([0, 0, 0, 0, state.escrow_balances_root()])
    assert compute_root(escrow, leaf, state.account_proof(escrow)) == accounts_root


def test_queries() -> None:
    state = _busy_chain().state
    assert state.account_index(dev_eth_address(2)) == 2
    assert state.account_index(b"\x00" * 20) is None
    assert state.account(N_ACCOUNTS + 1) is None
    assert state.balance(N_ACCOUNTS, 1) == 77
    assert state.balance(0, 1) == BALANCE - 77
    assert state.balance(99, 0) == 0
    assert state.nft(2) is None and state.collection(7) is None
    nft = state.nft(1)
    assert nft is not None and (nft.owner, nft.collection_id, nft.content_hash) == (3, 1, 9)


# Persistence


def test_reload_from_database_reproduces_roots(tmp_path: Path) -> None:
    path = str(tmp_path / "node.sqlite")
    store = KVStore(open_database(path))
    params = ZkParams()
    state = ZkState.genesis(store.namespace("zk"), params, devnet_genesis(N_ACCOUNTS))
    chain = Chain(state)
    chain.apply(chain.register(N_ACCOUNTS))
    chain.apply(chain.transfer(1, N_ACCOUNTS, 5))
    chain.apply(chain.nft_mint(0, N_ACCOUNTS))
    store.write_buffer()
    reopened = ZkState.load(KVStore(open_database(path)).namespace("zk"), params)
    assert reopened.root() == state.root()
    for index in range(N_ACCOUNTS + 2):
        assert reopened.account(index) == state.account(index)
    assert reopened.nft(0) == state.nft(0)
    assert (reopened.next_account_index, reopened.next_nft_id) == (N_ACCOUNTS + 1, 1)
    # and the reloaded state goes on exactly like the original
    tx = Chain(reopened).transfer(N_ACCOUNTS, 0, 1)
    assert apply_transaction(reopened, tx, params).new_root == chain.apply(tx).new_root


def test_reload_after_discarded_block() -> None:
    store = memory_store()
    chain = Chain(ZkState.genesis(store.namespace("zk"), ZkParams(), devnet_genesis(N_ACCOUNTS)))
    chain.apply(chain.transfer(0, 1, 5))
    store.write_buffer()
    committed = chain.state.root()
    chain.apply(chain.transfer(0, 1, 6))
    chain.apply(chain.register(N_ACCOUNTS))
    chain.apply(chain.nft_mint(0, 1))
    store.discard()
    chain.state.reload()
    assert chain.state.root() == committed
    assert chain.state.account_nonce(0) == 1
    assert chain.state.account(N_ACCOUNTS) is None and chain.state.nft(0) is None
    assert chain.state.balance(1, 0) == devnet_genesis(1).accounts[0].balances[0] + 5


def test_load_errors() -> None:
    kv = memory_store().namespace("zk")
    with pytest.raises(StateNotInitialized):
        ZkState.load(kv, ZkParams())
    ZkState.genesis(kv, ZkParams(), devnet_genesis(1))
    with pytest.raises(StateAlreadyInitialized):
        ZkState.genesis(kv, ZkParams(), devnet_genesis(1))
    with pytest.raises(ParamsMismatch):
        ZkState.load(kv, ZkParams(chain_id=1))
    assert ZkState.load(kv, ZkParams()).next_account_index == 1


# Genesis


def test_devnet_accounts_are_anvils() -> None:
    assert dev_eth_address(0).hex() == "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    assert dev_eth_address(1).hex() == "70997970c51812dc3a010c7d01b50e0d17dc79c8"
    genesis = devnet_genesis(3)
    assert [a.eth_address for a in genesis.accounts] == [dev_eth_address(i) for i in range(3)]
    assert genesis.accounts[2].public_key == dev_l2_key(2).public_key
    assert genesis.collections == {0: dev_eth_address(0)}
    a = ZkState.genesis(memory_store().namespace("zk"), ZkParams(), genesis).root()
    b = ZkState.genesis(memory_store().namespace("zk"), ZkParams(), devnet_genesis(3)).root()
    assert a == b


def _account(i: int) -> GenesisAccount:
    return GenesisAccount(dev_eth_address(i), dev_l2_key(i).public_key, {0: 1})


@pytest.mark.parametrize(
    ("genesis", "message"),
    [
        (ZkGenesis(accounts=(_account(0), _account(0))), "repeated"),
        (
            ZkGenesis(accounts=(GenesisAccount(b"\x01" * 20, PublicKey(0, 1)),)),
            "small order",
        ),
        (
            ZkGenesis(accounts=(GenesisAccount(b"\x01" * 19, dev_l2_key(0).public_key),)),
            "20 bytes",
        ),
        (
            ZkGenesis(
                accounts=(GenesisAccount(b"\x01" * 20, dev_l2_key(0).public_key, {1024: 1}),)
            ),
            "token id",
        ),
        (
            ZkGenesis(
                accounts=(GenesisAccount(b"\x01" * 20, dev_l2_key(0).public_key, {0: 2**128}),)
            ),
            "out of range",
        ),
        (ZkGenesis(collections={2**16: b"\x01" * 20}), "collection id"),
        (ZkGenesis(collections={0: b"\x01"}), "20 bytes"),
    ],
)
def test_invalid_genesis(genesis: ZkGenesis, message: str) -> None:
    with pytest.raises(InvalidGenesis, match=message):
        ZkState.genesis(memory_store().namespace("zk"), ZkParams(), genesis)


def test_invalid_genesis_too_many_accounts() -> None:
    with pytest.raises(InvalidGenesis, match="do not fit"):
        ZkState.genesis(
            memory_store().namespace("zk"), ZkParams(account_depth=1), devnet_genesis(3)
        )


# A block of transfers (bench/crypto.py times it: the budget is about 5 ms a transfer at 200 tx/s)


def test_transfers_from_their_encodings() -> None:
    # Decoded and applied with cold signature checks, as a block arrives (bench/crypto.py times
    # the same loop).
    chain = new_chain()
    txs = []
    nonces = [0] * N_ACCOUNTS
    received = [0] * N_ACCOUNTS
    rng = random.Random(5)
    for _ in range(60):
        a = rng.randrange(N_ACCOUNTS)
        b = (a + 1 + rng.randrange(N_ACCOUNTS - 1)) % N_ACCOUNTS
        txs.append(chain.transfer(a, b, 3, nonce=nonces[a]))
        nonces[a] += 1
        received[b] += 1
    encoded = [tx.encode() for tx in txs]
    _verify.cache_clear()
    for data in encoded:
        chain.apply(decode_transaction(data))
    for i in range(N_ACCOUNTS):
        assert chain.state.account_nonce(i) == nonces[i]
        assert chain.state.balance(i, 0) == BALANCE + 3 * (received[i] - nonces[i])
    assert sum(chain.state.balance(i, 0) for i in range(N_ACCOUNTS)) == N_ACCOUNTS * BALANCE
