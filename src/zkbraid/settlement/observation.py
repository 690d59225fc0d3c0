"""What a ZK block says it saw of L1: the L1 block (height, hash, time) at the confirmation
depth, the bridge's deposits and the rollup's settled batches in the L1 blocks since the
previous observation.

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
class SettledEvent(Record):
    """One `BatchSettled` of the rollup: L1 accepted `tx_count` ZK-chain transactions taking
    the state from `previous_root` to `new_root`, posted by agent `submitter`."""

    batch_index: U64
    previous_root: Hash32
    new_root: Hash32
    tx_count: U64
    submitter: Address


@dataclass(frozen=True)
class L1Observation(Record):
    """L1 block `height` (with `block_hash` and `timestamp`), the deposits made up to it since
    the previous observation (in deposit-id order) and the batches settled (in batch order)."""

    height: U64
    block_hash: Hash32
    timestamp: U64
    deposits: Annotated[tuple[DepositEvent, ...], CountableList(sedes_of(DepositEvent))]
    settled: Annotated[tuple[SettledEvent, ...], CountableList(sedes_of(SettledEvent))] = ()
