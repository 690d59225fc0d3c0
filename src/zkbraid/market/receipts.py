"""What the market's own transactions did: the receipts `Market.apply` returns (the API turns
them into JSON)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProverReceipt:
    """A RegisterProver, ProverHeartbeat or DeactivateProver: the prover and whether it is now
    active; a deactivation lists the jobs it gave back (in job order)."""

    prover: bytes
    active: bool
    released: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class BundleReceipt:
    """A SubmitBundle: the batch it aggregated, the bundle's hash, its prover and what it was
    paid (0 for a non-assignee's, admitted only with `open_submissions`)."""

    batch: int
    bundle: bytes
    prover: bytes
    paid: int


MarketReceipt = ProverReceipt | BundleReceipt
