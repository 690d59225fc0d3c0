"""A block as consensus decides it, and what applying it yields."""

from __future__ import annotations

from dataclasses import dataclass, field

from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.ledger.block import BlockHeader
from zkbraid.ledger.store import ProofJobRecord
from zkbraid.market.step import BlockOutcome
from zkbraid.sequencer.receipts import TxReceipt
from zkbraid.staking.state import Slash


@dataclass(frozen=True)
class Block:
    """Height, block time and the ordered transactions, the chain marker first (what
    prepare_proposal returns and every validator is given)."""

    height: int
    time_ms: int
    txs: tuple[bytes, ...]

    @property
    def body(self) -> tuple[bytes, ...]:
        return self.txs[1:]


@dataclass
class BlockResult:
    """The header a block computes to, its receipts, what it leaves for the provers (each
    committed ZK transaction's witness) and for aggregation (each accepted proof's bytes), and
    the validator set's changes it makes."""

    header: BlockHeader
    marker: bytes
    """The block's chain marker (with a ZK block's L1 observation), stored with the block."""
    receipts: list[TxReceipt]
    proving_jobs: list[ProofJobRecord] = field(default_factory=list)
    proofs: list[tuple[bytes, bytes]] = field(default_factory=list)
    """(transaction hash, proof) of each proof accepted in the block."""
    market: BlockOutcome = field(default_factory=BlockOutcome)
    """What the market's step did (fines, releases, assignments)."""
    validator_updates: list[ValidatorUpdate] = field(default_factory=list)
    """The validator set's changes (staking/state.py `end_block`), for the engine."""
    slashed: list[Slash] = field(default_factory=list)
    """What the evidence in the block's marker burnt and jailed."""
