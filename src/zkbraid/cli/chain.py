"""`braid faucet`, `braid status`, `braid blocks`, `braid tx`: the node's chain as a user sees it
(with every validator's status on a network, cli/network.py)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from zkbraid.cli import network as network_cli
from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient


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
    return out.show(status, f"unknown transaction {args.hash}", args.json)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid faucet`, `braid status`, `braid blocks`, `braid tx`."""
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
