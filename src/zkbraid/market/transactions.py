"""Transactions of the sequencer's own state (ZKPoW): for now the devnet faucet."""

from __future__ import annotations

from dataclasses import dataclass

import rlp

from zkbraid.errors import MalformedInput

FAUCET = 0x01


class MalformedSequencerTx(MalformedInput):
    """A sequencer transaction that does not decode."""


@dataclass(frozen=True)
class Faucet:
    """Devnet only: credits an address with the configured ZKPoW and fast-chain amounts."""

    address: bytes
    salt: bytes
    """Random bytes that make every request a distinct transaction."""

    def encode(self) -> bytes:
        return bytes([FAUCET]) + bytes(rlp.encode([self.address, self.salt]))


SequencerTx = Faucet


def decode_sequencer_tx(payload: bytes) -> SequencerTx:
    """Decodes a sequencer transaction.

    Raises MalformedSequencerTx: unknown type, bad RLP, wrong field sizes.
    """
    if not payload or payload[0] != FAUCET:
        raise MalformedSequencerTx("unknown sequencer transaction type")
    try:
        items = rlp.decode(payload[1:])
    except rlp.DecodingError as e:
        raise MalformedSequencerTx(f"bad RLP in faucet request: {e}") from None
    if not isinstance(items, list) or len(items) != 2:
        raise MalformedSequencerTx("a faucet request has exactly 2 fields")
    address, salt = items
    if not isinstance(address, bytes) or len(address) != 20:
        raise MalformedSequencerTx("faucet address must be 20 bytes")
    if not isinstance(salt, bytes) or not 1 <= len(salt) <= 32:
        raise MalformedSequencerTx("faucet salt must be 1 to 32 bytes")
    return Faucet(address=address, salt=salt)
