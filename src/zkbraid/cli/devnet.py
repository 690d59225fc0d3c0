"""`braid devnet` on one node and `braid replay`: the devnet's chain from its flags (and its
circuit keys), its L1 (anvil and the rollup), the helper processes it starts (agent, prover).
cli/network.py runs `braid devnet --validators N` with the same pieces; cli/main.py assembles
the parser and picks between the two.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from zkbraid.cli import output as out
from zkbraid.errors import BraidError


def chain_flags(p: argparse.ArgumentParser) -> None:
    """The devnet chain's flags (its genesis and rules; `braid replay` takes the same)."""
    p.add_argument("--fast-block-ms", type=int, default=100, help="fast block interval (100)")
    p.add_argument(
        "--fast-empty-blocks", action="store_true", help="make fast blocks even when idle"
    )
    p.add_argument("--zk-block-ms", type=int, default=2000, help="ZK block interval (2000)")
    p.add_argument("--zk-max-txs", type=int, default=500, help="ZK block cut early at this many")
    p.add_argument("--accounts", type=int, default=10, help="dev accounts at genesis (10)")
    p.add_argument(
        "--validators",
        type=int,
        default=1,
        metavar="N",
        help="genesis validators, dev accounts 9, 8, 7, … (1); more than one runs a devnet of N"
        " CometBFT validators on loopback (--engine cometbft implied), one process each",
    )
    p.add_argument(
        "--staking",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a staking parameter (repeatable; staking/params.py StakingParams:"
        " unbonding_period_ms=60000, slash_double_sign_bps=500, min_bond=…)",
    )
    p.add_argument(
        "--market",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a proving-market parameter (repeatable; names as in market/params.py, e.g."
        " deadline_ms=20000, fine=50000000000000000, batch_size=16, heartbeat_window_ms=60000)",
    )
    p.add_argument(
        "--bridge",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a bridge parameter (repeatable; settlement/deposits.py BridgeParams:"
        " confirmation_depth=2, inclusion_margin_s=600, agent_share_bps=1000)",
    )


def devnet_chain(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The devnet's chain (from the chain flags), its circuit keys and their verifier: the
    keys are built or loaded (cached), and must be the genesis's."""
    from zkbraid.config import BlockTiming, parse_settings, with_overrides
    from zkbraid.market.params import MarketParams
    from zkbraid.node.devnet import DEV_STAKING, devnet
    from zkbraid.proving.artifacts import OWNERSHIP
    from zkbraid.proving.build import build_dev_keys
    from zkbraid.proving.verify import ProofVerifier
    from zkbraid.sequencer.genesis import Genesis
    from zkbraid.settlement.deposits import BridgeParams

    timing = BlockTiming(
        fast_block_interval_ms=args.fast_block_ms,
        fast_empty_blocks=args.fast_empty_blocks,
        zk_block_interval_ms=args.zk_block_ms,
        zk_max_txs=args.zk_max_txs,
    )
    market = MarketParams()
    market = with_overrides(market, parse_settings(market, args.market))
    bridge = BridgeParams()
    bridge = with_overrides(bridge, parse_settings(bridge, args.bridge))
    staking = DEV_STAKING
    staking = with_overrides(staking, parse_settings(staking, args.staking))
    net = devnet(
        args.accounts, timing, market, bridge=bridge, staking=staking, validators=args.validators
    )
    out.progress("proving keys: building or loading the circuit's development keys (cached)")
    keys = build_dev_keys(net.params.zk, progress=out.progress)
    out.ok(
        f"proving keys ready ({keys.n_constraints:,} constraints, verifying key"
        f" 0x{keys.verifying_key_hash.hex()[:16]}…)"
        + (" — INSECURE development keys, for devnets only" if keys.insecure else "")
    )
    # The ownership circuit's keys too (docs/hybrid.md), so a first `braid zk prove-ownership`
    # and the fast chain's OwnershipVerifier (generated from them) find them ready.
    ownership = build_dev_keys(net.params.zk, progress=out.progress, circuit=OWNERSHIP)
    out.ok(f"ownership proof keys ready ({ownership.n_constraints:,} constraints)")
    verifier = ProofVerifier.from_keys(keys)
    Genesis.make(net.params, net.zk_genesis, verifier)  # the genesis's key, before anything starts
    return net, keys, verifier


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def run_node(args: argparse.Namespace) -> int:
    """`braid devnet` with one validator: one node (solo, or one CometBFT validator), its L1
    and helpers, until Ctrl-C."""
    import shutil

    from zkbraid.config import NodeConfig

    if args.engine == "cometbft":
        from zkbraid.consensus.cometbft.engine import COMETBFT

        if not COMETBFT.exists():
            out.fail(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft")
            return 2
    if args.reset and os.path.isdir(args.data_dir):
        out.progress(f"removing {args.data_dir}")
        shutil.rmtree(args.data_dir)
    net, keys, verifier = devnet_chain(args)
    from zkbraid.node.devnet import DEV_VALIDATOR_INDEX, dev_accounts

    validator = dev_accounts(DEV_VALIDATOR_INDEX + 1)[DEV_VALIDATOR_INDEX]
    config = NodeConfig(
        data_dir=args.data_dir,
        rpc_host=args.host,
        rpc_port=args.port,
        validator_key=bytes(validator.key),
    )
    l1 = None if args.no_l1 else devnet_l1(args, net, keys)
    try:
        return _serve_devnet(args, net, keys, verifier, config, l1)
    finally:
        if l1 is not None:
            l1[0].stop()


def _serve_devnet(
    args: argparse.Namespace, net: Any, keys: Any, verifier: Any, config: Any, l1: Any
) -> int:
    import asyncio

    from zkbraid.node.node import Node

    market = net.params.market
    resumed = os.path.exists(os.path.join(args.data_dir, "node.sqlite"))
    out.progress(f"{'resuming' if resumed else 'creating'} devnet in {args.data_dir}")
    cometbft = _cometbft_settings(args, net)
    node = Node(
        net.params,
        config,
        net.zk_genesis,
        verifier,
        keys,
        None if l1 is None else l1[1],
        cometbft=cometbft,
    )

    def ready() -> None:
        info = node.app.info()
        out.ok(f"zkbraid devnet at {node.url} (height {info.last_height})")
        print(f"  JSON-RPC      {node.url}  (eth_*, zk_*, braid_*)")
        print(
            f"  ZK chain id   {net.params.zk.chain_id}   fast chain id {net.params.fast.chain_id}"
        )
        print(
            f"  blocks        fast every {args.fast_block_ms} ms when busy,"
            f" ZK every {args.zk_block_ms} ms or {args.zk_max_txs} txs"
        )
        print(f"  prover page   {node.url}/prover/  (or `braid prover run --key …`)")
        if cometbft is None:
            print("  engine        solo (embedded, one validator)")
        else:
            print(
                f"  engine        cometbft, one validator (RPC http://127.0.0.1:{cometbft.rpc_port},"
                f" home {os.path.join(args.data_dir, 'cometbft')})"
            )
        if l1 is not None:
            conn = l1[1]
            print(
                f"  L1 (anvil)    {conn.rpc_url}  chain id {conn.chain_id}, rollup {conn.rollup},"
                f" deposits observed at {net.params.bridge.confirmation_depth} confirmations"
            )
        print(
            f"  market        deadline {market.deadline_ms / 1000:g} s,"
            f" heartbeat window {market.heartbeat_window_ms / 1000:g} s,"
            f" batches of {market.batch_size}"
        )
        print("  dev accounts  (INSECURE well-known keys; use them as --key dev:N)")
        for i, acct in enumerate(net.accounts[: args.show_accounts]):
            print(f"    dev:{i}  {acct.address}  {acct.key.hex()}")
        if l1 is not None and not args.no_agent:
            helpers.append(
                start_helper(args, node.url, "agent", ["agent", "run", "--key", "dev:9"])
            )
            print(f"  agent         dev:9 posts batches to L1 (log: {helpers[-1][1]})")
        if args.prover:
            helpers.append(
                start_helper(args, node.url, "prover", ["prover", "run", "--key", "dev:8"])
            )
            print(f"  prover        dev:8 proves what it is assigned (log: {helpers[-1][1]})")
        print("  Ctrl-C stops the node; `braid devnet` again resumes where it stopped.", flush=True)

    helpers: list[tuple[Any, str]] = []

    def end_helpers() -> None:
        stop_helpers(helpers)

    try:
        asyncio.run(node.serve(ready, before_stop=end_helpers))
    finally:
        end_helpers()  # if the node stopped by itself
    return 0


def _cometbft_settings(args: argparse.Namespace, net: Any) -> Any:
    """CometBFT's settings for `--engine cometbft` (None: the solo engine): its commit
    timeout is the fast block interval, its ports the RPC port + 2 and + 3 unless given, its
    genesis the chain's validator (dev account 9) voting with its derived key (node/network.py)."""
    if args.engine != "cometbft":
        return None
    from zkbraid.consensus.cometbft.home import GenesisDoc
    from zkbraid.consensus.cometbft.settings import CometBftSettings
    from zkbraid.node.network import genesis_validator_set, validator_account
    from zkbraid.node.network import node_keys as dev_node_keys

    return CometBftSettings(
        rpc_port=args.cometbft_rpc_port or args.port + 2,
        p2p_port=args.cometbft_p2p_port or args.port + 3,
        timeout_commit_ms=args.fast_block_ms,
        moniker="v0",
        genesis=GenesisDoc(genesis_validator_set(net.params)),
        keys=dev_node_keys(validator_account(0)),
    )


def start_helper(args: argparse.Namespace, url: str, name: str, cmd: list[str]) -> tuple[Any, str]:
    """Starts `braid <cmd>` against the devnet, its output in `<data dir>/<name>.log`, its
    process id in `<data dir>/<name>.pid`; it gets SIGTERM when the devnet dies, and one an
    earlier, killed devnet left running is ended first."""
    from zkbraid import processes

    log_path = os.path.join(args.data_dir, f"{name}.log")
    pid_path = Path(args.data_dir) / f"{name}.pid"
    argv = [sys.executable, "-m", "zkbraid.cli.main", "--rpc", url, *cmd]
    stale = processes.end_stale(pid_path, processes.argv_has("zkbraid.cli.main", url, *cmd), name)
    if stale is not None:
        out.progress(f"ended the {name} (pid {stale}) an earlier run left running")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=processes.die_with_parent()
        )
    processes.write_pid(pid_path, proc.pid)
    return proc, log_path


HELPER_GRACE_S = 30.0
"""How long the devnet's helpers get after SIGINT (the prover deactivates) before a SIGKILL."""


def stop_helpers(helpers: list[tuple[Any, str]]) -> None:
    """Stops the devnet's helpers (`start_helper`): SIGINT to all (the prover deactivates, the agent
    stops), then up to HELPER_GRACE_S each before a kill."""
    from zkbraid import processes

    for proc, _ in helpers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc, log_path in helpers:
        try:
            proc.wait(timeout=HELPER_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        processes.remove_pid(Path(log_path).with_suffix(".pid"), proc.pid)


def devnet_l1(args: argparse.Namespace, net: Any, keys: Any) -> tuple[Any, Any]:
    """Starts the devnet's anvil (resuming its chain from the data dir), deploys the rollup
    once, and returns (the L1, the node's connection to it)."""
    from web3 import Web3

    from zkbraid.ledger.kv import memory_store
    from zkbraid.node.devnet import DEV_VALIDATOR_INDEX, dev_accounts
    from zkbraid.node.node import L1Connection
    from zkbraid.settlement.devnet_l1 import DevnetL1
    from zkbraid.settlement.l1_contracts import RollupSettings
    from zkbraid.settlement.l1_follower import L1Follower
    from zkbraid.zk.state import ZkState

    port = args.l1_port if args.l1_port is not None else args.port + 1
    l1 = DevnetL1(args.data_dir, port=port)
    out.progress(f"L1: starting anvil on port {port}")
    l1.start()
    genesis_root = ZkState.genesis(memory_store().namespace("zk"), net.params.zk, net.zk_genesis)
    # The rollup's attesting set is the chain's genesis validators, weighted by voting power
    # (DataAvailability checks > 2/3 of it); set changes do not reach L1 yet.
    unit = net.params.staking.power_unit
    validators: dict[str, int] = {
        str(Web3.to_checksum_address(v.address)): int(v.bonded // unit)
        for v in net.params.genesis_validators
    } or {dev_accounts(DEV_VALIDATOR_INDEX + 1)[DEV_VALIDATOR_INDEX].address: 1}
    try:
        settings = RollupSettings(deposit_timeout=args.deposit_timeout_s)
        backing = sum(a.balances.get(0, 0) for a in net.zk_genesis.accounts)
        deployment = l1.deploy(keys, genesis_root.root(), validators, settings, backing)
    except Exception:
        l1.stop()
        raise
    follower = L1Follower(
        l1.url,
        bytes.fromhex(deployment.rollup[2:]),
        net.params.bridge.confirmation_depth,
        start_height=deployment.deployed_height,
    )
    return l1, L1Connection(l1.url, deployment.chain_id, deployment.rollup, follower)


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-executes every block of another node's data dir through the block transition into
    this node's data dir, checking each block's header; exit 1 at the first block that differs."""
    from zkbraid.ledger.store import LedgerStore
    from zkbraid.node.app import BraidApp
    from zkbraid.node.replay import replay

    setup_logging(args.log_level)
    source_path = os.path.join(args.source, "node.sqlite")
    if not os.path.exists(source_path):
        out.fail(f"{args.source} holds no node (no node.sqlite)")
        return 2
    if os.path.abspath(args.source) == os.path.abspath(args.data_dir):
        out.fail("the source and the data dir are the same")
        return 2
    net, _keys, verifier = devnet_chain(args)
    os.makedirs(args.data_dir, exist_ok=True)
    source = LedgerStore(source_path)
    store = LedgerStore(os.path.join(args.data_dir, "node.sqlite"))
    app = BraidApp(net.params, store, net.zk_genesis, verifier)
    start = app.info().last_height
    out.progress(f"replaying {args.source} into {args.data_dir} from height {start + 1}")
    t0 = time.monotonic()
    last_report = [t0]

    def progress(height: int, last: int) -> None:
        now = time.monotonic()
        if now - last_report[0] >= 2 or height == last:
            last_report[0] = now
            out.progress(f"  block {height} of {last}")

    try:
        applied = replay(source, app, to_height=args.to_height, progress=progress)
    except BraidError as e:
        out.fail(f"{e.name}: {e}")
        return 1
    finally:
        source.close()
    info = app.info()
    store.close()
    elapsed = time.monotonic() - t0
    out.ok(f"replayed {applied} blocks in {elapsed:.1f} s, every header matched")
    out.result(
        {
            "applied": applied,
            "height": info.last_height,
            "appHash": "0x" + info.last_app_hash.hex(),
        },
        args.json,
    )
    return 0


def add_devnet_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """`braid devnet`'s parser (its command is set by cli/main.py, with cli/network.py's
    supervision flags)."""
    d = sub.add_parser(
        "devnet",
        help="run a local devnet: one node, or N CometBFT validators with --validators N"
        " (resumes if it exists)",
    )
    d.add_argument("--data-dir", default=".braid/devnet", help="node state (default .braid/devnet)")
    d.add_argument("--host", default="127.0.0.1", help="RPC listen address (default 127.0.0.1)")
    d.add_argument("--port", type=int, default=8645, help="RPC port (default 8645)")
    chain_flags(d)
    d.add_argument("--show-accounts", type=int, default=3, help="dev accounts to print (3)")
    d.add_argument(
        "--l1-port", type=int, default=None, help="the devnet L1's (anvil's) port (RPC port + 1)"
    )
    d.add_argument("--no-l1", action="store_true", help="run without an L1 (no bridge)")
    d.add_argument(
        "--no-agent", action="store_true", help="do not start the devnet's submission agent"
    )
    d.add_argument(
        "--prover", action="store_true", help="also start a CLI prover (dev:8) for the devnet"
    )
    d.add_argument(
        "--deposit-timeout-s",
        type=int,
        default=86_400,
        help="seconds after which an uncredited L1 deposit is refundable (86400; set when the"
        " rollup is deployed, i.e. on a new devnet)",
    )
    d.add_argument("--reset", action="store_true", help="delete the data dir first")
    d.add_argument(
        "--engine",
        choices=["solo", "cometbft"],
        default="solo",
        help="the ordering engine: solo (embedded, default) or cometbft (CometBFT validators,"
        " one unless --validators; scripts/install.sh --with-cometbft installs it)",
    )
    d.add_argument(
        "--cometbft-rpc-port", type=int, default=None, help="CometBFT's RPC port (RPC port + 2)"
    )
    d.add_argument(
        "--cometbft-p2p-port", type=int, default=None, help="CometBFT's p2p port (RPC port + 3)"
    )
    d.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return d


def add_replay_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid replay`."""
    r = sub.add_parser(
        "replay",
        help="re-execute another node's blocks into a data dir, checking every header",
        description="Re-executes every block of the node in SOURCE through the block transition"
        " into --data-dir (resuming from its head), checking that each block computes to the"
        " header SOURCE stored; exits 1 naming the first block and field that differ. The chain"
        " flags must be the ones SOURCE's devnet was started with.",
    )
    r.add_argument("source", help="the data dir of the node whose blocks are replayed")
    r.add_argument("--data-dir", required=True, help="the replaying node's state")
    r.add_argument("--to-height", type=int, default=None, help="stop after this height")
    chain_flags(r)
    r.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    r.set_defaults(func=cmd_replay)
