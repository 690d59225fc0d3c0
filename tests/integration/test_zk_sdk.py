"""The ZK chain through a real node, driven by the SDK: every transaction type, and every bad
input answered by a specific JSON-RPC error that leaves all state unchanged."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.integration.conftest import NodeProcess
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import RpcError
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.transactions import sign_nft_mint, sign_register_key, sign_transfer

ZK_ID = 0x7A6B


@pytest.fixture(scope="module")
def client(node: NodeProcess) -> BraidClient:
    return BraidClient(node.url)


@pytest.fixture(scope="module")
def alice(client: BraidClient) -> Wallet:
    w = Wallet.generate()
    client.wait(client.faucet(w.address))
    client.wait(client.send_register_key(w))
    return w


def snapshot(client: BraidClient) -> dict[str, Any]:
    """Everything a rejected transaction must leave as it was."""
    return {
        "root": client.rpc.call("zk_getRoot"),
        "dev0": client.zk_account(0),
        "dev1": client.zk_account(1),
        "pending": client.status()["pending"],
    }


def test_register_transfer_mint_and_nft_transfer(client: BraidClient, alice: Wallet) -> None:
    acct = client.zk_account(alice.address)
    assert acct is not None and acct["nonce"] == 0
    assert acct["publicKey"] == [hex(alice.l2_key.public_key.x), hex(alice.l2_key.public_key.y)]

    dev0 = Wallet.dev(0)
    before = client.zk_balance(alice.address)
    st = client.wait(client.send_transfer(dev0, alice.address, 1234))
    assert st["status"] == "committed" and st["kind"] == "ZK"
    assert st["result"]["oldRoot"] != st["result"]["newRoot"]
    assert client.zk_balance(alice.address) == before + 1234

    st = client.wait(client.send_transfer(alice, 0, 34))
    assert client.zk_balance(alice.address) == before + 1200

    st = client.wait(client.send_nft_mint(dev0, 0, alice.address, 0xC0FFEE))
    nft_id = st["result"]["nftId"]
    nft = client.zk_nft(nft_id)
    assert nft is not None and nft["ownerAddress"].lower() == alice.address.lower()
    assert nft["contentHash"] == hex(0xC0FFEE)

    client.wait(client.send_nft_transfer(alice, 1, nft_id))
    nft = client.zk_nft(nft_id)
    assert nft is not None and nft["owner"] == 1

    block = client.block(st["height"], True)
    assert block is not None and block["chain"] == "ZK"
    assert block["transactions"][st["index"]]["hash"] == st["hash"]


def test_zkpow_fees_are_charged(client: BraidClient, alice: Wallet) -> None:
    before = client.zkpow_balance(alice.address)
    client.wait(client.send_transfer(alice, 0, 1, fee=client.fee("transfer") + 5))
    assert client.zkpow_balance(alice.address) == before - client.fee("transfer") - 5


def _raw_error(client: BraidClient, method: str, *params: Any) -> dict[str, Any]:
    reply = requests.post(
        client.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    ).json()
    assert "error" in reply, reply
    error: dict[str, Any] = reply["error"]
    return error


def _transfer(**kw: Any) -> bytes:
    args: dict[str, Any] = dict(
        chain_id=ZK_ID, from_index=0, to_index=1, token=0, amount=1, nonce=None, fee=10**16
    )
    key = kw.pop("key", dev_l2_key(0))
    args.update(kw)
    return sign_transfer(key, **args).encode()


Case = Callable[[BraidClient], bytes]


def _nonce(client: BraidClient, index: int = 0) -> int:
    return client.next_nonce(index)


INVALID: dict[str, tuple[Case, str]] = {
    "malformed_rlp": (lambda c: b"\x11\xff\xff", "MalformedTransaction"),
    "unknown_type": (lambda c: b"\x7f\xc0", "MalformedTransaction"),
    "trailing_bytes": (lambda c: _transfer(nonce=_nonce(c)) + b"\x00", "MalformedTransaction"),
    "wrong_chain_id": (lambda c: _transfer(nonce=_nonce(c), chain_id=1), "WrongZkChainId"),
    "bad_signature": (
        lambda c: _transfer(nonce=_nonce(c), key=dev_l2_key(1)),
        "BadEdDSASignature",
    ),
    "replayed_nonce": (lambda c: _transfer(nonce=_nonce(c) - 1), "NonceTooLow"),
    "gapped_nonce": (lambda c: _transfer(nonce=_nonce(c) + 1), "NonceTooHigh"),
    "insufficient_balance": (
        lambda c: _transfer(nonce=_nonce(c), amount=2**127),
        "InsufficientBalance",
    ),
    "fee_below_schedule": (lambda c: _transfer(nonce=_nonce(c), fee=1), "FeeTooLow"),
    "unknown_recipient": (
        lambda c: _transfer(nonce=_nonce(c), to_index=999_999),
        "UnknownAccount",
    ),
    "oversized_amount": (
        lambda c: b"",  # replaced below: an amount field of 17 bytes
        "AmountOutOfRange",
    ),
    "mint_by_non_minter": (
        lambda c: sign_nft_mint(
            dev_l2_key(1),
            chain_id=ZK_ID,
            minter_index=1,
            collection_id=0,
            to_index=1,
            content_hash=1,
            nonce=_nonce(c, 1),
            fee=2 * 10**16,
        ).encode(),
        "NotCollectionMinter",
    ),
    "unknown_collection": (
        lambda c: sign_nft_mint(
            dev_l2_key(0),
            chain_id=ZK_ID,
            minter_index=0,
            collection_id=77,
            to_index=1,
            content_hash=1,
            nonce=_nonce(c),
            fee=2 * 10**16,
        ).encode(),
        "UnknownCollection",
    ),
    "register_twice": (
        lambda c: sign_register_key(
            bytes(Wallet.dev(0).eth.key),
            dev_l2_key(0).public_key,
            chain_id=ZK_ID,
            fee=10**16,
        ).encode(),
        "AddressAlreadyRegistered",
    ),
}


def _oversized_amount(c: BraidClient) -> bytes:
    import rlp

    good = _transfer(nonce=_nonce(c))
    items = rlp.decode(good[1:])
    items[4] = b"\x01" + b"\x00" * 16  # 2^128: one past U128
    return good[:1] + rlp.encode(items)


INVALID["oversized_amount"] = (_oversized_amount, "AmountOutOfRange")


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_zk_transactions(client: BraidClient, alice: Wallet, name: str) -> None:
    make, expected = INVALID[name]
    raw = make(client)
    before = snapshot(client)
    error = _raw_error(client, "zk_sendRawTransaction", "0x" + raw.hex())
    assert error["data"]["error"] == expected, error
    assert error["message"]
    assert snapshot(client) == before


def test_invalid_unknown_nft_and_non_owner(client: BraidClient, alice: Wallet) -> None:
    with pytest.raises(RpcError) as e:
        client.send_nft_transfer(Wallet.dev(1), 0, 10**6)
    assert e.value.name == "UnknownNft"
    st = client.wait(client.send_nft_mint(Wallet.dev(0), 0, 0, 5))
    with pytest.raises(RpcError) as e:
        client.send_nft_transfer(Wallet.dev(1), 0, st["result"]["nftId"])
    assert e.value.name == "NotNftOwner"


def test_invalid_rpc_params(client: BraidClient) -> None:
    assert _raw_error(client, "zk_sendRawTransaction", "nothex")["data"]["error"] == "InvalidParams"
    assert _raw_error(client, "zk_getAccount")["data"]["error"] == "InvalidParams"
    assert _raw_error(client, "no_such_method")["code"] == -32601


def test_interleaved_order(client: BraidClient) -> None:
    head = client.status()["height"]
    blocks = client.blocks(1, head)
    assert [b["height"] for b in blocks] == list(range(1, head + 1))
    assert {b["chain"] for b in blocks} == {"ZK", "FAST"}
    for prev, b in itertools.pairwise(blocks):
        assert b["parentHash"] == prev["hash"]
    last_of: dict[str, dict[str, Any]] = {}
    for b in blocks:
        if b["chain"] in last_of:
            assert b["chainParentHash"] == last_of[b["chain"]]["hash"]
            assert b["chainHeight"] == last_of[b["chain"]]["chainHeight"] + 1
        last_of[b["chain"]] = b
