"""`zk_*`: the ZK chain's JSON-RPC namespace (submit, accounts, NFTs, statuses, fees)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zkbraid.api.braid_methods import tx_status
from zkbraid.api.jsonrpc import InvalidParams, Params, hex_bytes, hexb, param, quantity
from zkbraid.ledger.envelope import TxKind, wrap

if TYPE_CHECKING:
    from zkbraid.node.node import Node


def build(node: Node) -> dict[str, Any]:
    """The sync `zk_*` methods over a node."""
    app = node.app

    def account_index(ref: Any) -> int | None:
        """An account given as a 0x address or an index (None: no such account)."""
        if isinstance(ref, str) and ref.startswith("0x"):
            return app.zk.account_index(hex_bytes(ref, "account", 20))
        index = quantity(ref, "account")
        return index if app.zk.account(index) is not None else None

    def chain_id(params: Params) -> str:
        return hex(app.params.zk.chain_id)

    def send_raw(params: Params) -> str:
        raw = hex_bytes(param(params, 0, "transaction"), "transaction")
        return hexb(node.engine.broadcast_tx(wrap(TxKind.ZK, raw)))

    def get_account(params: Params) -> dict[str, Any] | None:
        ref = param(params, 0, "account")
        tokens = param(params, 1, "tokens", [0, 1])
        if not isinstance(tokens, list):
            raise InvalidParams("tokens must be an array of token ids")
        with node.lock:
            index = account_index(ref)
            if index is None:
                return None
            acct = app.zk.account(index)
            assert acct is not None
            pending = app.pending_zk_nonce(index)
            return {
                "index": index,
                "address": "0x" + acct.eth_address.hex(),
                "publicKey": [hex(acct.public_key.x), hex(acct.public_key.y)],
                "nonce": acct.nonce,
                "pendingNonce": acct.nonce if pending is None else pending,
                "balances": {
                    str(t): str(app.zk.balance(index, quantity(t, "token"))) for t in tokens
                },
                "zkpow": str(app.zkpow.balance(acct.eth_address)),
            }

    def get_balance(params: Params) -> str:
        token = quantity(param(params, 1, "token", 0), "token")
        with node.lock:
            index = account_index(param(params, 0, "account"))
            return "0" if index is None else str(app.zk.balance(index, token))

    def get_nft(params: Params) -> dict[str, Any] | None:
        nft_id = quantity(param(params, 0, "nftId"), "nftId")
        with node.lock:
            nft = app.zk.nft(nft_id)
            if nft is None:
                return None
            owner = app.zk.account_eth_address(nft.owner)
            return {
                "id": nft.id,
                "owner": nft.owner,
                "ownerAddress": None if owner is None else "0x" + owner.hex(),
                "collection": nft.collection_id,
                "contentHash": hex(nft.content_hash),
            }

    def get_collection(params: Params) -> dict[str, Any] | None:
        cid = quantity(param(params, 0, "collectionId"), "collectionId")
        with node.lock:
            coll = app.zk.collection(cid)
            if coll is None:
                return None
            return {"id": coll.id, "minter": "0x" + coll.minter.hex()}

    def get_transaction(params: Params) -> dict[str, Any] | None:
        return tx_status(node, hex_bytes(param(params, 0, "hash"), "hash", 32))

    def get_root(params: Params) -> dict[str, Any]:
        with node.lock:
            zk = app.zk
            return {
                "root": hex(zk.root()),
                "accountsRoot": hex(zk.accounts_root()),
                "nftsRoot": hex(zk.nfts_root()),
                "collectionsRoot": hex(zk.collections_root()),
                "nextAccountIndex": zk.next_account_index,
                "nextNftId": zk.next_nft_id,
            }

    def fee_schedule(params: Params) -> dict[str, str]:
        f = app.params.fees
        return {
            "registerKey": str(f.register_key),
            "transfer": str(f.transfer),
            "nftMint": str(f.nft_mint),
            "nftTransfer": str(f.nft_transfer),
        }

    def get_proof_job(params: Params) -> dict[str, Any] | None:
        """The proving job of a transaction, or of the oldest unproven one (None: nothing to
        prove). The job is the transaction and its circuit witness (zkbraid.proving)."""
        wanted = param(params, 0, "hash", None)
        if wanted is None:
            jobs = node.store.open_proof_jobs(1)
            record = jobs[0] if jobs else None
        else:
            record = node.store.proof_job(hex_bytes(wanted, "hash", 32))
        if record is None:
            return None
        job = json.loads(record.job)
        return {
            "txHash": hexb(record.tx_hash),
            "height": record.height,
            "index": record.index,
            "proven": record.proven,
            "oldRoot": hex(int(job["witness"]["oldRoot"])),
            "newRoot": hex(int(job["witness"]["newRoot"])),
            "job": job,
        }

    def submit_proof(params: Params) -> str:
        """Submits a signed proof submission (market.transactions.SubmitProof encoding)."""
        raw = hex_bytes(param(params, 0, "submission"), "submission")
        return hexb(node.engine.broadcast_tx(wrap(TxKind.SEQUENCER, raw)))

    return {
        "zk_getProofJob": get_proof_job,
        "zk_submitProof": submit_proof,
        "zk_chainId": chain_id,
        "zk_sendRawTransaction": send_raw,
        "zk_getAccount": get_account,
        "zk_getBalance": get_balance,
        "zk_getNft": get_nft,
        "zk_getCollection": get_collection,
        "zk_getTransaction": get_transaction,
        "zk_getRoot": get_root,
        "zk_getFeeSchedule": fee_schedule,
    }
