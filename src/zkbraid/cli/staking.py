"""Proof of stake's commands (staking/): bond ZKPoW for voting power, unbond it, list the
validators.

    braid stake bond AMOUNT --consensus-key KEY --key dev:N   bond AMOUNT ZKPoW (power at once)
    braid stake unbond AMOUNT --key dev:N                     unbond (after the unbonding period)
    braid stake validators                                    every validator, by power

AMOUNT is in ZKPoW (decimals allowed, e.g. 1000 or 0.5). KEY is the validator's CometBFT ed25519
public key: 0x hex, base64 (as `cometbft show-validator` prints it), or a path to CometBFT's
priv_validator_key.json (only its public key is read); a validator that has bonded before may
leave it out. The node's named errors (BondBelowMinimum, ConsensusKeyInUse, UnbondTooLarge,
LastValidator, …) are printed as `error: Name: message` by `braid`'s main.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from zkbraid.cli import output as out
from zkbraid.cli.wallets import load_wallet
from zkbraid.market.fees import ONE_ZKPOW, ZKPOW_DECIMALS
from zkbraid.sdk.client import BraidClient
from zkbraid.sdk.staking import Staking
from zkbraid.staking.transactions import zkpow_text


def parse_zkpow(text: str) -> int:
    """ZKPoW as base units: `1000` → 10^21, `0.5` → 5·10^17.

    Raises ValueError: not a positive amount with at most 18 decimals.
    """
    try:
        amount = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"AMOUNT is a number of ZKPoW (e.g. 1000 or 0.5), got {text!r}") from None
    units = amount * ONE_ZKPOW
    if not amount.is_finite() or units != units.to_integral_value() or units <= 0:
        raise ValueError(
            f"AMOUNT must be positive, with at most {ZKPOW_DECIMALS} decimals, got {text!r}"
        )
    return int(units)


def parse_consensus_key(text: str) -> bytes:
    """A 32-byte ed25519 public key from 0x hex, base64, or a CometBFT key file.

    Raises ValueError.
    """
    if os.path.isfile(text):
        with open(text) as f:
            data = json.load(f)
        text = (data.get("pub_key") or data).get("value", "")
    raw: bytes | None = None
    hex_text = text[2:] if text.startswith("0x") else text
    if len(hex_text) == 64:
        try:
            raw = bytes.fromhex(hex_text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise ValueError(
            "--consensus-key is a 32-byte ed25519 public key: 0x hex, base64, or a CometBFT"
            " priv_validator_key.json"
        )
    return raw


def _show(record: dict[str, Any] | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        "address": record["address"],
        "consensusKey": record["consensusKey"],
        "bonded": zkpow_text(int(record["bonded"])),
        "power": record["power"],
        "unbonding": [
            f"{zkpow_text(int(e['amount']))} at {_utc(e['maturesMs'])}" for e in record["unbonding"]
        ],
        "jailed": record["jailed"],
    }


def _utc(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ms / 1000))


def _finish(staking: Staking, address: str, tx_hash: str, what: str, a: argparse.Namespace) -> int:
    out.progress(f"{what}: sent {tx_hash}")
    if a.no_wait:
        print(tx_hash)
        return 0
    status = staking.wait(tx_hash, a.timeout)
    out.ok(f"{what}: committed in block {status['height']}")
    record = staking.validator(address)
    out.result(record if a.json else _show(record), a.json)
    return 0


def cmd_bond(args: argparse.Namespace) -> int:
    staking, wallet = Staking(BraidClient(args.rpc)), load_wallet(args.key)
    amount = parse_zkpow(args.amount)
    if args.consensus_key is not None:
        key = parse_consensus_key(args.consensus_key)
    else:
        record = staking.validator(wallet.address)
        if record is None:
            out.fail(f"{wallet.address} is no validator yet: a first bond needs --consensus-key")
            return 2
        key = bytes.fromhex(record["consensusKey"][2:])
    tx_hash = staking.send_bond(wallet, amount, key)
    return _finish(staking, wallet.address, tx_hash, f"bond {zkpow_text(amount)}", args)


def cmd_unbond(args: argparse.Namespace) -> int:
    staking, wallet = Staking(BraidClient(args.rpc)), load_wallet(args.key)
    amount = parse_zkpow(args.amount)
    tx_hash = staking.send_unbond(wallet, amount)
    return _finish(staking, wallet.address, tx_hash, f"unbond {zkpow_text(amount)}", args)


def cmd_validators(args: argparse.Namespace) -> int:
    summary = Staking(BraidClient(args.rpc)).summary()
    if args.json:
        out.result(summary, True)
        return 0
    p = summary["params"]
    print(
        f"total power {summary['totalPower']}   min bond {zkpow_text(int(p['minBond']))}"
        f"   {zkpow_text(int(p['powerUnit']))} a vote   unbonding"
        f" {p['unbondingPeriodMs'] / 1000:g} s   slash {p['slashDoubleSignBps'] / 100:g} %"
        f"   at most {p['maxValidators']}"
    )
    for v in summary["validators"]:
        waiting = v["unbonding"]
        unbonding = (
            f"  unbonding {zkpow_text(sum(int(e['amount']) for e in waiting))}"
            f" (next {_utc(min(e['maturesMs'] for e in waiting))})"
            if waiting
            else ""
        )
        jailed = "  JAILED" if v["jailed"] else ""
        print(
            f"{v['address']}  power {v['power']:>8}  bonded {zkpow_text(int(v['bonded']))}"
            f"  key {v['consensusKey']}{unbonding}{jailed}"
        )
    return 0


def add_parser(sub: Any) -> None:
    """Registers `braid stake bond|unbond|validators` (`sub`: `braid`'s subparsers)."""
    s = sub.add_parser("stake", help="proof of stake: bond, unbond, the validators").add_subparsers(
        dest="stake_command", required=True, metavar="stake-command"
    )

    def tx_flags(c: argparse.ArgumentParser) -> None:
        c.add_argument("amount", help="ZKPoW (decimals allowed, e.g. 1000 or 0.5)")
        c.add_argument("--key", required=True, help="the validator's key file or dev:N")
        c.add_argument("--no-wait", action="store_true", help="print the hash and return at once")
        c.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")

    b = s.add_parser("bond", help="bond ZKPoW for voting power (it counts from its block)")
    tx_flags(b)
    b.add_argument(
        "--consensus-key",
        help="your CometBFT ed25519 public key: 0x hex, base64, or priv_validator_key.json"
        " (needed on a first bond)",
    )
    b.set_defaults(func=cmd_bond)
    u = s.add_parser(
        "unbond", help="unbond ZKPoW: it leaves your power and returns after the unbonding period"
    )
    tx_flags(u)
    u.set_defaults(func=cmd_unbond)
    v = s.add_parser("validators", help="every validator: power, bond, unbondings, jail")
    v.set_defaults(func=cmd_validators)
