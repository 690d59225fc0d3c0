"""`braid devnet --validators N` and `braid node`: a devnet of N CometBFT validators on loopback,
each a process of its own (node/network.py has the layout), and `braid status` of every
validator.

The launcher builds (or loads) the circuit keys once, starts the one L1 (anvil, its rollup
deployed once), writes `<data dir>/network.json`, starts one `braid node` per validator (its
output in `<data dir>/<name>.log`), then one agent and, with --prover, one prover, both at
validator 0. The launcher supervises the validators (node/supervisor.py): one that dies is
started again after a backoff, up to --restart-limit times, with a line saying whether the chain
goes on meanwhile. Each node's process id is in `<data dir>/<name>.pid`; `braid node --network
<data dir>/network.json --name <name> [--supervise]` runs one by hand. Ctrl-C stops the helpers,
then the validators, then the L1; running it again resumes the same network.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from zkbraid import processes
from zkbraid.cli import output as out
from zkbraid.cli.devnet import (
    chain_flags,
    devnet_chain,
    devnet_l1,
    setup_logging,
    start_helper,
    stop_helpers,
)
from zkbraid.node.supervisor import STATE_FILE, Child, RestartPolicy, Supervisor
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
    n.add_argument(
        "--supervise",
        action="store_true",
        help="run the node as a child of this command, which starts it again when it dies"
        " (by --restart-limit; its state in <data dir>/<name>.supervisor.json)",
    )
    supervision_flags(n)
    n.set_defaults(func=cmd_node)


# -- the chain flags every node shares ---------------------------------------------------------


def chain_argv(args: argparse.Namespace) -> list[str]:
    """The chain flags of `args` (cli/devnet.py `chain_flags`) as command-line arguments, so
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
    p = argparse.ArgumentParser(prog="braid node", add_help=False)
    chain_flags(p)
    return p.parse_args(list(argv))


# -- one node ----------------------------------------------------------------------------------


