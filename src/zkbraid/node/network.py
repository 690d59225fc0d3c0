"""A devnet of many validators on loopback: its layout (`network.json`), and what each node of
it is made from (`braid devnet --validators N` writes it, `braid node` runs one node of it;
cli/network.py).

Each node is a process of its own (the application, the API and its CometBFT child) with its own
data dir, `<data dir>/<name>/`, and its own ports, laid out from the devnet's base port P:

    P + 10·i      node i's JSON-RPC API (v0 at P, as a one-node devnet)
    P + 1         the L1 (anvil), one for the whole devnet
    P + 10·i + 2  node i's CometBFT RPC
    P + 10·i + 3  node i's CometBFT p2p

Every node lists every other as a persistent peer. The genesis validators are dev accounts 9, 8,
7, … (node/devnet.py `dev_validators`: accounts the devnet's genesis funds, so each operator can
also bond more); node i votes with the consensus key of dev account 9 − i and attests with that
account's Ethereum key. Its CometBFT p2p identity (node key) is derived the same way:
sha256("zkbraid devnet node key" ‖ Ethereum private key ‖ instance), INSECURE like every dev key.
A second node with the same validator key (`instance` 1) is how the tests make a double signer.

Every node follows the one L1 with its own follower (node/l1_view.py): each validator checks a
ZK block's L1 observation against what it saw itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from zkbraid.config import ChainParams
from zkbraid.consensus.cometbft.home import GenesisDoc, NodeKeys
from zkbraid.consensus.cometbft.settings import CometBftSettings
from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.ledger.kv import memory_store
from zkbraid.market.zkpow import ZkpowLedger
from zkbraid.node.devnet import DEV_VALIDATOR_INDEX, dev_accounts, dev_consensus_seed
from zkbraid.ports import free_base
from zkbraid.staking.keys import consensus_address
from zkbraid.staking.state import Staking

NETWORK_FILE = "network.json"
PORT_STRIDE = 10
"""Ports between two nodes' API ports."""
L1_OFFSET = 1
COMETBFT_RPC_OFFSET = 2
P2P_OFFSET = 3


class NetworkMismatch(ValueError):
    """A data dir holds another network than the one asked for."""


@dataclass(frozen=True)
class NodeSpec:
    """One node of the network: its name, the dev account it validates as, and its ports."""

    name: str
    account: int
    """The dev account whose consensus key it votes with and whose Ethereum key it attests
    with (9, 8, … for the genesis validators)."""
    api_port: int
    rpc_port: int
    """Its CometBFT's RPC."""
    p2p_port: int
    instance: int = 0
    """0; another node with the same account's key (a double signer, for tests) has 1, …: its
    node key differs."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def keys(self) -> NodeKeys:
        return node_keys(self.account, self.instance)

    @property
    def operator_key(self) -> bytes:
        """The dev account's Ethereum private key (INSECURE: well known)."""
        return _eth_key(self.account)

    @property
    def operator(self) -> str:
        """The dev account's address."""
        return str(dev_accounts(self.account + 1)[self.account].address)

    @property
    def peer_address(self) -> str:
        """`<node id>@127.0.0.1:<p2p port>`, as persistent_peers lists it."""
        return f"{self.keys.node_id}@127.0.0.1:{self.p2p_port}"


@dataclass(frozen=True)
class L1Spec:
    """The devnet's L1 and its rollup, which every node follows."""

    url: str
    chain_id: int
    rollup: str
    deployed_height: int


@dataclass(frozen=True)
class NetworkSpec:
    """A multi-validator devnet: its genesis validators, nodes, genesis time, chain flags
    and L1, kept in `<data dir>/network.json`."""

    validators: int
    """Genesis validators: dev accounts 9, 8, … (node/devnet.py `dev_validators`)."""
    nodes: tuple[NodeSpec, ...]
    genesis_time_ms: int
    chain_args: tuple[str, ...] = ()
    """The chain flags every node builds the chain's parameters from (cli/devnet.py
    `chain_flags`), `--validators` among them."""
    l1: L1Spec | None = None
    fast_block_ms: int = 100
    """The fast block interval, which each CometBFT's timeout_commit is."""

    def node(self, name: str) -> NodeSpec:
        """Raises KeyError: no node of that name."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"the network has no node {name!r} ({', '.join(self.names)})")

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def save(self, data_dir: str | Path) -> Path:
        path = Path(data_dir) / NETWORK_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> NetworkSpec:
        """Raises OSError, ValueError (not a network file)."""
        raw = json.loads(Path(path).read_text())
        try:
            nodes = tuple(NodeSpec(**n) for n in raw.pop("nodes"))
            l1 = raw.pop("l1")
            raw["chain_args"] = tuple(raw.get("chain_args", ()))
            return cls(nodes=nodes, l1=None if l1 is None else L1Spec(**l1), **raw)
        except (KeyError, TypeError) as e:
            raise ValueError(f"{path} is not a network file: {e}") from None

    def cometbft_settings(self, name: str, genesis: GenesisDoc) -> CometBftSettings:
        """Node `name`'s CometBFT: its ports, the devnet's timeout_commit, every other node as
        a persistent peer, the network's genesis and its own keys."""
        me = self.node(name)
        return CometBftSettings(
            rpc_port=me.rpc_port,
            p2p_port=me.p2p_port,
            timeout_commit_ms=self.fast_block_ms,
            moniker=name,
            persistent_peers=tuple(n.peer_address for n in self.nodes if n.name != name),
            genesis=genesis,
            keys=me.keys,
        )

    def genesis(self, params: ChainParams) -> GenesisDoc:
        """CometBFT's genesis of the network: the chain's genesis validator set."""
        return GenesisDoc(genesis_validator_set(params), self.genesis_time_ms)


