"""The chain's parameters and a node's settings: one typed object each, with documented defaults.

Configuration is data (STYLE.md §7): every rule that takes a number reads it from here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from zkbraid.fast.params import FastParams
from zkbraid.fast.rpc.limits import RpcLimits
from zkbraid.market.fees import ONE_ZKPOW as ONE_ZKPOW
from zkbraid.market.fees import ZKPOW_DECIMALS as ZKPOW_DECIMALS
from zkbraid.market.fees import FeeSchedule as FeeSchedule
from zkbraid.market.params import MarketParams
from zkbraid.settlement.deposits import BridgeParams
from zkbraid.staking.params import GenesisValidator as GenesisValidator
from zkbraid.staking.params import StakingParams, check_genesis_validators
from zkbraid.zk.params import ZkParams


@dataclass(frozen=True)
class BlockTiming:
    """When the sequencer cuts blocks of each chain (ARCHITECTURE.md, "one ledger, two chains")."""

    fast_block_interval_ms: int = 100
    """Minimum time between two fast blocks; a transaction arriving after a quiet spell is
    included at once, under load blocks come every interval."""
    fast_empty_blocks: bool = False
    """Whether fast blocks are made when nothing is pending."""
    fast_max_txs: int = 2000
    """Most fast-chain (and sequencer) transactions in one fast block."""
    zk_block_interval_ms: int = 2000
    """Time between two ZK blocks while ZK transactions are pending."""
    zk_max_txs: int = 500
    """A ZK block is cut early when this many ZK transactions are pending ("when full")."""
    zk_empty_blocks: bool = False
    """Whether ZK blocks are made every interval when nothing is pending."""
    zk_hybrid_interval_ms: int = 100
    """Time between two ZK blocks while a MoveToFast is pending, or fast-chain exits or game
    prizes wait for their MoveFromFast or GameMint (docs/hybrid.md): moves between the chains
    complete within a few fast blocks."""


@dataclass(frozen=True)
class FaucetParams:
    """The devnet faucet: who may be funded and with how much per request."""

    enabled: bool = False
    zkpow: int = 100 * ONE_ZKPOW
    fast_wei: int = 10 * 10**18


@dataclass(frozen=True)
class L1Params:
    """The L1 rollup the validators' data-availability attestations are for
    (sequencer/attestations.py): its EIP-712 domain is the L1 chain id and the rollup's address,
    so every validator signs, and checks, the same digest of a batch."""

    chain_id: int = 0
    """The L1 chain id (0: no L1; attestations are still gathered, over this domain)."""
    rollup: bytes = b""
    """The rollup contract's 20-byte address (empty: none, the zero address in the domain). A
    devnet's is fixed: anvil's first deployment from its first account (node/devnet.py)."""
    attest_batches_per_vote: int = 32
    """The most batches one validator's vote extension (and one Attest transaction) signs:
    the oldest pending first, the rest at the following heights."""

    def __post_init__(self) -> None:
        if not 0 <= self.chain_id < 2**256 or len(self.rollup) not in (0, 20):
            raise ValueError("the L1 chain id is a uint256 and the rollup a 20-byte address")
        if self.attest_batches_per_vote <= 0:
            raise ValueError("attest_batches_per_vote is positive")


@dataclass(frozen=True)
class ChainParams:
    """Everything every validator must agree on: both chains, timing, fees, genesis ZKPoW."""

    zk: ZkParams = field(default_factory=ZkParams)
    fast: FastParams = field(default_factory=FastParams)
    timing: BlockTiming = field(default_factory=BlockTiming)
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    faucet: FaucetParams = field(default_factory=FaucetParams)
    market: MarketParams = field(default_factory=MarketParams)
    """The proving market: heartbeats, deadlines, fines, bounty curves, aggregation batches."""
    bridge: BridgeParams = field(default_factory=BridgeParams)
    """The L1 bridge: confirmation depth of observed L1 blocks, deposits' inclusion margin."""
    staking: StakingParams = field(default_factory=StakingParams)
    """Proof of stake: minimum bond, ZKPoW per unit of voting power, unbonding period,
    double-sign slash, the set's size (staking/params.py)."""
    l1: L1Params = field(default_factory=L1Params)
    """The L1 rollup the validators attest batches' data for (sequencer/attestations.py)."""
    zkpow_alloc: tuple[tuple[bytes, int], ...] = ()
    """Genesis ZKPoW balances: (address, amount)."""
    genesis_validators: tuple[GenesisValidator, ...] = ()
    """The validators bonded at genesis, their bonds minted beside `zkpow_alloc`
    (staking/params.py `GenesisValidator`). Empty: the chain starts with no validator set of
    its own (the solo engine needs none; CometBFT then keeps its genesis file's)."""
    verifying_key_hash: bytes | None = None
    """keccak of the transaction circuit's Groth16 verifying key (proving/verifying_key.py):
    every validator checks proofs with exactly this key and refuses to start with another.
    None: the chain accepts no proofs (unit tests)."""

    def __post_init__(self) -> None:
        m, share = self.market, self.bridge.agent_share_bps
        if m.tx_bounty_bps + m.aggregation_bounty_bps + share > 10_000:
            raise ValueError(
                "the proving, aggregation and settlement shares of a fee exceed the fee"
            )
        check_genesis_validators(self.staking, self.genesis_validators)


