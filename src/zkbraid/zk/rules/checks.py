"""Checks and writes several types' rules share (zk/rules/*), each raising its named error."""

from __future__ import annotations

from zkbraid.crypto.eddsa import verify
from zkbraid.zk.errors import (
    AmountOutOfRange,
    BadEdDSASignature,
    BalanceOverflow,
    InsufficientBalance,
    NonceOutOfRange,
    NonceTooHigh,
    NonceTooLow,
    NotBridgeToken,
    NotMovableToken,
    NotNftOwner,
    UnknownAccount,
    UnknownCollection,
    UnknownNft,
)
from zkbraid.zk.params import BRIDGE_TOKEN, MOVE_TOKEN, ZkParams
from zkbraid.zk.rules.base import TxContext
from zkbraid.zk.state import Collection, Nft, ZkState
from zkbraid.zk.transactions import GameMint, MoveFromFast, SignedByL2Key


def check_debit(state: ZkState, index: int, token: int, amount: int) -> None:
    balance = state.balance(index, token)
    if balance < amount:
        raise InsufficientBalance(
            f"account {index} holds {balance} of token {token}, needs {amount}"
        )


def check_credit(state: ZkState, index: int, token: int, amount: int, params: ZkParams) -> None:
    if state.balance(index, token) + amount > params.max_amount:
        raise BalanceOverflow(
            f"the balance of account {index} in token {token} would pass {params.max_amount}"
        )


def check_move_token(token: int) -> None:
    if token != MOVE_TOKEN:
        raise NotMovableToken(
            f"moves between the chains carry token {MOVE_TOKEN} (the fast chain's coin), "
            f"not {token}"
        )


def check_bridge_token(token: int, what: str) -> None:
    if token != BRIDGE_TOKEN:
        raise NotBridgeToken(f"a {what} moves token {BRIDGE_TOKEN} (L1 ETH) only, not {token}")


def check_amount(amount: int, params: ZkParams) -> None:
    if amount == 0:
        raise AmountOutOfRange("the amount must be at least 1")
    if amount > params.max_amount:
        raise AmountOutOfRange(f"amount {amount} is above the maximum {params.max_amount}")


def require_account(state: ZkState, index: int, role: str) -> None:
    if state.account_public_key(index) is None:
        raise UnknownAccount(f"{role} account {index} does not exist")


def require_collection(state: ZkState, collection_id: int, params: ZkParams) -> Collection:
    collection = state.collection(collection_id) if collection_id < params.max_collections else None
    if collection is None:
        raise UnknownCollection(f"collection {collection_id} does not exist")
    return collection


def require_nft(state: ZkState, nft_id: int, params: ZkParams) -> Nft:
    nft = state.nft(nft_id) if nft_id < params.max_nfts else None
    if nft is None:
        raise UnknownNft(f"NFT {nft_id} does not exist")
    return nft


def require_owned_nft(state: ZkState, owner: int, nft_id: int, params: ZkParams) -> Nft:
    require_account(state, owner, "owner")
    nft = require_nft(state, nft_id, params)
    if nft.owner != owner:
        raise NotNftOwner(f"NFT {nft_id} belongs to account {nft.owner}, not {owner}")
    return nft


def check_nonce(state: ZkState, tx: SignedByL2Key, params: ZkParams, context: TxContext) -> None:
    """The sender's next nonce (the mempool's, when `context` has one)."""
    # The account's nonce becomes tx.nonce + 1, which must still fit the nonce width.
    if tx.nonce >= params.max_nonce:
        raise NonceOutOfRange(f"nonce {tx.nonce} leaves no next nonce below {params.max_nonce}")
    pending = context.pending_nonce
    expected = state.account_nonce(tx.sender) if pending is None else pending
    assert expected is not None
    if tx.nonce < expected:
        raise NonceTooLow(f"nonce {tx.nonce} of account {tx.sender} is used; next is {expected}")
    if tx.nonce > expected:
        raise NonceTooHigh(f"nonce {tx.nonce} of account {tx.sender} skips {expected}")


def check_eddsa(state: ZkState, tx: SignedByL2Key) -> None:
    public_key = state.account_public_key(tx.sender)
    assert public_key is not None
    if not verify(tx.message, tx.signature, public_key):
        raise BadEdDSASignature(f"the signature does not verify under account {tx.sender}'s key")


def increment_nonce(state: ZkState, index: int) -> None:
    nonce = state.account_nonce(index)
    assert nonce is not None
    state.set_nonce(index, nonce + 1)


def move_balance(state: ZkState, index: int, token: int, delta: int) -> None:
    """Adds `delta` (negative: a debit) to `index`'s balance of `token`."""
    state.set_balance(index, token, state.balance(index, token) + delta)


# Who pays the fee


def sender_pays(state: ZkState, tx: SignedByL2Key) -> bytes:
    """The sender account's address (`UnknownAccount` if it does not exist)."""
    address = state.account_eth_address(tx.sender)
    if address is None:
        raise UnknownAccount(f"sender account {tx.sender} does not exist")
    return address


def recipient_pays(state: ZkState, tx: MoveFromFast | GameMint) -> bytes:
    """A system transaction's recipient account's address: it pays nothing (fee 0), but the
    account must exist (`UnknownAccount`)."""
    address = state.account_eth_address(tx.to_index)
    if address is None:
        raise UnknownAccount(f"recipient account {tx.to_index} does not exist")
    return address
