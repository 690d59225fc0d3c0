"""State-transition vectors of the ZK chain, in the consensus specs' style (STYLE.md §5).

Each vector is a generator that yields, in order:

    ("pre", Snapshot)             the state before (restorable with `Snapshot.restore()`)
    ("operation", ZkTransaction)  the transaction
    ("error", type | None)        the named error it must raise, None if valid
    ("post", Snapshot | None)     the state after, None for an invalid transaction

and checks the Python STF as it goes (`run_operation`). Vectors named `invalid_*` must be
rejected and leave every record and root unchanged. `VECTORS` maps names to generators, so the
circuit tests of a later issue can replay each one through the circuit and compare: accept with
the same roots, or reject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from tests.vectors import runner
from zkbraid.crypto.babyjub import SUB_ORDER
from zkbraid.crypto.eddsa import PrivateKey, PublicKey, Signature, derive_l2_key
from zkbraid.errors import BraidError
from zkbraid.ledger.kv import memory_store
from zkbraid.zk import errors as E
from zkbraid.zk.genesis import (
    dev_eth_address,
    dev_eth_private_key,
    dev_l2_key,
    devnet_genesis,
)
from zkbraid.zk.params import ZkParams
from zkbraid.zk.state import ZkState
from zkbraid.zk.stf import ZkReceipt, apply_transaction, validate_transaction
from zkbraid.zk.transactions import (
    Deposit,
    NftMint,
    NftTransfer,
    RegisterKey,
    Transfer,
    Withdraw,
    ZkTransaction,
    sign,
    sign_nft_mint,
    sign_nft_transfer,
    sign_register_key,
    sign_transfer,
    sign_withdraw,
)

DEFAULT_PARAMS = ZkParams()
N_ACCOUNTS = 4  # dev accounts 0..3 exist at genesis; 4.. are free to register
BALANCE = 10**24  # of tokens 0 and 1, for every genesis account
CONTENT = 0x1234_5678_9ABC_DEF0  # an NFT content hash
OTHER_CHAIN = 0x7A6C
L1_RECIPIENT = bytes.fromhex("f00dbabe" * 5)  # where L1 pays a withdrawal (all 160 bits used)

Part = runner.Part
Vector = runner.Vector


@dataclass(frozen=True)
class Snapshot:
    """A whole ZK state: its parameters, its root and every stored key."""

    params: ZkParams
    root: int
    items: dict[bytes, bytes] = field(repr=False)

    def restore(self) -> ZkState:
        """A fresh in-memory state holding exactly these keys."""
        store = memory_store()
        kv = store.namespace("zk")
        for key, value in self.items.items():
            kv.put(key, value)
        store.write_buffer()
        return ZkState.load(kv, self.params)


def snapshot(state: ZkState) -> Snapshot:
    return Snapshot(state.params, state.root(), dict(state.kv.items()))


def records(state: ZkState) -> dict[str, Any]:
    """Every record as the live state (its caches included) reports it."""
    p = state.params
    return {
        "root": state.root(),
        "counters": (state.next_account_index, state.next_nft_id),
        "accounts": [state.account(i) for i in range(state.next_account_index + 1)],
        "balances": [
            state.balance(i, t)
            for i in range(state.next_account_index + 1)
            for t in (0, 1, p.max_tokens - 1)
        ],
        "nfts": [state.nft(i) for i in range(state.next_nft_id + 1)],
        "collections": [state.collection(i) for i in range(4)],
    }


VECTOR_TIME = 1_700_000_000
"""The ZK block's time (seconds) every vector is applied at: an NftBuy's expiry reads it."""


def run_operation(
    state: ZkState, tx: ZkTransaction, error: type[BraidError] | None = None
) -> Iterator[Part]:
    """Yields pre, operation, error and post, checking the STF on the way (at VECTOR_TIME)."""
    params = state.params
    pre = snapshot(state)
    pre_records = records(state)
    yield "pre", pre
    yield "operation", tx
    yield "error", error
    if error is None:
        validate_transaction(state, tx, params, time_s=VECTOR_TIME)
        receipt = apply_transaction(state, tx, params, time_s=VECTOR_TIME)
        _check_receipt(receipt, tx, pre, state)
        post = snapshot(state)
        # A node reloaded from the same kv reproduces the exact root and records.
        assert post.restore().root() == post.root
        yield "post", post
        return
    for check in (validate_transaction, apply_transaction):
        call = partial(check, state, tx, params, time_s=VECTOR_TIME)
        runner.expect_rejection(call, error, check.__name__)
    assert snapshot(state) == pre, "a rejected transaction changed the stored state"
    assert records(state) == pre_records, "a rejected transaction changed a record"
    yield "post", None


def _check_receipt(receipt: ZkReceipt, tx: ZkTransaction, pre: Snapshot, state: ZkState) -> None:
    assert receipt.tx_hash == tx.hash
    assert receipt.tx_type == tx.TYPE
    assert receipt.old_root == pre.root
    assert receipt.new_root == state.root() != pre.root


def run_vector(vector: Vector) -> dict[str, Any]:
    """Drains a vector (it checked the STF as it ran) and returns its parts by name."""
    return runner.drain(vector)


# Building states and transactions


@dataclass
class Chain:
    """A genesis state of dev accounts and helpers to sign their transactions."""

    state: ZkState
    keys: dict[int, PrivateKey] = field(default_factory=dict)

    @property
    def params(self) -> ZkParams:
        return self.state.params

    def key(self, index: int) -> PrivateKey:
        return self.keys.get(index) or dev_l2_key(index)

    def transfer(
        self,
        frm: int,
        to: int,
        amount: int,
        *,
        token: int = 0,
        nonce: int | None = None,
        fee: int = 1,
        chain_id: int | None = None,
        key: PrivateKey | None = None,
    ) -> Transfer:
        return sign_transfer(
            key or self.key(frm),
            chain_id=self.params.chain_id if chain_id is None else chain_id,
            from_index=frm,
            to_index=to,
            token=token,
            amount=amount,
            nonce=self._nonce(frm) if nonce is None else nonce,
            fee=fee,
        )

    def nft_mint(
        self,
        minter: int,
        to: int,
        *,
        collection_id: int = 0,
        content_hash: int = CONTENT,
        nonce: int | None = None,
        fee: int = 1,
        chain_id: int | None = None,
        key: PrivateKey | None = None,
    ) -> NftMint:
        return sign_nft_mint(
            key or self.key(minter),
            chain_id=self.params.chain_id if chain_id is None else chain_id,
            minter_index=minter,
            collection_id=collection_id,
            to_index=to,
            content_hash=content_hash,
            nonce=self._nonce(minter) if nonce is None else nonce,
            fee=fee,
        )

    def nft_transfer(
        self,
        frm: int,
        to: int,
        nft_id: int,
        *,
        nonce: int | None = None,
        fee: int = 1,
        chain_id: int | None = None,
        key: PrivateKey | None = None,
    ) -> NftTransfer:
        return sign_nft_transfer(
            key or self.key(frm),
            chain_id=self.params.chain_id if chain_id is None else chain_id,
            from_index=frm,
            to_index=to,
            nft_id=nft_id,
            nonce=self._nonce(frm) if nonce is None else nonce,
            fee=fee,
        )

    def register(
        self,
        dev_index: int,
        *,
        fee: int = 1,
        chain_id: int | None = None,
        public_key: PublicKey | None = None,
    ) -> RegisterKey:
        """A RegisterKey of dev account `dev_index`'s derived L2 key, by its Ethereum key."""
        eth_key = dev_eth_private_key(dev_index)
        return sign_register_key(
            eth_key,
            public_key or derive_l2_key(eth_key).public_key,
            chain_id=self.params.chain_id if chain_id is None else chain_id,
            fee=fee,
        )

    def deposit(
        self,
        to: int,
        amount: int,
        *,
        recipient: bytes | None = None,
        deposit_id: int = 1,
        token: int = 0,
        chain_id: int | None = None,
    ) -> Deposit:
        """A Deposit to account `to`, for its bound address unless `recipient` names another."""
        if recipient is None:
            recipient = self.state.account_eth_address(to) or dev_eth_address(to)
        return Deposit(
            chain_id=self.params.chain_id if chain_id is None else chain_id,
            deposit_id=deposit_id,
            to_index=to,
            token=token,
            recipient=recipient,
            amount=amount,
        )

    def withdraw(
        self,
        frm: int,
        amount: int,
        *,
        l1_recipient: bytes = L1_RECIPIENT,
        token: int = 0,
        nonce: int | None = None,
        fee: int = 1,
        chain_id: int | None = None,
        key: PrivateKey | None = None,
    ) -> Withdraw:
        return sign_withdraw(
            key or self.key(frm),
            chain_id=self.params.chain_id if chain_id is None else chain_id,
            from_index=frm,
            l1_recipient=l1_recipient,
            token=token,
            amount=amount,
            nonce=self._nonce(frm) if nonce is None else nonce,
            fee=fee,
        )

    def apply(self, tx: ZkTransaction) -> ZkReceipt:
        return apply_transaction(self.state, tx, self.params, time_s=VECTOR_TIME)

    def _nonce(self, index: int) -> int:
        nonce = self.state.account_nonce(index)
        return 0 if nonce is None else nonce


