"""The ZK chain's state: Poseidon Merkle trees of accounts, balances, NFTs and collections.

Every root here is recomputed by the circuits, so the layout is fixed and circuit-friendly
(field elements, Poseidon, fixed-depth binary trees, see smt.py):

    account leaf    = poseidon([pk_x, pk_y, eth_address, nonce, balances_root])
                      in the accounts tree at index = account index (0, 1, 2, … by registration)
    balances tree   = one per account, leaf index = token id, leaf = the balance itself
    escrow leaf     = poseidon([0, 0, 0, 0, balances_root]) at index `params.escrow_index` (the
                      last leaf, made at genesis): per token, what is moved onto the fast chain
                      (docs/hybrid.md). It is no account: it has no key, address or nonce.
    NFT leaf        = poseidon([owner_account_index, collection_id, content_hash,
                                list_token, list_price, list_expiry])
                      in the NFTs tree at index = NFT id (0, 1, 2, … by mint); list_price 0:
                      not listed (then the other two are 0)
    collection leaf = poseidon([minter_eth_address, cap_per_round, round, minted_in_round]) in
                      the collections tree at index = id; cap 0: an ordinary collection minted
                      by its minter's account, else a game collection (docs/hybrid.md)
    state root      = poseidon([accounts_root, nfts_root, collections_root,
                                next_account_index, next_nft_id])

Ethereum addresses enter the field as their 160-bit big-endian integer.

Storage (one KV namespace): leaf records and every non-empty tree node, so a state loaded from
the same kv reproduces the exact root. Keys:

    b"params"                         the parameters the state was made with
    b"meta"                           next_account_index (8) ‖ next_nft_id (8)
    b"acct" ‖ index (8)               pk_x (32) ‖ pk_y (32) ‖ eth_address (20) ‖ nonce (8)
    b"addr" ‖ eth_address (20)        account index (8)
    b"nft:" ‖ id (8)                  owner (8) ‖ collection_id (8) ‖ content_hash (32)
                                      ‖ list_token (8) ‖ list_price (16) ‖ list_expiry (8)
    b"coll" ‖ id (8)                  minter eth_address (20) ‖ cap (4) ‖ round (4) ‖ minted (4)
    b"node" ‖ tree ‖ level (1) ‖ i (8) a tree node (32), tree = b"A" (accounts), b"N" (NFTs),
                                      b"C" (collections) or b"B" ‖ account index (8) (balances)

All integers big-endian. The mutation methods trust their arguments: the STF (stf.py) validates
every transaction before it calls them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from zkbraid.crypto.eddsa import PublicKey, is_valid_public_key
from zkbraid.crypto.poseidon import poseidon
from zkbraid.ledger.kv import KVNamespace
from zkbraid.zk.errors import (
    InvalidGenesis,
    ParamsMismatch,
    StateAlreadyInitialized,
    StateNotInitialized,
)
from zkbraid.zk.genesis import ZkGenesis
from zkbraid.zk.params import ZkParams
from zkbraid.zk.smt import NodeStore, SparseMerkleTree

_PARAMS_KEY = b"params"
_META_KEY = b"meta"
_ACCOUNT = b"acct"
_ADDRESS = b"addr"
_NFT = b"nft:"
_COLLECTION = b"coll"
_NODE = b"node"

_U64 = struct.Struct(">Q")
_META = struct.Struct(">QQ")
_COLLECTION_COUNTERS = struct.Struct(">III")
_NFT_RECORD = struct.Struct(">QQ32sQ16sQ")
_PARAMS = struct.Struct(">QBBBBBBB")


def address_to_field(eth_address: bytes) -> int:
    """An Ethereum address as the field element the trees hash."""
    return int.from_bytes(eth_address, "big")


@dataclass(frozen=True)
class Account:
    """A registered account: its L2 key, Ethereum address, next nonce and balances root."""

    index: int
    public_key: PublicKey
    eth_address: bytes
    nonce: int
    balances_root: int

    def leaf(self) -> int:
        return account_leaf(self.public_key, self.eth_address, self.nonce, self.balances_root)


def account_leaf(pk: PublicKey, eth_address: bytes, nonce: int, balances_root: int) -> int:
    """poseidon([pk_x, pk_y, eth_address, nonce, balances_root])."""
    return poseidon([pk.x, pk.y, address_to_field(eth_address), nonce, balances_root])


@dataclass(frozen=True)
class Nft:
    """An NFT: its owner's account index, its collection, the hash of its content and its
    listing on the ZK chain's market (`list_price` 0: not listed)."""

    id: int
    owner: int
    collection_id: int
    content_hash: int
    list_token: int = 0
    list_price: int = 0
    list_expiry: int = 0

    @property
    def listed(self) -> bool:
        return self.list_price != 0

    def leaf(self) -> int:
        """poseidon([owner, collection_id, content_hash, list_token, list_price, list_expiry])."""
        return poseidon(
            [
                self.owner,
                self.collection_id,
                self.content_hash,
                self.list_token,
                self.list_price,
                self.list_expiry,
            ]
        )


