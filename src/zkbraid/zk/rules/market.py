"""The rules of the NFT market: NftList, NftCancel, NftBuy.

NftBuy is the one rule that reads the block: its listing's expiry against the ZK block's time
(`TxContext.time_s`), which its public-data record also holds, so a proof made for another time
does not verify.
"""

from __future__ import annotations

from zkbraid.zk.errors import (
    BuyOwnNft,
    ListingExpired,
    NftNotListed,
    PriceMismatch,
    TokenIdOutOfRange,
)
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules.base import (
    NOTHING_CREATED,
    BlockTimeRequired,
    Created,
    TxContext,
    WitnessSlots,
    ZkRule,
)
from zkbraid.zk.rules.checks import (
    check_amount,
    check_credit,
    check_debit,
    check_eddsa,
    check_nonce,
    increment_nonce,
    move_balance,
    require_account,
    require_nft,
    require_owned_nft,
    sender_pays,
)
from zkbraid.zk.rules.pubdata import (
    BLOCK_TIME,
    NFT_BYTES,
    TIME_BYTES,
    PubdataLayout,
    PubField,
    account,
    amount,
    token,
)
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import NftBuy, NftCancel, NftList

_NFT = PubField("nft_id", NFT_BYTES)

# NftList


def validate_nft_list(state: ZkState, tx: NftList, params: ZkParams, context: TxContext) -> None:
    """The owner lists an NFT at a positive price of a valid token (a new listing replaces)."""
    if tx.token >= params.max_tokens:
        raise TokenIdOutOfRange(f"token id {tx.token} is not below {params.max_tokens}")
    check_amount(tx.price, params)
    require_owned_nft(state, tx.owner_index, tx.nft_id, params)
    check_nonce(state, tx, params, context)
    check_eddsa(state, tx)


def apply_nft_list(state: ZkState, tx: NftList) -> Created:
    state.set_nft_listing(tx.nft_id, tx.token, tx.price, tx.expiry)
    increment_nonce(state, tx.owner_index)
    return NOTHING_CREATED


def fill_nft_list(w: WitnessSlots, tx: NftList, time_s: int | None) -> None:
    nft = w.open_nft(tx.nft_id)
    w.set(nftId=tx.nft_id, token=tx.token, amount=tx.price, expiry=tx.expiry)
    w.signature(tx)
    w.account_a(tx.owner_index, None)
    listing = (tx.token, tx.price, tx.expiry)
    w.nft_slot(tx.nft_id, tx.owner_index, nft.collection_id, nft.content_hash, listing)


NFT_LIST = ZkRule(
    NftList,
    validate=validate_nft_list,
    apply=apply_nft_list,
    fee_key="nft_list",
    payer=sender_pays,
    pubdata=PubdataLayout(
        header=(account("owner_index"), _NFT, token(), PubField("expiry", TIME_BYTES)),
        wide=(amount("price"),),
    ),
    fill_witness=fill_nft_list,
)

# NftCancel


def validate_nft_cancel(
    state: ZkState, tx: NftCancel, params: ZkParams, context: TxContext
) -> None:
    """The owner withdraws a listing."""
    nft = require_owned_nft(state, tx.owner_index, tx.nft_id, params)
    if not nft.listed:
        raise NftNotListed(f"NFT {tx.nft_id} is not listed")
    check_nonce(state, tx, params, context)
    check_eddsa(state, tx)


def apply_nft_cancel(state: ZkState, tx: NftCancel) -> Created:
    state.set_nft_listing(tx.nft_id, 0, 0, 0)
    increment_nonce(state, tx.owner_index)
    return NOTHING_CREATED


def fill_nft_cancel(w: WitnessSlots, tx: NftCancel, time_s: int | None) -> None:
    nft = w.open_nft(tx.nft_id)
    w.set(nftId=tx.nft_id)
    w.signature(tx)
    w.account_a(tx.owner_index, None)
    w.nft_slot(tx.nft_id, tx.owner_index, nft.collection_id, nft.content_hash)


NFT_CANCEL = ZkRule(
    NftCancel,
    validate=validate_nft_cancel,
    apply=apply_nft_cancel,
    fee_key="nft_cancel",
    payer=sender_pays,
    pubdata=PubdataLayout(header=(account("owner_index"), _NFT)),
    fill_witness=fill_nft_cancel,
)

# NftBuy


def validate_nft_buy(state: ZkState, tx: NftBuy, params: ZkParams, context: TxContext) -> None:
    """A listed NFT, before its expiry, for exactly its token and price, paid by the buyer.

    Raises `BlockTimeRequired` without the block's time in `context`.
    """
    time_s = context.time_s
    if time_s is None:
        raise BlockTimeRequired("an NftBuy is validated against the ZK block's time")
    require_account(state, tx.buyer_index, "buyer")
    nft = require_nft(state, tx.nft_id, params)
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
    check_nonce(state, tx, params, context)
    check_debit(state, tx.buyer_index, tx.token, tx.price)
    check_credit(state, nft.owner, tx.token, tx.price, params)
    check_eddsa(state, tx)


def apply_nft_buy(state: ZkState, tx: NftBuy) -> Created:
    nft = state.nft(tx.nft_id)
    assert nft is not None
    seller = nft.owner
    move_balance(state, tx.buyer_index, tx.token, -tx.price)
    move_balance(state, seller, tx.token, tx.price)
    state.set_nft_owner(tx.nft_id, tx.buyer_index)
    increment_nonce(state, tx.buyer_index)
    return NOTHING_CREATED


def fill_nft_buy(w: WitnessSlots, tx: NftBuy, time_s: int | None) -> None:
    # A (the buyer) pays B (the owner, the seller), the NFT goes to A, unlisted.
    assert time_s is not None  # its public data needs it, and the builder made that first
    nft = w.open_nft(tx.nft_id)
    seller = nft.owner
    w.set(accountB=seller, nftId=tx.nft_id, token=tx.token, amount=tx.price, time=time_s)
    w.signature(tx)
    w.account_a(tx.buyer_index, w.balance_slot("a", tx.buyer_index, tx.token, -tx.price))
    w.account_b(seller, w.balance_slot("b", seller, tx.token, tx.price))
    w.nft_slot(tx.nft_id, tx.buyer_index, nft.collection_id, nft.content_hash)


def _seller(state: ZkState, tx: NftBuy) -> int | None:
    nft = state.nft(tx.nft_id)
    return None if nft is None else nft.owner


NFT_BUY = ZkRule(
    NftBuy,
    validate=validate_nft_buy,
    apply=apply_nft_buy,
    fee_key="nft_buy",
    payer=sender_pays,
    pubdata=PubdataLayout(
        header=(account("buyer_index"), _NFT, token(), PubField("time", TIME_BYTES, BLOCK_TIME)),
        wide=(amount("price"),),
    ),
    fill_witness=fill_nft_buy,
    second_account=_seller,
)
