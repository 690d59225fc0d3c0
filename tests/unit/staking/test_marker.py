"""The chain marker's extra (sequencer/header.py `MarkerExtra`): blocks without evidence keep
their first encoding, evidence rides versioned in either chain's marker, and anything else is
refused."""

from __future__ import annotations

import pytest

from zkbraid.consensus.engine import Misbehavior
from zkbraid.errors import BraidError
from zkbraid.ledger.block import ChainKind
from zkbraid.ledger.envelope import (
    MARKER_V1,
    MalformedEnvelope,
    TxKind,
    block_marker,
    read_marker,
    wrap,
)
from zkbraid.sequencer.header import MarkerExtra
from zkbraid.settlement.observation import DepositEvent, L1Observation
from zkbraid.staking.evidence import MAX_EVIDENCE, Evidence, EvidenceKind, evidence_of

OBS = L1Observation(7, b"\x07" * 32, 1_700_000_000, (DepositEvent(0, b"\x01" * 20, 5, 9),))
EV = Evidence(EvidenceKind.DUPLICATE_VOTE, b"\x02" * 20, 12, 1_800_000_000_000, 3_000)


@pytest.mark.parametrize("chain", list(ChainKind))
@pytest.mark.parametrize("with_observation", [False, True])
@pytest.mark.parametrize("evidence", [(), (EV,), (EV, EV)])
def test_extras_round_trip(
    chain: ChainKind, with_observation: bool, evidence: tuple[Evidence, ...]
) -> None:
    if chain is ChainKind.FAST and with_observation:
        return
    extra = MarkerExtra(OBS if with_observation else None, evidence)
    raw = block_marker(chain, extra.encode())
    got_chain, got = read_marker(raw)
    assert got_chain is chain and MarkerExtra.decode(chain, got) == extra


def test_blocks_without_evidence_keep_their_first_encoding() -> None:
    assert MarkerExtra().encode() == b""
    assert MarkerExtra(OBS).encode() == OBS.encode()
    assert MarkerExtra(None, (EV,)).encode()[0] == MARKER_V1


@pytest.mark.parametrize(
    ("chain", "extra"),
    [
        (ChainKind.FAST, bytes([MARKER_V1]) + MarkerExtra(OBS, (EV,)).encode()[1:]),
        (ChainKind.ZK, bytes([MARKER_V1]) + b"\xc2\xc0\xc0"),  # versioned, no evidence
        (ChainKind.ZK, MarkerExtra(None, (EV,)).encode() + b"\x00"),  # trailing bytes
        (ChainKind.ZK, b"\x05junk"),
    ],
)
def test_invalid_extras(chain: ChainKind, extra: bytes) -> None:
    with pytest.raises(BraidError):
        MarkerExtra.decode(chain, extra)


def test_invalid_fast_markers_with_an_unversioned_extra() -> None:
    with pytest.raises(ValueError):
        block_marker(ChainKind.FAST, OBS.encode())
    with pytest.raises(MalformedEnvelope, match="fast block"):
        read_marker(wrap(TxKind.BLOCK_MARKER, bytes([ChainKind.FAST]) + OBS.encode()))


def test_the_engines_misbehavior_as_evidence() -> None:
    good = Misbehavior("duplicate_vote", b"\x02" * 20, 12, 1_800_000_000_000, 3_000)
    other = Misbehavior("light_client_attack", b"\x03" * 20, 12, 0, 3_000)
    dropped = [
        Misbehavior("unknown", b"\x02" * 20, 12, 0, 1),
        Misbehavior("duplicate_vote", b"\x02" * 19, 12, 0, 1),
        Misbehavior("duplicate_vote", b"\x02" * 20, -1, 0, 1),
    ]
    assert evidence_of([good, *dropped, other]) == (
        EV,
        Evidence(EvidenceKind.LIGHT_CLIENT_ATTACK, b"\x03" * 20, 12, 0, 3_000),
    )
    assert len(evidence_of([good] * (MAX_EVIDENCE + 1))) == MAX_EVIDENCE
