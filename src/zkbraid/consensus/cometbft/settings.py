"""The CometBFT node's settings, as the engine writes them into `config.toml` at every start.

Tuned for low latency on loopback (README, "Consensus: solo and CometBFT"; FACTS.md has the
measurements behind them). `cometbft init` writes its defaults once; `tune_config` then sets
each key below in its section, so a changed port or setting applies at the next start.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zkbraid.consensus.cometbft.home import GenesisDoc, NodeKeys


@dataclass(frozen=True)
class CometBftSettings:
    """One CometBFT node's settings (not consensus-critical: each validator chooses its own)."""

    rpc_port: int = 26657
    """CometBFT's RPC (loopback only): the node submits through its broadcast_tx_sync."""
    p2p_port: int = 26656
    """CometBFT's peer-to-peer port (loopback only; a lone validator listens all the same)."""
    timeout_commit_ms: int = 100
    """How long a validator waits after a commit for more precommits before the next height:
    the least time between two blocks under load. The devnet sets it to the fast block
    interval, so fast blocks come at the cadence the chain's timing asks for (CometBFT's
    default, 1 s, would make every transaction under load wait about a second)."""
    timeout_propose_ms: int = 1000
    """How long validators wait for a proposal before voting nil (default 3 s): it only matters
    when a proposer is down or slow; building a proposal is cheap (the block is executed after
    it is decided), so 1 s on loopback leaves a wide margin and moves on quicker."""
    create_empty_blocks_interval_ms: int = 1000
    """On a quiet chain CometBFT waits for transactions, but proposes at least this often (with
    `create_empty_blocks = true`), so the proving market's time-driven work (deadlines, batch
    closes) gets its empty fast block within a second. Its empty blocks are no braided blocks
    (node/app.py) and leave the app hash as it is, which is what lets CometBFT wait: a block
    that changes the app hash is always followed by another at once."""
    flush_throttle_timeout_ms: int = 10
    """How long p2p batches small messages before sending (default 100 ms): on loopback it
    turned 100 ms commits into about 400 ms blocks with four validators (FACTS.md)."""
    peer_gossip_sleep_duration_ms: int = 10
    """How long the consensus gossip routines sleep when they have nothing to send (default
    100 ms): votes and block parts reach the peers sooner."""
    mempool_size: int = 50_000
    """Transactions the mempool holds (default 5,000, which answers "mempool is full" under
    bursts)."""
    mempool_cache_size: int = 100_000
    """Hashes of recently seen transactions, which refuse a resubmission (default 10,000)."""
    rpc_max_body_bytes: int = 8_000_000
    """The largest RPC request (default 1 MB): a broadcast carries its transaction in base64."""
    log_level: str = "main:info,state:info,*:error"
    """One line per committed height and the start-up handshake; errors from the rest."""
    moniker: str = "zkbraid"
    """The node's name among its peers (`/net_info`, `/status`): the devnet's are v0, v1, …"""
    persistent_peers: tuple[str, ...] = ()
    """The peers this node always keeps a connection to (`<node id>@127.0.0.1:<p2p port>`):
    every other validator of a devnet (node/network.py), so each vote and block part goes
    straight to every validator instead of hopping through gossip."""
    genesis: GenesisDoc | None = None
    """Not a setting but what the home is made from on the first start: the network's genesis
    (consensus/cometbft/home.py). None: `cometbft init`'s own, one validator with a random key
    (for a chain without genesis validators)."""
    keys: NodeKeys | None = None
    """This node's consensus and node keys, with `genesis` (checked at every start)."""


def config_values(settings: CometBftSettings, abci_address: str) -> dict[str, dict[str, str]]:
    """The TOML values (as literals) of config.toml's keys, by section ("" is the top)."""

    def duration(ms: int) -> str:
        return f'"{ms}ms"'

    s = settings
    return {
        "": {
            "proxy_app": f'"{abci_address}"',
            "abci": '"socket"',
            "moniker": f'"{s.moniker}"',
            "log_level": f'"{s.log_level}"',
        },
        "rpc": {
            "laddr": f'"tcp://127.0.0.1:{s.rpc_port}"',
            "max_body_bytes": str(s.rpc_max_body_bytes),
        },
        "p2p": {
            "laddr": f'"tcp://127.0.0.1:{s.p2p_port}"',
            "persistent_peers": f'"{",".join(s.persistent_peers)}"',
            "flush_throttle_timeout": duration(s.flush_throttle_timeout_ms),
            # validators on one machine: loopback addresses are fine, and several per IP
            "addr_book_strict": "false",
            "allow_duplicate_ip": "true",
        },
        "mempool": {
            # the application's pending counters are rebuilt by the recheck after every commit
            # (node/mempool.py): recheck must stay on
            "recheck": "true",
            "size": str(s.mempool_size),
            "cache_size": str(s.mempool_cache_size),
        },
        "consensus": {
            "timeout_propose": duration(s.timeout_propose_ms),
            "timeout_commit": duration(s.timeout_commit_ms),
            "create_empty_blocks": "true",
            "create_empty_blocks_interval": duration(s.create_empty_blocks_interval_ms),
            "peer_gossip_sleep_duration": duration(s.peer_gossip_sleep_duration_ms),
        },
        # the node indexes its own transactions (SQLite); CometBFT's index would be a second
        "tx_index": {"indexer": '"null"'},
    }


_SECTION = re.compile(r"^\[([A-Za-z0-9_.]+)\]\s*$")
_KEY = re.compile(r"^([A-Za-z0-9_]+)\s*=")


def tune_config(path: Path, settings: CometBftSettings, abci_address: str) -> None:
    """Sets the engine's values in CometBFT's config.toml, keeping its comments and every
    other key.

    Raises ValueError: a key is not in the file (another CometBFT release).
    """
    set_config_keys(path, config_values(settings, abci_address))


def set_config_keys(path: Path, values: dict[str, dict[str, str]]) -> None:
    """Sets keys that config.toml already has (by section), keeping its comments and every
    other line.

    Raises ValueError: a key is not in the file (not the CometBFT release expected).
    """
    missing = {(sec, key) for sec, keys in values.items() for key in keys}
    section = ""
    out = []
    for line in path.read_text().splitlines():
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
        else:
            k = _KEY.match(line)
            if k and k.group(1) in values.get(section, {}):
                line = f"{k.group(1)} = {values[section][k.group(1)]}"
                missing.discard((section, k.group(1)))
        out.append(line)
    if missing:
        raise ValueError(f"{path} has no {sorted(missing)}: not the CometBFT release expected")
    text = "\n".join(out) + "\n"
    tomllib.loads(text)  # still TOML
    path.write_text(text)
