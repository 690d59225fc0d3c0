"""What a ZK block says it saw of L1: the L1 block (height, hash, time) at the confirmation
depth, and the bridge's deposits made in the L1 blocks since the previous observation.

The proposer puts it in the ZK block's chain marker, so the block transition stays pure (it
reads the block, never L1) and a replayed chain needs no L1 access; every validator checks it
against its own view of L1 before accepting the block (node/l1_check.py), and a validator that
has not seen that L1 block refuses the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from rlp.sedes import CountableList

from zkbraid.ledger.codec import U64, U128, Address, Hash32, Record, sedes_of


@dataclass(frozen=True)
class DepositEvent(Record):
    """One `Deposited(id, recipient, amount, deadline)` of the bridge contract."""

    deposit_id: U64
    recipient: Address
    amount: U128
    deadline: U64
    """L1 time (seconds) after which the deposit is refundable on L1 if no batch included it."""


@dataclass(frozen=True)
class L1Observation(Record):
    """L1 block `height` (with `block_hash` and `timestamp`) and the deposits made up to it
    since the previous observation, in deposit-id order."""

    height: U64
    block_hash: Hash32
    timestamp: U64
    deposits: Annotated[tuple[DepositEvent, ...], CountableList(sedes_of(DepositEvent))]
