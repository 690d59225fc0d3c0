"""`zk_*`: the ZK chain's JSON-RPC namespace (submit, accounts, NFTs and their listings,
collections, the fast-chain escrow, statuses, fees)."""

from __future__ import annotations

import json
from typing import Any

from zkbraid.api.braid_methods import tx_status
from zkbraid.api.jsonrpc import (
    InvalidParams,
    Params,
    camel,
    hex_bytes,
    hexb,
    param,
    quantity,
    submits,
)
from zkbraid.api.view import NodeView
from zkbraid.hybrid import ownership
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.market.records import JobKind, JobStatus
from zkbraid.market.transactions import SUBMIT_PROOF, MalformedSequencerTx
from zkbraid.sequencer.state import SequencerState
from zkbraid.zk.params import MOVE_TOKEN
from zkbraid.zk.rules import RULES
from zkbraid.zk.state import Collection, Nft, ZkState

MAX_TOKENS_LISTED = 64
"""Most token ids one `zk_getAccount` shows the balances of."""


def head_time_s(state: SequencerState) -> int:
    """The time (unix seconds) of the latest block: the next ZK block's time is at least this,
    so a listing whose expiry is before it can no longer be bought (the mempool's check)."""
    return 0 if state.head is None else state.head.timestamp_ms // 1000


def listing_json(nft: Nft, now_s: int) -> dict[str, Any] | None:
    """An NFT's listing (None: not listed); `expired`: its expiry is before `now_s`."""
    if not nft.listed:
        return None
    return {
        "token": nft.list_token,
        "price": str(nft.list_price),
        "expiry": nft.list_expiry,
        "expired": nft.list_expiry < now_s,
    }


def nft_json(zk: ZkState, nft: Nft, now_s: int) -> dict[str, Any]:
    owner = zk.account_eth_address(nft.owner)
    return {
        "id": nft.id,
        "owner": nft.owner,
        "ownerAddress": None if owner is None else "0x" + owner.hex(),
        "collection": nft.collection_id,
        "contentHash": hex(nft.content_hash),
        "listing": listing_json(nft, now_s),
    }


def collection_json(coll: Collection) -> dict[str, Any]:
    """A collection; a game collection (cap >= 1) with its round and how many it minted."""
    return {
        "id": coll.id,
        "minter": "0x" + coll.minter.hex(),
        "game": coll.is_game,
        "cap": coll.cap,
        "round": coll.round,
        "minted": coll.minted,
    }


