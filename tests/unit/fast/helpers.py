"""Keys, signing and chain set-up shared by the fast-chain tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import rlp
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from zkbraid.fast.chain import FastChain
from zkbraid.fast.params import FastParams
from zkbraid.fast.rpc import RpcLimits
from zkbraid.ledger.kv import KVStore, memory_store

CHAIN_ID = 0x7A6C
GWEI = 10**9
ETHER = 10**18
#: The gas an `eth_call` gets when it names none (the RPC's default limit).
GAS_CAP = RpcLimits().rpc_gas_cap
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

ALICE, BOB, CAROL, DAVE = (Account.from_key((i + 1).to_bytes(32, "big")) for i in range(4))
#: Never funded.
NOBODY = Account.from_key((99).to_bytes(32, "big"))


def addr(account: LocalAccount) -> bytes:
    return bytes.fromhex(account.address[2:])


def default_params(**overrides: Any) -> FastParams:
    alloc = {addr(ALICE): 100 * ETHER, addr(BOB): 100 * ETHER, addr(CAROL): 5 * ETHER}
    return replace(FastParams(genesis_alloc=alloc), **overrides)


def new_chain(**overrides: Any) -> tuple[KVStore, FastChain]:
    store = memory_store()
    return store, FastChain(store.namespace("fast"), default_params(**overrides))


def sign(account: LocalAccount, **fields: Any) -> bytes:
    """A signed transaction; EIP-1559 by default, legacy with `gasPrice`, type 1 with `type`."""
    tx: dict[str, Any] = {"chainId": CHAIN_ID, "nonce": 0, "gas": 21_000, "value": 0}
    if "gasPrice" not in fields:
        tx.update(maxFeePerGas=2 * GWEI, maxPriorityFeePerGas=GWEI // 10, type=2)
    tx.update(fields)
    if tx.get("chainId") is None:
        del tx["chainId"]
    if "to" in tx and isinstance(tx["to"], bytes):
        tx["to"] = to_checksum_address(tx["to"])
    return bytes(account.sign_transaction(tx).raw_transaction)


def resign_fields(raw: bytes, **changes: int) -> bytes:
    """`raw` with its signature fields (y_parity/v, r, s) replaced, not re-signed."""
    typed = raw[0] < 0x80
    items = rlp.decode(raw[1:] if typed else raw)
    names = {"v": -3, "r": -2, "s": -1}
    for name, value in changes.items():
        items[names[name]] = value.to_bytes((value.bit_length() + 7) // 8, "big")
    encoded = bytes(rlp.encode(items))
    return raw[:1] + encoded if typed else encoded


def transfer(account: LocalAccount, to: bytes, value: int, nonce: int, **fields: Any) -> bytes:
    return sign(account, to=to, value=value, nonce=nonce, **fields)
