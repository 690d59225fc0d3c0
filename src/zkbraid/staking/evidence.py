"""Misbehaviour as a block carries it: the consensus engine hands the proposer the evidence its
block includes, the proposer copies it into the braided block's chain marker
(sequencer/header.py, `MarkerExtra`), and every validator checks that copy against the evidence
the engine hands it. The block transition slashes from the marker alone, so replaying the
braided blocks, without the engine, slashes the same validators."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated

from zkbraid.consensus.engine import Misbehavior
from zkbraid.ledger.codec import U64, Address, EnumOf, Record

MAX_EVIDENCE = 4096
"""The most evidence one block may carry (CometBFT's default max_bytes of evidence, 1 MB, holds
about two thousand duplicate votes)."""


class EvidenceKind(IntEnum):
    """ABCI's MisbehaviorType (its UNKNOWN, 0, is never carried)."""

    DUPLICATE_VOTE = 1
    LIGHT_CLIENT_ATTACK = 2


KIND_NAMES = {
    EvidenceKind.DUPLICATE_VOTE: "duplicate_vote",
    EvidenceKind.LIGHT_CLIENT_ATTACK: "light_client_attack",
}
"""The engine interface's names of the kinds (consensus/engine.py `Misbehavior.kind`)."""


@dataclass(frozen=True)
class Evidence(Record):
    """One misbehaviour: the offender's CometBFT address, the height and block time of the
    offence, and the set's total power then (recorded as the engine reported it)."""

    kind: Annotated[EvidenceKind, EnumOf(EvidenceKind)]
    validator: Address
    """The 20-byte consensus address (staking/keys.py `consensus_address`)."""
    height: U64
    time_ms: U64
    total_voting_power: U64


def evidence_of(misbehavior: Sequence[Misbehavior]) -> tuple[Evidence, ...]:
    """The engine's misbehaviour as a block carries it, in the engine's order: kinds the chain
    does not know and malformed entries (an address of another length, a negative number) are
    left out, and at most `MAX_EVIDENCE` are kept. Every validator is handed the same list, so
    every validator computes the same evidence."""
    kinds = {name: kind for kind, name in KIND_NAMES.items()}
    out: list[Evidence] = []
    for m in misbehavior:
        kind = kinds.get(m.kind)
        numbers = (m.height, m.time_ms, m.total_voting_power)
        if kind is None or len(m.validator) != 20 or not all(0 <= n < 2**64 for n in numbers):
            continue
        out.append(Evidence(kind, bytes(m.validator), m.height, m.time_ms, m.total_voting_power))
    return tuple(out[:MAX_EVIDENCE])
