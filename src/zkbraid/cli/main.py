"""`braid`: run a devnet and use both chains from the command line.

Every subcommand documents its flags (`braid <command> --help`). Results go to stdout (add
`--json` for scripts), progress and errors to stderr; the exit code is 0 on success, 1 on a
rejected request (the node's error name and message are printed), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkbraid.cli import agent as agent_cli
from zkbraid.cli import batches as batches_cli
from zkbraid.cli import bridge as bridge_cli
from zkbraid.cli import hybrid as hybrid_cli
from zkbraid.cli import output as out
from zkbraid.cli import ownership as ownership_cli
from zkbraid.cli import staking as staking_cli
from zkbraid.cli.wallets import load_wallet
from zkbraid.errors import BraidError
from zkbraid.sdk.client import BraidClient, TxFailed, TxTimeout, Wallet
from zkbraid.sdk.rpc import NodeUnreachable, RpcError

DEFAULT_RPC = os.environ.get("BRAID_RPC", "http://127.0.0.1:8645")


# -- devnet ------------------------------------------------------------------------------------


def _devnet_chain(args: argparse.Namespace) -> tuple[Any, Any, Any]:
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


def _logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def cmd_devnet(args: argparse.Namespace) -> int:
    import shutil

    from zkbraid.config import NodeConfig

    _logging(args.log_level)
    if args.validators > 1:
        from zkbraid.cli import network as network_cli

        return network_cli.run_network(args)
    if args.engine == "cometbft":
        from zkbraid.consensus.cometbft.engine import COMETBFT

        if not COMETBFT.exists():
            out.fail(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft")
            return 2
    if args.reset and os.path.isdir(args.data_dir):
        out.progress(f"removing {args.data_dir}")
        shutil.rmtree(args.data_dir)
    net, keys, verifier = _devnet_chain(args)
    from zkbraid.node.devnet import DEV_VALIDATOR_INDEX, dev_accounts

    validator = dev_accounts(DEV_VALIDATOR_INDEX + 1)[DEV_VALIDATOR_INDEX]
    config = NodeConfig(
        data_dir=args.data_dir,
        rpc_host=args.host,
        rpc_port=args.port,
        validator_key=bytes(validator.key),
    )
    l1 = None if args.no_l1 else _devnet_l1(args, net, keys)
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
            helpers.append(_helper(args, node.url, "agent", ["agent", "run", "--key", "dev:9"]))
            print(f"  agent         dev:9 posts batches to L1 (log: {helpers[-1][1]})")
        if args.prover:
            helpers.append(_helper(args, node.url, "prover", ["prover", "run", "--key", "dev:8"]))
            print(f"  prover        dev:8 proves what it is assigned (log: {helpers[-1][1]})")
        print("  Ctrl-C stops the node; `braid devnet` again resumes where it stopped.", flush=True)

    helpers: list[tuple[Any, str]] = []

    def stop_helpers() -> None:
        _stop_helpers(helpers)

    try:
        asyncio.run(node.serve(ready, before_stop=stop_helpers))
    finally:
        stop_helpers()  # if the node stopped by itself
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


def _helper(args: argparse.Namespace, url: str, name: str, cmd: list[str]) -> tuple[Any, str]:
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


def _stop_helpers(helpers: list[tuple[Any, str]]) -> None:
    """Stops the devnet's helpers (`_helper`): SIGINT to all (the prover deactivates, the agent
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


def _devnet_l1(args: argparse.Namespace, net: Any, keys: Any) -> tuple[Any, Any]:
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

    _logging(args.log_level)
    source_path = os.path.join(args.source, "node.sqlite")
    if not os.path.exists(source_path):
        out.fail(f"{args.source} holds no node (no node.sqlite)")
        return 2
    if os.path.abspath(args.source) == os.path.abspath(args.data_dir):
        out.fail("the source and the data dir are the same")
        return 2
    net, _keys, verifier = _devnet_chain(args)
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


# -- keys --------------------------------------------------------------------------------------


