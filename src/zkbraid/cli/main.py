"""`braid`: run a devnet and use both chains from the command line.

Every subcommand documents its flags (`braid <command> --help`). Results go to stdout (add
`--json` for scripts), progress and errors to stderr; the exit code is 0 on success, 1 on a
rejected request (the node's error name and message are printed), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys

from zkbraid.cli import agent as agent_cli
from zkbraid.cli import batches as batches_cli
from zkbraid.cli import bridge as bridge_cli
from zkbraid.cli import chain as chain_cli
from zkbraid.cli import devnet as devnet_cli
from zkbraid.cli import hybrid as hybrid_cli
from zkbraid.cli import keys as keys_cli
from zkbraid.cli import market as market_cli
from zkbraid.cli import network as network_cli
from zkbraid.cli import output as out
from zkbraid.cli import ownership as ownership_cli
from zkbraid.cli import staking as staking_cli
from zkbraid.cli import zk as zk_cli
from zkbraid.errors import BraidError
from zkbraid.sdk.client import TxFailed, TxTimeout
from zkbraid.sdk.rpc import NodeUnreachable, RpcError

DEFAULT_RPC = os.environ.get("BRAID_RPC", "http://127.0.0.1:8645")


def cmd_devnet(args: argparse.Namespace) -> int:
    """`braid devnet`: one node (cli/devnet.py), or N CometBFT validators with --validators N
    (cli/network.py)."""
    devnet_cli.setup_logging(args.log_level)
    if args.validators > 1:
        return network_cli.run_network(args)
    return devnet_cli.run_node(args)


def build_parser() -> argparse.ArgumentParser:
    """`braid`'s parser: each command family adds its own (the order is `braid --help`'s)."""
    p = argparse.ArgumentParser(
        prog="braid", description="zkbraid: a ZK chain and a fast chain braided by one sequencer."
    )
    p.add_argument(
        "--rpc", default=DEFAULT_RPC, help=f"node JSON-RPC URL (env BRAID_RPC; {DEFAULT_RPC})"
    )
    p.add_argument("--json", action="store_true", help="print results as JSON")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")

    d = devnet_cli.add_devnet_parser(sub)
    d.set_defaults(func=cmd_devnet)
    network_cli.supervision_flags(d)

    network_cli.add_parser(sub)
    bridge_cli.add_parser(sub)
    batches_cli.add_parser(sub)
    agent_cli.add_parser(sub)
    staking_cli.add_parser(sub)
    devnet_cli.add_replay_parser(sub)
    keys_cli.add_parser(sub)
    chain_cli.add_parsers(sub)
    market_cli.add_parsers(sub)
    z, n = zk_cli.add_parser(sub)
    ownership_cli.add_parser(z)
    hybrid_cli.add_parsers(sub, z, n, zk_cli.tx_flags)
    return p


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