@dataclass(frozen=True)
class Collection:
    """An NFT collection: who mints into it and, for a game collection (`cap` >= 1), the mint
    cap per round and how many the current round has minted."""

    id: int
    minter: bytes
    cap: int = 0
    round: int = 0
    minted: int = 0

    @property
    def is_game(self) -> bool:
        return self.cap != 0

    def leaf(self) -> int:
        """poseidon([minter, cap, round, minted])."""
        return poseidon([address_to_field(self.minter), self.cap, self.round, self.minted])

    def encode(self) -> bytes:
        return self.minter + _COLLECTION_COUNTERS.pack(self.cap, self.round, self.minted)

    @classmethod
    def decode(cls, collection_id: int, raw: bytes) -> Collection:
        cap, round_, minted = _COLLECTION_COUNTERS.unpack(raw[20:32])
        return cls(collection_id, bytes(raw[:20]), int(cap), int(round_), int(minted))


def escrow_leaf(balances_root: int) -> int:
    """poseidon([0, 0, 0, 0, balances_root]): the escrow's leaf in the accounts tree."""
    return poseidon([0, 0, 0, 0, balances_root])


@dataclass
class _AccountRecord:
    public_key: PublicKey
    eth_address: bytes
    nonce: int

    def encode(self) -> bytes:
        return (
            self.public_key.x.to_bytes(32, "big")
            + self.public_key.y.to_bytes(32, "big")
            + self.eth_address
            + _U64.pack(self.nonce)
        )

    @classmethod
    def decode(cls, raw: bytes) -> _AccountRecord:
        pk = PublicKey(int.from_bytes(raw[0:32], "big"), int.from_bytes(raw[32:64], "big"))
        return cls(pk, bytes(raw[64:84]), int(_U64.unpack(raw[84:92])[0]))


def _params_bytes(params: ZkParams) -> bytes:
    return _PARAMS.pack(
        params.chain_id,
        params.account_depth,
        params.token_depth,
        params.nft_depth,
        params.collection_depth,
        params.amount_bits,
        params.nonce_bits,
        params.fee_bits,
    )


