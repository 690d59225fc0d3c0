"""`braid devnet --validators N` and `braid node`: a devnet of N CometBFT validators on loopback,
each a process of its own (node/network.py has the layout), and `braid status` of every
validator.

The launcher builds (or loads) the circuit keys once, starts the one L1 (anvil, its rollup
deployed once), writes `<data dir>/network.json`, starts one `braid node` per validator (its
output in `<data dir>/<name>.log`), then one agent and, with --prover, one prover, both at
validator 0. Each node's process id is in `<data dir>/<name>.pid` (kill one to see the others
go on; `braid node --network <data dir>/network.json --name <name>` starts it again). Ctrl-C
stops the helpers, then the validators, then the L1; running it again resumes the same network.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from zkbraid.cli import output as out
from zkbraid.sdk.client import BraidClient
from zkbraid.sdk.rpc import NodeUnreachable, RpcError

METHOD_NOT_FOUND = -32601
START_TIMEOUT_S = 180.0
"""How long the launcher waits for every validator's API (they start together on few cores)."""


def add_parser(sub: Any) -> None:
    n = sub.add_parser(
        "node",
        help="run one node of a multi-validator devnet (`braid devnet --validators N` starts"
        " them all)",
        description="Runs one node (its application, API and CometBFT) of the devnet described"
        " by NETWORK (`<data dir>/network.json`, written by `braid devnet --validators N`), in"
        " `<data dir>/<name>/` with the ports the layout gives it.",
    )
    n.add_argument("--network", required=True, help="the devnet's network.json")
    n.add_argument("--name", required=True, help="the node's name in it (v0, v1, …)")
    n.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    n.set_defaults(func=cmd_node)


# -- the chain flags every node shares ---------------------------------------------------------


def chain_argv(args: argparse.Namespace) -> list[str]:
    """The chain flags of `args` (cli/main.py `_chain_flags`) as command-line arguments, so
    every node builds the same chain parameters."""
    argv = [
        "--fast-block-ms",
        str(args.fast_block_ms),
        "--zk-block-ms",
        str(args.zk_block_ms),
        "--zk-max-txs",
        str(args.zk_max_txs),
        "--accounts",
        str(args.accounts),
        "--validators",
        str(args.validators),
    ]
    if args.fast_empty_blocks:
        argv.append("--fast-empty-blocks")
    for flag, items in (("--market", args.market), ("--bridge", args.bridge)):
        for item in items:
            argv += [flag, item]
    for item in args.staking:
        argv += ["--staking", item]
    return argv


def parse_chain_argv(argv: list[str] | tuple[str, ...]) -> argparse.Namespace:
    """The chain flags back from `chain_argv`."""
    from zkbraid.cli.main import _chain_flags

    p = argparse.ArgumentParser(prog="braid node", add_help=False)
    _chain_flags(p)
    return p.parse_args(list(argv))


# -- one node ----------------------------------------------------------------------------------


def cmd_node(args: argparse.Namespace) -> int:
    """Runs one node of a network until SIGINT/SIGTERM."""
    from zkbraid.cli.main import _devnet_chain, _logging
    from zkbraid.config import NodeConfig
    from zkbraid.consensus.cometbft.engine import COMETBFT
    from zkbraid.node.network import NetworkSpec
    from zkbraid.node.node import L1Connection, Node
    from zkbraid.settlement.l1_follower import L1Follower

    _logging(args.log_level)
    if not COMETBFT.exists():
        out.fail(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft")
        return 2
    spec = NetworkSpec.load(args.network)
    me = spec.node(args.name)
    data_dir = Path(args.network).resolve().parent / me.name
    net, keys, verifier = _devnet_chain(parse_chain_argv(spec.chain_args))
    l1 = None
    if spec.l1 is not None:
        # every validator follows the L1 itself: it checks ZK blocks' observations against it
        follower = L1Follower(
            spec.l1.url,
            bytes.fromhex(spec.l1.rollup[2:]),
            net.params.bridge.confirmation_depth,
            start_height=spec.l1.deployed_height,
        )
        l1 = L1Connection(spec.l1.url, spec.l1.chain_id, spec.l1.rollup, follower)
    config = NodeConfig(
        data_dir=str(data_dir),
        rpc_host="127.0.0.1",
        rpc_port=me.api_port,
        validator_key=me.operator_key,
    )
    node = Node(
        net.params,
        config,
        net.zk_genesis,
        verifier,
        keys,
        l1,
        cometbft=spec.cometbft_settings(me.name, spec.genesis(net.params)),
        network=(spec, me.name),
    )

    def ready() -> None:
        info = node.app.info()
        out.ok(
            f"{me.name} (validator {me.operator}) at {node.url}, CometBFT RPC"
            f" http://127.0.0.1:{me.rpc_port}, p2p {me.p2p_port} (height {info.last_height})"
        )

    asyncio.run(node.serve(ready))
    return 0


# -- the launcher ------------------------------------------------------------------------------


def _die_with_parent() -> None:
    from zkbraid.consensus.cometbft.engine import die_with_parent

    die_with_parent()


def _spawn_node(
    network_file: Path, name: str, log_level: str
) -> tuple[subprocess.Popen[bytes], Path]:
    log_path = network_file.parent / f"{name}.log"
    logf = open(log_path, "ab")  # noqa: SIM115 - the child holds it until it exits
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zkbraid.cli.main",
            "node",
            "--network",
            str(network_file),
            "--name",
            name,
            "--log-level",
            log_level,
        ],
        stdout=logf,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
        start_new_session=True,  # Ctrl-C reaches the launcher, which stops them in order
    )
    logf.close()
    # `kill -9 $(cat <data dir>/v2.pid)` takes a validator down (its CometBFT dies with it)
    (network_file.parent / f"{name}.pid").write_text(f"{proc.pid}\n")
    return proc, log_path


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/health", timeout=1).ok
    except requests.RequestException:
        return False