def cmd_keys_new(args: argparse.Namespace) -> int:
    if os.path.exists(args.out) and not args.force:
        out.fail(f"{args.out} exists (use --force to overwrite)")
        return 2
    wallet = Wallet.generate()
    wallet.save(args.out)
    out.ok(f"new key saved to {args.out} (unencrypted: keep it private)")
    out.result(wallet.describe(), args.json)
    return 0


def cmd_keys_show(args: argparse.Namespace) -> int:
    out.result(load_wallet(args.key).describe(), args.json)
    return 0


# -- faucet, status, blocks, tx ------------------------------------------------------------------


def cmd_faucet(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    address = args.address if args.address.startswith("0x") else load_wallet(args.address).address
    out.progress(f"asking the faucet for {address}")
    status = client.wait(client.faucet(address), timeout=args.timeout)
    out.ok(f"funded {address} in block {status['height']}")
    out.result(status["result"], args.json)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """The node's status; on a multi-validator devnet (or with --validators N) every
    validator's height, power and app hash too."""
    from zkbraid.cli import network as network_cli

    client = BraidClient(args.rpc)
    status = client.status()
    network = network_cli.network_status(args.rpc, args.validators)
    if network is None:
        out.result(status, args.json)
        return 0
    if args.json:
        out.result({**status, "network": network}, True)
        return 0
    out.result(status, False)
    network_cli.print_network(network)
    return 0


def _block_line(b: dict[str, Any]) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(b["timestampMs"] / 1000))
    ms = b["timestampMs"] % 1000
    return (
        f"{b['height']:>8}  {b['chain']:<4} #{b['chainHeight']:<7} {stamp}.{ms:03d}"
        f"  txs {b['txCount']:>4}  {b['hash'][:18]}…  root {b['stateRoot'][:14]}…"
    )


