"""The typed Python client of zkbraid: keys, signing, every transaction type, waiting.

    from zkbraid.sdk import BraidClient, Wallet
    client = BraidClient("http://127.0.0.1:8645")
    alice = Wallet.generate()
    client.wait(client.faucet(alice.address))
    client.wait(client.send_register_key(alice))
    client.wait(client.send_transfer(Wallet.dev(0), alice.address, 1000))

The fast chain is plain Ethereum JSON-RPC: `client.web3()` is a web3.py instance on the node.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from zkbraid.crypto.eddsa import PrivateKey, derive_l2_key
from zkbraid.market.market_txs import MarketTx, sign_deactivate, sign_heartbeat, sign_register
from zkbraid.market.transactions import SubmitProof
from zkbraid.sdk.rpc import RpcClient
from zkbraid.zk.errors import NftNotListed, UnknownNft
from zkbraid.zk.genesis import dev_eth_private_key
from zkbraid.zk.transactions import (
    ZkTransaction,
    sign_create_collection,
    sign_move_to_fast,
    sign_nft_buy,
    sign_nft_cancel,
    sign_nft_list,
    sign_nft_mint,
    sign_nft_transfer,
    sign_register_key,
    sign_transfer,
    sign_withdraw,
)

AccountRef = str | int
"""A ZK account: its 0x Ethereum address or its account index."""

LISTING_TTL_S = 86_400
"""How long a listing lasts unless told otherwise (one day)."""


class TxFailed(Exception):
    """A transaction was ordered but failed, or was dropped from the mempool."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(
            f"transaction {status.get('hash')} {status['status']}: {status.get('error')}"
        )
        self.status = status


class TxTimeout(Exception):
    """A transaction was not ordered in time (it may still be)."""