@cache
def _eth_key(account: int) -> bytes:
    return bytes(dev_accounts(account + 1)[account].key)


@cache
def node_keys(account: int, instance: int = 0) -> NodeKeys:
    """Dev account `account`'s consensus key and the node key of its `instance`-th node."""
    return NodeKeys(dev_consensus_seed(account), dev_node_seed(account, instance))


def dev_node_seed(account: int, instance: int = 0) -> bytes:
    """The ed25519 seed of a devnet node's p2p key (INSECURE, see the module's docstring)."""
    digest = b"zkbraid devnet node key" + _eth_key(account) + bytes([instance])
    return hashlib.sha256(digest).digest()


def validator_account(i: int) -> int:
    """The dev account of the network's i-th genesis validator (9, 8, …)."""
    return DEV_VALIDATOR_INDEX - i


def layout(
    validators: int, base_port: int, *, chain_args: tuple[str, ...] = (), fast_block_ms: int = 100
) -> NetworkSpec:
    """The devnet of `validators` genesis validators, one node each, laid out from
    `base_port` (the module's docstring), its genesis time now."""
    nodes = tuple(
        NodeSpec(
            name=f"v{i}",
            account=validator_account(i),
            api_port=base_port + PORT_STRIDE * i,
            rpc_port=base_port + PORT_STRIDE * i + COMETBFT_RPC_OFFSET,
            p2p_port=base_port + PORT_STRIDE * i + P2P_OFFSET,
        )
        for i in range(validators)
    )
    return NetworkSpec(
        validators=validators,
        nodes=nodes,
        genesis_time_ms=int(time.time() * 1000),
        chain_args=chain_args,
        fast_block_ms=fast_block_ms,
    )


def genesis_validator_set(params: ChainParams) -> tuple[ValidatorUpdate, ...]:
    """The chain's validator set at genesis, by the staking rules themselves (staking/state.py
    over a scratch store): what the application answers InitChain with."""
    kv = memory_store()
    zkpow = ZkpowLedger(kv.namespace("zkpow.trie"), kv.namespace("zkpow"))
    staking = Staking(
        params.staking,
        zkpow,
        kv.namespace("staking.trie"),
        kv.namespace("staking"),
        kv.namespace("staking.live"),
    )
    staking.genesis(params.genesis_validators)
    return tuple(staking.validator_set())


def node_json(spec: NetworkSpec, n: NodeSpec) -> dict[str, Any]:
    """One node as `braid_network` shows it."""
    keys = n.keys
    return {
        "name": n.name,
        "url": n.url,
        "cometbftRpc": f"http://127.0.0.1:{n.rpc_port}",
        "p2p": f"127.0.0.1:{n.p2p_port}",
        "nodeId": keys.node_id,
        "operator": n.operator,
        "consensusAddress": "0x" + consensus_address(keys.consensus_key).hex(),
        "instance": n.instance,
    }


# -- free ports ----------------------------------------------------------------------------------


def free_base_port(nodes: int, rng: random.Random | None = None) -> int:
    """A base port P whose layout for `nodes` nodes (each node's API, CometBFT RPC and p2p, the
    L1 at P + 1) is free, below the ephemeral range (ports.py), for tests and benches that run
    many devnets.

    Raises RuntimeError: no free range found."""
    offsets = (0, COMETBFT_RPC_OFFSET, P2P_OFFSET)

    def layout_ports(base: int) -> list[int]:
        return [base + L1_OFFSET] + [
            base + PORT_STRIDE * i + o for i in range(nodes) for o in offsets
        ]

    return free_base(layout_ports, PORT_STRIDE * (nodes + 1), PORT_STRIDE, rng)