def cmd_blocks(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    head = client.status()["height"]
    first = args.start if args.start is not None else max(1, head - args.count + 1)
    blocks = client.blocks(first, args.count)
    if args.json and not args.follow:
        out.result(blocks, True)
        return 0
    print(f"{'height':>8}  chain #chain   time          txs   hash                 state root")
    for b in blocks:
        print(_block_line(b))
    nxt = blocks[-1]["height"] + 1 if blocks else first
    while args.follow:
        time.sleep(0.2)
        for b in client.blocks(nxt, 100):
            print(_block_line(b), flush=True)
            nxt = b["height"] + 1
    return 0


def cmd_tx(args: argparse.Namespace) -> int:
    status = BraidClient(args.rpc).transaction(args.hash)
    return _show(status, f"unknown transaction {args.hash}", args)


def _show(found: dict[str, Any] | None, missing: str, args: argparse.Namespace) -> int:
    """Prints what a lookup found, or says what is missing (exit code 1)."""
    if found is None:
        out.fail(missing)
        return 1
    out.result(found, args.json)
    return 0


# -- the ZK chain --------------------------------------------------------------------------------


def _finish(client: BraidClient, tx_hash: str, what: str, args: argparse.Namespace) -> int:
    out.progress(f"{what}: sent {tx_hash}")
    if args.no_wait:
        print(tx_hash)
        return 0
    status = client.wait(tx_hash, timeout=args.timeout)
    out.ok(f"{what}: committed in block {status['height']}")
    out.result(status, args.json)
    return 0


def cmd_zk_register(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    return _finish(client, client.send_register_key(wallet, fee=args.fee), "register key", args)


def cmd_zk_transfer(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    tx_hash = client.send_transfer(wallet, args.to, args.amount, token=args.token, fee=args.fee)
    return _finish(client, tx_hash, "transfer", args)


def cmd_zk_nft_mint(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    to = args.to or wallet.address
    tx_hash = client.send_nft_mint(wallet, args.collection, to, args.content, fee=args.fee)
    return _finish(client, tx_hash, "NFT mint", args)


def cmd_zk_nft_transfer(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    tx_hash = client.send_nft_transfer(wallet, args.to, args.nft, fee=args.fee)
    return _finish(client, tx_hash, "NFT transfer", args)


def cmd_zk_account(args: argparse.Namespace) -> int:
    ref = args.account
    if not ref.startswith("0x") and not ref.isdigit():
        ref = load_wallet(ref).address
    account = BraidClient(args.rpc).zk_account(ref)
    return _show(
        account, f"no ZK account for {ref} (register a key first: braid zk register)", args
    )


def cmd_zk_nft_show(args: argparse.Namespace) -> int:
    return _show(BraidClient(args.rpc).zk_nft(args.nft), f"no NFT {args.nft}", args)


# -- proving -------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    """argparse's type of a count of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cmd_prover_run(args: argparse.Namespace) -> int:
    """Joins the proving market and proves the jobs it is assigned, until Ctrl-C."""
    import signal
    import threading

    from zkbraid.proving.prover import Prover
    from zkbraid.proving.worker import ProverWorker, zkpow

    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        out.progress("stopping after the current step (Ctrl-C again to abandon it)")
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    out.progress(f"loading the proving keys ({args.backend} back end)")
    with Prover(args.backend, threads=args.threads) as prover:
        worker = ProverWorker(
            client,
            wallet,
            prover,
            heartbeat_s=args.heartbeat_s,
            poll_s=args.poll_ms / 1000,
            timeout_s=args.timeout,
            report=out.progress,
        )
        out.ok(f"prover {wallet.address} on {args.rpc}; Ctrl-C goes inactive and stops")
        stats = worker.run(stop, count=args.count, exit_when_idle=args.exit_when_idle)
    out.ok(
        f"prover done: {stats.proofs} proofs and {stats.bundles} bundles accepted,"
        f" earned {zkpow(stats.earned)}, fined {zkpow(stats.fined)} ({stats.fines} fines),"
        f" balance {zkpow(stats.balance)}"
    )
    return 0


def cmd_market(args: argparse.Namespace) -> int:
    """The proving market: provers, open jobs with bounty and deadline."""
    from zkbraid.proving.worker import zkpow

    m = BraidClient(args.rpc).market()
    if args.json:
        out.result(m, True)
        return 0
    print(
        f"market at height {m['height']}: pool {zkpow(int(m['pool']))}"
        f" ({zkpow(int(m['reserved']))} set aside for the bases of open jobs and for aggregation),"
        f" {m['activeProvers']} active provers"
    )
    print(f"\nprovers ({len(m['provers'])})")
    print(f"  {'address':<42}  {'state':<10} {'done':>5} {'fines':>5}  {'balance':>14}  jobs")
    for p in m["provers"]:
        state = "active" if p["active"] else "inactive"
        if p["active"] and not p["assignable"]:
            state = "benched" if p["benched"] else "expiring"
        print(
            f"  {p['address']:<42}  {state:<10} {p['jobsDone']:>5} {p['fines']:>5}"
            f"  {zkpow(int(p['balance'])):>14}  {len(p['jobs'])}"
        )
    print(f"\nopen jobs ({len(m['openJobs'])})")
    for j in m["openJobs"]:
        what = j.get("txHash") or f"batch {j['batch']}"
        who = j["assignee"] or "waiting"
        deadline = j["deadline"]
        due = f" deadline block {deadline['height']}" if deadline else ""
        print(
            f"  {j['kind']:<9} {what}  {j['status']:<8} {who}"
            f"  bounty {zkpow(int(j['bounty']))}{due}  attempts {len(j['history'])}"
        )
    return 0


def cmd_market_prover(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    address = args.prover if args.prover.startswith("0x") else load_wallet(args.prover).address
    return _show(client.prover(address), f"{address} is not a registered prover", args)


def cmd_market_job(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    return _show(client.job(args.job), f"no job {args.job}", args)


def cmd_keys_ceremony(args: argparse.Namespace) -> int:
    from zkbraid.proving import ceremony

    return ceremony.main(args.ceremony_args)


# -- the parser ----------------------------------------------------------------------------------


def _chain_flags(p: argparse.ArgumentParser) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="braid", description="zkbraid: a ZK chain and a fast chain braided by one sequencer."
    )
    p.add_argument(
        "--rpc", default=DEFAULT_RPC, help=f"node JSON-RPC URL (env BRAID_RPC; {DEFAULT_RPC})"
    )
    p.add_argument("--json", action="store_true", help="print results as JSON")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")

    d = sub.add_parser(
        "devnet",
        help="run a local devnet: one node, or N CometBFT validators with --validators N"
        " (resumes if it exists)",
    )
    d.add_argument("--data-dir", default=".braid/devnet", help="node state (default .braid/devnet)")
    d.add_argument("--host", default="127.0.0.1", help="RPC listen address (default 127.0.0.1)")
    d.add_argument("--port", type=int, default=8645, help="RPC port (default 8645)")
    _chain_flags(d)
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
    d.set_defaults(func=cmd_devnet)

    from zkbraid.cli import network as network_cli

    network_cli.supervision_flags(d)

    network_cli.add_parser(sub)
    bridge_cli.add_parser(sub)
    batches_cli.add_parser(sub)
    agent_cli.add_parser(sub)
    staking_cli.add_parser(sub)

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
    _chain_flags(r)
    r.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    r.set_defaults(func=cmd_replay)

    k = sub.add_parser("keys", help="make and show keys").add_subparsers(
        dest="keys_command", required=True, metavar="keys-command"
    )
    kn = k.add_parser("new", help="new Ethereum key + derived L2 (EdDSA) key, saved to a file")
    kn.add_argument("--out", default="braid-key.json", help="key file (default braid-key.json)")
    kn.add_argument("--force", action="store_true", help="overwrite an existing file")
    kn.set_defaults(func=cmd_keys_new)
    kc = k.add_parser(
        "ceremony",
        help="multi-party phase-2 ceremony for production proving keys (init, contribute,"
        " verify, finalize; see `braid keys ceremony --help`)",
        add_help=False,
    )
    kc.add_argument("ceremony_args", nargs=argparse.REMAINDER)
    kc.set_defaults(func=cmd_keys_ceremony)
    ks = k.add_parser("show", help="show a key's addresses")
    ks.add_argument("key", help="key file or dev:N")
    ks.set_defaults(func=cmd_keys_show)

    f = sub.add_parser("faucet", help="devnet: fund an address with ZKPoW and fast-chain coins")
    f.add_argument("address", help="0x address, key file or dev:N")
    f.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")
    f.set_defaults(func=cmd_faucet)

    s = sub.add_parser(
        "status",
        help="the node's heights, roots and pending count (every validator's on a network)",
    )
    s.add_argument(
        "--validators",
        type=int,
        default=None,
        metavar="N",
        help="also show validators 0..N-1 of a devnet laid out from --rpc's port (a"
        " multi-validator devnet's node lists them itself)",
    )
    s.set_defaults(func=cmd_status)

    b = sub.add_parser("blocks", help="the interleaved order of ZK and fast blocks")
    b.add_argument("--count", type=int, default=20, help="how many blocks (20)")
    b.add_argument("--from", dest="start", type=int, help="first height (default: the last ones)")
    b.add_argument("--follow", "-f", action="store_true", help="keep printing new blocks")
    b.set_defaults(func=cmd_blocks)

    t = sub.add_parser(
        "tx", help="a transaction's status (pending/committed/proven/failed/dropped)"
    )
    t.add_argument("hash")
    t.set_defaults(func=cmd_tx)

    pr = sub.add_parser("prover", help="prove ZK-chain transactions").add_subparsers(
        dest="prover_command", required=True, metavar="prover-command"
    )
    prr = pr.add_parser(
        "run",
        help="join the proving market: register, heartbeat, prove the jobs assigned, until Ctrl-C",
    )
    prr.add_argument(
        "--key", required=True, help="the prover's key file or dev:N (its address is paid/fined)"
    )
    prr.add_argument(
        "--backend",
        choices=["native", "snarkjs"],
        default="native",
        help="native: zkbraid's Rust prover (default); snarkjs: the browser's engine, in node",
    )
    prr.add_argument(
        "--threads",
        type=_positive_int,
        help="the native prover's threads (default: every core; fewer to share the machine)",
    )
    prr.add_argument("--count", type=int, help="stop after this many accepted proofs and bundles")
    prr.add_argument(
        "--exit-when-idle", action="store_true", help="stop when the market has no open job"
    )
    prr.add_argument("--heartbeat-s", type=float, default=20.0, help="heartbeat interval (20)")
    prr.add_argument("--poll-ms", type=int, default=500, help="assignment polling interval (500)")
    prr.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per submission")
    prr.set_defaults(func=cmd_prover_run)

    mk = sub.add_parser("market", help="the proving market: provers, open jobs, bounties")
    mk.set_defaults(func=cmd_market)
    mks = mk.add_subparsers(dest="market_command", metavar="market-command")
    mkp = mks.add_parser("prover", help="one prover: active, balance, jobs done, fines")
    mkp.add_argument("prover", help="0x address, key file or dev:N")
    mkp.set_defaults(func=cmd_market_prover)
    mkj = mks.add_parser("job", help="one job (a tx hash, or an aggregation job id): history")
    mkj.add_argument("job", help="job id (0x, 32 bytes)")
    mkj.set_defaults(func=cmd_market_job)

    z = sub.add_parser("zk", help="the ZK chain").add_subparsers(
        dest="zk_command", required=True, metavar="zk-command"
    )

    def zk_tx(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> Any:
        c = z.add_parser(name, help=helptext)
        _tx_flags(c)
        c.set_defaults(func=func)
        return c

    zk_tx("register", "bind your L2 key to your Ethereum address", cmd_zk_register)
    tr = zk_tx("transfer", "send tokens on the ZK chain", cmd_zk_transfer)
    tr.add_argument("--to", required=True, help="recipient: 0x address or account index")
    tr.add_argument("--amount", type=int, required=True, help="amount in base units")
    tr.add_argument("--token", type=int, default=0, help="token id (default 0)")

    za = z.add_parser("account", help="a ZK account (nonce, balances, key)")
    za.add_argument("account", help="0x address, account index, key file or dev:N")
    za.set_defaults(func=cmd_zk_account)

    n = z.add_parser("nft", help="NFTs on the ZK chain").add_subparsers(
        dest="nft_command", required=True, metavar="nft-command"
    )
    nm = n.add_parser("mint", help="mint an NFT of a collection you are the minter of")
    _tx_flags(nm)
    nm.add_argument("--collection", type=int, required=True, help="collection id")
    nm.add_argument("--to", help="owner: 0x address or account index (default: yourself)")
    nm.add_argument("--content", required=True, help="content hash: 0x hex or decimal (< field)")
    nm.set_defaults(func=cmd_zk_nft_mint)
    nt = n.add_parser("transfer", help="give an NFT you own to someone")
    _tx_flags(nt)
    nt.add_argument("--to", required=True, help="recipient: 0x address or account index")
    nt.add_argument("--nft", type=int, required=True, help="NFT id")
    nt.set_defaults(func=cmd_zk_nft_transfer)
    ns = n.add_parser("show", help="an NFT's owner, collection and content")
    ns.add_argument("nft", type=int)
    ns.set_defaults(func=cmd_zk_nft_show)
    ownership_cli.add_parser(z)
    hybrid_cli.add_parsers(sub, z, n, _tx_flags)
    return p


def _tx_flags(c: argparse.ArgumentParser) -> None:
    c.add_argument("--key", required=True, help="key file or dev:N")
    c.add_argument("--fee", type=int, help="ZKPoW fee (default: the schedule's minimum)")
    c.add_argument("--no-wait", action="store_true", help="print the hash and return at once")
    c.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["keys", "ceremony"]:
        # every later argument, --help included, belongs to the ceremony's own parser
        from zkbraid.proving import ceremony

        return ceremony.main(argv[2:])
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except NodeUnreachable as e:
        out.fail(f"{e} (start one with `braid devnet`)")
    except RpcError as e:
        out.fail(str(e))
    except TxFailed as e:
        out.fail(str(e))
    except TxTimeout as e:
        out.fail(f"{e} (it may still be included: `braid tx HASH` shows it)")
    except BraidError as e:
        out.fail(f"{e.name}: {e}")
    except (OSError, ValueError) as e:
        out.fail(str(e))
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
