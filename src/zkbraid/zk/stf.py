"""The ZK chain's state transition function: pure, deterministic, one transaction at a time.

Written like the execution specs (STYLE.md §1): `validate_transaction` makes every check and
writes nothing; `apply_transaction` validates, then mutates, and returns the roots before and
after. A rejected transaction raises a named error (zk/errors.py) and leaves the state untouched,
because nothing is written until every check has passed. The circuits prove exactly these rules.

Fees are not part of the ZK state: the node charges them in ZKPoW from `fee_payer`'s balance in
its own state. The STF only checks that the fee fits its width.

A Deposit is a system transaction: the node makes it from an L1 deposit the validators observed
and makes sure each L1 deposit is credited at most once; the STF takes it as given and checks
only what the ZK state decides (the recipient's account and address, the token, the amount).
A Withdraw burns: the balance goes down and nothing is credited on the ZK chain; L1 pays its
`l1_recipient` when its batch settles.

The hybrid (docs/hybrid.md): a MoveToFast debits into the fast-chain escrow, a MoveFromFast (a
system transaction, like Deposit, made from a fast-chain exit) pays out of it and never more
than it holds; a GameMint (system, from a game's report) mints into a game collection at most
its cap a round; NftList, NftCancel and NftBuy are the market. NftBuy is the one rule that reads
the block: its listing's expiry against the ZK block's time (`time_s`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.crypto.eddsa import is_valid_public_key, verify
from zkbraid.errors import BraidError
from zkbraid.zk.errors import (
    AccountTreeFull,
    AddressAlreadyRegistered,
    AmountOutOfRange,
    BadECDSASignature,
    BadEdDSASignature,
    BalanceOverflow,
    BuyOwnNft,
    CollectionExists,
    DepositRecipientMismatch,
    EscrowInsufficient,
    FeeOutOfRange,
    IdOutOfRange,
    InsufficientBalance,
    InvalidL2Key,
    ListingExpired,
    NftNotListed,
    NftTreeFull,
    NonceOutOfRange,
    NonceTooHigh,
    NonceTooLow,
    NotBridgeToken,
    NotCollectionGame,
    NotCollectionMinter,
    NotGameCollection,
    NotMovableToken,
    NotNftOwner,
    PriceMismatch,
    RoundCapReached,
    RoundClosed,
    SelfTransfer,
    TokenIdOutOfRange,
    UnknownAccount,
    UnknownCollection,
    UnknownNft,
    WrongZkChainId,
)
from zkbraid.zk.params import BRIDGE_TOKEN, L1_AMOUNT_BOUND, MOVE_TOKEN, ZkParams
from zkbraid.zk.state import Collection, Nft, ZkState
from zkbraid.zk.transactions import (
    CreateCollection,
    Deposit,
    GameMint,
    MoveFromFast,
    MoveToFast,
    NftBuy,
    NftCancel,
    NftList,
    NftMint,
    NftTransfer,
    RegisterKey,
    SignedByL2Key,
    Transfer,
    TxType,
    Withdraw,
    ZkTransaction,
)


class BlockTimeRequired(BraidError):
    """An NftBuy validated without the ZK block's time (a caller's mistake, not the user's)."""


@dataclass(frozen=True)
class ZkReceipt:
    """What applying one transaction did: the roots around it and the ids it created."""

    tx_hash: bytes
    tx_type: TxType
    old_root: int
    new_root: int
    account_index: int | None = None  # RegisterKey: the new account's index
    nft_id: int | None = None  # NftMint, GameMint: the new NFT's id


def fee_payer(state: ZkState, tx: ZkTransaction) -> bytes:
    """The Ethereum address whose ZKPoW balance pays `tx`'s fee.

    RegisterKey: its `eth_address`; Deposit: its `recipient`, which pays nothing (a deposit's
    fee is 0); every other type (Withdraw too): the sender account's address.
    Raises `UnknownAccount` if the sender does not exist.
    """
    if isinstance(tx, RegisterKey):
        return tx.eth_address
    if isinstance(tx, Deposit):
        return tx.recipient
    if isinstance(tx, MoveFromFast | GameMint):
        address = state.account_eth_address(tx.to_index)
        if address is None:
            raise UnknownAccount(f"recipient account {tx.to_index} does not exist")
        return address
    address = state.account_eth_address(tx.sender)
    if address is None:
        raise UnknownAccount(f"sender account {tx.sender} does not exist")
    return address


