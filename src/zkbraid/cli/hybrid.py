"""The hybrid's commands (docs/hybrid.md): moves between the chains, game collections and the
NFT market.

    braid zk move-to-fast AMOUNT          ZK token 0 -> the fast chain's coin (MoveToFast)
    braid fast exit AMOUNT                the fast chain's coin -> ZK token 0 (FastExit.exit)
    braid zk collection create|show       game collections (CreateCollection)
    braid zk nft list|cancel|buy|listings the NFT market (NftList, NftCancel, NftBuy)
    braid zk escrow                       what the escrow holds: the most that can exit
    braid hybrid                          the queues, pending and settled exits and prizes

The node's named errors (NotNftOwner, NftNotListed, PriceMismatch, EscrowInsufficient, …) are
printed as `error: Name: message` with exit code 1 by `braid`'s main; what only these commands
raise (a timeout, an exit the fast chain or the ZK chain refused) is printed here the same way.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from typing import Any

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient, TxTimeout
from zkbraid.sdk.hybrid import ExitFailed, ExitRefused, Hybrid

Command = Callable[[argparse.Namespace], int]


def _clear_errors(command: Command) -> Command:
    """Prints what the hybrid's SDK raises as a one-line error (exit code 1)."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (TxTimeout, ExitFailed, ExitRefused) as e:
            out.fail(str(e))
            return 1

    return run


def _finish(client: BraidClient, tx_hash: str, what: str, args: argparse.Namespace) -> int:
    """Waits for a ZK transaction (unless --no-wait) and prints its status."""
    out.progress(f"{what}: sent {tx_hash}")
    if args.no_wait:
        print(tx_hash)
        return 0
    status = client.wait(tx_hash, timeout=args.timeout)
    out.ok(f"{what}: committed in block {status['height']}")
    out.result(status, args.json)
    return 0


