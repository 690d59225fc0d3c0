"""The rules of NFTs and collections: NftMint, NftTransfer, CreateCollection, GameMint.

A GameMint (a system transaction, from a game's report, docs/hybrid.md) mints into a game
collection at most its cap a round.
"""

from __future__ import annotations

from zkbraid.zk.errors import (
    AmountOutOfRange,
    CollectionExists,
    IdOutOfRange,
    NftTreeFull,
    NotCollectionGame,
    NotCollectionMinter,
    NotGameCollection,
    NotNftOwner,
    RoundCapReached,
    RoundClosed,
    SelfTransfer,
)
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules.base import NOTHING_CREATED, Created, TxContext, WitnessSlots, ZkRule
from zkbraid.zk.rules.checks import (
    check_eddsa,
    check_nonce,
    increment_nonce,
    recipient_pays,
    require_account,
    require_collection,
    require_nft,
    sender_pays,
)
from zkbraid.zk.rules.pubdata import (
    CAP_BYTES,
    COLLECTION_BYTES,
    FIELD_BYTES,
    NFT_BYTES,
    REPORT_ID_BYTES,
    ROUND_BYTES,
    PubdataLayout,
    PubField,
    account,
    address,
)
from zkbraid.zk.state import ZkState, address_to_field
from zkbraid.zk.transactions import CreateCollection, GameMint, NftMint, NftTransfer

_COLLECTION = PubField("collection_id", COLLECTION_BYTES)
_NFT = PubField("nft_id", NFT_BYTES)
_CONTENT = PubField("content_hash", FIELD_BYTES)

# NftMint


def validate_nft_mint(state: ZkState, tx: NftMint, params: ZkParams, context: TxContext) -> None:
    """The collection's minter mints the next NFT id to an existing account."""
    require_account(state, tx.minter_index, "minter")
    require_account(state, tx.to_index, "recipient")
    collection = require_collection(state, tx.collection_id, params)
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
    check_nonce(state, tx, params, context)
    check_eddsa(state, tx)


def apply_nft_mint(state: ZkState, tx: NftMint) -> Created:
    nft_id = state.create_nft(tx.to_index, tx.collection_id, tx.content_hash)
    increment_nonce(state, tx.minter_index)
    return Created(nft_id=nft_id)


def fill_nft_mint(w: WitnessSlots, tx: NftMint, time_s: int | None) -> None:
    nft_id = w.next_nft()
    w.set(
        accountB=tx.to_index,
        collectionId=tx.collection_id,
        contentHash=tx.content_hash,
        nftId=nft_id,
    )
    w.signature(tx)
    w.account_a(tx.minter_index, None)
    # An ordinary collection's leaf is read: written back unchanged (minter = A's address).
    collection = w.state.collection(tx.collection_id)
    minter = w.get("aAddress")
    if collection is None:
        w.collection_slot(tx.collection_id, minter, 0, 0, 0, None)
    else:
        counters = (collection.cap, collection.round, collection.minted)
        w.collection_slot(tx.collection_id, minter, *counters, counters[1:])
    w.nft_slot(nft_id, tx.to_index, tx.collection_id, tx.content_hash)


NFT_MINT = ZkRule(
    NftMint,
    validate=validate_nft_mint,
    apply=apply_nft_mint,
    fee_key="nft_mint",
    payer=sender_pays,
    # the NFT id is the state's counter: not published
    pubdata=PubdataLayout(
        header=(account("minter_index"), _COLLECTION, account("to_index")), wide=(_CONTENT,)
    ),
    fill_witness=fill_nft_mint,
)

# NftTransfer


def validate_nft_transfer(
    state: ZkState, tx: NftTransfer, params: ZkParams, context: TxContext
) -> None:
    """The owner of an existing NFT moves it to another existing account."""
    if tx.from_index == tx.to_index:
        raise SelfTransfer(f"account {tx.from_index} cannot transfer an NFT to itself")
    require_account(state, tx.from_index, "sender")
    require_account(state, tx.to_index, "recipient")
    nft = require_nft(state, tx.nft_id, params)
    if nft.owner != tx.from_index:
        raise NotNftOwner(f"NFT {tx.nft_id} belongs to account {nft.owner}, not {tx.from_index}")
    check_nonce(state, tx, params, context)
    check_eddsa(state, tx)


def apply_nft_transfer(state: ZkState, tx: NftTransfer) -> Created:
    state.set_nft_owner(tx.nft_id, tx.to_index)
    increment_nonce(state, tx.from_index)
    return NOTHING_CREATED


