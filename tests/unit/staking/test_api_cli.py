"""braid_validators, braid_getValidator and braid_sendStakingTx over a real application, the SDK
through them, and the `braid stake` command's parsing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.api.conftest import AppView
from tests.unit.node.test_app import T0, _app, run_block
from zkbraid.api import staking_methods
from zkbraid.cli.main import build_parser
from zkbraid.cli.staking import parse_consensus_key, parse_zkpow
from zkbraid.market.fees import ONE_ZKPOW
from zkbraid.market.transactions import MalformedSequencerTx
from zkbraid.node.devnet import DEV_VALIDATOR_BOND, dev_consensus_seed, devnet
from zkbraid.sdk.client import Wallet
from zkbraid.sdk.staking import Staking
from zkbraid.staking.keys import consensus_public_key, priv_validator_key
from zkbraid.staking.state import BondBelowMinimum

KEY_1 = consensus_public_key(bytes([1]) * 32)


class _Rpc:
    def __init__(self, methods: dict[str, Any]) -> None:
        self.methods = methods

    def call(self, method: str, *args: Any, **_: Any) -> Any:
        return self.methods[method](list(args))


class _Client:
    """What sdk/staking.py uses of a BraidClient, calling the methods in-process."""

    def __init__(self, methods: dict[str, Any]) -> None:
        self.rpc = _Rpc(methods)


def test_validators_bond_and_unbond_through_the_api_and_sdk(tmp_path: Path) -> None:
    net = devnet(3, verifying_key_hash=None)
    app = _app(tmp_path, net)
    methods = staking_methods.build(AppView(app))
    staking = Staking(_Client(methods))  # type: ignore[arg-type]

    summary = staking.summary()
    assert summary["totalPower"] == 1_000
    assert summary["params"]["minBond"] == str(1_000 * ONE_ZKPOW)
    assert summary["params"]["unbondingPeriodMs"] == 60_000
    (genesis,) = summary["validators"]
    nine = Wallet.dev(9)
    assert genesis["address"] == nine.address.lower()
    assert genesis["consensusKey"] == "0x" + consensus_public_key(dev_consensus_seed(9)).hex()
    assert (genesis["bonded"], genesis["power"], genesis["jailed"]) == (
        str(DEV_VALIDATOR_BOND),
        1_000,
        False,
    )

    alice = Wallet.dev(1)
    assert staking.validator(alice.address) is None and staking.next_nonce(alice.address) == 0
    bond = staking.send_bond(alice, 2_000 * ONE_ZKPOW, KEY_1)
    assert staking.next_nonce(alice.address) == 1  # counts the pending bond
    run_block(app, T0, [d.raw for d in app.mempool.pending.values()])
    assert app.store.tx(bytes.fromhex(bond[2:])) is not None
    record = staking.validator(alice.address)
    assert record is not None and record["power"] == 2_000 and record["nonce"] == 1
    assert [v["address"] for v in staking.validators()] == [
        alice.address.lower(),
        genesis["address"],
    ]

    staking.send_unbond(alice, 500 * ONE_ZKPOW)
    run_block(app, T0 + 200, [d.raw for d in app.mempool.pending.values()])
    record = staking.validator(alice.address)
    assert record is not None and record["power"] == 2_000
    assert record["staying"] == str(1_500 * ONE_ZKPOW)
    assert record["unbonding"] == [
        {"amount": str(500 * ONE_ZKPOW), "maturesMs": T0 + 200 + 60_000, "height": 2}
    ]
    with pytest.raises(BondBelowMinimum):
        staking.send_unbond(alice, 1_000 * ONE_ZKPOW)  # would leave 500
    with pytest.raises(MalformedSequencerTx, match="staking"):
        methods["braid_sendStakingTx"](["0x0301"])


def test_stake_command_arguments(tmp_path: Path) -> None:
    assert parse_zkpow("1000") == 1_000 * ONE_ZKPOW
    assert parse_zkpow("0.5") == ONE_ZKPOW // 2
    assert parse_zkpow("1_000.000000000000000001") == 1_000 * ONE_ZKPOW + 1
    for bad in ("0", "-1", "abc", "1e-19", "nan"):
        with pytest.raises(ValueError, match="AMOUNT"):
            parse_zkpow(bad)

    seed = bytes([7]) * 32
    public = consensus_public_key(seed)
    assert parse_consensus_key("0x" + public.hex()) == public
    assert parse_consensus_key(public.hex()) == public
    assert parse_consensus_key(base64.b64encode(public).decode()) == public
    key_file = tmp_path / "priv_validator_key.json"
    key_file.write_text(json.dumps(priv_validator_key(seed)))
    assert parse_consensus_key(str(key_file)) == public
    with pytest.raises(ValueError, match="32-byte"):
        parse_consensus_key("0x1234")

    args = build_parser().parse_args(
        ["stake", "bond", "1000", "--key", "dev:1", "--consensus-key", public.hex()]
    )
    assert (args.stake_command, args.amount, args.key) == ("bond", "1000", "dev:1")
    assert build_parser().parse_args(["stake", "validators"]).stake_command == "validators"
    assert build_parser().parse_args(["stake", "unbond", "5", "--key", "dev:1"]).amount == "5"
