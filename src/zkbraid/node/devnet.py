"""The local devnet's embedded defaults: well-known INSECURE dev accounts, funded on both chains.

The dev accounts are anvil's (the mnemonic "test test … junk", accounts 0..N-1), so every
Ethereum tool already knows their keys. Each also has an L2 (EdDSA) key derived from its Ethereum
key, registered at genesis with balances on the ZK chain. Never use them outside a devnet.

The devnet's validators are dev accounts 9, 8, 7, … (one by default), each bonded at genesis with
`DEV_VALIDATOR_BOND` and voting with the consensus key `dev_consensus_seed` derives from its
Ethereum key: sha256("zkbraid devnet consensus key" ‖ Ethereum private key) is the ed25519 seed
(INSECURE, like the keys it comes from).

The devnet's L1 is an anvil (chain id `DEV_L1_CHAIN_ID`) where the rollup is the first contract
its first account deploys, so its address is fixed (`DEV_ROLLUP`): the chain parameters name it
before anything starts, and validators sign attestations for it (ChainParams.l1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import rlp
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak

from zkbraid.config import (
    ONE_ZKPOW,
    BlockTiming,
    ChainParams,
    FaucetParams,
    GenesisValidator,
    L1Params,
)
from zkbraid.fast.params import FastParams
from zkbraid.fast.system_contracts import system_genesis_code
from zkbraid.hybrid.verifier_source import ownership_verifier_runtime
from zkbraid.market.params import MarketParams
from zkbraid.settlement.deposits import BridgeParams
from zkbraid.staking.keys import consensus_public_key
from zkbraid.staking.params import StakingParams
from zkbraid.zk.genesis import ZkGenesis, devnet_genesis

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
DEV_FAST_WEI = 10_000 * 10**18
DEV_ZKPOW = 10_000 * ONE_ZKPOW
DEV_VALIDATOR_INDEX = 9
"""The dev account whose key is the solo devnet's validator key: it attests batches' data on L1
(the rollup's validator set at deployment), and it is the devnet's genesis validator."""
DEV_VALIDATOR_BOND = 1_000 * ONE_ZKPOW
"""What each devnet validator has bonded at genesis (minted beside its 10,000 ZKPoW balance):
1,000 units of voting power."""
DEV_STAKING = StakingParams(unbonding_period_ms=60_000)
"""The devnet's staking rules: the chain's defaults but a one-minute unbonding period, so that
an unbonding is seen to take effect."""
DEV_L1_CHAIN_ID = 31337
"""anvil's chain id (settlement/anvil.py starts it with this one)."""


def contract_address(deployer: bytes, nonce: int) -> bytes:
    """The address of the contract `deployer` creates with `nonce` (CREATE: the last 20 bytes
    of keccak(rlp([deployer, nonce])), the Yellow Paper's eq. 86)."""
    return bytes(keccak(rlp.encode([deployer, nonce])))[12:]


DEV_DEPLOYER = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
"""anvil's first dev account, which deploys the devnet's rollup (settlement/devnet_l1.py)."""
DEV_ROLLUP = contract_address(DEV_DEPLOYER, 0)
"""The devnet rollup's address, 0x5FbDB2315678afecb367f032d93F642f64180aa3: the first
deployment of a fresh anvil. A node whose L1 has the rollup elsewhere refuses to serve batch
submissions (api/settlement_methods.py), since its validators signed for this one."""
DEV_L1 = L1Params(chain_id=DEV_L1_CHAIN_ID, rollup=DEV_ROLLUP)

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


def dev_consensus_seed(index: int) -> bytes:
    """The ed25519 seed of dev account `index`'s consensus key (INSECURE: derived from its
    public Ethereum key, see the module's docstring)."""
    eth_key = bytes(dev_accounts(index + 1)[index].key)
    return hashlib.sha256(b"zkbraid devnet consensus key" + eth_key).digest()


def dev_validators(n: int = 1) -> tuple[GenesisValidator, ...]:
    """The devnet's `n` genesis validators: dev accounts 9, 8, …, each bonding
    `DEV_VALIDATOR_BOND` with its `dev_consensus_seed` key."""
    if not 0 <= n <= DEV_VALIDATOR_INDEX + 1:
        raise ValueError(f"a devnet has 0 to {DEV_VALIDATOR_INDEX + 1} validators, not {n}")
    accounts = dev_accounts(DEV_VALIDATOR_INDEX + 1)
    out = []
    for index in range(DEV_VALIDATOR_INDEX, DEV_VALIDATOR_INDEX - n, -1):
        address = bytes.fromhex(accounts[index].address[2:])
        key = consensus_public_key(dev_consensus_seed(index))
        out.append(GenesisValidator(address, key, DEV_VALIDATOR_BOND))
    return tuple(out)


def devnet(
    n_accounts: int = DEV_ACCOUNTS,
    timing: BlockTiming | None = None,
    market: MarketParams | None = None,
    verifying_key_hash: bytes | None = DEV_VERIFYING_KEY_HASH,
    *,
    bridge: BridgeParams | None = None,
    staking: StakingParams | None = None,
    validators: int = 1,
    l1: L1Params | None = None,
) -> Devnet:
    """The devnet's chain parameters and genesis; `verifying_key_hash=None` makes a chain that
    accepts no proofs (unit tests without circuit keys). `validators`: how many dev accounts
    (9, 8, …) are bonded at genesis (`dev_validators`); `l1`: the rollup the validators attest
    for (default: the devnet's anvil and its first deployment, `DEV_L1`)."""
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
        staking=staking or DEV_STAKING,
        genesis_validators=dev_validators(validators),
        l1=l1 or DEV_L1,
    )
    zk_genesis = devnet_genesis(n_accounts)
    return Devnet(params=params, zk_genesis=zk_genesis, accounts=accounts)
