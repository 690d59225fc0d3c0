"""`braid prover run` and `braid market`: prove ZK-chain transactions for the proving market,
and look at it (provers, open jobs, bounties)."""

from __future__ import annotations

import argparse

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient


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
    return out.show(client.prover(address), f"{address} is not a registered prover", args.json)


def cmd_market_job(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    return out.show(client.job(args.job), f"no job {args.job}", args.json)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid prover run`, `braid market [prover|job]`."""
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