def cmd_node(args: argparse.Namespace) -> int:
    """Runs one node of a network until SIGINT/SIGTERM."""
    from zkbraid.config import NodeConfig
    from zkbraid.consensus.cometbft.engine import COMETBFT
    from zkbraid.node.network import NetworkSpec
    from zkbraid.node.node import L1Connection, Node
    from zkbraid.settlement.l1_follower import L1Follower

    setup_logging(args.log_level)
    if not COMETBFT.exists():
        out.fail(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft")
        return 2
    if args.supervise:
        return run_supervised_node(args)
    spec = NetworkSpec.load(args.network)
    me = spec.node(args.name)
    data_dir = Path(args.network).resolve().parent / me.name
    net, keys, verifier = devnet_chain(parse_chain_argv(spec.chain_args))
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


def supervision_flags(p: argparse.ArgumentParser) -> None:
    """The restart policy's flags (node/supervisor.py RestartPolicy)."""
    defaults = RestartPolicy()
    p.add_argument(
        "--restart-limit",
        type=int,
        default=defaults.limit,
        metavar="N",
        help=f"restart a validator process that died, at most N times within"
        f" {defaults.window_s:g} s, after {defaults.backoff_s:g} s doubling to"
        f" {defaults.max_backoff_s:g} s ({defaults.limit}; 0: never restart)",
    )


def _policy(args: argparse.Namespace) -> RestartPolicy:
    return RestartPolicy(limit=max(0, args.restart_limit))


def _node_argv(network_file: Path, name: str, log_level: str) -> list[str]:
    return [
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
    ]


def _supervise_node(sup: Supervisor, network_file: Path, name: str, log_level: str) -> None:
    """Starts `braid node … --name NAME` under `sup`, its output in `<data dir>/<name>.log`
    and its process id in `<data dir>/<name>.pid` (`kill -9 $(cat v2.pid)` takes it down; the
    supervisor starts it again). A node of an earlier run still running there is ended first."""
    data_dir = network_file.parent
    sup.add(
        name,
        _node_argv(network_file, name, log_level),
        data_dir / f"{name}.log",
        data_dir / f"{name}.pid",
        processes.argv_has("zkbraid.cli.main", "node", str(network_file), name),
    )


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


def _powers(spec: Any, up: list[str]) -> dict[str, int]:
    """Each node's voting power now, as a running node's CometBFT tells it (every node 1 when
    none answers: the devnet's genesis validators have equal power)."""
    for n in spec.nodes:
        if n.name not in up:
            continue
        try:
            reply = requests.post(
                f"http://127.0.0.1:{n.rpc_port}",
                json={"jsonrpc": "2.0", "id": 1, "method": "validators", "params": {}},
                timeout=2,
            ).json()["result"]
            by_address = {v["address"].upper(): int(v["voting_power"]) for v in reply["validators"]}
        except (requests.RequestException, KeyError, ValueError):
            continue
        from zkbraid.staking.keys import consensus_address

        return {
            m.name: by_address.get(consensus_address(m.keys.consensus_key).hex().upper(), 0)
            for m in spec.nodes
        }
    return {m.name: 1 for m in spec.nodes}


def quorum_note(spec: Any, up: list[str]) -> str:
    """Whether the chain goes on with only `up` running: CometBFT commits a block only with
    more than two thirds of the voting power."""
    powers = _powers(spec, up)
    total = sum(powers.values()) or 1
    running = sum(powers[n] for n in up if n in powers)
    share = (
        f"{len(up)} of {len(spec.nodes)} validators run, {100 * running / total:.0f}% of the power"
    )
    if 3 * running > 2 * total:
        return f" ({share}: the chain goes on)"
    return f" ({share}: two thirds or less, the chain has halted until validators return)"


def run_network(args: argparse.Namespace) -> int:
    """`braid devnet --validators N` (N > 1): runs the network until Ctrl-C."""
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
    net, keys, _verifier = devnet_chain(args)  # the keys are built once, before the nodes
    spec = layout(
        args.validators,
        args.port,
        chain_args=tuple(chain_argv(args)),
        fast_block_ms=args.fast_block_ms,
    )
    if existing is not None:
        spec = replace(spec, genesis_time_ms=existing.genesis_time_ms)
    data_dir.mkdir(parents=True, exist_ok=True)
    l1 = None if args.no_l1 else devnet_l1(args, net, keys)
    try:
        if l1 is not None:
            conn, deployment = l1[1], l1[0].deployment
            spec = replace(
                spec,
                l1=L1Spec(conn.rpc_url, conn.chain_id, conn.rollup, deployment.deployed_height),
            )
        spec.save(data_dir)
        return _serve_network(args, spec, network_file, l1 is not None, start_helper)
    finally:
        if l1 is not None:
            l1[0].stop()


def _serve_network(
    args: argparse.Namespace, spec: Any, network_file: Path, with_l1: bool, helper: Any
) -> int:
    resumed = any((network_file.parent / n.name).exists() for n in spec.nodes)
    out.progress(
        f"{'resuming' if resumed else 'creating'} a network of {spec.validators} validators in"
        f" {network_file.parent}"
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def on_exit(child: Child) -> str:
        return quorum_note(spec, [n for n in sup.up() if n != child.name])

    sup = Supervisor(network_file.parent / STATE_FILE, _policy(args), _report, on_exit)
    helpers: list[tuple[Any, str]] = []
    try:
        for n in spec.nodes:
            _supervise_node(sup, network_file, n.name, args.log_level)
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = {n.name: n.url for n in spec.nodes}
        while waiting and not stop.is_set():
            for name, url in list(waiting.items()):
                child = sup.children[name]
                if child.proc is not None and child.proc.poll() is not None:
                    out.fail(
                        f"{name} exited with code {child.proc.returncode}:\n{_tail(child.log_path)}"
                    )
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
        policy = sup.policy
        if policy.limit:
            print(
                f"  supervision   a validator that dies is restarted (after {policy.backoff_s:g} s,"
                f" doubling; at most {policy.limit} times in {policy.window_s:g} s)"
            )
        else:
            print("  supervision   off (--restart-limit 0): a validator that dies stays down")
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
        while not stop.is_set():
            for child in sup.poll():
                tail = _tail(child.log_path)
                if tail:
                    print(f"  {child.name}'s log ends:\n{tail}", file=sys.stderr, flush=True)
            stop.wait(0.5)
        return 0
    finally:
        out.progress("stopping the network")
        stop_helpers(helpers)
        sup.stop_all()


def _report(line: str) -> None:
    out.fail(line) if " exited " in line or "not restarting" in line else out.progress(line)


def run_supervised_node(args: argparse.Namespace) -> int:
    """`braid node --supervise`: runs `braid node` (without --supervise) as a child and starts
    it again when it dies, by the same policy as the launcher's validators."""
    network_file = Path(args.network).resolve()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sup = Supervisor(network_file.parent / f"{args.name}.{STATE_FILE}", _policy(args), _report)
    try:
        _supervise_node(sup, network_file, args.name, args.log_level)
        out.progress(f"supervising {args.name} (pid {sup.children[args.name].pid})")
        while not stop.is_set():
            sup.poll()
            stop.wait(0.5)
        return 0
    finally:
        sup.stop_all()


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
    # the supervisors' view as a node that is up tells it (a down node tells nothing)
    supervised = {n["name"]: n.get("supervisor") for n in listed if n.get("supervisor")}
    for r in rows:
        r["supervisor"] = r["supervisor"] or supervised.get(r["name"])
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
        "supervisor": n.get("supervisor"),
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
    print(
        f"  {'node':<6} {'JSON-RPC':<24} {'height':>7} {'CometBFT':>9} {'power':>7}"
        f" {'restarts':>8}  app hash"
    )
    for r in nodes:
        sup = r.get("supervisor") or {}
        restarts = sup.get("restarts", "-")
        if not r["up"]:
            state = sup.get("state")
            why = "down" if state in (None, "up") else f"down ({state}"
            if state not in (None, "up"):
                last = sup.get("lastExit")
                why += ")" if last is None else f", last exit {last})"
            print(f"  {r['name']:<6} {r['url']:<24} {why:>7} {'':>9} {'':>7} {restarts:>8}")
            continue
        cometbft = "?" if r["cometbftHeight"] is None else r["cometbftHeight"]
        power = "?" if r["power"] is None else r["power"]
        print(
            f"  {r['name']:<6} {r['url']:<24} {r['height']:>7} {cometbft:>9} {power:>7}"
            f" {restarts:>8}  {r['appHash']}"
        )
    down = [r["name"] for r in nodes if not r["up"]]
    if down:
        print(f"  down: {', '.join(down)}")
    hashes = {(r["height"], r["appHash"]) for r in nodes if r["up"]}
    heights = {h for h, _ in hashes}
    if len(hashes) > len(heights):
        print("  warning: two nodes report different app hashes at one height", file=sys.stderr)