def new_chain(params: ZkParams = DEFAULT_PARAMS, n_accounts: int = N_ACCOUNTS) -> Chain:
    """Dev accounts 0..n-1 with BALANCE of tokens 0 and 1; collection 0 minted by account 0,
    collection 1 by account 1."""
    genesis = devnet_genesis(n_accounts, balance=BALANCE, collections={0: 0, 1: 1})
    state = ZkState.genesis(memory_store().namespace("zk"), params, genesis)
    return Chain(state)


VECTORS: dict[str, Callable[[], Vector]] = {}
vector = runner.registry(VECTORS)


# RegisterKey


@vector
def register_key() -> Vector:
    chain = new_chain()
    tx = chain.register(N_ACCOUNTS)
    yield from run_operation(chain.state, tx)
    account = chain.state.account(N_ACCOUNTS)
    assert account is not None
    assert account.eth_address == dev_eth_address(N_ACCOUNTS)
    assert account.public_key == dev_l2_key(N_ACCOUNTS).public_key
    assert account.nonce == 0 and chain.state.balance(N_ACCOUNTS, 0) == 0
    assert chain.state.account_index(dev_eth_address(N_ACCOUNTS)) == N_ACCOUNTS
    assert chain.state.next_account_index == N_ACCOUNTS + 1