def validate_transaction(
    state: ZkState,
    tx: ZkTransaction,
    params: ZkParams,
    *,
    pending_nonce: int | None = None,
    time_s: int | None = None,
) -> None:
    """Checks every rule for `tx` against `state`; writes nothing.

    With `pending_nonce` (the mempool's view of the sender's next nonce) the transaction's nonce
    must equal it instead of the stored nonce (a system transaction has no nonce and ignores
    it). `time_s` is the ZK block's time in seconds, which an NftBuy needs
    (`BlockTimeRequired` without it). Raises the named error of the first broken rule.
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
    elif isinstance(tx, NftTransfer):
        validate_nft_transfer(state, tx, params, pending_nonce)
    elif isinstance(tx, Deposit):
        validate_deposit(state, tx, params)
    elif isinstance(tx, Withdraw):
        validate_withdraw(state, tx, params, pending_nonce)
    elif isinstance(tx, MoveToFast):
        validate_move_to_fast(state, tx, params, pending_nonce)
    elif isinstance(tx, MoveFromFast):
        validate_move_from_fast(state, tx, params)
    elif isinstance(tx, CreateCollection):
        validate_create_collection(state, tx, params, pending_nonce)
    elif isinstance(tx, GameMint):
        validate_game_mint(state, tx, params)
    elif isinstance(tx, NftList):
        validate_nft_list(state, tx, params, pending_nonce)
    elif isinstance(tx, NftCancel):
        validate_nft_cancel(state, tx, params, pending_nonce)
    else:
        if time_s is None:
            raise BlockTimeRequired("an NftBuy is validated against the ZK block's time")
        validate_nft_buy(state, tx, params, time_s, pending_nonce)


def apply_transaction(
    state: ZkState, tx: ZkTransaction, params: ZkParams, *, time_s: int | None = None
) -> ZkReceipt:
    """Validates `tx`, applies it to `state` and returns its receipt.

    `time_s`: the ZK block's time in seconds (NftBuy's expiry). Raises like
    `validate_transaction`, in which case `state` is unchanged.
    """
    old_root = state.root()
    validate_transaction(state, tx, params, time_s=time_s)
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
    elif isinstance(tx, NftTransfer):
        state.set_nft_owner(tx.nft_id, tx.to_index)
        _increment_nonce(state, tx.from_index)
    elif isinstance(tx, Deposit):
        state.set_balance(tx.to_index, tx.token, state.balance(tx.to_index, tx.token) + tx.amount)
    elif isinstance(tx, Withdraw):
        state.set_balance(
            tx.from_index, tx.token, state.balance(tx.from_index, tx.token) - tx.amount
        )
        _increment_nonce(state, tx.from_index)
    elif isinstance(tx, MoveToFast):
        state.set_balance(
            tx.from_index, tx.token, state.balance(tx.from_index, tx.token) - tx.amount
        )
        state.set_escrow_balance(tx.token, state.escrow_balance(tx.token) + tx.amount)
        _increment_nonce(state, tx.from_index)
    elif isinstance(tx, MoveFromFast):
        state.set_balance(tx.to_index, tx.token, state.balance(tx.to_index, tx.token) + tx.amount)
        state.set_escrow_balance(tx.token, state.escrow_balance(tx.token) - tx.amount)
    elif isinstance(tx, CreateCollection):
        state.create_collection(tx.collection_id, tx.minter, tx.cap)
        _increment_nonce(state, tx.creator_index)
    elif isinstance(tx, GameMint):
        collection = state.collection(tx.collection_id)
        assert collection is not None
        minted = collection.minted + 1 if tx.round == collection.round else 1
        state.set_collection_round(tx.collection_id, tx.round, minted)
        nft_id = state.create_nft(tx.to_index, tx.collection_id, tx.content_hash)
    elif isinstance(tx, NftList):
        state.set_nft_listing(tx.nft_id, tx.token, tx.price, tx.expiry)
        _increment_nonce(state, tx.owner_index)
    elif isinstance(tx, NftCancel):
        state.set_nft_listing(tx.nft_id, 0, 0, 0)
        _increment_nonce(state, tx.owner_index)
    else:
        nft = state.nft(tx.nft_id)
        assert nft is not None
        seller = nft.owner
        state.set_balance(
            tx.buyer_index, tx.token, state.balance(tx.buyer_index, tx.token) - tx.price
        )
        state.set_balance(seller, tx.token, state.balance(seller, tx.token) + tx.price)
        state.set_nft_owner(tx.nft_id, tx.buyer_index)
        _increment_nonce(state, tx.buyer_index)
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
    if state.next_account_index >= params.escrow_index:
        # the last leaf is the fast-chain escrow's
        raise AccountTreeFull(f"the accounts tree is full ({params.escrow_index} accounts)")
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
    _check_amount(tx.amount, params)
    if tx.from_index == tx.to_index:
        raise SelfTransfer(f"account {tx.from_index} cannot transfer to itself")
    _require_account(state, tx.from_index, "sender")
    _require_account(state, tx.to_index, "recipient")
    _check_nonce(state, tx, params, pending_nonce)
    _check_debit(state, tx.from_index, tx.token, tx.amount)
    _check_credit(state, tx.to_index, tx.token, tx.amount, params)
    _check_eddsa(state, tx)


def validate_nft_mint(
    state: ZkState, tx: NftMint, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """The collection's minter mints the next NFT id to an existing account."""
    _require_account(state, tx.minter_index, "minter")
    _require_account(state, tx.to_index, "recipient")
    collection = _require_collection(state, tx.collection_id, params)
    if collection.is_game:
        raise NotGameCollection(
            f"collection {tx.collection_id} is a game's: only its reports mint (GameMint)"
        )
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


