"""`braid agent run`: a submission agent that posts proven batches to L1 in its slots."""

from __future__ import annotations

import argparse
import signal
import threading

import requests

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient
from zkbraid.sdk.rpc import NodeUnreachable


def cmd_run(args: argparse.Namespace) -> int:
    from zkbraid.settlement.agent import SubmissionAgent

    wallet = load_wallet(args.key)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    waiting = False
    while True:
        # a node that restarts, or an L1 that does not answer yet, is waited for
        try:
            agent = SubmissionAgent(BraidClient(args.rpc), wallet, progress=out.ok)
            if agent.register():
                out.ok(f"registered {agent.address} as a submission agent on L1")
            break
        except (NodeUnreachable, requests.RequestException) as e:
            if not waiting:
                out.progress(f"{e}; waiting for it")
            waiting = True
            if stopping.wait(1.0):
                return 0
    out.progress(f"agent {agent.address}: posting batches to {agent.rollup.address}")
    posted = agent.run(
        count=args.count,
        exit_when_idle=args.exit_when_idle,
        poll_s=args.poll_ms / 1000,
        stop=stopping.is_set,
    )
    out.ok(f"agent done: {len(posted)} batches posted")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid agent run`."""
    a = sub.add_parser("agent", help="submission agents: post proven batches to L1")
    a_sub = a.add_subparsers(dest="agent_command", required=True, metavar="agent-command")
    r = a_sub.add_parser(
        "run",
        help="register on L1 (once) and post each bundled, attested batch in this agent's slot",
    )
    r.add_argument("--key", required=True, help="the agent's key file or dev:N (pays L1 gas)")
    r.add_argument("--count", type=int, default=None, help="stop after posting N batches")
    r.add_argument(
        "--exit-when-idle", action="store_true", help="stop when no batch is ready to post"
    )
    r.add_argument("--poll-ms", type=int, default=500, help="how often to look (500)")
    r.set_defaults(func=cmd_run)