@vector
def register_key_fills_last_leaf() -> Vector:
    # the last leaf an account may take: the one below the escrow's (index 7)
    chain = new_chain(ZkParams(account_depth=3), n_accounts=6)
    yield from run_operation(chain.state, chain.register(6, fee=0))
    assert chain.state.next_account_index == 7


@vector
def invalid_register_key_wrong_chain_id() -> Vector:
    chain = new_chain()
    yield from run_operation(
        chain.state, chain.register(N_ACCOUNTS, chain_id=OTHER_CHAIN), E.WrongZkChainId
    )


@vector
def invalid_register_key_already_registered() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.register(1), E.AddressAlreadyRegistered)


@vector
def invalid_register_key_replayed() -> Vector:
    chain = new_chain()
    tx = chain.register(N_ACCOUNTS)
    chain.apply(tx)
    yield from run_operation(chain.state, tx, E.AddressAlreadyRegistered)


@vector
def invalid_register_key_account_tree_full() -> Vector:
    # index 3 of a depth-2 tree is the escrow's
    chain = new_chain(ZkParams(account_depth=2), n_accounts=3)
    yield from run_operation(chain.state, chain.register(3), E.AccountTreeFull)


@vector
def invalid_register_key_signed_by_other_address() -> Vector:
    chain = new_chain()
    tx = chain.register(N_ACCOUNTS)
    other = chain.register(N_ACCOUNTS + 1, public_key=tx.public_key)
    forged = replace(tx, ecdsa_signature=other.ecdsa_signature)
    yield from run_operation(chain.state, forged, E.BadECDSASignature)


@vector
def invalid_register_key_tampered_fee() -> Vector:
    chain = new_chain()
    tx = replace(chain.register(N_ACCOUNTS, fee=1), fee=1000)
    yield from run_operation(chain.state, tx, E.BadECDSASignature)


@vector
def invalid_register_key_tampered_key() -> Vector:
    chain = new_chain()
    tx = replace(chain.register(N_ACCOUNTS), public_key=dev_l2_key(0).public_key)
    yield from run_operation(chain.state, tx, E.BadECDSASignature)


@vector
def invalid_register_key_bad_v() -> Vector:
    chain = new_chain()
    tx = chain.register(N_ACCOUNTS)
    bad = replace(
        tx, ecdsa_signature=tx.ecdsa_signature[:64] + bytes((tx.ecdsa_signature[64] - 27,))
    )
    yield from run_operation(chain.state, bad, E.BadECDSASignature)


@vector
def invalid_register_key_high_s() -> Vector:
    # (r, n - s, v ^ 1) recovers the same address, but high-s signatures are refused (EIP-2).
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    chain = new_chain()
    tx = chain.register(N_ACCOUNTS)
    sig = tx.ecdsa_signature
    s = int.from_bytes(sig[32:64], "big")
    flipped = sig[:32] + (n - s).to_bytes(32, "big") + bytes((sig[64] ^ 1,))
    yield from run_operation(chain.state, replace(tx, ecdsa_signature=flipped), E.BadECDSASignature)


