"""`braid zk`: the ZK chain's user transactions (register a key, transfer, NFTs) and its
accounts and NFTs (cli/ownership.py and cli/hybrid.py add the rest of `braid zk`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient


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
    missing = f"no ZK account for {ref} (register a key first: braid zk register)"
    return out.show(account, missing, args.json)


def cmd_zk_nft_show(args: argparse.Namespace) -> int:
    return out.show(BraidClient(args.rpc).zk_nft(args.nft), f"no NFT {args.nft}", args.json)


def tx_flags(c: argparse.ArgumentParser) -> None:
    """The flags of every command that sends a ZK-chain transaction (cli/hybrid.py's too)."""
    c.add_argument("--key", required=True, help="key file or dev:N")
    c.add_argument("--fee", type=int, help="ZKPoW fee (default: the schedule's minimum)")
    c.add_argument("--no-wait", action="store_true", help="print the hash and return at once")
    c.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> tuple[Any, Any]:
    """`braid zk register|transfer|account|nft mint|transfer|show`; returns the subparsers of
    `braid zk` and of `braid zk nft`, which cli/ownership.py and cli/hybrid.py extend."""
    z = sub.add_parser("zk", help="the ZK chain").add_subparsers(
        dest="zk_command", required=True, metavar="zk-command"
    )

    def zk_tx(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> Any:
        c = z.add_parser(name, help=helptext)
        tx_flags(c)
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
    tx_flags(nm)
    nm.add_argument("--collection", type=int, required=True, help="collection id")
    nm.add_argument("--to", help="owner: 0x address or account index (default: yourself)")
    nm.add_argument("--content", required=True, help="content hash: 0x hex or decimal (< field)")
    nm.set_defaults(func=cmd_zk_nft_mint)
    nt = n.add_parser("transfer", help="give an NFT you own to someone")
    tx_flags(nt)
    nt.add_argument("--to", required=True, help="recipient: 0x address or account index")
    nt.add_argument("--nft", type=int, required=True, help="NFT id")
    nt.set_defaults(func=cmd_zk_nft_transfer)
    ns = n.add_parser("show", help="an NFT's owner, collection and content")
    ns.add_argument("nft", type=int)
    ns.set_defaults(func=cmd_zk_nft_show)
    return z, n