def run_network(args: argparse.Namespace) -> int:
    """`braid devnet --validators N` (N > 1): runs the network until Ctrl-C."""
    from zkbraid.cli.main import _devnet_chain, _devnet_l1, _helper
    from zkbraid.consensus.cometbft.engine import COMETBFT
    from zkbraid.node.network import NETWORK_FILE, L1Spec, NetworkSpec, layout

    if not COMETBFT.exists():
        out.fail(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft")
        return 2
    data_dir = Path(args.data_dir)
    if args.reset and data_dir.is_dir():
        out.progress(f"removing {data_dir}")
        shutil.rmtree(data_dir)
    if (data_dir / "node.sqlite").exists():
        out.fail(f"{data_dir} holds a one-node devnet: start the network over with --reset")
        return 2
    network_file = data_dir / NETWORK_FILE
    existing = NetworkSpec.load(network_file) if network_file.exists() else None
    if existing is not None and existing.validators != args.validators:
        out.fail(
            f"{data_dir} holds a network of {existing.validators} validators, not"
            f" {args.validators}: start it over with --reset"
        )
        return 2
    net, keys, _verifier = _devnet_chain(args)  # the keys are built once, before the nodes
    spec = layout(
        args.validators,
        args.port,
        chain_args=tuple(chain_argv(args)),
        fast_block_ms=args.fast_block_ms,
    )
    if existing is not None:
        spec = replace(spec, genesis_time_ms=existing.genesis_time_ms)
    data_dir.mkdir(parents=True, exist_ok=True)
    l1 = None if args.no_l1 else _devnet_l1(args, net, keys)
    try:
        if l1 is not None:
            conn, deployment = l1[1], l1[0].deployment
            spec = replace(
                spec,
                l1=L1Spec(conn.rpc_url, conn.chain_id, conn.rollup, deployment.deployed_height),
            )
        spec.save(data_dir)
        return _serve_network(args, spec, network_file, l1 is not None, _helper)
    finally:
        if l1 is not None:
            l1[0].stop()


def _serve_network(
    args: argparse.Namespace, spec: Any, network_file: Path, with_l1: bool, helper: Any
) -> int:
    from zkbraid.cli.main import _stop_helpers

    resumed = any((network_file.parent / n.name).exists() for n in spec.nodes)
    out.progress(
        f"{'resuming' if resumed else 'creating'} a network of {spec.validators} validators in"
        f" {network_file.parent}"
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    nodes = {n.name: _spawn_node(network_file, n.name, args.log_level) for n in spec.nodes}
    helpers: list[tuple[Any, str]] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = {n.name: n.url for n in spec.nodes}
        while waiting and not stop.is_set():
            for name, url in list(waiting.items()):
                proc, log_path = nodes[name]
                if proc.poll() is not None:
                    out.fail(f"{name} exited with code {proc.returncode}:\n{_tail(log_path)}")
                    return 1
                if _healthy(url):
                    del waiting[name]
            if time.monotonic() > deadline:
                out.fail(f"{', '.join(waiting)} did not start within {START_TIMEOUT_S:g} s")
                return 1
            time.sleep(0.2)
        if stop.is_set():
            return 130
        v0 = spec.nodes[0]
        out.ok(f"zkbraid devnet: {spec.validators} CometBFT validators on loopback")
        print(
            f"  {'node':<5} {'JSON-RPC':<24} {'CometBFT RPC':<24} {'p2p':<6}"
            " validator (dev account)"
        )
        for n in spec.nodes:
            print(
                f"  {n.name:<5} {n.url:<24} http://127.0.0.1:{n.rpc_port:<7} {n.p2p_port:<6}"
                f" dev:{n.account} {n.operator}  (log {network_file.parent / (n.name + '.log')})"
            )
        print(f"  data dirs     {network_file.parent}/v0 … (the layout: {network_file})")
        if spec.l1 is not None:
            print(
                f"  L1 (anvil)    {spec.l1.url}  chain id {spec.l1.chain_id},"
                f" rollup {spec.l1.rollup}"
            )
        print(
            f"  blocks        fast every {args.fast_block_ms} ms when busy (CometBFT's"
            f" timeout_commit), ZK every {args.zk_block_ms} ms or {args.zk_max_txs} txs"
        )
        print("  every node serves the whole API; `braid status` shows every validator")
        args_for_helpers = argparse.Namespace(
            **{**vars(args), "data_dir": str(network_file.parent)}
        )
        if with_l1 and not args.no_agent:
            helpers.append(
                helper(args_for_helpers, v0.url, "agent", ["agent", "run", "--key", "dev:9"])
            )
            print(f"  agent         dev:9 posts batches to L1 through v0 (log: {helpers[-1][1]})")
        if args.prover:
            helpers.append(
                helper(args_for_helpers, v0.url, "prover", ["prover", "run", "--key", "dev:8"])
            )
            print(
                f"  prover        dev:8 proves what it is assigned, through v0"
                f" (log: {helpers[-1][1]})"
            )
        print(
            "  Ctrl-C stops the network; `braid devnet --validators N` again resumes it.",
            flush=True,
        )
        reported: set[str] = set()
        while not stop.is_set():
            for name, (proc, log_path) in nodes.items():
                if proc.poll() is not None and name not in reported:
                    reported.add(name)
                    out.fail(
                        f"{name} exited with code {proc.returncode} (the others go on while more"
                        f" than two thirds of the power runs):\n{_tail(log_path)}"
                    )
            stop.wait(0.5)
        return 0
    finally:
        out.progress("stopping the network")
        _stop_helpers(helpers)
        for proc, _ in nodes.values():
            if proc.poll() is None:
                proc.terminate()
        for name, (proc, _) in nodes.items():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            pid_file = network_file.parent / f"{name}.pid"
            if pid_file.exists() and pid_file.read_text().strip() == str(proc.pid):
                pid_file.unlink()


# -- status of every validator -----------------------------------------------------------------


def network_status(rpc: str, validators: int | None) -> dict[str, Any] | None:
    """Every node's height, app hash, CometBFT height and voting power: the nodes the node at
    `rpc` lists (`braid_network`), or validators 0..N-1 laid out from its port. None: the node
    is no network's and no N was given."""
    from zkbraid.node.network import COMETBFT_RPC_OFFSET, PORT_STRIDE

    listed: list[dict[str, Any]]
    try:
        network = BraidClient(rpc, timeout=5).rpc.call("braid_network")
        listed = list(network["nodes"])
    except RpcError as e:
        if e.code != METHOD_NOT_FOUND:
            raise
        if not validators:
            return None
        parsed = urlparse(rpc)
        base, host = parsed.port or 80, parsed.hostname or "127.0.0.1"
        listed = [
            {
                "name": f"v{i}",
                "url": f"http://{host}:{base + PORT_STRIDE * i}",
                "cometbftRpc": f"http://{host}:{base + PORT_STRIDE * i + COMETBFT_RPC_OFFSET}",
            }
            for i in range(validators)
        ]
    if validators is None and len(listed) <= 1:
        return None
    rows = [_node_row(n) for n in listed[: validators or len(listed)]]
    return {"nodes": rows, "totalPower": sum(r["power"] or 0 for r in rows if r["instance"] == 0)}


def _node_row(n: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": n["name"],
        "url": n["url"],
        "operator": n.get("operator"),
        "instance": n.get("instance", 0),
        "up": False,
        "height": None,
        "appHash": None,
        "cometbftHeight": None,
        "power": None,
    }
    try:
        status = BraidClient(n["url"], timeout=3).status()
        row.update(up=True, height=status["height"], appHash=status["appHash"])
    except (NodeUnreachable, RpcError):
        return row
    try:
        reply = requests.post(
            n["cometbftRpc"], json={"jsonrpc": "2.0", "id": 1, "method": "status"}, timeout=3
        ).json()["result"]
        row["cometbftHeight"] = int(reply["sync_info"]["latest_block_height"])
        row["power"] = int(reply["validator_info"]["voting_power"])
    except (requests.RequestException, KeyError, ValueError):
        pass
    return row


def print_network(network: dict[str, Any]) -> None:
    nodes = network["nodes"]
    print(f"\nvalidators ({len(nodes)} nodes, total power {network['totalPower']})")
    print(f"  {'node':<6} {'JSON-RPC':<24} {'height':>7} {'CometBFT':>9} {'power':>7}  app hash")
    for r in nodes:
        if not r["up"]:
            print(f"  {r['name']:<6} {r['url']:<24} {'down':>7}")
            continue
        cometbft = "?" if r["cometbftHeight"] is None else r["cometbftHeight"]
        power = "?" if r["power"] is None else r["power"]
        print(
            f"  {r['name']:<6} {r['url']:<24} {r['height']:>7} {cometbft:>9} {power:>7}"
            f"  {r['appHash']}"
        )
    hashes = {(r["height"], r["appHash"]) for r in nodes if r["up"]}
    heights = {h for h, _ in hashes}
    if len(hashes) > len(heights):
        print("  warning: two nodes report different app hashes at one height", file=sys.stderr)