CORS_ENV = "BRAID_CORS_ORIGINS"
"""The environment variable that lists, comma-separated, the web origins a node lets browsers
call its JSON-RPC from (`HttpSettings.cors_origins`), e.g. `http://localhost:3000`."""


HOSTS_ENV = "BRAID_RPC_HOSTS"
"""The environment variable that lists, comma-separated, host names (besides IP addresses) a
node's JSON-RPC answers to (`HttpSettings.hosts`), e.g. `node0,rpc.example.org`."""


@dataclass(frozen=True)
class HttpSettings:
    """What the node's HTTP server accepts before any method runs (api/server.py): node-local
    bounds that keep a hostile request from crashing or stalling the node, never chain rules."""

    max_body_bytes: int = 4 * 1024 * 1024
    """Largest request body (HTTP 413 beyond it): a bundle of a full batch's proofs fits."""
    max_depth: int = 32
    """Deepest nesting of arrays and objects in a body, counted on the raw bytes before it is
    parsed (the deepest request a method takes, an `eth_call` access list in a batch, is 7)."""
    max_batch: int = 100
    """Most requests in one batch."""
    cors_origins: tuple[str, ...] = ()
    """Web origins (`scheme://host[:port]`, or `*` for any) whose pages may call the JSON-RPC
    from a browser. Empty: none but the node's own pages (/prover/, same origin)."""

    hosts: tuple[str, ...] = ("localhost",)
    """Host names (the Host header, lower case, no port) the JSON-RPC answers to besides IP
    addresses, or `*` for any: a web page whose own name resolves to the node (DNS rebinding)
    would otherwise be same-origin to the browser."""

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_depth", "max_batch"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for origin in self.cors_origins:
            check_origin(origin)

    def with_env(self, environ: Mapping[str, str] = os.environ) -> HttpSettings:
        """These settings with the origins `BRAID_CORS_ORIGINS` and the host names
        `BRAID_RPC_HOSTS` list added."""

        def listed(name: str) -> tuple[str, ...]:
            return tuple(v.strip() for v in environ.get(name, "").split(",") if v.strip())

        return replace(
            self,
            cors_origins=self.cors_origins + listed(CORS_ENV),
            hosts=self.hosts + tuple(h.lower() for h in listed(HOSTS_ENV)),
        )


def check_origin(origin: str) -> None:
    """Raises ValueError unless `origin` is `*` or a web origin: `http(s)://host[:port]`."""
    scheme, sep, host = origin.partition("://")
    if origin != "*" and (
        scheme not in ("http", "https") or not sep or not host or any(c in host for c in "/?# ")
    ):
        raise ValueError(f"a CORS origin is scheme://host[:port] or *, got {origin!r}")


@dataclass(frozen=True)
class NodeConfig:
    """One node's own settings (not consensus-critical)."""

    data_dir: str = ".braid/devnet"
    rpc_host: str = "127.0.0.1"
    rpc_port: int = 8645
    validator_key: bytes | None = None
    """The validator's Ethereum key: it signs batches' data-availability attestations for L1
    (the devnet's is a well-known INSECURE dev key). None: the node attests nothing."""
    rpc_limits: RpcLimits = field(default_factory=RpcLimits)
    """What one eth_* request may cost this node (log ranges, eth_call gas): the node's own
    choice, never a chain rule."""
    http: HttpSettings = field(default_factory=HttpSettings)
    """What the HTTP server accepts: body size, nesting depth, batch size, CORS origins."""


def with_overrides(obj: Any, overrides: dict[str, Any]) -> Any:
    """A copy of a config dataclass with some fields replaced (used by the CLI's flags)."""
    names = {f.name for f in fields(obj)}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"unknown setting(s) for {type(obj).__name__}: {sorted(unknown)}")
    return replace(obj, **overrides)


def parse_settings(obj: Any, items: list[str]) -> dict[str, Any]:
    """`NAME=VALUE` strings as overrides of a config dataclass's int and bool fields (the CLI's
    repeatable flags, e.g. `--market deadline_ms=5000`).

    Raises ValueError: no `=`, an unknown name, or a value that is not of the field's type.
    """
    types = {f.name: type(getattr(obj, f.name)) for f in fields(obj)}
    out: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise ValueError(f"a setting is NAME=VALUE, got {item!r}")
        kind = types.get(name)
        if kind is None:
            raise ValueError(
                f"unknown setting {name!r} of {type(obj).__name__}; known: {', '.join(types)}"
            )
        text = text.strip()
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"{name} is true or false, got {text!r}")
            out[name] = text.lower() in ("true", "1")
        elif kind is int:
            try:
                out[name] = int(text.replace("_", ""))
            except ValueError:
                raise ValueError(f"{name} is an integer, got {text!r}") from None
        else:
            raise ValueError(f"{name} cannot be set from the command line")
    return out


def describe(obj: Any) -> str:
    """The config as JSON, for logs and `braid status`."""

    def default(o: Any) -> Any:
        if isinstance(o, bytes):
            return "0x" + o.hex()
        raise TypeError(type(o))

    return json.dumps(asdict(obj), default=default, indent=2)
