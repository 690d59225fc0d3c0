"""CometBFT's home made from the chain's own genesis: `genesis.json` with the chain's genesis
validators, and the node's `priv_validator_key.json` (the consensus key it votes with) and
`node_key.json` (its p2p identity), written from given seeds instead of `cometbft init`'s random
ones.

Every node of a network writes the same `genesis.json` (chain id, genesis time, consensus
parameters, validators), so their CometBFTs start one chain, and its validators are the ones the
application answers InitChain with (abci_server.py checks the two agree). A devnet derives the
seeds from its well-known dev keys (node/network.py): INSECURE, like those keys.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.staking.keys import consensus_address, consensus_public_key, priv_validator_key

DEVNET_CHAIN_ID = "zkbraid-devnet"

CONSENSUS_PARAMS: dict[str, Any] = {
    "block": {"max_bytes": "22020096", "max_gas": "-1"},
    "evidence": {
        "max_age_num_blocks": "100000",
        "max_age_duration": "172800000000000",
        "max_bytes": "1048576",
    },
    "validator": {"pub_key_types": ["ed25519"]},
    "version": {"app": "0"},
    # vote extensions carry the validators' attestations (sequencer/attestations.py)
    "abci": {"vote_extensions_enable_height": "1"},
}
"""CometBFT v0.38's defaults (what `cometbft init` writes), spelled out so that every node's
genesis is the same whatever wrote it, but for vote extensions, on from height 1: they carry
the data-availability attestations."""


class HomeMismatch(RuntimeError):
    """CometBFT's home holds another genesis or other keys than this node is configured with
    (made by an older release, or for another network)."""


@dataclass(frozen=True)
class NodeKeys:
    """A node's two ed25519 seeds: the consensus key it votes with and its p2p node key."""

    consensus_seed: bytes
    node_seed: bytes

    @property
    def consensus_key(self) -> bytes:
        return consensus_public_key(self.consensus_seed)

    @property
    def node_id(self) -> str:
        return node_id(self.node_seed)


@dataclass(frozen=True)
class GenesisDoc:
    """CometBFT's genesis.json of a network."""

    validators: tuple[ValidatorUpdate, ...]
    """The genesis validator set: the chain's (BraidApp.validator_set)."""
    genesis_time_ms: int | None = None
    """The genesis time (block 1 carries it); None: the moment the home is made (one node)."""
    chain_id: str = DEVNET_CHAIN_ID

    def to_json(self, now_ms: int | None = None) -> dict[str, Any]:
        t = self.genesis_time_ms
        if t is None:
            t = int(time.time() * 1000) if now_ms is None else now_ms
        return {
            "genesis_time": rfc3339(t),
            "chain_id": self.chain_id,
            "initial_height": "1",
            "consensus_params": CONSENSUS_PARAMS,
            "validators": [
                {
                    "address": consensus_address(v.consensus_key).hex().upper(),
                    "pub_key": {
                        "type": "tendermint/PubKeyEd25519",
                        "value": base64.b64encode(v.consensus_key).decode(),
                    },
                    "power": str(v.power),
                    "name": f"validator-{i}",
                }
                for i, v in enumerate(sorted(self.validators, key=lambda u: u.consensus_key))
            ],
            "app_hash": "",
        }


def rfc3339(time_ms: int) -> str:
    """A time in CometBFT's JSON form (UTC, RFC 3339 with milliseconds)."""
    seconds, ms = divmod(time_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def node_id(node_seed: bytes) -> str:
    """A node's p2p id (the `id@host:port` of persistent peers): the hex address of its node
    key's public key, as CometBFT's `p2p.PubKeyToID`."""
    return consensus_address(consensus_public_key(node_seed)).hex()


def node_key_json(node_seed: bytes) -> dict[str, Any]:
    """CometBFT's `config/node_key.json` for a seed (Go's ed25519.PrivateKey: seed ‖ public)."""
    private = node_seed + consensus_public_key(node_seed)
    return {
        "priv_key": {
            "type": "tendermint/PrivKeyEd25519",
            "value": base64.b64encode(private).decode(),
        }
    }


def _paths(home: Path) -> tuple[Path, Path, Path]:
    config = home / "config"
    return config / "genesis.json", config / "priv_validator_key.json", config / "node_key.json"


def write_home(home: Path, genesis: GenesisDoc, keys: NodeKeys) -> None:
    """Writes genesis.json and the node's two keys into a home `cometbft init` made."""
    genesis_path, validator_path, node_path = _paths(home)
    genesis_path.write_text(json.dumps(genesis.to_json(), indent=2) + "\n")
    validator_path.write_text(json.dumps(priv_validator_key(keys.consensus_seed), indent=2) + "\n")
    node_path.write_text(json.dumps(node_key_json(keys.node_seed)) + "\n")


def check_home(home: Path, genesis: GenesisDoc, keys: NodeKeys) -> None:
    """Checks that an existing home holds this genesis (its chain id and validators; the time
    is the one written first) and these keys.

    Raises HomeMismatch.
    """
    genesis_path, validator_path, node_path = _paths(home)
    try:
        found = json.loads(genesis_path.read_text())
        validator = json.loads(validator_path.read_text())
        node = json.loads(node_path.read_text())
    except (OSError, ValueError) as e:
        raise HomeMismatch(f"{home} is not a CometBFT home this node can use: {e}") from None
    want = genesis.to_json(now_ms=0)
    problems = []
    if found.get("chain_id") != want["chain_id"]:
        problems.append(f"chain id {found.get('chain_id')!r}, not {want['chain_id']!r}")
    if _validator_set(found.get("validators", [])) != _validator_set(want["validators"]):
        problems.append("another genesis validator set")
    if validator.get("priv_key") != priv_validator_key(keys.consensus_seed)["priv_key"]:
        problems.append("another consensus key")
    if node.get("priv_key") != node_key_json(keys.node_seed)["priv_key"]:
        problems.append("another node key")
    if problems:
        raise HomeMismatch(
            f"CometBFT's home {home} holds {', '.join(problems)} than this node's: it was made by"
            " an older release or for another network (start the devnet over with --reset)"
        )


def _validator_set(validators: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(v["pub_key"]["value"]), str(v["power"])) for v in validators}