@vector
def invalid_register_key_off_curve() -> Vector:
    chain = new_chain()
    pk = dev_l2_key(N_ACCOUNTS).public_key
    tx = chain.register(N_ACCOUNTS, public_key=PublicKey(pk.x, pk.y + 1))
    yield from run_operation(chain.state, tx, E.InvalidL2Key)


@vector
def invalid_register_key_identity_key() -> Vector:
    chain = new_chain()
    tx = chain.register(N_ACCOUNTS, public_key=PublicKey(0, 1))
    yield from run_operation(chain.state, tx, E.InvalidL2Key)


@vector
def invalid_register_key_fee_above_max() -> Vector:
    chain = new_chain(ZkParams(fee_bits=16))
    yield from run_operation(chain.state, chain.register(N_ACCOUNTS, fee=2**16), E.FeeOutOfRange)


# Transfer


@vector
def transfer() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, 1, 1000))
    state = chain.state
    assert state.balance(0, 0) == BALANCE - 1000
    assert state.balance(1, 0) == BALANCE + 1000
    assert state.account_nonce(0) == 1 and state.account_nonce(1) == 0
    assert state.balance(0, 1) == BALANCE  # other tokens untouched


@vector
def transfer_second_nonce() -> Vector:
    chain = new_chain()
    chain.apply(chain.transfer(2, 3, 5))
    yield from run_operation(chain.state, chain.transfer(2, 3, 7))
    assert chain.state.account_nonce(2) == 2
    assert chain.state.balance(3, 0) == BALANCE + 12


@vector
def transfer_whole_balance() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(3, 0, BALANCE, token=1))
    assert chain.state.balance(3, 1) == 0


@vector
def transfer_to_new_account() -> Vector:
    chain = new_chain()
    chain.apply(chain.register(N_ACCOUNTS))
    yield from run_operation(chain.state, chain.transfer(1, N_ACCOUNTS, 42))
    assert chain.state.balance(N_ACCOUNTS, 0) == 42


@vector
def transfer_from_new_account() -> Vector:
    chain = new_chain()
    chain.apply(chain.register(N_ACCOUNTS))
    chain.apply(chain.transfer(1, N_ACCOUNTS, 42))
    yield from run_operation(chain.state, chain.transfer(N_ACCOUNTS, 2, 40))
    assert chain.state.balance(N_ACCOUNTS, 0) == 2


@vector
def transfer_highest_token() -> Vector:
    top = DEFAULT_PARAMS.max_tokens - 1
    # Nobody holds the highest token: fill it from a fresh genesis with a custom balance.
    genesis = devnet_genesis(2, balance=100, tokens=(top,), collections={})
    state = ZkState.genesis(memory_store().namespace("zk"), DEFAULT_PARAMS, genesis)
    chain = Chain(state)
    yield from run_operation(state, chain.transfer(0, 1, 100, token=top))
    assert state.balance(1, top) == 200


@vector
def transfer_up_to_max_balance() -> Vector:
    params = ZkParams(amount_bits=80)
    chain = new_chain(params)
    top_up = params.max_amount - BALANCE
    yield from run_operation(chain.state, chain.transfer(0, 1, top_up))
    assert chain.state.balance(1, 0) == params.max_amount


@vector
def transfer_zero_fee() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, 1, 1, fee=0))


@vector
def invalid_transfer_wrong_chain_id() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, 1, 1000, chain_id=OTHER_CHAIN)
    yield from run_operation(chain.state, tx, E.WrongZkChainId)


@vector
def invalid_transfer_signed_by_other_key() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, 1, 1000, key=dev_l2_key(1))
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_transfer_tampered_amount() -> Vector:
    chain = new_chain()
    tx = replace(chain.transfer(0, 1, 1000), amount=1001)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_transfer_tampered_recipient() -> Vector:
    chain = new_chain()
    tx = replace(chain.transfer(0, 1, 1000), to_index=2)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_transfer_signature_s_plus_order() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, 1, 1000)
    sig = tx.signature
    bad = replace(tx, signature=Signature(sig.r8x, sig.r8y, sig.s + SUB_ORDER))
    yield from run_operation(chain.state, bad, E.BadEdDSASignature)


