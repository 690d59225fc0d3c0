"""Proof of stake's JSON-RPC methods (in the `braid_*` namespace, staking/): the validators
with their bonds, voting power, unbondings and jail, the staking parameters, and the staking
transactions.

Amounts are decimal strings of ZKPoW base units; addresses and keys 0x hex. A validator's
`power` is its voting power in the set as the engine was last told (0: not in the set);
`consensusAddress` is how CometBFT names it (sha256 of its consensus key, first 20 bytes).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from zkbraid.api.jsonrpc import Params, camel, hex_bytes, hexb, param, submits
from zkbraid.api.view import NodeView
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.market.transactions import MalformedSequencerTx
from zkbraid.staking.params import StakingParams
from zkbraid.staking.state import ValidatorRecord
from zkbraid.staking.transactions import STAKING_TX_TYPES

_AMOUNTS = {"min_bond", "power_unit"}


def params_json(p: StakingParams) -> dict[str, Any]:
    """Every staking parameter under its camelCase name (amounts as decimal strings)."""
    return {
        camel(f.name): str(getattr(p, f.name)) if f.name in _AMOUNTS else getattr(p, f.name)
        for f in fields(p)
    }


def validator_json(node: NodeView, v: ValidatorRecord) -> dict[str, Any]:
    """One validator: its keys, bond, power, unbondings (with when each matures), jail, slashes
    and nonces."""
    pending = node.mempool.staking_nonce(v.address)
    return {
        "address": hexb(v.address),
        "consensusKey": hexb(v.consensus_key),
        "consensusAddress": hexb(v.consensus_address),
        "bonded": str(v.bonded),
        "staying": str(v.staying),
        "power": v.power,
        "unbonding": [
            {"amount": str(e.amount), "maturesMs": e.matures_ms, "height": e.height}
            for e in v.unbonding
        ],
        "jailed": v.jailed,
        "slashed": str(v.slashed),
        "nonce": v.nonce,
        "pendingNonce": v.nonce if pending is None else pending,
        "sinceHeight": v.since_height,
        "balance": str(node.state.zkpow.balance(v.address)),
    }


def build(node: NodeView) -> dict[str, Any]:
    """Proof of stake's sync methods over a node."""

    def validators(params: Params) -> dict[str, Any]:
        """Every validator (by power, then bond), the set's total power and the parameters."""
        with node.lock:
            staking = node.state.staking
            return {
                "totalPower": staking.total_power,
                "params": params_json(staking.params),
                "validators": [validator_json(node, v) for v in staking.validators()],
            }

    def get_validator(params: Params) -> dict[str, Any] | None:
        """One validator by its Ethereum address (null: it never bonded)."""
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        with node.lock:
            v = node.state.staking.validator(address)
            return None if v is None else validator_json(node, v)

    def staking_nonce(params: Params) -> int:
        """The staking nonce an address's next Bond or Unbond carries, counting its pending
        ones (0 before its first)."""
        address = hex_bytes(param(params, 0, "address"), "address", 20)
        with node.lock:
            pending = node.mempool.staking_nonce(address)
            v = node.state.staking.validator(address)
            return pending if pending is not None else 0 if v is None else v.nonce

    @submits
    def send_staking_tx(params: Params) -> str:
        """Submits a staking transaction (staking/transactions.py, types 0x07 and 0x08)."""
        raw = hex_bytes(param(params, 0, "transaction"), "transaction")
        if not raw or raw[0] not in STAKING_TX_TYPES:
            raise MalformedSequencerTx("not a staking transaction (types 0x07 and 0x08)")
        return hexb(node.submit(wrap(TxKind.SEQUENCER, raw)))

    return {
        "braid_validators": validators,
        "braid_getValidator": get_validator,
        "braid_getStakingNonce": staking_nonce,
        "braid_sendStakingTx": send_staking_tx,
    }
