"""The local devnet's embedded defaults: well-known INSECURE dev accounts, funded on both chains.

The dev accounts are anvil's (the mnemonic "test test … junk", accounts 0..N-1), so every
Ethereum tool already knows their keys. Each also has an L2 (EdDSA) key derived from its Ethereum
key, registered at genesis with balances on the ZK chain. Never use them outside a devnet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from eth_account import Account
from eth_account.signers.local import LocalAccount

from zkbraid.config import ONE_ZKPOW, BlockTiming, ChainParams, FaucetParams
from zkbraid.fast.params import FastParams
from zkbraid.fast.system_contracts import system_genesis_code
from zkbraid.hybrid.verifier_source import ownership_verifier_runtime
from zkbraid.market.params import MarketParams
from zkbraid.settlement.deposits import BridgeParams
from zkbraid.zk.genesis import ZkGenesis, devnet_genesis

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
DEV_FAST_WEI = 10_000 * 10**18
DEV_ZKPOW = 10_000 * ONE_ZKPOW
DEV_VALIDATOR_INDEX = 9
"""The dev account whose key is the solo devnet's validator key: it attests batches' data on L1
(the rollup's validator set at deployment)."""
DEV_VERIFYING_KEY_HASH = bytes.fromhex(
    "2ff5b23634cb5b1bfd02fb9106c5edb94f381abb3b600ee4889661bd28a00a85"
)
"""The hash of the development keys' verifying key (proving/verifying_key.py): the dev keys are
reproducible (proving/build.py: the shared dev powers of tau and a fixed public beacon), so every
machine builds this key from this release's circuit sources, and a devnet node with any other
refuses to start. tests/proving/test_build.py checks the built key against it; update it when
the circuit changes."""


@dataclass(frozen=True)
class Devnet:
    params: ChainParams
    zk_genesis: ZkGenesis
    accounts: list[LocalAccount]


def dev_accounts(n: int = DEV_ACCOUNTS) -> list[LocalAccount]:
    """anvil's well-known dev accounts (INSECURE: their keys are public)."""
    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(n)
    ]


def devnet(
    n_accounts: int = DEV_ACCOUNTS,
    timing: BlockTiming | None = None,
    market: MarketParams | None = None,
    verifying_key_hash: bytes | None = DEV_VERIFYING_KEY_HASH,
    *,
    bridge: BridgeParams | None = None,
) -> Devnet:
    """The devnet's chain parameters and genesis; `verifying_key_hash=None` makes a chain that
    accepts no proofs (unit tests without circuit keys)."""
    accounts = dev_accounts(n_accounts)
    addresses = [bytes.fromhex(a.address[2:]) for a in accounts]
    params = ChainParams(
        fast=replace(
            FastParams(),
            genesis_alloc={a: DEV_FAST_WEI for a in addresses},
            # The system contracts (docs/hybrid.md), the ownership proofs' verifier included.
            genesis_code=system_genesis_code(verifier_runtime=ownership_verifier_runtime()),
        ),
        timing=timing or BlockTiming(),
        faucet=FaucetParams(enabled=True),
        market=market or MarketParams(),
        zkpow_alloc=tuple((a, DEV_ZKPOW) for a in addresses),
        verifying_key_hash=verifying_key_hash,
        bridge=bridge or BridgeParams(),
    )
    zk_genesis = devnet_genesis(n_accounts)
    return Devnet(params=params, zk_genesis=zk_genesis, accounts=accounts)