@vector
def invalid_transfer_signature_off_curve() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, 1, 1000)
    sig = tx.signature
    bad = replace(tx, signature=Signature(sig.r8x, sig.r8y ^ 1, sig.s))
    yield from run_operation(chain.state, bad, E.BadEdDSASignature)


@vector
def invalid_transfer_unknown_sender() -> Vector:
    chain = new_chain()
    tx = chain.transfer(N_ACCOUNTS, 1, 1, key=dev_l2_key(N_ACCOUNTS))
    yield from run_operation(chain.state, tx, E.UnknownAccount)


@vector
def invalid_transfer_unknown_recipient() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, N_ACCOUNTS, 1), E.UnknownAccount)


@vector
def invalid_transfer_recipient_beyond_tree() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, DEFAULT_PARAMS.max_accounts, 1)
    yield from run_operation(chain.state, tx, E.UnknownAccount)


@vector
def invalid_transfer_nonce_too_low() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, 1, 10)
    chain.apply(tx)
    yield from run_operation(chain.state, tx, E.NonceTooLow)


@vector
def invalid_transfer_nonce_too_high() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, 1, 10, nonce=1), E.NonceTooHigh)


@vector
def invalid_transfer_nonce_out_of_range() -> Vector:
    params = ZkParams(nonce_bits=8)
    chain = new_chain(params)
    tx = chain.transfer(0, 1, 10, nonce=params.max_nonce)
    yield from run_operation(chain.state, tx, E.NonceOutOfRange)


@vector
def invalid_transfer_insufficient_balance() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, 1, BALANCE + 1), E.InsufficientBalance)


@vector
def invalid_transfer_empty_token() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, 1, 1, token=2), E.InsufficientBalance)


@vector
def invalid_transfer_amount_zero() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(0, 1, 0), E.AmountOutOfRange)


@vector
def invalid_transfer_amount_above_max() -> Vector:
    params = ZkParams(amount_bits=64)
    genesis = devnet_genesis(2, balance=params.max_amount, collections={})
    state = ZkState.genesis(memory_store().namespace("zk"), params, genesis)
    tx = Chain(state).transfer(0, 1, params.max_amount + 1)
    yield from run_operation(state, tx, E.AmountOutOfRange)


@vector
def invalid_transfer_balance_overflow() -> Vector:
    params = ZkParams(amount_bits=80)
    chain = new_chain(params)
    tx = chain.transfer(0, 1, params.max_amount - BALANCE + 1)
    yield from run_operation(chain.state, tx, E.BalanceOverflow)


@vector
def invalid_transfer_to_self() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.transfer(2, 2, 1), E.SelfTransfer)


@vector
def invalid_transfer_token_out_of_range() -> Vector:
    chain = new_chain()
    tx = chain.transfer(0, 1, 1, token=DEFAULT_PARAMS.max_tokens)
    yield from run_operation(chain.state, tx, E.TokenIdOutOfRange)


@vector
def invalid_transfer_fee_above_max() -> Vector:
    chain = new_chain(ZkParams(fee_bits=32))
    yield from run_operation(chain.state, chain.transfer(0, 1, 1, fee=2**32), E.FeeOutOfRange)


# NftMint


@vector
def nft_mint() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.nft_mint(0, 2))
    nft = chain.state.nft(0)
    assert nft is not None
    assert (nft.owner, nft.collection_id, nft.content_hash) == (2, 0, CONTENT)
    assert chain.state.next_nft_id == 1
    assert chain.state.account_nonce(0) == 1


@vector
def nft_mint_to_minter() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.nft_mint(1, 1, collection_id=1))
    nft = chain.state.nft(0)
    assert nft is not None and nft.owner == 1


@vector
def nft_mint_second() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 2))
    yield from run_operation(chain.state, chain.nft_mint(0, 3, content_hash=7))
    nft = chain.state.nft(1)
    assert nft is not None and (nft.owner, nft.content_hash) == (3, 7)


@vector
def nft_mint_fills_last_leaf() -> Vector:
    chain = new_chain(ZkParams(nft_depth=1))
    chain.apply(chain.nft_mint(0, 1))
    yield from run_operation(chain.state, chain.nft_mint(0, 2))
    assert chain.state.next_nft_id == 2


@vector
def invalid_nft_mint_wrong_chain_id() -> Vector:
    chain = new_chain()
    tx = chain.nft_mint(0, 2, chain_id=OTHER_CHAIN)
    yield from run_operation(chain.state, tx, E.WrongZkChainId)


