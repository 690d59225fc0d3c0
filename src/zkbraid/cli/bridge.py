"""`braid bridge`: move L1 ETH onto the ZK chain (deposit) and see where deposits are."""

from __future__ import annotations

import argparse

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient


def cmd_deposit(args: argparse.Namespace) -> int:
    from zkbraid.sdk.bridge import Bridge

    bridge = Bridge(BraidClient(args.rpc))
    wallet = load_wallet(args.key)
    out.progress(
        f"depositing {args.amount} wei on L1 ({bridge.l1_rpc}) for {args.to or wallet.address}"
    )
    receipt = bridge.deposit(wallet, args.amount, args.to)
    out.ok(
        f"deposit {receipt.deposit_id} in L1 block {receipt.l1_height} (tx {receipt.l1_tx});"
        f" refundable on L1 after {receipt.deadline} if the chain does not credit it"
    )
    if args.no_wait:
        out.result({"id": receipt.deposit_id, "l1Tx": receipt.l1_tx}, args.json)
        return 0
    status = bridge.wait_credited(
        receipt.deposit_id,
        args.timeout,
        on_change=lambda s: out.progress(f"deposit {receipt.deposit_id}: {s['status']}"),
    )
    out.ok(f"deposit {receipt.deposit_id} credited in block {status['creditedHeight']}")
    out.result(status, args.json)
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    wallet = load_wallet(args.key)
    to = args.to or wallet.address
    out.progress(f"withdrawing {args.amount} wei of token 0 to {to} on L1")
    status = client.wait(client.send_withdraw(wallet, args.amount, to), timeout=args.timeout)
    out.ok(
        f"withdrawal committed in block {status['height']}: claimable on L1 once its batch is"
        " settled (`braid bridge claim`)"
    )
    out.result(status, args.json)
    return 0


def cmd_claim(args: argparse.Namespace) -> int:
    from zkbraid.sdk.bridge import Bridge, ClaimFailed

    bridge = Bridge(BraidClient(args.rpc))
    wallet = load_wallet(args.key)
    ids = (
        [args.id]
        if args.id is not None
        else [w["id"] for w in bridge.withdrawals(wallet.address) if not w["claimed"]]
    )
    if not ids:
        out.fail(f"no unclaimed withdrawal for {wallet.address} on L1 yet")
        return 1
    for wid in ids:
        try:
            tx = bridge.claim(wallet, wid)
        except ClaimFailed as e:
            out.fail(f"withdrawal {wid}: {e}")
            return 1
        out.ok(f"claimed withdrawal {wid} on L1: {tx}")
    return 0


def cmd_refund(args: argparse.Namespace) -> int:
    from zkbraid.sdk.bridge import Bridge, ClaimFailed

    bridge = Bridge(BraidClient(args.rpc))
    try:
        tx = bridge.refund(load_wallet(args.key), args.id)
    except ClaimFailed as e:
        out.fail(f"deposit {args.id}: {e}")
        return 1
    out.ok(f"refunded deposit {args.id} on L1: {tx}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    if args.id is not None:
        status = client.rpc.call("braid_getDeposit", args.id)
        if status is None:
            out.fail(f"no deposit {args.id} is known to this node")
            return 1
        out.result(status, args.json)
        return 0
    out.result(client.rpc.call("braid_bridge"), args.json)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid bridge deposit|status`."""
    b = sub.add_parser("bridge", help="the L1 bridge: deposits and their status").add_subparsers(
        dest="bridge_command", required=True, metavar="bridge-command"
    )
    d = b.add_parser(
        "deposit",
        help="deposit L1 ETH to a ZK-chain account (token 0) and wait until it is credited",
    )
    d.add_argument("--key", required=True, help="key file or dev:N paying on L1")
    d.add_argument("--amount", type=int, required=True, help="wei")
    d.add_argument(
        "--to", default=None, help="the recipient's address (its ZK account's; default: the key's)"
    )
    d.add_argument("--no-wait", action="store_true", help="do not wait for the credit")
    d.add_argument("--timeout", type=float, default=60.0, help="seconds to wait (60)")
    d.set_defaults(func=cmd_deposit)
    w = b.add_parser("withdraw", help="burn token 0 on the ZK chain, to be paid on L1")
    w.add_argument("--key", required=True, help="key file or dev:N owning the ZK account")
    w.add_argument("--amount", type=int, required=True, help="wei")
    w.add_argument("--to", default=None, help="the L1 address paid (default: the key's)")
    w.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")
    w.set_defaults(func=cmd_withdraw)
    c = b.add_parser("claim", help="claim settled withdrawals on L1 (each pays once)")
    c.add_argument("--key", required=True, help="key file or dev:N (the recipient; pays gas)")
    c.add_argument("--id", type=int, default=None, help="one withdrawal (default: all unclaimed)")
    c.set_defaults(func=cmd_claim)
    r = b.add_parser("refund", help="refund a deposit not credited by its deadline (once)")
    r.add_argument("--key", required=True, help="key file or dev:N (pays gas)")
    r.add_argument("--id", type=int, required=True, help="the deposit id")
    r.set_defaults(func=cmd_refund)
    s = b.add_parser("status", help="L1, the observed L1 block, pending and unconfirmed deposits")
    s.add_argument("id", type=int, nargs="?", default=None, help="one deposit's id")
    s.set_defaults(func=cmd_status)