class ZkState:
    """The ZK chain's state over a KV namespace; construct with `load` or `genesis`."""

    def __init__(self, kv: KVNamespace, params: ZkParams) -> None:
        self.kv = kv
        self.params = params
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._nodes = NodeStore(self.kv)
        self._accounts_tree = SparseMerkleTree(self._nodes, _NODE + b"A", self.params.account_depth)
        self._nfts_tree = SparseMerkleTree(self._nodes, _NODE + b"N", self.params.nft_depth)
        self._collections_tree = SparseMerkleTree(
            self._nodes, _NODE + b"C", self.params.collection_depth
        )
        self._balance_trees: dict[int, SparseMerkleTree] = {}
        self._accounts: dict[int, _AccountRecord | None] = {}
        self._address_index: dict[bytes, int | None] = {}
        self._nfts: dict[int, Nft | None] = {}
        self._collections: dict[int, Collection | None] = {}
        self._dirty_accounts: set[int] = set()
        self._root: int | None = None
        raw = self.kv.get(_META_KEY)
        next_account, next_nft = (0, 0) if raw is None else _META.unpack(raw)
        self._next_account_index: int = int(next_account)
        self._next_nft_id: int = int(next_nft)

    # Construction

    @classmethod
    def load(cls, kv: KVNamespace, params: ZkParams) -> ZkState:
        """The state stored in `kv`; creates nothing.

        Raises `StateNotInitialized` if `kv` holds no ZK state and `ParamsMismatch` if it was
        made with other parameters.
        """
        stored = kv.get(_PARAMS_KEY)
        if stored is None:
            raise StateNotInitialized("no ZK-chain state in this store: run genesis first")
        if stored != _params_bytes(params):
            raise ParamsMismatch("the stored ZK-chain state was made with other parameters")
        return cls(kv, params)

    @classmethod
    def genesis(cls, kv: KVNamespace, params: ZkParams, genesis: ZkGenesis) -> ZkState:
        """Writes the genesis state into an empty `kv` and returns it.

        Raises `StateAlreadyInitialized` if `kv` already holds a state and `InvalidGenesis` for
        duplicate addresses, invalid keys, or ids and amounts out of range.
        """
        if kv.get(_PARAMS_KEY) is not None:
            raise StateAlreadyInitialized("this store already holds a ZK-chain state")
        _check_genesis(params, genesis)
        kv.put(_PARAMS_KEY, _params_bytes(params))
        state = cls(kv, params)
        state._write_meta()
        for account in genesis.accounts:
            index = state.create_account(account.eth_address, account.public_key)
            for token, amount in sorted(account.balances.items()):
                state.set_balance(index, token, amount)
        for cid, minter in sorted(genesis.collections.items()):
            state.create_collection(cid, minter)
        state._touch_account(params.escrow_index)
        state.root()
        return state

    def reload(self) -> None:
        """Drops every in-memory cache and reads the state again from the kv.

        For the node after it discards an uncommitted block's writes.
        """
        self._reset_caches()

    # Roots

    def root(self) -> int:
        """The state root: poseidon([accounts_root, nfts_root, collections_root, counters])."""
        if self._root is None:
            for index in sorted(self._dirty_accounts):
                balances_root = self._balances_tree(index).root()
                if index == self.params.escrow_index:
                    leaf = escrow_leaf(balances_root)
                else:
                    record = self._account_record(index)
                    assert record is not None
                    leaf = account_leaf(
                        record.public_key, record.eth_address, record.nonce, balances_root
                    )
                self._accounts_tree.set_leaf(index, leaf)
            self._dirty_accounts.clear()
            self._root = poseidon(
                [
                    self._accounts_tree.root(),
                    self._nfts_tree.root(),
                    self._collections_tree.root(),
                    self._next_account_index,
                    self._next_nft_id,
                ]
            )
        return self._root

    def accounts_root(self) -> int:
        self.root()
        return self._accounts_tree.root()

    def nfts_root(self) -> int:
        return self._nfts_tree.root()

    def collections_root(self) -> int:
        return self._collections_tree.root()

    # Queries

    @property
    def next_account_index(self) -> int:
        return self._next_account_index

    @property
    def next_nft_id(self) -> int:
        return self._next_nft_id

    def account(self, index: int) -> Account | None:
        """The account at `index`, or None if no account has it."""
        record = self._account_record(index)
        if record is None:
            return None
        return Account(
            index=index,
            public_key=record.public_key,
            eth_address=record.eth_address,
            nonce=record.nonce,
            balances_root=self._balances_tree(index).root(),
        )

    def account_public_key(self, index: int) -> PublicKey | None:
        """The L2 key of account `index` (cheaper than `account`: no balances root)."""
        record = self._account_record(index)
        return None if record is None else record.public_key

    def account_eth_address(self, index: int) -> bytes | None:
        record = self._account_record(index)
        return None if record is None else record.eth_address

    def account_nonce(self, index: int) -> int | None:
        record = self._account_record(index)
        return None if record is None else record.nonce

    def account_index(self, eth_address: bytes) -> int | None:
        """The index of the account registered by `eth_address`, or None."""
        if eth_address not in self._address_index:
            raw = self.kv.get(_ADDRESS + eth_address)
            self._address_index[eth_address] = None if raw is None else int(_U64.unpack(raw)[0])
        return self._address_index[eth_address]

    def balance(self, index: int, token: int) -> int:
        """Account `index`'s balance of `token` (0 for an unknown account or token)."""
        if self._account_record(index) is None or not 0 <= token < self.params.max_tokens:
            return 0
        return self._balances_tree(index).leaf(token)

    def escrow_balances_root(self) -> int:
        """The root of the escrow's balances tree (its leaf's last input)."""
        return self._balances_tree(self.params.escrow_index).root()

    def escrow_balance(self, token: int) -> int:
        """What the fast-chain escrow holds of `token`."""
        if not 0 <= token < self.params.max_tokens:
            return 0
        return self._balances_tree(self.params.escrow_index).leaf(token)

    def nft(self, nft_id: int) -> Nft | None:
        if nft_id not in self._nfts:
            raw = self.kv.get(_NFT + _U64.pack(nft_id)) if 0 <= nft_id < 2**64 else None
            if raw is None:
                self._nfts[nft_id] = None
            else:
                owner, cid, content, token, price, expiry = _NFT_RECORD.unpack(raw)
                self._nfts[nft_id] = Nft(
                    nft_id,
                    owner,
                    cid,
                    int.from_bytes(content, "big"),
                    token,
                    int.from_bytes(price, "big"),
                    expiry,
                )
        return self._nfts[nft_id]

    def collection(self, collection_id: int) -> Collection | None:
        if collection_id not in self._collections:
            raw = (
                self.kv.get(_COLLECTION + _U64.pack(collection_id))
                if 0 <= collection_id < 2**64
                else None
            )
            self._collections[collection_id] = (
                None if raw is None else Collection.decode(collection_id, raw)
            )
        return self._collections[collection_id]

    # Merkle openings (the witnesses of the circuits)

    def account_proof(self, index: int) -> list[int]:
        self.root()
        return self._accounts_tree.proof(index)

    def balance_proof(self, index: int, token: int) -> list[int]:
        return self._balances_tree(index).proof(token)

    def nft_proof(self, nft_id: int) -> list[int]:
        return self._nfts_tree.proof(nft_id)

    def collection_proof(self, collection_id: int) -> list[int]:
        return self._collections_tree.proof(collection_id)

    # Mutations, for the STF only

    def create_account(self, eth_address: bytes, public_key: PublicKey) -> int:
        """Registers the next account index to `eth_address` with nonce 0 and no balances."""
        index = self._next_account_index
        record = _AccountRecord(public_key, eth_address, 0)
        self._accounts[index] = record
        self._address_index[eth_address] = index
        self.kv.put(_ACCOUNT + _U64.pack(index), record.encode())
        self.kv.put(_ADDRESS + eth_address, _U64.pack(index))
        self._next_account_index += 1
        self._write_meta()
        self._touch_account(index)
        return index

    def set_balance(self, index: int, token: int, amount: int) -> None:
        self._balances_tree(index).set_leaf(token, amount)
        self._touch_account(index)

    def set_nonce(self, index: int, nonce: int) -> None:
        record = self._account_record(index)
        assert record is not None
        record.nonce = nonce
        self.kv.put(_ACCOUNT + _U64.pack(index), record.encode())
        self._touch_account(index)

    def create_nft(self, owner: int, collection_id: int, content_hash: int) -> int:
        """Mints the next NFT id to account `owner`."""
        nft = Nft(self._next_nft_id, owner, collection_id, content_hash)
        self._next_nft_id += 1
        self._write_meta()
        self._put_nft(nft)
        return nft.id

    def set_nft_owner(self, nft_id: int, owner: int) -> None:
        """Gives the NFT to `owner` and clears its listing."""
        nft = self.nft(nft_id)
        assert nft is not None
        self._put_nft(Nft(nft.id, owner, nft.collection_id, nft.content_hash))

    def set_nft_listing(self, nft_id: int, token: int, price: int, expiry: int) -> None:
        """Lists the NFT (price 0 with token and expiry 0: clears the listing)."""
        nft = self.nft(nft_id)
        assert nft is not None
        self._put_nft(
            Nft(nft.id, nft.owner, nft.collection_id, nft.content_hash, token, price, expiry)
        )

    def set_escrow_balance(self, token: int, amount: int) -> None:
        self.set_balance(self.params.escrow_index, token, amount)

    def create_collection(self, collection_id: int, minter: bytes, cap: int = 0) -> None:
        self._put_collection(Collection(collection_id, minter, cap))

    def set_collection_round(self, collection_id: int, round_: int, minted: int) -> None:
        """A game collection's current round and how many NFTs it has minted."""
        collection = self.collection(collection_id)
        assert collection is not None
        self._put_collection(
            Collection(collection_id, collection.minter, collection.cap, round_, minted)
        )

    def _put_collection(self, collection: Collection) -> None:
        self._collections[collection.id] = collection
        self.kv.put(_COLLECTION + _U64.pack(collection.id), collection.encode())
        self._collections_tree.set_leaf(collection.id, collection.leaf())
        self._root = None

    # Internals

    def _account_record(self, index: int) -> _AccountRecord | None:
        if index not in self._accounts:
            raw = self.kv.get(_ACCOUNT + _U64.pack(index)) if 0 <= index < 2**64 else None
            self._accounts[index] = None if raw is None else _AccountRecord.decode(raw)
        return self._accounts[index]

    def _balances_tree(self, index: int) -> SparseMerkleTree:
        tree = self._balance_trees.get(index)
        if tree is None:
            prefix = _NODE + b"B" + _U64.pack(index)
            tree = SparseMerkleTree(self._nodes, prefix, self.params.token_depth)
            self._balance_trees[index] = tree
        return tree

    def _touch_account(self, index: int) -> None:
        self._dirty_accounts.add(index)
        self._root = None

    def _put_nft(self, nft: Nft) -> None:
        self._nfts[nft.id] = nft
        raw = _NFT_RECORD.pack(
            nft.owner,
            nft.collection_id,
            nft.content_hash.to_bytes(32, "big"),
            nft.list_token,
            nft.list_price.to_bytes(16, "big"),
            nft.list_expiry,
        )
        self.kv.put(_NFT + _U64.pack(nft.id), raw)
        self._nfts_tree.set_leaf(nft.id, nft.leaf())
        self._root = None

    def _write_meta(self) -> None:
        self.kv.put(_META_KEY, _META.pack(self._next_account_index, self._next_nft_id))
        self._root = None