def build(node: NodeView) -> dict[str, Any]:
    """The sync `zk_*` methods over a node."""

    def account_index(ref: Any) -> int | None:
        """An account given as a 0x address or an index (None: no such account)."""
        zk = node.state.zk
        if isinstance(ref, str) and ref[:2] in ("0x", "0X"):
            return zk.account_index(hex_bytes(ref, "account", 20))
        index = quantity(ref, "account")
        return index if zk.account(index) is not None else None

    def chain_id(params: Params) -> str:
        return hex(node.params.zk.chain_id)

    @submits
    def send_raw(params: Params) -> str:
        raw = hex_bytes(param(params, 0, "transaction"), "transaction")
        return hexb(node.submit(wrap(TxKind.ZK, raw)))

    def get_account(params: Params) -> dict[str, Any] | None:
        ref = param(params, 0, "account")
        tokens = param(params, 1, "tokens", [0, 1])
        if not isinstance(tokens, list) or len(tokens) > MAX_TOKENS_LISTED:
            raise InvalidParams(f"tokens must be an array of at most {MAX_TOKENS_LISTED} token ids")
        token_ids = [quantity(t, "token") for t in tokens]
        with node.lock:
            index = account_index(ref)
            if index is None:
                return None
            state = node.state
            acct = state.zk.account(index)
            assert acct is not None
            pending = node.mempool.zk_nonce(index)
            return {
                "index": index,
                "address": "0x" + acct.eth_address.hex(),
                "publicKey": [hex(acct.public_key.x), hex(acct.public_key.y)],
                "nonce": acct.nonce,
                "pendingNonce": acct.nonce if pending is None else pending,
                "balances": {str(t): str(state.zk.balance(index, t)) for t in token_ids},
                "zkpow": str(state.zkpow.balance(acct.eth_address)),
            }

    def get_balance(params: Params) -> str:
        token = quantity(param(params, 1, "token", 0), "token")
        with node.lock:
            index = account_index(param(params, 0, "account"))
            return "0" if index is None else str(node.state.zk.balance(index, token))

    def get_nft(params: Params) -> dict[str, Any] | None:
        nft_id = quantity(param(params, 0, "nftId"), "nftId")
        with node.lock:
            state = node.state
            nft = state.zk.nft(nft_id)
            return None if nft is None else nft_json(state.zk, nft, head_time_s(state))

    def get_collection(params: Params) -> dict[str, Any] | None:
        cid = quantity(param(params, 0, "collectionId"), "collectionId")
        with node.lock:
            coll = node.state.zk.collection(cid)
            return None if coll is None else collection_json(coll)

    def get_listings(params: Params) -> list[dict[str, Any]]:
        """Every listed NFT (of `collection`, when given), by id, each with whether its listing
        has expired at the latest block's time. Reads every NFT: O(NFTs minted)."""
        wanted = param(params, 0, "collection", None)
        collection = None if wanted is None else quantity(wanted, "collection")
        with node.lock:
            state = node.state
            zk, now_s = state.zk, head_time_s(state)
            out = []
            for nft_id in range(zk.next_nft_id):
                nft = zk.nft(nft_id)
                if nft is None or not nft.listed:
                    continue
                if collection is not None and nft.collection_id != collection:
                    continue
                out.append(nft_json(zk, nft, now_s))
            return out

    def get_escrow(params: Params) -> str:
        """What the fast-chain escrow holds of a token (default 0, the only one moved), as a
        decimal string: at most this much can exit the fast chain."""
        token = quantity(param(params, 0, "token", MOVE_TOKEN), "token")
        with node.lock:
            return str(node.state.zk.escrow_balance(token))

    def get_transaction(params: Params) -> dict[str, Any] | None:
        return tx_status(node, hex_bytes(param(params, 0, "hash"), "hash", 32))

    def get_root(params: Params) -> dict[str, Any]:
        with node.lock:
            zk = node.state.zk
            return {
                "root": hex(zk.root()),
                "accountsRoot": hex(zk.accounts_root()),
                "nftsRoot": hex(zk.nfts_root()),
                "collectionsRoot": hex(zk.collections_root()),
                "nextAccountIndex": zk.next_account_index,
                "nextNftId": zk.next_nft_id,
            }

    def fee_schedule(params: Params) -> dict[str, str]:
        """The minimum fee of every signed type, by its camelCase rule key (registerKey,
        transfer, …), in type-byte order; system transactions pay none."""
        f = node.params.fees
        keys = [rule.fee_key for rule in RULES.values() if rule.fee_key is not None]
        return {camel(key): str(getattr(f, key)) for key in keys}

    def get_proof_job(params: Params) -> dict[str, Any] | None:
        """The proving job of a transaction, or of the oldest unproven one (None: nothing to
        prove). The job is the transaction and its circuit witness (zkbraid.proving)."""
        wanted = param(params, 0, "hash", None)
        with node.lock:
            market = node.state.market
            if wanted is None:
                tx_hash = next((j.job_id for j in market.open_jobs() if j.kind is JobKind.TX), None)
            else:
                tx_hash = hex_bytes(wanted, "hash", 32)
            market_job = market.job(tx_hash) if tx_hash is not None else None
        record = node.ledger.proof_job(tx_hash) if tx_hash is not None else None
        if record is None:
            return None
        job = json.loads(record.job)
        return {
            "txHash": hexb(record.tx_hash),
            "height": record.height,
            "index": record.index,
            "proven": market_job is not None and market_job.status is JobStatus.DONE,
            "oldRoot": hex(int(job["witness"]["oldRoot"])),
            "newRoot": hex(int(job["witness"]["newRoot"])),
            "job": job,
        }

    def get_ownership_witness(params: Params) -> dict[str, Any]:
        """What an ownership proof (zkbraid.hybrid.ownership) of `account` owning an NFT of
        `collection` needs from the state at the latest committed root: the root's preimage, the
        account's and the NFT's leaves and openings. The NFT is `nftId`, or else the lowest-id
        NFT of the collection the account owns. Raises AccountNotFound, NftNotFound,
        NftNotOwned, NftNotInCollection, NoOwnedNft."""
        ref = param(params, 0, "account")
        collection = quantity(param(params, 1, "collection"), "collection")
        wanted = param(params, 2, "nftId", None)
        with node.lock:
            index = account_index(ref)
            if index is None:
                raise ownership.AccountNotFound(f"no ZK account {ref}")
            zk = node.state.zk
            if wanted is None:
                nft_id = ownership.find_owned_nft(zk, index, collection)
            else:
                nft_id = quantity(wanted, "nftId")
            openings = ownership.OwnershipOpenings.from_state(zk, index, nft_id)
        if openings.nft.owner != index:
            raise ownership.NftNotOwned(f"NFT {nft_id} is not owned by account {index}")
        ownership.check_nft_in_collection(openings, collection)
        return {"nftId": nft_id, "openings": openings.to_json_dict()}

    @submits
    def submit_proof(params: Params) -> str:
        """Submits a signed proof submission (market.transactions.SubmitProof encoding, type
        0x02), and nothing else. Raises MalformedSequencerTx for another transaction."""
        raw = hex_bytes(param(params, 0, "submission"), "submission")
        if raw[:1] != bytes([SUBMIT_PROOF]):
            raise MalformedSequencerTx("submission is not a proof submission (type 0x02)")
        return hexb(node.submit(wrap(TxKind.SEQUENCER, raw)))

    return {
        "zk_getProofJob": get_proof_job,
        "zk_submitProof": submit_proof,
        "zk_chainId": chain_id,
        "zk_sendRawTransaction": send_raw,
        "zk_getAccount": get_account,
        "zk_getBalance": get_balance,
        "zk_getNft": get_nft,
        "zk_getCollection": get_collection,
        "zk_getListings": get_listings,
        "zk_getEscrow": get_escrow,
        "zk_getTransaction": get_transaction,
        "zk_getRoot": get_root,
        "zk_getOwnershipWitness": get_ownership_witness,
        "zk_getFeeSchedule": fee_schedule,
    }
