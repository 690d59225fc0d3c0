"""The ZK chain's state transition function: pure, deterministic, one transaction at a time.

Written like the execution specs (STYLE.md §1): `validate_transaction` makes every check and
writes nothing; `apply_transaction` validates, then mutates, and returns the roots before and
after. A rejected transaction raises a named error (zk/errors.py) and leaves the state untouched,
because nothing is written until every check has passed. The circuits prove exactly these rules.

Fees are not part of the ZK state: the node charges them in ZKPoW from `fee_payer`'s balance in
its own state. The STF only checks that the fee fits its width.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.crypto.eddsa import is_valid_public_key, verify
from zkbraid.zk.errors import (
    AccountTreeFull,
    AddressAlreadyRegistered,
    AmountOutOfRange,
    BadECDSASignature,
    BadEdDSASignature,
    BalanceOverflow,
    FeeOutOfRange,
    InsufficientBalance,
    InvalidL2Key,
    NftTreeFull,
    NonceOutOfRange,
    NonceTooHigh,
    NonceTooLow,
    NotCollectionMinter,
    NotNftOwner,
    SelfTransfer,
    TokenIdOutOfRange,
    UnknownAccount,
    UnknownCollection,
    UnknownNft,
    WrongZkChainId,
)
from zkbraid.zk.params import ZkParams
from zkbraid.zk.state import Collection, Nft, ZkState
from zkbraid.zk.transactions import (
    NftMint,
    NftTransfer,
    RegisterKey,
    SignedByL2Key,
    Transfer,
    TxType,
    ZkTransaction,
)


@dataclass(frozen=True)
class ZkReceipt:
    """What applying one transaction did: the roots around it and the ids it created."""

    tx_hash: bytes
    tx_type: TxType
    old_root: int
    new_root: int
    account_index: int | None = None  # RegisterKey: the new account's index
    nft_id: int | None = None  # NftMint: the new NFT's id


def fee_payer(state: ZkState, tx: ZkTransaction) -> bytes:
    """The Ethereum address whose ZKPoW balance pays `tx`'s fee.

    RegisterKey: its `eth_address`; every other type: the sender account's address.
    Raises `UnknownAccount` if the sender does not exist.
    """
    if isinstance(tx, RegisterKey):
        return tx.eth_address
    address = state.account_eth_address(tx.sender)
    if address is None:
        raise UnknownAccount(f"sender account {tx.sender} does not exist")
    return address


def validate_transaction(
    state: ZkState, tx: ZkTransaction, params: ZkParams, *, pending_nonce: int | None = None
) -> None:
    """Checks every rule for `tx` against `state`; writes nothing.

    With `pending_nonce` (the mempool's view of the sender's next nonce) the transaction's nonce
    must equal it instead of the stored nonce. Raises the named error of the first broken rule.
    """
    if tx.chain_id != params.chain_id:
        raise WrongZkChainId(
            f"transaction is for chain {tx.chain_id}, this is chain {params.chain_id}"
        )
    if tx.fee > params.max_fee:
        raise FeeOutOfRange(f"fee {tx.fee} is above the maximum {params.max_fee}")
    if isinstance(tx, RegisterKey):
        validate_register_key(state, tx, params)
    elif isinstance(tx, Transfer):
        validate_transfer(state, tx, params, pending_nonce)
    elif isinstance(tx, NftMint):
        validate_nft_mint(state, tx, params, pending_nonce)
    else:
        validate_nft_transfer(state, tx, params, pending_nonce)


def apply_transaction(state: ZkState, tx: ZkTransaction, params: ZkParams) -> ZkReceipt:
    """Validates `tx`, applies it to `state` and returns its receipt.

    Raises like `validate_transaction`, in which case `state` is unchanged.
    """
    old_root = state.root()
    validate_transaction(state, tx, params)
    account_index: int | None = None
    nft_id: int | None = None
    if isinstance(tx, RegisterKey):
        account_index = state.create_account(tx.eth_address, tx.public_key)
    elif isinstance(tx, Transfer):
        state.set_balance(
            tx.from_index, tx.token, state.balance(tx.from_index, tx.token) - tx.amount
        )
        state.set_balance(tx.to_index, tx.token, state.balance(tx.to_index, tx.token) + tx.amount)
        _increment_nonce(state, tx.from_index)
    elif isinstance(tx, NftMint):
        nft_id = state.create_nft(tx.to_index, tx.collection_id, tx.content_hash)
        _increment_nonce(state, tx.minter_index)
    else:
        state.set_nft_owner(tx.nft_id, tx.to_index)
        _increment_nonce(state, tx.from_index)
    return ZkReceipt(
        tx_hash=tx.hash,
        tx_type=tx.TYPE,
        old_root=old_root,
        new_root=state.root(),
        account_index=account_index,
        nft_id=nft_id,
    )


# Per type


def validate_register_key(state: ZkState, tx: RegisterKey, params: ZkParams) -> None:
    """A new L2 key for an unregistered address, signed by that address."""
    if not is_valid_public_key(tx.public_key):
        raise InvalidL2Key("the L2 public key is off the curve or of small order")
    if state.account_index(tx.eth_address) is not None:
        raise AddressAlreadyRegistered(
            f"address 0x{tx.eth_address.hex()} already has account "
            f"{state.account_index(tx.eth_address)}"
        )
    if state.next_account_index >= params.max_accounts:
        raise AccountTreeFull(f"the accounts tree is full ({params.max_accounts} accounts)")
    signer = tx.recover_signer()
    if signer is None:
        raise BadECDSASignature("the Ethereum signature is malformed (v, r or s, or high s)")
    if signer != tx.eth_address:
        raise BadECDSASignature(
            f"the registration is signed by 0x{signer.hex()}, not 0x{tx.eth_address.hex()}"
        )


def validate_transfer(
    state: ZkState, tx: Transfer, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """A positive amount of a valid token, between two distinct accounts, covered and signed."""
    if tx.token >= params.max_tokens:
        raise TokenIdOutOfRange(f"token id {tx.token} is not below {params.max_tokens}")
    if tx.amount == 0:
        raise AmountOutOfRange("the amount must be at least 1")
    if tx.amount > params.max_amount:
        raise AmountOutOfRange(f"amount {tx.amount} is above the maximum {params.max_amount}")
    if tx.from_index == tx.to_index:
        raise SelfTransfer(f"account {tx.from_index} cannot transfer to itself")
    _require_account(state, tx.from_index, "sender")
    _require_account(state, tx.to_index, "recipient")
    _check_nonce(state, tx, params, pending_nonce)
    balance = state.balance(tx.from_index, tx.token)
    if balance < tx.amount:
        raise InsufficientBalance(
            f"account {tx.from_index} holds {balance} of token {tx.token}, needs {tx.amount}"
        )
    if state.balance(tx.to_index, tx.token) + tx.amount > params.max_amount:
        raise BalanceOverflow(
            f"the balance of account {tx.to_index} in token {tx.token} would pass "
            f"{params.max_amount}"
        )
    _check_eddsa(state, tx)


def validate_nft_mint(
    state: ZkState, tx: NftMint, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """The collection's minter mints the next NFT id to an existing account."""
    _require_account(state, tx.minter_index, "minter")
    _require_account(state, tx.to_index, "recipient")
    collection = _require_collection(state, tx.collection_id, params)
    minter_address = state.account_eth_address(tx.minter_index)
    if minter_address != collection.minter:
        raise NotCollectionMinter(
            f"account {tx.minter_index} is not the minter of collection {tx.collection_id}"
        )
    if state.next_nft_id >= params.max_nfts:
        raise NftTreeFull(f"the NFT tree is full ({params.max_nfts} NFTs)")
    _check_nonce(state, tx, params, pending_nonce)
    _check_eddsa(state, tx)


