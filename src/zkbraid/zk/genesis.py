"""The ZK chain's genesis: its first accounts, balances and NFT collections, and the devnet's.

The devnet genesis is deterministic and INSECURE by design, like anvil's well-known accounts:
its Ethereum keys are anvil's (the mnemonic "test test test test test test test test test test
test junk", path m/44'/60'/0'/0/i) and each account's L2 key is derived from its Ethereum key by
`derive_l2_key`, the same derivation the SDK uses for users. Anyone can sign for these accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from eth_account import Account

from zkbraid.crypto.eddsa import PrivateKey, PublicKey, derive_l2_key

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_DERIVATION_PATH = "m/44'/60'/0'/0/{index}"

# Devnet defaults: every dev account holds 1,000,000 units (18 decimals) of tokens 0 and 1, and
# collection 0 is minted by dev account 0.
DEV_BALANCE = 1_000_000 * 10**18
DEV_TOKENS = (0, 1)
DEV_COLLECTION_ID = 0


@dataclass(frozen=True)
class GenesisAccount:
    """An account at genesis; accounts get indices 0, 1, 2, … in the order of `ZkGenesis`."""

    eth_address: bytes
    public_key: PublicKey
    balances: Mapping[int, int] = field(default_factory=dict)  # token id -> amount


@dataclass(frozen=True)
class ZkGenesis:
    """The ZK state at genesis: accounts (in index order) and collections (id -> minter)."""

    accounts: tuple[GenesisAccount, ...] = ()
    collections: Mapping[int, bytes] = field(default_factory=dict)  # id -> minter eth address


@cache
def dev_eth_private_key(index: int) -> bytes:
    """The private key of anvil's dev account `index` (slow: BIP-39 seed derivation; cached)."""
    Account.enable_unaudited_hdwallet_features()
    acct = Account.from_mnemonic(DEV_MNEMONIC, account_path=DEV_DERIVATION_PATH.format(index=index))
    return bytes(acct.key)


@cache
def dev_eth_address(index: int) -> bytes:
    """The 20-byte address of anvil's dev account `index`."""
    return bytes.fromhex(Account.from_key(dev_eth_private_key(index)).address[2:])


def dev_l2_key(index: int) -> PrivateKey:
    """The EdDSA key of dev account `index`: `derive_l2_key` of its Ethereum key."""
    return derive_l2_key(dev_eth_private_key(index))


def devnet_genesis(
    n_accounts: int = 10,
    *,
    balance: int = DEV_BALANCE,
    tokens: tuple[int, ...] = DEV_TOKENS,
    collections: Mapping[int, int] | None = None,
) -> ZkGenesis:
    """The devnet genesis: dev accounts 0..n-1 with `balance` of each token.

    `collections` maps collection id -> the dev account index of its minter (default: collection
    0 minted by dev account 0).
    """
    if collections is None:
        collections = {DEV_COLLECTION_ID: 0}
    accounts = tuple(
        GenesisAccount(
            eth_address=dev_eth_address(i),
            public_key=dev_l2_key(i).public_key,
            balances=dict.fromkeys(tokens, balance),
        )
        for i in range(n_accounts)
    )
    return ZkGenesis(
        accounts=accounts,
        collections={cid: dev_eth_address(minter) for cid, minter in collections.items()},
    )


__all__ = [
    "DEV_MNEMONIC",
    "GenesisAccount",
    "ZkGenesis",
    "derive_l2_key",
    "dev_eth_address",
    "dev_eth_private_key",
    "dev_l2_key",
    "devnet_genesis",
]