@vector
def invalid_nft_mint_bad_signature() -> Vector:
    chain = new_chain()
    tx = replace(chain.nft_mint(0, 2), content_hash=CONTENT + 1)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_nft_mint_unknown_collection() -> Vector:
    chain = new_chain()
    yield from run_operation(
        chain.state, chain.nft_mint(0, 2, collection_id=5), E.UnknownCollection
    )


@vector
def invalid_nft_mint_collection_beyond_tree() -> Vector:
    chain = new_chain()
    tx = chain.nft_mint(0, 2, collection_id=DEFAULT_PARAMS.max_collections)
    yield from run_operation(chain.state, tx, E.UnknownCollection)


@vector
def invalid_nft_mint_not_minter() -> Vector:
    chain = new_chain()
    yield from run_operation(
        chain.state, chain.nft_mint(2, 2, collection_id=0), E.NotCollectionMinter
    )


@vector
def invalid_nft_mint_other_collections_minter() -> Vector:
    chain = new_chain()
    yield from run_operation(
        chain.state, chain.nft_mint(1, 2, collection_id=0), E.NotCollectionMinter
    )


@vector
def invalid_nft_mint_unknown_minter() -> Vector:
    chain = new_chain()
    tx = chain.nft_mint(N_ACCOUNTS, 2, key=dev_l2_key(N_ACCOUNTS))
    yield from run_operation(chain.state, tx, E.UnknownAccount)


@vector
def invalid_nft_mint_unknown_recipient() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.nft_mint(0, N_ACCOUNTS), E.UnknownAccount)


@vector
def invalid_nft_mint_tree_full() -> Vector:
    chain = new_chain(ZkParams(nft_depth=1))
    chain.apply(chain.nft_mint(0, 1))
    chain.apply(chain.nft_mint(0, 2))
    yield from run_operation(chain.state, chain.nft_mint(0, 3), E.NftTreeFull)


@vector
def invalid_nft_mint_nonce_too_low() -> Vector:
    chain = new_chain()
    chain.apply(chain.transfer(0, 1, 1))
    yield from run_operation(chain.state, chain.nft_mint(0, 2, nonce=0), E.NonceTooLow)


# NftTransfer


def _chain_with_nft() -> Chain:
    """new_chain() with NFT 0 (collection 0) owned by account 2."""
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 2))
    return chain


@vector
def nft_transfer() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(2, 3, 0))
    nft = chain.state.nft(0)
    assert nft is not None and nft.owner == 3
    assert chain.state.account_nonce(2) == 1


@vector
def nft_transfer_back() -> Vector:
    chain = _chain_with_nft()
    chain.apply(chain.nft_transfer(2, 3, 0))
    yield from run_operation(chain.state, chain.nft_transfer(3, 2, 0))
    nft = chain.state.nft(0)
    assert nft is not None and nft.owner == 2


@vector
def invalid_nft_transfer_wrong_chain_id() -> Vector:
    chain = _chain_with_nft()
    tx = chain.nft_transfer(2, 3, 0, chain_id=OTHER_CHAIN)
    yield from run_operation(chain.state, tx, E.WrongZkChainId)


@vector
def invalid_nft_transfer_bad_signature() -> Vector:
    chain = _chain_with_nft()
    tx = chain.nft_transfer(2, 3, 0, key=dev_l2_key(3))
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_nft_transfer_unknown_nft() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(2, 3, 1), E.UnknownNft)


@vector
def invalid_nft_transfer_nft_beyond_tree() -> Vector:
    chain = _chain_with_nft()
    tx = chain.nft_transfer(2, 3, DEFAULT_PARAMS.max_nfts)
    yield from run_operation(chain.state, tx, E.UnknownNft)


@vector
def invalid_nft_transfer_not_owner() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(3, 1, 0), E.NotNftOwner)


@vector
def invalid_nft_transfer_by_minter() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(0, 1, 0), E.NotNftOwner)


@vector
def invalid_nft_transfer_to_self() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(2, 2, 0), E.SelfTransfer)


@vector
def invalid_nft_transfer_unknown_recipient() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(2, N_ACCOUNTS, 0), E.UnknownAccount)


@vector
def invalid_nft_transfer_unknown_sender() -> Vector:
    chain = _chain_with_nft()
    tx = chain.nft_transfer(N_ACCOUNTS, 2, 0, key=dev_l2_key(N_ACCOUNTS))
    yield from run_operation(chain.state, tx, E.UnknownAccount)


