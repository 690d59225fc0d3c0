"""`braid keys`: make and show keys, and the proving keys' ceremony (proving/ceremony.py)."""

from __future__ import annotations

import argparse
import os

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import Wallet


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


def cmd_keys_ceremony(args: argparse.Namespace) -> int:
    from zkbraid.proving import ceremony

    return ceremony.main(args.ceremony_args)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid keys new|ceremony|show`."""
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