def _check_genesis(params: ZkParams, genesis: ZkGenesis) -> None:
    if len(genesis.accounts) > params.escrow_index:
        raise InvalidGenesis(f"{len(genesis.accounts)} accounts do not fit the accounts tree")
    seen: set[bytes] = set()
    for i, account in enumerate(genesis.accounts):
        if type(account.eth_address) is not bytes or len(account.eth_address) != 20:
            raise InvalidGenesis(f"account {i}: an Ethereum address is 20 bytes")
        if account.eth_address in seen:
            raise InvalidGenesis(f"account {i}: address 0x{account.eth_address.hex()} repeated")
        seen.add(account.eth_address)
        if not is_valid_public_key(account.public_key):
            raise InvalidGenesis(f"account {i}: the L2 key is off the curve or of small order")
        for token, amount in account.balances.items():
            if not 0 <= token < params.max_tokens:
                raise InvalidGenesis(f"account {i}: token id {token} out of range")
            if not 0 <= amount <= params.max_amount:
                raise InvalidGenesis(f"account {i}: balance {amount} of token {token} out of range")
    for cid, minter in genesis.collections.items():
        if not 0 <= cid < params.max_collections:
            raise InvalidGenesis(f"collection id {cid} out of range")
        if type(minter) is not bytes or len(minter) != 20:
            raise InvalidGenesis(f"collection {cid}: a minter address is 20 bytes")