@vector
def invalid_nft_transfer_nonce_too_high() -> Vector:
    chain = _chain_with_nft()
    yield from run_operation(chain.state, chain.nft_transfer(2, 3, 0, nonce=5), E.NonceTooHigh)


@vector
def invalid_nft_transfer_replayed() -> Vector:
    chain = _chain_with_nft()
    tx = chain.nft_transfer(2, 3, 0)
    chain.apply(tx)
    chain.apply(chain.nft_transfer(3, 2, 0))
    yield from run_operation(chain.state, tx, E.NonceTooLow)


# Deposit


@vector
def deposit() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.deposit(2, 10**18, deposit_id=77))
    state = chain.state
    assert state.balance(2, 0) == BALANCE + 10**18
    assert state.account_nonce(2) == 0  # unsigned: no nonce
    assert state.balance(2, 1) == BALANCE and state.balance(1, 0) == BALANCE


@vector
def deposit_to_new_account() -> Vector:
    chain = new_chain()
    chain.apply(chain.register(N_ACCOUNTS))
    yield from run_operation(chain.state, chain.deposit(N_ACCOUNTS, 5, deposit_id=2**64 - 1))
    assert chain.state.balance(N_ACCOUNTS, 0) == 5


@vector
def deposit_twice_same_fields() -> Vector:
    # The STF takes a deposit as given: crediting an L1 deposit once is the node's rule (its
    # pending queue) and L1's (a batch with a deposit already done is refused).
    chain = new_chain()
    chain.apply(chain.deposit(1, 3))
    yield from run_operation(chain.state, chain.deposit(1, 3))
    assert chain.state.balance(1, 0) == BALANCE + 6


@vector
def deposit_at_max_nonce() -> Vector:
    # An account whose nonce is spent (nothing left to sign) can still be credited.
    chain = new_chain()
    chain.state.set_nonce(3, DEFAULT_PARAMS.max_nonce)
    yield from run_operation(chain.state, chain.deposit(3, 9))
    assert chain.state.account_nonce(3) == DEFAULT_PARAMS.max_nonce


@vector
def deposit_up_to_max_balance() -> Vector:
    params = ZkParams(amount_bits=80)
    chain = new_chain(params)
    yield from run_operation(chain.state, chain.deposit(0, params.max_amount - BALANCE))
    assert chain.state.balance(0, 0) == params.max_amount


@vector
def invalid_deposit_wrong_chain_id() -> Vector:
    chain = new_chain()
    yield from run_operation(
        chain.state, chain.deposit(1, 5, chain_id=OTHER_CHAIN), E.WrongZkChainId
    )


@vector
def invalid_deposit_unknown_account() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.deposit(N_ACCOUNTS, 5), E.UnknownAccount)


@vector
def invalid_deposit_account_beyond_tree() -> Vector:
    chain = new_chain()
    tx = chain.deposit(DEFAULT_PARAMS.max_accounts, 5, recipient=dev_eth_address(1))
    yield from run_operation(chain.state, tx, E.UnknownAccount)


@vector
def invalid_deposit_recipient_mismatch() -> Vector:
    chain = new_chain()
    tx = chain.deposit(1, 5, recipient=dev_eth_address(2))
    yield from run_operation(chain.state, tx, E.DepositRecipientMismatch)


@vector
def invalid_deposit_recipient_unregistered() -> Vector:
    # The depositor named an address with no ZK account: no account can take it (the node keeps
    # it pending until the address registers, or L1 refunds it after its deadline).
    chain = new_chain()
    tx = chain.deposit(1, 5, recipient=dev_eth_address(N_ACCOUNTS))
    yield from run_operation(chain.state, tx, E.DepositRecipientMismatch)


@vector
def invalid_deposit_other_token() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.deposit(1, 5, token=1), E.NotBridgeToken)


@vector
def invalid_deposit_amount_zero() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.deposit(1, 0), E.AmountOutOfRange)


@vector
def invalid_deposit_amount_above_max() -> Vector:
    params = ZkParams(amount_bits=64)
    genesis = devnet_genesis(2, balance=0, collections={})
    state = ZkState.genesis(memory_store().namespace("zk"), params, genesis)
    tx = Chain(state).deposit(1, params.max_amount + 1)
    yield from run_operation(state, tx, E.AmountOutOfRange)


@vector
def invalid_deposit_balance_overflow() -> Vector:
    params = ZkParams(amount_bits=80)
    chain = new_chain(params)
    tx = chain.deposit(0, params.max_amount - BALANCE + 1)
    yield from run_operation(chain.state, tx, E.BalanceOverflow)


# Withdraw


