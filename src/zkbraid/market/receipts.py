"""What the market's own transactions did: the receipts `Market.apply` returns (the API turns
them into JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from rlp.sedes import CountableList

from zkbraid.ledger.codec import U64, U128, Address, Bytes, Flag, Hash32, Record


@dataclass(frozen=True)
class ProverReceipt(Record):
    """A RegisterProver, ProverHeartbeat or DeactivateProver: the prover and whether it is now
    active; a deactivation lists the jobs it gave back (in job order)."""

    prover: Address
    active: Flag
    released: Annotated[tuple[bytes, ...], CountableList(Bytes(32))] = ()


@dataclass(frozen=True)
class BundleReceipt(Record):
    """A SubmitBundle: the batch it aggregated, the bundle's hash, its prover and what it was
    paid (0 for a non-assignee's, admitted only with `open_submissions`)."""

    batch: U64
    bundle: Hash32
    prover: Address
    paid: U128


MarketReceipt = ProverReceipt | BundleReceipt