def validate_deposit(state: ZkState, tx: Deposit, params: ZkParams) -> None:
    """A positive amount of the bridge's token, to the account bound to the named address.

    A deposit for an address with no ZK account cannot be credited: it raises
    `DepositRecipientMismatch`, and the node leaves the L1 deposit pending until the address
    registers or its L1 deadline passes and L1 refunds it (circuits/README.md).
    """
    _check_bridge_token(tx.token, "deposit")
    _check_amount(tx.amount, params)
    _require_account(state, tx.to_index, "recipient")
    bound = state.account_eth_address(tx.to_index)
    if bound != tx.recipient:
        owner = state.account_index(tx.recipient)
        holder = "has no ZK account" if owner is None else f"is account {owner}"
        raise DepositRecipientMismatch(
            f"the deposit is for 0x{tx.recipient.hex()}, which {holder}; account "
            f"{tx.to_index} is bound to 0x{bound.hex() if bound else ''}"
        )
    _check_credit(state, tx.to_index, tx.token, tx.amount, params)


def validate_withdraw(
    state: ZkState, tx: Withdraw, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """A positive amount of the bridge's token, covered by the sender's balance and signed."""
    _check_bridge_token(tx.token, "withdrawal")
    _check_amount(tx.amount, params)
    if tx.amount >= L1_AMOUNT_BOUND:
        # the rollup contract pays amounts below 2**96 only: a larger withdrawal, once proven,
        # would make its batch unacceptable on L1 for ever
        raise AmountOutOfRange(f"a withdrawal is below 2**96 wei (what L1 pays), got {tx.amount}")
    _require_account(state, tx.from_index, "sender")
    _check_nonce(state, tx, params, pending_nonce)
    _check_debit(state, tx.from_index, tx.token, tx.amount)
    _check_eddsa(state, tx)


def validate_move_to_fast(
    state: ZkState, tx: MoveToFast, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """A positive amount of the fast chain's coin (token 0), covered by the sender and signed."""
    _check_move_token(tx.token)
    _check_amount(tx.amount, params)
    _require_account(state, tx.from_index, "sender")
    _check_nonce(state, tx, params, pending_nonce)
    _check_debit(state, tx.from_index, tx.token, tx.amount)
    if state.escrow_balance(tx.token) + tx.amount > params.max_amount:
        raise BalanceOverflow(f"the escrow of token {tx.token} would pass {params.max_amount}")
    _check_eddsa(state, tx)


def validate_move_from_fast(state: ZkState, tx: MoveFromFast, params: ZkParams) -> None:
    """A positive amount of token 0 to an existing account, covered by the escrow.

    The damage bound (docs/hybrid.md): whatever exits the fast chain reports, the escrow pays at
    most what it holds (`EscrowInsufficient`), and the circuit cannot prove more.
    """
    _check_move_token(tx.token)
    _check_amount(tx.amount, params)
    _require_account(state, tx.to_index, "recipient")
    escrow = state.escrow_balance(tx.token)
    if escrow < tx.amount:
        raise EscrowInsufficient(
            f"the fast-chain escrow holds {escrow} of token {tx.token}; exit {tx.exit_id} "
            f"asks for {tx.amount}"
        )
    _check_credit(state, tx.to_index, tx.token, tx.amount, params)


def validate_create_collection(
    state: ZkState, tx: CreateCollection, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """An unused collection id, a cap of at least 1, signed by an existing creator."""
    _require_account(state, tx.creator_index, "creator")
    if tx.collection_id >= params.max_collections:
        raise IdOutOfRange(
            f"collection id {tx.collection_id} is not below {params.max_collections}"
        )
    if state.collection(tx.collection_id) is not None:
        raise CollectionExists(f"collection {tx.collection_id} exists")
    if tx.cap == 0:
        raise AmountOutOfRange("a game collection mints at least 1 NFT a round (cap >= 1)")
    _check_nonce(state, tx, params, pending_nonce)
    _check_eddsa(state, tx)


def validate_game_mint(state: ZkState, tx: GameMint, params: ZkParams) -> None:
    """A prize reported by the game collection's own contract, within its round's cap."""
    collection = _require_collection(state, tx.collection_id, params)
    if not collection.is_game:
        raise NotGameCollection(f"collection {tx.collection_id} is not a game collection")
    if tx.game != collection.minter:
        raise NotCollectionGame(
            f"0x{tx.game.hex()} is not the game of collection {tx.collection_id} "
            f"(0x{collection.minter.hex()})"
        )
    if tx.round < collection.round:
        raise RoundClosed(
            f"collection {tx.collection_id} is at round {collection.round}; round {tx.round} "
            "is closed"
        )
    if tx.round == collection.round and collection.minted >= collection.cap:
        raise RoundCapReached(
            f"collection {tx.collection_id} has minted its cap of {collection.cap} in round "
            f"{tx.round}"
        )
    _require_account(state, tx.to_index, "recipient")
    if state.next_nft_id >= params.max_nfts:
        raise NftTreeFull(f"the NFT tree is full ({params.max_nfts} NFTs)")


def validate_nft_list(
    state: ZkState, tx: NftList, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """The owner lists an NFT at a positive price of a valid token (a new listing replaces)."""
    if tx.token >= params.max_tokens:
        raise TokenIdOutOfRange(f"token id {tx.token} is not below {params.max_tokens}")
    _check_amount(tx.price, params)
    _require_owned_nft(state, tx.owner_index, tx.nft_id, params)
    _check_nonce(state, tx, params, pending_nonce)
    _check_eddsa(state, tx)


def validate_nft_cancel(
    state: ZkState, tx: NftCancel, params: ZkParams, pending_nonce: int | None = None
) -> None:
    """The owner withdraws a listing."""
    nft = _require_owned_nft(state, tx.owner_index, tx.nft_id, params)
    if not nft.listed:
        raise NftNotListed(f"NFT {tx.nft_id} is not listed")
    _check_nonce(state, tx, params, pending_nonce)
    _check_eddsa(state, tx)


def validate_nft_buy(
    state: ZkState, tx: NftBuy, params: ZkParams, time_s: int, pending_nonce: int | None = None
) -> None:
    """A listed NFT, before its expiry, for exactly its token and price, paid by the buyer."""
    _require_account(state, tx.buyer_index, "buyer")
    nft = _require_nft(state, tx.nft_id, params)
    if not nft.listed:
        raise NftNotListed(f"NFT {tx.nft_id} is not listed")
    if nft.owner == tx.buyer_index:
        raise BuyOwnNft(f"account {tx.buyer_index} owns NFT {tx.nft_id}")
    if tx.token != nft.list_token or tx.price != nft.list_price:
        raise PriceMismatch(
            f"NFT {tx.nft_id} is listed for {nft.list_price} of token {nft.list_token}, "
            f"the buy offers {tx.price} of token {tx.token}"
        )
    if time_s > nft.list_expiry:
        raise ListingExpired(
            f"the listing of NFT {tx.nft_id} expired at {nft.list_expiry}, it is {time_s}"
        )
    _check_nonce(state, tx, params, pending_nonce)
    _check_debit(state, tx.buyer_index, tx.token, tx.price)
    _check_credit(state, nft.owner, tx.token, tx.price, params)
    _check_eddsa(state, tx)


# Shared rules


def _check_debit(state: ZkState, index: int, token: int, amount: int) -> None:
    balance = state.balance(index, token)
    if balance < amount:
        raise InsufficientBalance(
            f"account {index} holds {balance} of token {token}, needs {amount}"
        )


def _check_credit(state: ZkState, index: int, token: int, amount: int, params: ZkParams) -> None:
    if state.balance(index, token) + amount > params.max_amount:
        raise BalanceOverflow(
            f"the balance of account {index} in token {token} would pass {params.max_amount}"
        )


def _check_move_token(token: int) -> None:
    if token != MOVE_TOKEN:
        raise NotMovableToken(
            f"moves between the chains carry token {MOVE_TOKEN} (the fast chain's coin), "
            f"not {token}"
        )


def _require_owned_nft(state: ZkState, owner: int, nft_id: int, params: ZkParams) -> Nft:
    _require_account(state, owner, "owner")
    nft = _require_nft(state, nft_id, params)
    if nft.owner != owner:
        raise NotNftOwner(f"NFT {nft_id} belongs to account {nft.owner}, not {owner}")
    return nft


def _check_bridge_token(token: int, what: str) -> None:
    if token != BRIDGE_TOKEN:
        raise NotBridgeToken(f"a {what} moves token {BRIDGE_TOKEN} (L1 ETH) only, not {token}")


def _check_amount(amount: int, params: ZkParams) -> None:
    if amount == 0:
        raise AmountOutOfRange("the amount must be at least 1")
    if amount > params.max_amount:
        raise AmountOutOfRange(f"amount {amount} is above the maximum {params.max_amount}")


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