@vector
def withdraw() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.withdraw(1, 10**18))
    state = chain.state
    assert state.balance(1, 0) == BALANCE - 10**18  # burnt: nothing credited on the ZK chain
    assert state.account_nonce(1) == 1
    assert [state.balance(i, 0) for i in (0, 2, 3)] == [BALANCE] * 3


@vector
def withdraw_whole_balance() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.withdraw(3, BALANCE, fee=0))
    assert chain.state.balance(3, 0) == 0


@vector
def withdraw_second_nonce() -> Vector:
    chain = new_chain()
    chain.apply(chain.withdraw(2, 5))
    yield from run_operation(chain.state, chain.withdraw(2, 7, l1_recipient=dev_eth_address(2)))
    assert chain.state.account_nonce(2) == 2 and chain.state.balance(2, 0) == BALANCE - 12


@vector
def withdraw_after_deposit() -> Vector:
    # Register, deposit, withdraw: the bridge's round trip on a fresh account.
    chain = new_chain()
    chain.apply(chain.register(N_ACCOUNTS))
    chain.apply(chain.deposit(N_ACCOUNTS, 100))
    yield from run_operation(chain.state, chain.withdraw(N_ACCOUNTS, 60))
    assert chain.state.balance(N_ACCOUNTS, 0) == 40


@vector
def invalid_withdraw_wrong_chain_id() -> Vector:
    chain = new_chain()
    tx = chain.withdraw(1, 5, chain_id=OTHER_CHAIN)
    yield from run_operation(chain.state, tx, E.WrongZkChainId)


@vector
def invalid_withdraw_signed_by_other_key() -> Vector:
    chain = new_chain()
    yield from run_operation(
        chain.state, chain.withdraw(1, 5, key=dev_l2_key(2)), E.BadEdDSASignature
    )


@vector
def invalid_withdraw_tampered_amount() -> Vector:
    chain = new_chain()
    tx = replace(chain.withdraw(1, 5), amount=6)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_withdraw_tampered_recipient() -> Vector:
    chain = new_chain()
    tx = replace(chain.withdraw(1, 5), l1_recipient=dev_eth_address(0))
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_withdraw_unknown_sender() -> Vector:
    chain = new_chain()
    tx = chain.withdraw(N_ACCOUNTS, 1, key=dev_l2_key(N_ACCOUNTS))
    yield from run_operation(chain.state, tx, E.UnknownAccount)


@vector
def invalid_withdraw_insufficient_balance() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.withdraw(1, BALANCE + 1), E.InsufficientBalance)


@vector
def invalid_withdraw_other_token() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.withdraw(1, 5, token=1), E.NotBridgeToken)


@vector
def invalid_withdraw_amount_zero() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.withdraw(1, 0), E.AmountOutOfRange)


@vector
def invalid_withdraw_amount_above_max() -> Vector:
    params = ZkParams(amount_bits=64)
    genesis = devnet_genesis(2, balance=params.max_amount, collections={})
    state = ZkState.genesis(memory_store().namespace("zk"), params, genesis)
    tx = Chain(state).withdraw(0, params.max_amount + 1)
    yield from run_operation(state, tx, E.AmountOutOfRange)


@vector
def invalid_withdraw_nonce_too_low() -> Vector:
    chain = new_chain()
    tx = chain.withdraw(1, 5)
    chain.apply(tx)
    yield from run_operation(chain.state, tx, E.NonceTooLow)


@vector
def invalid_withdraw_nonce_too_high() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, chain.withdraw(1, 5, nonce=1), E.NonceTooHigh)


@vector
def invalid_withdraw_nonce_out_of_range() -> Vector:
    params = ZkParams(nonce_bits=8)
    chain = new_chain(params)
    tx = chain.withdraw(1, 5, nonce=params.max_nonce)
    yield from run_operation(chain.state, tx, E.NonceOutOfRange)


@vector
def invalid_withdraw_fee_above_max() -> Vector:
    chain = new_chain(ZkParams(fee_bits=32))
    yield from run_operation(chain.state, chain.withdraw(1, 5, fee=2**32), E.FeeOutOfRange)


# The hybrid's types register themselves into VECTORS (tests/unit/zk/hybrid_vectors.py).
from tests.unit.zk import hybrid_vectors as _hybrid_vectors  # noqa: E402, F401

__all__ = [
    "VECTORS",
    "VECTOR_TIME",
    "Chain",
    "Snapshot",
    "new_chain",
    "run_operation",
    "run_vector",
    "sign",
]