def validate_nft_transfer(
    state: ZkState, tx: NftTransfer, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """The owner of an existing NFT moves it to another existing account."""
    if tx.from_index == tx.to_index:
        raise SelfTransfer(f"account {tx.from_index} cannot transfer an NFT to itself")
    _require_account(state, tx.from_index, "sender")
    _require_account(state, tx.to_index, "recipient")
    nft = _require_nft(state, tx.nft_id, params)
    if nft.owner != tx.from_index:
        raise NotNftOwner(f"NFT {tx.nft_id} belongs to account {nft.owner}, not {tx.from_index}")
    _check_nonce(state, tx, params, pending_nonce)
    _check_eddsa(state, tx)


# Shared rules


def _require_account(state: ZkState, index: int, role: str) -> None:
    if state.account_public_key(index) is None:
        raise UnknownAccount(f"{role} account {index} does not exist")


def _require_collection(state: ZkState, collection_id: int, params: ZkParams) -> Collection:
    collection = state.collection(collection_id) if collection_id < params.max_collections else None
    if collection is None:
        raise UnknownCollection(f"collection {collection_id} does not exist")
    return collection


def _require_nft(state: ZkState, nft_id: int, params: ZkParams) -> Nft:
    nft = state.nft(nft_id) if nft_id < params.max_nfts else None
    if nft is None:
        raise UnknownNft(f"NFT {nft_id} does not exist")
    return nft


def _check_nonce(
    state: ZkState, tx: SignedByL2Key, params: ZkParams, pending_nonce: int | None
) -> None:
    # The account's nonce becomes tx.nonce + 1, which must still fit the nonce width.
    if tx.nonce >= params.max_nonce:
        raise NonceOutOfRange(f"nonce {tx.nonce} leaves no next nonce below {params.max_nonce}")
    expected = state.account_nonce(tx.sender) if pending_nonce is None else pending_nonce
    assert expected is not None
    if tx.nonce < expected:
        raise NonceTooLow(f"nonce {tx.nonce} of account {tx.sender} is used; next is {expected}")
    if tx.nonce > expected:
        raise NonceTooHigh(f"nonce {tx.nonce} of account {tx.sender} skips {expected}")


def _check_eddsa(state: ZkState, tx: SignedByL2Key) -> None:
    public_key = state.account_public_key(tx.sender)
    assert public_key is not None
    if not verify(tx.message, tx.signature, public_key):
        raise BadEdDSASignature(f"the signature does not verify under account {tx.sender}'s key")


def _increment_nonce(state: ZkState, index: int) -> None:
    nonce = state.account_nonce(index)
    assert nonce is not None
    state.set_nonce(index, nonce + 1)