@dataclass(frozen=True)
class Wallet:
    """An Ethereum key and the L2 (EdDSA) key derived from it."""

    eth: LocalAccount

    @property
    def address(self) -> str:
        return str(self.eth.address)

    @property
    def address_bytes(self) -> bytes:
        return bytes.fromhex(self.eth.address[2:])

    @property
    def l2_key(self) -> PrivateKey:
        return derive_l2_key(bytes(self.eth.key))

    @classmethod
    def generate(cls) -> Wallet:
        return cls(Account.create())

    @classmethod
    def from_key(cls, eth_private_key: str | bytes) -> Wallet:
        return cls(Account.from_key(eth_private_key))

    @classmethod
    def dev(cls, index: int) -> Wallet:
        """The devnet's `index`-th well-known account (INSECURE: its key is public)."""
        return cls(Account.from_key(dev_eth_private_key(index)))

    @classmethod
    def load(cls, path: str) -> Wallet:
        with open(path) as f:
            data = json.load(f)
        if "ethPrivateKey" not in data:
            raise ValueError(f"{path} is not a braid key file (no ethPrivateKey)")
        return cls.from_key(data["ethPrivateKey"])

    def save(self, path: str) -> None:
        """Writes the key unencrypted, readable by the owner only."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(
                {**self.describe(), "ethPrivateKey": "0x" + bytes(self.eth.key).hex()}, f, indent=2
            )
            f.write("\n")

    def describe(self) -> dict[str, Any]:
        pk = self.l2_key.public_key
        return {"address": self.address, "l2PublicKey": [hex(pk.x), hex(pk.y)]}


class BraidClient:
    """A zkbraid node over JSON-RPC."""

    def __init__(self, url: str = "http://127.0.0.1:8645", timeout: float = 30.0) -> None:
        self.url = url
        self.rpc = RpcClient(url, timeout)
        self._zk_chain_id: int | None = None
        self._fees: dict[str, int] | None = None

    # -- the ledger ------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self.rpc.call("braid_status")
        return result

    def block(self, height: int | str, with_transactions: bool = False) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.rpc.call("braid_getBlock", height, with_transactions)
        return result

    def blocks(self, first: int, count: int = 20) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.rpc.call("braid_getBlocks", first, count)
        return result

    def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.rpc.call("braid_getTransaction", tx_hash)
        return result

    def wait(self, tx_hash: str, timeout: float = 30.0, *, check: bool = True) -> dict[str, Any]:
        """Waits until a transaction is ordered; returns its status.

        Raises TxFailed (when `check`): it failed or was dropped. TxTimeout: still pending.
        """
        status = self.rpc.call(
            "braid_waitForTransaction", tx_hash, int(timeout * 1000), timeout=timeout + 10
        )
        if status is None or status["status"] == "pending":
            raise TxTimeout(f"transaction {tx_hash} not ordered within {timeout:.0f} s")
        if check and status["status"] != "committed":
            raise TxFailed(status)
        result: dict[str, Any] = status
        return result

    def faucet(self, address: str) -> str:
        """Devnet: asks for ZKPoW and fast-chain coins; returns the faucet transaction's hash."""
        return str(self.rpc.call("braid_faucet", address))

    def zkpow_balance(self, address: str) -> int:
        return int(self.rpc.call("braid_getZkpowBalance", address))

    # -- the ZK chain: reads ---------------------------------------------------------------

    @property
    def zk_chain_id(self) -> int:
        if self._zk_chain_id is None:
            self._zk_chain_id = int(self.rpc.call("zk_chainId"), 16)
        return self._zk_chain_id

    def fee(self, tx_type: str) -> int:
        """The schedule's minimum fee of a type (registerKey, transfer, nftMint, nftTransfer,
        withdraw, moveToFast, createCollection, nftList, nftCancel, nftBuy)."""
        if self._fees is None:
            self._fees = {k: int(v) for k, v in self.rpc.call("zk_getFeeSchedule").items()}
        return self._fees[tx_type]

    def zk_account(self, ref: AccountRef) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.rpc.call("zk_getAccount", _ref(ref))
        return result

    def zk_balance(self, ref: AccountRef, token: int = 0) -> int:
        return int(self.rpc.call("zk_getBalance", _ref(ref), token))

    def zk_nft(self, nft_id: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.rpc.call("zk_getNft", nft_id)
        return result

    def zk_collection(self, collection_id: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.rpc.call("zk_getCollection", collection_id)
        return result

    def listings(self, collection: int | None = None) -> list[dict[str, Any]]:
        """Every listed NFT (of `collection`), each with its listing and whether it expired."""
        args = [] if collection is None else [collection]
        result: list[dict[str, Any]] = self.rpc.call("zk_getListings", *args)
        return result

    def escrow(self, token: int = 0) -> int:
        """What the fast-chain escrow holds: the most that can exit the fast chain."""
        return int(self.rpc.call("zk_getEscrow", token))

    def account_index(self, ref: AccountRef) -> int:
        """The account index of an address (or an index, returned as is)."""
        if isinstance(ref, int):
            return ref
        if ref.isdigit():
            return int(ref)
        account = self.zk_account(ref)
        if account is None:
            raise ValueError(f"{ref} has no ZK account (it must register a key first)")
        return int(account["index"])

    def next_nonce(self, index: int) -> int:
        account = self.zk_account(index)
        if account is None:
            raise ValueError(f"no ZK account {index}")
        return int(account["pendingNonce"])

    # -- the ZK chain: transactions --------------------------------------------------------

    def send_zk(self, tx: ZkTransaction) -> str:
        """Submits a signed ZK transaction; returns its hash."""
        return str(self.rpc.call("zk_sendRawTransaction", "0x" + tx.encode().hex()))

    def send_register_key(self, wallet: Wallet, *, fee: int | None = None) -> str:
        tx = sign_register_key(
            bytes(wallet.eth.key),
            wallet.l2_key.public_key,
            chain_id=self.zk_chain_id,
            fee=self.fee("registerKey") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_transfer(
        self,
        wallet: Wallet,
        to: AccountRef,
        amount: int,
        *,
        token: int = 0,
        fee: int | None = None,
        nonce: int | None = None,
    ) -> str:
        sender = self.account_index(wallet.address)
        tx = sign_transfer(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            from_index=sender,
            to_index=self.account_index(to),
            token=token,
            amount=amount,
            nonce=self.next_nonce(sender) if nonce is None else nonce,
            fee=self.fee("transfer") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_withdraw(
        self,
        wallet: Wallet,
        amount: int,
        l1_recipient: str | None = None,
        *,
        fee: int | None = None,
        nonce: int | None = None,
    ) -> str:
        """Burns `amount` of token 0 (L1 ETH) on the ZK chain; L1 pays it to `l1_recipient`
        (the wallet's own address by default) once its batch settles."""
        sender = self.account_index(wallet.address)
        recipient = l1_recipient or wallet.address
        tx = sign_withdraw(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            from_index=sender,
            l1_recipient=bytes.fromhex(recipient[2:]),
            amount=amount,
            nonce=self.next_nonce(sender) if nonce is None else nonce,
            fee=self.fee("withdraw") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_nft_mint(
        self,
        wallet: Wallet,
        collection_id: int,
        to: AccountRef,
        content_hash: int | str,
        *,
        fee: int | None = None,
    ) -> str:
        minter = self.account_index(wallet.address)
        content = int(content_hash, 0) if isinstance(content_hash, str) else content_hash
        tx = sign_nft_mint(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            minter_index=minter,
            collection_id=collection_id,
            to_index=self.account_index(to),
            content_hash=content,
            nonce=self.next_nonce(minter),
            fee=self.fee("nftMint") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_nft_transfer(
        self, wallet: Wallet, to: AccountRef, nft_id: int, *, fee: int | None = None
    ) -> str:
        sender = self.account_index(wallet.address)
        tx = sign_nft_transfer(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            from_index=sender,
            to_index=self.account_index(to),
            nft_id=nft_id,
            nonce=self.next_nonce(sender),
            fee=self.fee("nftTransfer") if fee is None else fee,
        )
        return self.send_zk(tx)

    # -- the hybrid (docs/hybrid.md): moves, game collections, the NFT market --------------

    def _signer(self, wallet: Wallet, nonce: int | None) -> tuple[int, int]:
        """The wallet's account index and the nonce its next transaction carries."""
        index = self.account_index(wallet.address)
        return index, self.next_nonce(index) if nonce is None else nonce

    def send_move_to_fast(
        self, wallet: Wallet, amount: int, *, fee: int | None = None, nonce: int | None = None
    ) -> str:
        """Moves `amount` of token 0 into the fast-chain escrow; the fast block after its ZK
        block credits the wallet's address with as many wei (`Hybrid.move_to_fast` waits)."""
        sender, nonce = self._signer(wallet, nonce)
        tx = sign_move_to_fast(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            from_index=sender,
            amount=amount,
            nonce=nonce,
            fee=self.fee("moveToFast") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_create_collection(
        self,
        wallet: Wallet,
        collection_id: int,
        minter: str | bytes,
        cap: int,
        *,
        fee: int | None = None,
    ) -> str:
        """Creates game collection `collection_id`, minted only by fast-chain contract `minter`
        (its GameReports reports), at most `cap` a round."""
        sender, nonce = self._signer(wallet, None)
        tx = sign_create_collection(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            creator_index=sender,
            collection_id=collection_id,
            minter=bytes.fromhex(minter[2:]) if isinstance(minter, str) else minter,
            cap=cap,
            nonce=nonce,
            fee=self.fee("createCollection") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_nft_list(
        self,
        wallet: Wallet,
        nft_id: int,
        price: int,
        *,
        token: int = 0,
        expiry: int | None = None,
        fee: int | None = None,
    ) -> str:
        """Lists an NFT the wallet owns for `price` of `token` until `expiry` (unix seconds,
        the last second it can be bought; default a day from now). Listing again replaces
        the listing."""
        owner, nonce = self._signer(wallet, None)
        tx = sign_nft_list(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            owner_index=owner,
            nft_id=nft_id,
            token=token,
            price=price,
            expiry=int(time.time()) + LISTING_TTL_S if expiry is None else expiry,
            nonce=nonce,
            fee=self.fee("nftList") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_nft_cancel(self, wallet: Wallet, nft_id: int, *, fee: int | None = None) -> str:
        owner, nonce = self._signer(wallet, None)
        tx = sign_nft_cancel(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            owner_index=owner,
            nft_id=nft_id,
            nonce=nonce,
            fee=self.fee("nftCancel") if fee is None else fee,
        )
        return self.send_zk(tx)

    def send_nft_buy(self, wallet: Wallet, nft_id: int, *, fee: int | None = None) -> str:
        """Buys a listed NFT at exactly its listing's token and price, as the node shows them
        now (if the listing changes before the buy is ordered, the chain refuses it:
        PriceMismatch or NftNotListed).

        Raises UnknownNft, NftNotListed (before sending anything).
        """
        nft = self.zk_nft(nft_id)
        if nft is None:
            raise UnknownNft(f"no NFT {nft_id}")
        listing = nft["listing"]
        if listing is None:
            raise NftNotListed(f"NFT {nft_id} is not listed")
        buyer, nonce = self._signer(wallet, None)
        tx = sign_nft_buy(
            wallet.l2_key,
            chain_id=self.zk_chain_id,
            buyer_index=buyer,
            nft_id=nft_id,
            token=int(listing["token"]),
            price=int(listing["price"]),
            nonce=nonce,
            fee=self.fee("nftBuy") if fee is None else fee,
        )
        return self.send_zk(tx)

    # -- proving ---------------------------------------------------------------------------

    def proof_job(self, tx_hash: str | None = None) -> dict[str, Any] | None:
        """The proving job of a transaction, or of the oldest unproven one."""
        result: dict[str, Any] | None = self.rpc.call(
            "zk_getProofJob", *([] if tx_hash is None else [tx_hash])
        )
        return result

    def submit_proof(self, submission: SubmitProof) -> str:
        """Submits a signed proof submission; returns its transaction hash."""
        return str(self.rpc.call("zk_submitProof", "0x" + submission.encode().hex()))

    # -- the proving market ----------------------------------------------------------------

    def market(self) -> dict[str, Any]:
        """The market at a glance: pool, parameters, provers and open jobs."""
        result: dict[str, Any] = self.rpc.call("braid_market")
        return result

    def prover(self, address: str) -> dict[str, Any] | None:
        """A registered prover (active, balance, jobs done, fines), or None."""
        result: dict[str, Any] | None = self.rpc.call("braid_getProver", address)
        return result

    def assignments(self, address: str) -> list[dict[str, Any]]:
        """The jobs a prover holds now, oldest first."""
        result: list[dict[str, Any]] = self.rpc.call("braid_getAssignments", address)
        return result

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A proving or aggregation job with its bounty, deadline and history."""
        result: dict[str, Any] | None = self.rpc.call("braid_getJob", job_id)
        return result

    def batch(self, index: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.rpc.call("braid_getBatch", index)
        return result

    def aggregation_job(self, batch: int) -> dict[str, Any]:
        """A complete batch's proofs, in order, with their roots (what a bundle carries)."""
        result: dict[str, Any] = self.rpc.call("braid_getAggregationJob", batch)
        return result

    def send_market_tx(self, tx: MarketTx) -> str:
        """Submits a market transaction (registration, heartbeat, deactivation, bundle)."""
        return str(self.rpc.call("braid_sendMarketTx", "0x" + tx.encode().hex()))

    def market_nonce(self, address: str) -> int:
        """The nonce a prover's next heartbeat or deactivation carries."""
        record = self.prover(address)
        if record is None:
            raise ValueError(f"{address} is not a registered prover")
        return int(record["pendingNonce"])

    def register_prover(self, wallet: Wallet) -> str:
        return self.send_market_tx(sign_register(bytes(wallet.eth.key)))

    def heartbeat(self, wallet: Wallet) -> str:
        nonce = self.market_nonce(wallet.address)
        return self.send_market_tx(sign_heartbeat(bytes(wallet.eth.key), nonce))

    def deactivate_prover(self, wallet: Wallet) -> str:
        nonce = self.market_nonce(wallet.address)
        return self.send_market_tx(sign_deactivate(bytes(wallet.eth.key), nonce))

    # -- the fast chain --------------------------------------------------------------------

    def web3(self) -> Web3:
        """web3.py on the node's fast chain (standard eth_* JSON-RPC)."""
        return Web3(Web3.HTTPProvider(self.url))


def _ref(ref: AccountRef) -> str | int:
    if isinstance(ref, str) and ref.isdigit():
        return int(ref)
    return ref