def fill_nft_transfer(w: WitnessSlots, tx: NftTransfer, time_s: int | None) -> None:
    nft = w.open_nft(tx.nft_id)
    w.set(accountB=tx.to_index, nftId=tx.nft_id)
    w.signature(tx)
    w.account_a(tx.from_index, None)
    w.nft_slot(tx.nft_id, tx.to_index, nft.collection_id, nft.content_hash)


NFT_TRANSFER = ZkRule(
    NftTransfer,
    validate=validate_nft_transfer,
    apply=apply_nft_transfer,
    fee_key="nft_transfer",
    payer=sender_pays,
    pubdata=PubdataLayout(header=(account("from_index"), account("to_index"), _NFT)),
    fill_witness=fill_nft_transfer,
)

# CreateCollection


def validate_create_collection(
    state: ZkState, tx: CreateCollection, params: ZkParams, context: TxContext
) -> None:
    """An unused collection id, a cap of at least 1, signed by an existing creator."""
    require_account(state, tx.creator_index, "creator")
    if tx.collection_id >= params.max_collections:
        raise IdOutOfRange(
            f"collection id {tx.collection_id} is not below {params.max_collections}"
        )
    if state.collection(tx.collection_id) is not None:
        raise CollectionExists(f"collection {tx.collection_id} exists")
    if tx.cap == 0:
        raise AmountOutOfRange("a game collection mints at least 1 NFT a round (cap >= 1)")
    check_nonce(state, tx, params, context)
    check_eddsa(state, tx)


def apply_create_collection(state: ZkState, tx: CreateCollection) -> Created:
    state.create_collection(tx.collection_id, tx.minter, tx.cap)
    increment_nonce(state, tx.creator_index)
    return NOTHING_CREATED


def fill_create_collection(w: WitnessSlots, tx: CreateCollection, time_s: int | None) -> None:
    w.set(collectionId=tx.collection_id)
    w.signature(tx)
    w.account_a(tx.creator_index, None)
    # Written into an empty leaf (an existing collection's leaf is not, and the circuit
    # refuses the opening).
    minter = address_to_field(tx.minter)
    w.collection_slot(tx.collection_id, minter, tx.cap, 0, 0, (0, 0), empty=True)


CREATE_COLLECTION = ZkRule(
    CreateCollection,
    validate=validate_create_collection,
    apply=apply_create_collection,
    fee_key="create_collection",
    payer=sender_pays,
    pubdata=PubdataLayout(
        header=(account("creator_index"), _COLLECTION, PubField("cap", CAP_BYTES)),
        wide=(address("minter"),),
    ),
    fill_witness=fill_create_collection,
)

# GameMint


def validate_game_mint(state: ZkState, tx: GameMint, params: ZkParams, context: TxContext) -> None:
    """A prize reported by the game collection's own contract, within its round's cap."""
    collection = require_collection(state, tx.collection_id, params)
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
    require_account(state, tx.to_index, "recipient")
    if state.next_nft_id >= params.max_nfts:
        raise NftTreeFull(f"the NFT tree is full ({params.max_nfts} NFTs)")


def apply_game_mint(state: ZkState, tx: GameMint) -> Created:
    collection = state.collection(tx.collection_id)
    assert collection is not None
    minted = collection.minted + 1 if tx.round == collection.round else 1
    state.set_collection_round(tx.collection_id, tx.round, minted)
    return Created(nft_id=state.create_nft(tx.to_index, tx.collection_id, tx.content_hash))


def fill_game_mint(w: WitnessSlots, tx: GameMint, time_s: int | None) -> None:
    nft_id = w.next_nft()
    w.set(
        eventId=tx.report_id,
        collectionId=tx.collection_id,
        contentHash=tx.content_hash,
        nftId=nft_id,
    )
    w.account_a(tx.to_index, None, nonce_step=0)
    # The game's own address opens the leaf: another reporter's does not.
    collection = w.state.collection(tx.collection_id)
    cap, current, minted = (
        (0, 0, 0) if collection is None else (collection.cap, collection.round, collection.minted)
    )
    new_minted = minted + 1 if tx.round == current else 1
    w.set(round=tx.round)
    game = address_to_field(tx.game)
    w.collection_slot(tx.collection_id, game, cap, current, minted, (tx.round, new_minted))
    w.nft_slot(nft_id, tx.to_index, tx.collection_id, tx.content_hash)


GAME_MINT = ZkRule(
    GameMint,
    validate=validate_game_mint,
    apply=apply_game_mint,
    fee_key=None,
    payer=recipient_pays,
    pubdata=PubdataLayout(
        header=(
            PubField("report_id", REPORT_ID_BYTES),
            _COLLECTION,
            PubField("round", ROUND_BYTES),
            account("to_index"),
        ),
        wide=(_CONTENT, address("game")),
    ),
    fill_witness=fill_game_mint,
)
