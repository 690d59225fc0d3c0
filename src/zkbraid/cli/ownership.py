"""`braid zk prove-ownership`: prove that your account owns an NFT of a collection, without
revealing which account or NFT, for a fast-chain game's OwnershipGate (docs/hybrid.md,
"Ownership proofs").

The node serves the state openings (`zk_getOwnershipWitness`, at its latest committed root);
the proof is made here, natively, with the wallet's L2 key, which never leaves this process.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.sdk.client import BraidClient


def _address(text: str, what: str) -> bytes:
    body = text.removeprefix("0x").removeprefix("0X")
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        raise ValueError(f"--{what} is not hex: {text!r}") from None
    if len(raw) != 20:
        raise ValueError(f"--{what} must be a 20-byte 0x address")
    return raw


def cmd_prove_ownership(args: argparse.Namespace) -> int:
    # The proving stack loads only for this command (`braid --help` stays quick).
    from zkbraid.hybrid.ownership import (
        OwnershipOpenings,
        OwnershipProver,
        check_nft_in_collection,
        ownership_inputs,
        proof_words,
    )
    from zkbraid.proving.artifacts import OWNERSHIP
    from zkbraid.proving.build import build_dev_keys
    from zkbraid.zk.params import ZkParams

    wallet = load_wallet(args.key)
    game = _address(args.game, "game")
    player = _address(args.player or wallet.address, "player")
    client = BraidClient(args.rpc)
    nft_args: list[Any] = [] if args.nft is None else [args.nft]
    served = client.rpc.call(
        "zk_getOwnershipWitness", wallet.address, args.collection, *nft_args, timeout=60
    )
    raw = served["openings"]
    # The circuit's shape is the node's trees' depths (the only parameters it takes).
    params = ZkParams(account_depth=len(raw["account"]["path"]), nft_depth=len(raw["nft"]["path"]))
    openings = OwnershipOpenings.from_json_dict(raw, params)
    check_nft_in_collection(openings, args.collection)
    inputs, statement = ownership_inputs(openings, wallet.l2_key, game, args.round, player)
    out.progress(
        f"proving that {wallet.address} owns an NFT of collection {args.collection} at root"
        f" {statement.root:#x} (the NFT, {served['nftId']}, stays private)"
    )
    keys = build_dev_keys(params, progress=out.progress, circuit=OWNERSHIP)
    with OwnershipProver(args.backend, keys=keys) as prover:
        started = time.monotonic()
        proof = prover.prove(inputs, statement)
        seconds = time.monotonic() - started
    out.ok(
        f"ownership proof made and verified in {seconds:.2f} s ({args.backend})"
        + (" — INSECURE development keys" if keys.insecure else "")
    )
    body = statement.to_json_dict()
    body["proof"] = ["0x" + word.to_bytes(32, "big").hex() for word in proof_words(proof)]
    body["seconds"] = round(seconds, 3)
    print(json.dumps(body, indent=2))
    return 0


def add_parser(zk: Any) -> None:
    """Registers `prove-ownership` under `braid zk` (`zk` is its subparsers object)."""
    c = zk.add_parser(
        "prove-ownership",
        help="prove you own an NFT of a collection (not which) for a fast-chain game",
        description="Fetches the state openings from the node (zk_getOwnershipWitness), proves"
        " natively that the wallet's ZK account owns an NFT of COLLECTION at the latest"
        " committed root, for GAME's round ROUND and PLAYER, and prints the public inputs and"
        " the proof as JSON (what OwnershipGate.admit takes). The proof shows neither the"
        " account nor the NFT; the node that serves the openings learns both: ask your own.",
    )
    c.add_argument("--rpc", default=argparse.SUPPRESS, help="node JSON-RPC URL (as `braid --rpc`)")
    c.add_argument("--key", required=True, help="the owner's key file or dev:N")
    c.add_argument("--collection", type=int, required=True, help="collection id (< 2^16)")
    c.add_argument("--game", required=True, help="the game contract's 0x address (fast chain)")
    c.add_argument("--round", type=int, required=True, help="the game round (< 2^32)")
    c.add_argument("--player", help="the 0x address admitted (default: the wallet's address)")
    c.add_argument(
        "--nft", type=int, help="NFT id (default: the lowest-id NFT of the collection you own)"
    )
    c.add_argument("--backend", choices=["native", "snarkjs"], default="native", help="(native)")
    c.set_defaults(func=cmd_prove_ownership)


__all__ = ["add_parser", "cmd_prove_ownership"]
