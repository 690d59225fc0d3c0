"""The Attest transaction: validators' signatures of batches' data-availability digests, put on
chain (sequencer/attestations.py has the records and the rules).

It extends the sequencer transactions (market/transactions.py 0x01–0x02, market/market_txs.py
0x03–0x06, staking/transactions.py 0x07–0x08) the same way: one type byte, then RLP.

    0x09 Attest  [[batch, [[validator (20), signature (65)] …]] …]

`batch` is a market batch's index (big-endian, no leading zero, zero as the empty string); each
signature is r ‖ s ‖ v over the batch's EIP-712 attestation digest (settlement/l1_contracts.py
`attestation_digest`). It needs no signature of its own: each entry is self-authenticating, so
anyone may submit it, and the proposer makes one from the vote extensions of the last commit.
A validator's vote extension carries its own signatures as RLP [[batch, signature] …].
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp

from zkbraid.market.transactions import MalformedSequencerTx

ATTEST = 0x09
SIGNATURE_BYTES = 65
MAX_SIGNERS = 256
"""The most signatures of one batch in one Attest (DataAvailability.sol's MAX_VALIDATORS)."""
MAX_BATCHES = 1024
"""The most batches one Attest (or vote extension) may name, whatever the chain's cap: a bound
on what decoding allocates."""


@dataclass(frozen=True)
class Attest:
    """Signatures of batches' attestation digests: (batch, ((validator, signature) …)) …"""

    entries: tuple[tuple[int, tuple[tuple[bytes, bytes], ...]], ...]

    def encode(self) -> bytes:
        body = [[batch, [[v, sig] for v, sig in signed]] for batch, signed in self.entries]
        return bytes([ATTEST]) + bytes(rlp.encode(body))

    @property
    def signatures(self) -> int:
        return sum(len(signed) for _, signed in self.entries)


def _uint(item: object, what: str) -> int:
    if not isinstance(item, bytes):
        raise MalformedSequencerTx(f"{what} is a byte string")
    if item[:1] == b"\x00" or len(item) > 8:
        raise MalformedSequencerTx(f"{what} is a canonical integer below 2^64")
    return int.from_bytes(item, "big")


def _bytes(item: object, size: int, what: str) -> bytes:
    if not isinstance(item, bytes) or len(item) != size:
        raise MalformedSequencerTx(f"{what} must be {size} bytes")
    return item


def _list(item: object, what: str, most: int) -> list[object]:
    if not isinstance(item, list):
        raise MalformedSequencerTx(f"{what} is a list")
    if not 1 <= len(item) <= most:
        raise MalformedSequencerTx(f"{what} holds 1 to {most} entries, not {len(item)}")
    return item


def _rlp(payload: bytes, what: str) -> object:
    try:
        return rlp.decode(payload)
    except rlp.DecodingError as e:
        raise MalformedSequencerTx(f"bad RLP in {what}: {e}") from None


def decode_attest(payload: bytes) -> Attest:
    """Decodes an Attest (type 0x09).

    Raises MalformedSequencerTx: another type, bad RLP, empty or oversized lists, wrong sizes.
    """
    if payload[:1] != bytes([ATTEST]):
        raise MalformedSequencerTx("not an Attest transaction")
    entries = []
    for entry in _list(_rlp(payload[1:], "an Attest"), "an Attest", MAX_BATCHES):
        if not isinstance(entry, list) or len(entry) != 2:
            raise MalformedSequencerTx("an Attest entry is [batch, [[validator, signature] …]]")
        batch = _uint(entry[0], "the batch")
        signed = []
        for pair in _list(entry[1], f"batch {batch}'s signatures", MAX_SIGNERS):
            if not isinstance(pair, list) or len(pair) != 2:
                raise MalformedSequencerTx("a signature entry is [validator, signature]")
            signed.append(
                (
                    _bytes(pair[0], 20, "a validator address"),
                    _bytes(pair[1], SIGNATURE_BYTES, "a signature"),
                )
            )
        entries.append((batch, tuple(signed)))
    return Attest(tuple(entries))


def encode_extension(signed: list[tuple[int, bytes]]) -> bytes:
    """A validator's vote extension: its signatures as RLP [[batch, signature] …] (empty: none)."""
    return bytes(rlp.encode([[batch, sig] for batch, sig in signed])) if signed else b""


def decode_extension(extension: bytes, most: int) -> list[tuple[int, bytes]]:
    """The (batch, signature) pairs of a vote extension (none for an empty one), at most
    `most`, each batch once.

    Raises MalformedSequencerTx.
    """
    if not extension:
        return []
    out: list[tuple[int, bytes]] = []
    seen: set[int] = set()
    for pair in _list(_rlp(extension, "a vote extension"), "a vote extension", most):
        if not isinstance(pair, list) or len(pair) != 2:
            raise MalformedSequencerTx("a vote extension entry is [batch, signature]")
        batch = _uint(pair[0], "the batch")
        if batch in seen:
            raise MalformedSequencerTx(f"a vote extension names batch {batch} twice")
        seen.add(batch)
        out.append((batch, _bytes(pair[1], SIGNATURE_BYTES, "a signature")))
    return out
