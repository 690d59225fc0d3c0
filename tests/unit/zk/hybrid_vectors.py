"""State-transition vectors of the hybrid's ZK-chain types (docs/hybrid.md), in the style of
vectors.py, into the same `VECTORS`: moves between the chains and the escrow, game collections
and their capped mints, and the NFT market."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.zk.vectors import (
    BALANCE,
    CONTENT,
    N_ACCOUNTS,
    OTHER_CHAIN,
    VECTOR_TIME,
    Chain,
    Vector,
    new_chain,
    run_operation,
    vector,
)
from zkbraid.crypto.eddsa import PrivateKey
from zkbraid.zk import errors as E
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.params import ZkParams
from zkbraid.zk.transactions import (
    CreateCollection,
    GameMint,
    MoveFromFast,
    MoveToFast,
    NftBuy,
    NftCancel,
    NftList,
    sign_create_collection,
    sign_move_to_fast,
    sign_nft_buy,
    sign_nft_cancel,
    sign_nft_list,
)

GAME = bytes.fromhex("6a6d65" * 6 + "0001")  # a fast-chain game contract (20 bytes)
OTHER_GAME = bytes.fromhex("0badc0de" * 5)
GAME_COLLECTION = 7
PRICE = 5 * 10**18


def _nonce(chain: Chain, index: int) -> int:
    return chain.state.account_nonce(index) or 0


def to_fast(
    chain: Chain,
    frm: int,
    amount: int,
    *,
    token: int = 0,
    nonce: int | None = None,
    fee: int = 1,
    chain_id: int | None = None,
    key: PrivateKey | None = None,
) -> MoveToFast:
    return sign_move_to_fast(
        key or chain.key(frm),
        chain_id=chain.params.chain_id if chain_id is None else chain_id,
        from_index=frm,
        token=token,
        amount=amount,
        nonce=_nonce(chain, frm) if nonce is None else nonce,
        fee=fee,
    )


def from_fast(
    chain: Chain, to: int, amount: int, *, exit_id: int = 0, token: int = 0
) -> MoveFromFast:
    return MoveFromFast(chain.params.chain_id, exit_id, to, token, amount)


def create(
    chain: Chain,
    creator: int = 2,
    *,
    collection_id: int = GAME_COLLECTION,
    minter: bytes = GAME,
    cap: int = 2,
    nonce: int | None = None,
    key: PrivateKey | None = None,
) -> CreateCollection:
    return sign_create_collection(
        key or chain.key(creator),
        chain_id=chain.params.chain_id,
        creator_index=creator,
        collection_id=collection_id,
        minter=minter,
        cap=cap,
        nonce=_nonce(chain, creator) if nonce is None else nonce,
        fee=1,
    )


def prize(
    chain: Chain,
    to: int,
    *,
    round_: int = 1,
    report_id: int = 0,
    collection_id: int = GAME_COLLECTION,
    game: bytes = GAME,
    content_hash: int = CONTENT,
) -> GameMint:
    return GameMint(chain.params.chain_id, report_id, collection_id, round_, to, content_hash, game)


def listing(
    chain: Chain,
    owner: int,
    nft_id: int,
    *,
    price: int = PRICE,
    token: int = 0,
    expiry: int = VECTOR_TIME + 3600,
    nonce: int | None = None,
    key: PrivateKey | None = None,
) -> NftList:
    return sign_nft_list(
        key or chain.key(owner),
        chain_id=chain.params.chain_id,
        owner_index=owner,
        nft_id=nft_id,
        token=token,
        price=price,
        expiry=expiry,
        nonce=_nonce(chain, owner) if nonce is None else nonce,
        fee=1,
    )


def cancel(chain: Chain, owner: int, nft_id: int, *, key: PrivateKey | None = None) -> NftCancel:
    return sign_nft_cancel(
        key or chain.key(owner),
        chain_id=chain.params.chain_id,
        owner_index=owner,
        nft_id=nft_id,
        nonce=_nonce(chain, owner),
        fee=1,
    )


def buy(
    chain: Chain,
    buyer: int,
    nft_id: int,
    *,
    price: int = PRICE,
    token: int = 0,
    key: PrivateKey | None = None,
) -> NftBuy:
    return sign_nft_buy(
        key or chain.key(buyer),
        chain_id=chain.params.chain_id,
        buyer_index=buyer,
        nft_id=nft_id,
        token=token,
        price=price,
        nonce=_nonce(chain, buyer),
        fee=1,
    )


def with_game(cap: int = 2, params: ZkParams | None = None) -> Chain:
    """A chain with game collection GAME_COLLECTION (cap `cap`) made by account 2."""
    chain = new_chain() if params is None else new_chain(params)
    chain.apply(create(chain, cap=cap))
    return chain


def with_listed_nft(expiry: int = VECTOR_TIME + 3600) -> Chain:
    """NFT 0 of collection 0, minted to account 1, listed for PRICE of token 0."""
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    chain.apply(listing(chain, 1, 0, expiry=expiry))
    return chain


# MoveToFast


@vector
def move_to_fast() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, to_fast(chain, 1, 10**18))
    state = chain.state
    assert state.balance(1, 0) == BALANCE - 10**18 and state.escrow_balance(0) == 10**18
    assert state.account_nonce(1) == 1


@vector
def move_to_fast_twice_adds_up() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 7))
    yield from run_operation(chain.state, to_fast(chain, 2, BALANCE, fee=0))
    assert chain.state.escrow_balance(0) == BALANCE + 7 and chain.state.balance(2, 0) == 0


@vector
def invalid_move_to_fast_other_token() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, to_fast(chain, 1, 5, token=1), E.NotMovableToken)


@vector
def invalid_move_to_fast_insufficient_balance() -> Vector:
    chain = new_chain()
    tx = to_fast(chain, 1, BALANCE + 1)
    yield from run_operation(chain.state, tx, E.InsufficientBalance)


@vector
def invalid_move_to_fast_amount_zero() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, to_fast(chain, 1, 0), E.AmountOutOfRange)


@vector
def invalid_move_to_fast_signed_by_other_key() -> Vector:
    chain = new_chain()
    tx = to_fast(chain, 1, 5, key=dev_l2_key(2))
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_move_to_fast_tampered_amount() -> Vector:
    chain = new_chain()
    tx = replace(to_fast(chain, 1, 5), amount=6)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_move_to_fast_wrong_chain_id() -> Vector:
    chain = new_chain()
    tx = to_fast(chain, 1, 5, chain_id=OTHER_CHAIN)
    yield from run_operation(chain.state, tx, E.WrongZkChainId)


@vector
def invalid_move_to_fast_nonce_too_high() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, to_fast(chain, 1, 5, nonce=3), E.NonceTooHigh)


@vector
def invalid_move_to_fast_escrow_overflow() -> Vector:
    params = ZkParams(amount_bits=81)  # at most about 2.4 * 10^24
    chain = new_chain(params)
    chain.apply(to_fast(chain, 1, BALANCE))
    chain.apply(to_fast(chain, 2, BALANCE))
    yield from run_operation(chain.state, to_fast(chain, 3, BALANCE), E.BalanceOverflow)


@vector
def invalid_move_to_fast_unknown_sender() -> Vector:
    chain = new_chain()
    tx = to_fast(chain, N_ACCOUNTS, 1, key=dev_l2_key(N_ACCOUNTS))
    yield from run_operation(chain.state, tx, E.UnknownAccount)


# MoveFromFast: the damage bound


@vector
def move_from_fast() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    yield from run_operation(chain.state, from_fast(chain, 3, 60, exit_id=9))
    state = chain.state
    assert state.escrow_balance(0) == 40 and state.balance(3, 0) == BALANCE + 60
    assert state.account_nonce(3) == 0  # unsigned: the recipient's nonce stays


@vector
def move_from_fast_empties_the_escrow() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    yield from run_operation(chain.state, from_fast(chain, 1, 100))
    assert chain.state.escrow_balance(0) == 0 and chain.state.balance(1, 0) == BALANCE


@vector
def invalid_move_from_fast_beyond_escrow() -> Vector:
    # A compromised fast chain claims more than was moved onto it: the escrow pays nothing.
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    yield from run_operation(chain.state, from_fast(chain, 2, 101), E.EscrowInsufficient)


@vector
def invalid_move_from_fast_empty_escrow() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, from_fast(chain, 2, 1), E.EscrowInsufficient)


@vector
def invalid_move_from_fast_other_token() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    yield from run_operation(chain.state, from_fast(chain, 2, 1, token=1), E.NotMovableToken)


@vector
def invalid_move_from_fast_unknown_recipient() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    yield from run_operation(chain.state, from_fast(chain, N_ACCOUNTS, 1), E.UnknownAccount)


@vector
def invalid_move_from_fast_to_the_escrow() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    escrow = chain.params.escrow_index
    yield from run_operation(chain.state, from_fast(chain, escrow, 1), E.UnknownAccount)


@vector
def invalid_move_from_fast_amount_zero() -> Vector:
    chain = new_chain()
    chain.apply(to_fast(chain, 1, 100))
    yield from run_operation(chain.state, from_fast(chain, 2, 0), E.AmountOutOfRange)


# CreateCollection


@vector
def create_collection() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, create(chain))
    collection = chain.state.collection(GAME_COLLECTION)
    assert collection is not None and collection.minter == GAME and collection.cap == 2
    assert (collection.round, collection.minted) == (0, 0)


@vector
def create_collection_highest_id_and_cap() -> Vector:
    chain = new_chain()
    top = chain.params.max_collections - 1
    yield from run_operation(chain.state, create(chain, collection_id=top, cap=2**32 - 1))


@vector
def invalid_create_collection_exists() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, create(chain, collection_id=1), E.CollectionExists)


@vector
def invalid_create_collection_zero_cap() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, create(chain, cap=0), E.AmountOutOfRange)


@vector
def invalid_create_collection_id_beyond_tree() -> Vector:
    chain = new_chain()
    tx = create(chain, collection_id=chain.params.max_collections)
    yield from run_operation(chain.state, tx, E.IdOutOfRange)


@vector
def invalid_create_collection_tampered_minter() -> Vector:
    chain = new_chain()
    tx = replace(create(chain), minter=OTHER_GAME)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_create_collection_tampered_cap() -> Vector:
    chain = new_chain()
    tx = replace(create(chain), cap=3)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


# GameMint: the cap per round


@vector
def game_mint() -> Vector:
    chain = with_game()
    yield from run_operation(chain.state, prize(chain, 3))
    nft = chain.state.nft(0)
    assert nft is not None and (nft.owner, nft.collection_id) == (3, GAME_COLLECTION)
    collection = chain.state.collection(GAME_COLLECTION)
    assert collection is not None and (collection.round, collection.minted) == (1, 1)


@vector
def game_mint_up_to_the_cap() -> Vector:
    chain = with_game(cap=2)
    chain.apply(prize(chain, 3))
    yield from run_operation(chain.state, prize(chain, 1, report_id=1))
    collection = chain.state.collection(GAME_COLLECTION)
    assert collection is not None and collection.minted == 2


@vector
def game_mint_next_round_resets_the_count() -> Vector:
    chain = with_game(cap=1)
    chain.apply(prize(chain, 3))
    yield from run_operation(chain.state, prize(chain, 3, round_=5, report_id=1))
    collection = chain.state.collection(GAME_COLLECTION)
    assert collection is not None and (collection.round, collection.minted) == (5, 1)


@vector
def invalid_game_mint_beyond_the_cap() -> Vector:
    # A compromised fast chain reports more winners than the round's cap: the third is refused.
    chain = with_game(cap=2)
    chain.apply(prize(chain, 3))
    chain.apply(prize(chain, 1, report_id=1))
    yield from run_operation(chain.state, prize(chain, 0, report_id=2), E.RoundCapReached)


@vector
def invalid_game_mint_closed_round() -> Vector:
    chain = with_game()
    chain.apply(prize(chain, 3, round_=4))
    yield from run_operation(chain.state, prize(chain, 3, round_=3), E.RoundClosed)


@vector
def invalid_game_mint_other_game() -> Vector:
    chain = with_game()
    tx = prize(chain, 3, game=OTHER_GAME)
    yield from run_operation(chain.state, tx, E.NotCollectionGame)


@vector
def invalid_game_mint_ordinary_collection() -> Vector:
    chain = with_game()
    tx = prize(chain, 3, collection_id=0)
    yield from run_operation(chain.state, tx, E.NotGameCollection)


@vector
def invalid_game_mint_unknown_collection() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, prize(chain, 3), E.UnknownCollection)


@vector
def invalid_game_mint_unknown_recipient() -> Vector:
    chain = with_game()
    yield from run_operation(chain.state, prize(chain, N_ACCOUNTS), E.UnknownAccount)


@vector
def invalid_nft_mint_into_game_collection() -> Vector:
    # A game collection mints only from its game's reports, never by a signed NftMint (even
    # one signed by an account whose address is the game's).
    chain = with_game()
    minter_address = chain.state.account_eth_address(0)
    assert minter_address is not None
    chain.apply(create(chain, collection_id=8, minter=minter_address))
    tx = chain.nft_mint(0, 1, collection_id=8)
    yield from run_operation(chain.state, tx, E.NotGameCollection)


# NftList, NftCancel


@vector
def nft_list() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    yield from run_operation(chain.state, listing(chain, 1, 0))
    nft = chain.state.nft(0)
    assert nft is not None and (nft.list_token, nft.list_price) == (0, PRICE)


@vector
def nft_list_replaces_a_listing() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, listing(chain, 1, 0, price=7, token=1))
    nft = chain.state.nft(0)
    assert nft is not None and (nft.list_token, nft.list_price) == (1, 7)


@vector
def invalid_nft_list_not_owner() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    yield from run_operation(chain.state, listing(chain, 2, 0), E.NotNftOwner)


@vector
def invalid_nft_list_unknown_nft() -> Vector:
    chain = new_chain()
    yield from run_operation(chain.state, listing(chain, 1, 0), E.UnknownNft)


@vector
def invalid_nft_list_zero_price() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    yield from run_operation(chain.state, listing(chain, 1, 0, price=0), E.AmountOutOfRange)


@vector
def invalid_nft_list_tampered_price() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    tx = replace(listing(chain, 1, 0), price=1)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_nft_list_tampered_expiry() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    tx = replace(listing(chain, 1, 0), expiry=2**64 - 1)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def nft_cancel() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, cancel(chain, 1, 0))
    nft = chain.state.nft(0)
    assert nft is not None and not nft.listed and nft.owner == 1


@vector
def invalid_nft_cancel_not_listed() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    yield from run_operation(chain.state, cancel(chain, 1, 0), E.NftNotListed)


@vector
def invalid_nft_cancel_not_owner() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, cancel(chain, 2, 0), E.NotNftOwner)


@vector
def nft_transfer_clears_the_listing() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, chain.nft_transfer(1, 2, 0))
    nft = chain.state.nft(0)
    assert nft is not None and nft.owner == 2 and not nft.listed


# NftBuy


@vector
def nft_buy() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, buy(chain, 3, 0))
    state = chain.state
    nft = state.nft(0)
    assert nft is not None and nft.owner == 3 and not nft.listed
    assert state.balance(3, 0) == BALANCE - PRICE and state.balance(1, 0) == BALANCE + PRICE


@vector
def nft_buy_at_the_expiry_second() -> Vector:
    chain = with_listed_nft(expiry=VECTOR_TIME)
    yield from run_operation(chain.state, buy(chain, 3, 0))


@vector
def nft_buy_in_another_token() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    chain.apply(listing(chain, 1, 0, token=1, price=3))
    yield from run_operation(chain.state, buy(chain, 2, 0, token=1, price=3))
    assert chain.state.balance(1, 1) == BALANCE + 3


@vector
def invalid_nft_buy_expired() -> Vector:
    chain = with_listed_nft(expiry=VECTOR_TIME - 1)
    yield from run_operation(chain.state, buy(chain, 3, 0), E.ListingExpired)


@vector
def invalid_nft_buy_after_cancel() -> Vector:
    chain = with_listed_nft()
    chain.apply(cancel(chain, 1, 0))
    yield from run_operation(chain.state, buy(chain, 3, 0), E.NftNotListed)


@vector
def invalid_nft_buy_twice() -> Vector:
    chain = with_listed_nft()
    chain.apply(buy(chain, 3, 0))
    yield from run_operation(chain.state, buy(chain, 2, 0), E.NftNotListed)


@vector
def invalid_nft_buy_underpaying() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, buy(chain, 3, 0, price=PRICE - 1), E.PriceMismatch)


@vector
def invalid_nft_buy_other_token() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, buy(chain, 3, 0, token=1), E.PriceMismatch)


@vector
def invalid_nft_buy_own_nft() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, buy(chain, 1, 0), E.BuyOwnNft)


@vector
def invalid_nft_buy_insufficient_balance() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    chain.apply(listing(chain, 1, 0, price=BALANCE + 1))
    tx = buy(chain, 3, 0, price=BALANCE + 1)
    yield from run_operation(chain.state, tx, E.InsufficientBalance)


@vector
def invalid_nft_buy_unlisted() -> Vector:
    chain = new_chain()
    chain.apply(chain.nft_mint(0, 1))
    yield from run_operation(chain.state, buy(chain, 3, 0), E.NftNotListed)


@vector
def invalid_nft_buy_tampered_price() -> Vector:
    chain = with_listed_nft()
    tx = replace(buy(chain, 3, 0, price=PRICE - 1), price=PRICE)
    yield from run_operation(chain.state, tx, E.BadEdDSASignature)


@vector
def invalid_nft_buy_signed_by_other_key() -> Vector:
    chain = with_listed_nft()
    yield from run_operation(chain.state, buy(chain, 3, 0, key=dev_l2_key(2)), E.BadEdDSASignature)