def _utc(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


# -- moves -------------------------------------------------------------------------------------


@_clear_errors
def cmd_move_to_fast(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    hybrid = Hybrid(client)
    tx_hash = client.send_move_to_fast(wallet, args.amount, fee=args.fee)
    out.progress(f"move to fast: sent {tx_hash} ({args.amount} of token 0 into the escrow)")
    if args.no_wait:
        print(tx_hash)
        return 0
    status = client.wait(tx_hash, timeout=args.timeout)
    credited = hybrid.wait_for_fast_credit(int(status["height"]), args.timeout)
    balance = hybrid.fast_balance(wallet.address)
    out.ok(
        f"moved {args.amount} to the fast chain: committed in block {status['height']},"
        f" credited to {wallet.address} by the fast block at {credited} (balance {balance} wei)"
    )
    out.result(
        {
            "hash": tx_hash,
            "height": status["height"],
            "creditedHeight": credited,
            "address": wallet.address,
            "fastBalance": str(balance),
            "escrow": str(client.escrow()),
        },
        args.json,
    )
    return 0


@_clear_errors
def cmd_fast_exit(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    hybrid = Hybrid(client)
    receipt = hybrid.exit_to_zk(wallet, args.amount, args.zk_account, timeout=args.timeout)
    out.progress(
        f"exit {receipt.exit_id}: {args.amount} wei burnt on the fast chain in EVM block"
        f" {receipt.fast_block} (tx {receipt.tx_hash}, gas {receipt.gas_cost} wei)"
    )
    if args.no_wait:
        out.result({"id": receipt.exit_id, "fastTx": receipt.tx_hash}, args.json)
        return 0
    record = hybrid.wait_for_exit(receipt.exit_id, args.timeout, check=False)
    record = {**record, "fastTx": receipt.tx_hash}
    if record["status"] == "refused":
        out.fail(
            f"exit {receipt.exit_id} refused by the ZK chain: {record['reason']}"
            " (the exited coin stays burnt)"
        )
        out.result(record, args.json)
        return 1
    out.ok(
        f"exit {receipt.exit_id} paid to ZK account {record['zkAccount']} in block"
        f" {record['settledHeight']}"
    )
    out.result(record, args.json)
    return 0


# -- collections -------------------------------------------------------------------------------


@_clear_errors
def cmd_collection_create(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    minter = args.minter
    if not (minter.startswith("0x") and len(minter) == 42):
        raise ValueError(f"--minter must be a 0x address of 20 bytes, got {minter!r}")
    tx_hash = client.send_create_collection(wallet, args.id, minter, args.cap, fee=args.fee)
    return _finish(client, tx_hash, f"create collection {args.id}", args)


def cmd_collection_show(args: argparse.Namespace) -> int:
    collection = BraidClient(args.rpc).zk_collection(args.id)
    if collection is None:
        out.fail(f"no collection {args.id}")
        return 1
    out.result(collection, args.json)
    return 0


# -- the NFT market ----------------------------------------------------------------------------


@_clear_errors
def cmd_nft_list(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    expiry = args.expiry if args.expiry is not None else int(time.time()) + args.ttl
    tx_hash = client.send_nft_list(
        wallet, args.nft, args.price, token=args.token, expiry=expiry, fee=args.fee
    )
    what = f"list NFT {args.nft} for {args.price} of token {args.token} until {_utc(expiry)}"
    return _finish(client, tx_hash, what, args)


@_clear_errors
def cmd_nft_cancel(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    tx_hash = client.send_nft_cancel(wallet, args.nft, fee=args.fee)
    return _finish(client, tx_hash, f"cancel the listing of NFT {args.nft}", args)


@_clear_errors
def cmd_nft_buy(args: argparse.Namespace) -> int:
    client, wallet = BraidClient(args.rpc), load_wallet(args.key)
    tx_hash = client.send_nft_buy(wallet, args.nft, fee=args.fee)
    return _finish(client, tx_hash, f"buy NFT {args.nft}", args)


def cmd_nft_listings(args: argparse.Namespace) -> int:
    listings = BraidClient(args.rpc).listings(args.collection)
    if args.json:
        out.result(listings, True)
        return 0
    print(f"{'nft':>6}  {'collection':>10}  {'owner':>6}  {'token':>5}  {'price':>24}  expiry")
    for nft in listings:
        listing = nft["listing"]
        expired = "  (expired)" if listing["expired"] else ""
        print(
            f"{nft['id']:>6}  {nft['collection']:>10}  {nft['owner']:>6}  {listing['token']:>5}"
            f"  {listing['price']:>24}  {_utc(listing['expiry'])}{expired}"
        )
    if not listings:
        out.progress("no NFT is listed")
    return 0


def cmd_escrow(args: argparse.Namespace) -> int:
    escrow = BraidClient(args.rpc).escrow()
    if args.json:
        out.result({"token": 0, "escrow": str(escrow)}, True)
    else:
        print(escrow)
    return 0


# -- the hybrid's state ------------------------------------------------------------------------


def _move_line(e: dict[str, Any]) -> str:
    settled = f" in block {e['settledHeight']}" if e["settledHeight"] is not None else ""
    reason = f": {e['reason']}" if e["reason"] else ""
    return (
        f"  exit {e['id']:<5} {e['amount']:>24} wei  {e['sender']} -> ZK account"
        f" {e['zkAccount']}  {e['status']}{settled}{reason}"
    )


def _prize_line(p: dict[str, Any]) -> str:
    nft = f" as NFT {p['nftId']}" if p["nftId"] is not None else ""
    reason = f": {p['reason']}" if p["reason"] else ""
    return (
        f"  prize {p['id']:<5} collection {p['collection']} round {p['round']} by {p['game']}"
        f" -> {p['winner']}  {p['status']}{nft}{reason}"
    )


def cmd_hybrid(args: argparse.Namespace) -> int:
    state = Hybrid(BraidClient(args.rpc)).state(args.recent)
    if args.json:
        out.result(state, True)
        return 0
    queued = state["queued"]
    print(f"escrow            {state['escrow']} wei of token 0 (the most that can exit)")
    print(
        f"next fast block   credits {len(queued['credits'])}, oracle roots {len(queued['roots'])}"
    )
    print(f"exits             {state['nextExitId']} observed, {len(state['pendingExits'])} pending")
    print(
        f"prizes            {state['nextReportId']} observed, {len(state['pendingPrizes'])} pending"
    )
    for c in queued["credits"]:
        print(f"  credit {c['address']} {c['wei']} wei")
    for r in queued["roots"]:
        print(f"  root {r['root']} (ZK height {r['zkHeight']}) {r['status']}")
    for e in [*state["pendingExits"], *state["recentExits"]]:
        print(_move_line(e))
    for p in [*state["pendingPrizes"], *state["recentPrizes"]]:
        print(_prize_line(p))
    return 0


# -- the parsers -------------------------------------------------------------------------------


def add_parsers(
    sub: Any, zk: Any, nft: Any, tx_flags: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Registers `braid hybrid`, `braid fast exit`, `braid zk move-to-fast|collection|escrow`
    and `braid zk nft list|cancel|buy|listings` (`sub`, `zk`, `nft`: the subparsers objects of
    `braid`, `braid zk` and `braid zk nft`; `tx_flags` adds --key, --fee, --no-wait, --timeout)."""
    m = zk.add_parser(
        "move-to-fast",
        help="move token 0 onto the fast chain (credited to your address in the next fast block)",
    )
    tx_flags(m)
    m.add_argument("amount", type=int, help="amount of token 0 (= wei on the fast chain)")
    m.set_defaults(func=cmd_move_to_fast)

    e = zk.add_parser("escrow", help="what the fast-chain escrow holds (the most that can exit)")
    e.set_defaults(func=cmd_escrow)

    c = zk.add_parser("collection", help="NFT collections").add_subparsers(
        dest="collection_command", required=True, metavar="collection-command"
    )
    cc = c.add_parser("create", help="create a game collection minted by a fast-chain contract")
    tx_flags(cc)
    cc.add_argument("id", type=int, help="an unused collection id (< 2^16)")
    cc.add_argument(
        "--minter", required=True, help="the game contract's 0x address on the fast chain"
    )
    cc.add_argument("--cap", type=int, required=True, help="NFTs minted per round (1 ≤ cap < 2^32)")
    cc.set_defaults(func=cmd_collection_create)
    cs = c.add_parser("show", help="a collection: minter, cap, round, minted this round")
    cs.add_argument("id", type=int)
    cs.set_defaults(func=cmd_collection_show)

    nl = nft.add_parser("list", help="list an NFT you own for sale on the ZK chain")
    tx_flags(nl)
    nl.add_argument("nft", type=int, metavar="NFT_ID")
    nl.add_argument("--price", type=int, required=True, help="price in base units of --token (≥ 1)")
    nl.add_argument("--token", type=int, default=0, help="the token paid (default 0)")
    until = nl.add_mutually_exclusive_group()
    until.add_argument("--expiry", type=int, help="the last second it can be bought (unix time)")
    until.add_argument(
        "--ttl", type=int, default=86_400, help="seconds from now it stays listed (86400)"
    )
    nl.set_defaults(func=cmd_nft_list)
    nc = nft.add_parser("cancel", help="take your NFT's listing down")
    tx_flags(nc)
    nc.add_argument("nft", type=int, metavar="NFT_ID")
    nc.set_defaults(func=cmd_nft_cancel)
    nb = nft.add_parser("buy", help="buy a listed NFT at exactly its listing's price")
    tx_flags(nb)
    nb.add_argument("nft", type=int, metavar="NFT_ID")
    nb.set_defaults(func=cmd_nft_buy)
    ns = nft.add_parser("listings", help="every listed NFT, with its price and expiry")
    ns.add_argument("--collection", type=int, help="only this collection's")
    ns.set_defaults(func=cmd_nft_listings)

    f = sub.add_parser("fast", help="the fast chain").add_subparsers(
        dest="fast_command", required=True, metavar="fast-command"
    )
    fe = f.add_parser(
        "exit",
        help="move the fast chain's coin back to a ZK account (FastExit.exit; paid from the"
        " escrow by the next ZK block)",
    )
    fe.add_argument("amount", type=int, help="wei (= base units of ZK token 0)")
    fe.add_argument("--key", required=True, help="key file or dev:N (pays the amount and gas)")
    fe.add_argument(
        "--zk-account", type=int, default=None, help="the ZK account paid (default: the key's)"
    )
    fe.add_argument("--no-wait", action="store_true", help="do not wait for the ZK chain's pay")
    fe.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")
    fe.set_defaults(func=cmd_fast_exit)

    h = sub.add_parser(
        "hybrid", help="between the chains: escrow, queued credits and roots, exits, prizes"
    )
    h.add_argument(
        "--recent", type=int, default=20, help="settled exits and prizes shown (20, ≤ 200)"
    )
    h.set_defaults(func=cmd_hybrid)


__all__ = ["add_parsers"]
