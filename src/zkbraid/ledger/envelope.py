"""The envelope of every transaction the consensus engine carries.

The engine orders opaque bytes; the first byte says what they are. A proposal starts with a
`BLOCK_MARKER` naming the chain of the block, so a block's chain is decided by its proposer and
agreed by consensus, whichever engine (solo or CometBFT) carries it.

After the chain byte a marker may carry what the proposer saw outside the chain (its "extra",
decoded by sequencer/header.py `MarkerExtra`): nothing; a ZK block's L1 observation as an RLP
list (the first form, still what a block without evidence carries); or, in either chain,
`MARKER_V1` then an RLP list of an optional L1 observation and the misbehaviour evidence the
block carries (staking/evidence.py). An RLP list starts with a byte of at least 0xc0, so the
forms never collide.
"""

from __future__ import annotations

from enum import IntEnum

from eth_hash.auto import keccak

from zkbraid.errors import MalformedInput
from zkbraid.ledger.block import ChainKind


class TxKind(IntEnum):
    BLOCK_MARKER = 0
    ZK = 1
    FAST = 2
    SEQUENCER = 3


class MalformedEnvelope(MalformedInput):
    """The bytes carry no known transaction kind."""


def wrap(kind: TxKind, payload: bytes) -> bytes:
    return bytes([kind]) + payload


def unwrap(raw: bytes) -> tuple[TxKind, bytes]:
    """Splits an envelope into its kind and payload.

    Raises MalformedEnvelope: empty bytes or an unknown kind byte.
    """
    if not raw:
        raise MalformedEnvelope("empty transaction")
    try:
        kind = TxKind(raw[0])
    except ValueError:
        raise MalformedEnvelope(f"unknown transaction kind byte 0x{raw[0]:02x}") from None
    return kind, raw[1:]


def payload_hash(payload: bytes) -> bytes:
    """A transaction's hash: keccak of its payload, as each chain hashes its own encoding."""
    return keccak(payload)


MARKER_V1 = 0x01
"""The first byte of a versioned marker extra: [observation?, evidence] (see the docstring)."""


def block_marker(chain: ChainKind, extra: bytes = b"") -> bytes:
    """A proposal's first entry: its chain, then what the proposer saw (a ZK block's L1
    observation; either chain's evidence, versioned)."""
    if extra and chain is not ChainKind.ZK and extra[0] != MARKER_V1:
        raise ValueError("a fast block's marker carries only versioned extras (evidence)")
    return wrap(TxKind.BLOCK_MARKER, bytes([chain]) + extra)


def read_marker(raw: bytes) -> tuple[ChainKind, bytes]:
    """The chain a proposal's marker names, and the rest of the marker (its extra: empty, a ZK
    block's L1 observation, or `MARKER_V1` and a versioned extra).

    Raises MalformedEnvelope: not a block marker, or a fast block's with an unversioned extra.
    """
    kind, payload = unwrap(raw)
    if kind is not TxKind.BLOCK_MARKER or not payload or payload[0] not in (0, 1):
        raise MalformedEnvelope("a proposal must start with a block marker naming its chain")
    chain = ChainKind(payload[0])
    if chain is not ChainKind.ZK and len(payload) != 1 and payload[1] != MARKER_V1:
        raise MalformedEnvelope(
            "a fast block's marker carries nothing but its chain and, versioned, its evidence"
        )
    return chain, payload[1:]
