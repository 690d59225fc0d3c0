"""The Attest transaction: validators' signatures of batches' data-availability digests, put on
chain (sequencer/attestations.py has the records and the rules).

It extends the sequencer transactions (market/transactions.py 0x01–0x02, market/market_txs.py
0x03–0x06, staking/transactions.py 0x07–0x08) the same way: one type byte, then RLP.

    0x09 Attest  [[[batch, [[validator (20), signature (65)] …]] …],
                  [[set nonce, [[validator (20), signature (65)] …]] …]]

`batch` is a market batch's index, `set nonce` a validator set's (big-endian, no leading zero,
zero as the empty string); each signature is r ‖ s ‖ v over the batch's EIP-712 attestation
digest (settlement/l1_contracts.py `attestation_digest`) or the set's `validator_set_digest`
(sequencer/validator_sets.py). Either list may be empty, not both. It needs no signature of its
own: each entry is self-authenticating, so anyone may submit it, and the proposer makes one from
the vote extensions of the last commit. A validator's vote extension carries its own signatures
as RLP [[[batch, signature] …], [[set nonce, signature] …]] (empty bytes: none).
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


Entries = tuple[tuple[int, tuple[tuple[bytes, bytes], ...]], ...]
"""(batch or set nonce, ((validator, signature) …)) …"""


def _encode_entries(entries: Entries) -> list[object]:
    return [[index, [[v, sig] for v, sig in signed]] for index, signed in entries]


@dataclass(frozen=True)
class Attest:
    """Signatures of batches' attestation digests (`entries`) and of validator sets' digests
    (`sets`)."""

    entries: Entries
    sets: Entries = ()

    def encode(self) -> bytes:
        body = [_encode_entries(self.entries), _encode_entries(self.sets)]
        return bytes([ATTEST]) + bytes(rlp.encode(body))

    @property
    def signatures(self) -> int:
        return sum(len(signed) for _, signed in (*self.entries, *self.sets))


@dataclass(frozen=True)
class Extension:
    """A validator's own signatures in its vote: (batch, signature) … and (set nonce,
    signature) …"""

    batches: tuple[tuple[int, bytes], ...] = ()
    sets: tuple[tuple[int, bytes], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.batches or self.sets)


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


def _list(item: object, what: str, most: int, least: int = 1) -> list[object]:
    if not isinstance(item, list):
        raise MalformedSequencerTx(f"{what} is a list")
    if not least <= len(item) <= most:
        raise MalformedSequencerTx(f"{what} holds {least} to {most} entries, not {len(item)}")
    return item


def _pair(item: object, what: str) -> list[object]:
    if not isinstance(item, list) or len(item) != 2:
        raise MalformedSequencerTx(what)
    return item


def _rlp(payload: bytes, what: str) -> object:
    try:
        return rlp.decode(payload)
    except rlp.DecodingError as e:
        raise MalformedSequencerTx(f"bad RLP in {what}: {e}") from None


def _decode_entries(item: object, what: str) -> Entries:
    entries = []
    for entry in _list(item, what, MAX_BATCHES, least=0):
        index_item, signed_item = _pair(
            entry, f"an entry of {what} is [index, [[validator, signature] …]]"
        )
        index = _uint(index_item, "the index")
        signed = []
        for pair in _list(signed_item, f"{what} {index}'s signatures", MAX_SIGNERS):
            validator, signature = _pair(pair, "a signature entry is [validator, signature]")
            signed.append(
                (
                    _bytes(validator, 20, "a validator address"),
                    _bytes(signature, SIGNATURE_BYTES, "a signature"),
                )
            )
        entries.append((index, tuple(signed)))
    return tuple(entries)


def decode_attest(payload: bytes) -> Attest:
    """Decodes an Attest (type 0x09).

    Raises MalformedSequencerTx: another type, bad RLP, no entry at all, oversized lists, wrong
    sizes.
    """
    if payload[:1] != bytes([ATTEST]):
        raise MalformedSequencerTx("not an Attest transaction")
    batches, sets = _pair(
        _rlp(payload[1:], "an Attest"), "an Attest is [[batch entries …], [set entries …]]"
    )
    attest = Attest(_decode_entries(batches, "batch"), _decode_entries(sets, "validator set"))
    if not attest.entries and not attest.sets:
        raise MalformedSequencerTx("an Attest names no batch and no validator set")
    return attest


def _encode_pairs(pairs: tuple[tuple[int, bytes], ...]) -> list[object]:
    return [[index, sig] for index, sig in pairs]


def encode_extension(extension: Extension) -> bytes:
    """A validator's vote extension: RLP [[[batch, signature] …], [[set nonce, signature] …]]
    (empty bytes: no signature)."""
    if not extension:
        return b""
    return bytes(rlp.encode([_encode_pairs(extension.batches), _encode_pairs(extension.sets)]))


def _decode_pairs(item: object, what: str, most: int) -> tuple[tuple[int, bytes], ...]:
    out: list[tuple[int, bytes]] = []
    seen: set[int] = set()
    for entry in _list(item, f"a vote extension's {what}s", most, least=0):
        index_item, signature = _pair(entry, f"a vote extension entry is [{what}, signature]")
        index = _uint(index_item, f"the {what}")
        if index in seen:
            raise MalformedSequencerTx(f"a vote extension names {what} {index} twice")
        seen.add(index)
        out.append((index, _bytes(signature, SIGNATURE_BYTES, "a signature")))
    return tuple(out)


def decode_extension(extension: bytes, most: int) -> Extension:
    """The signatures of a vote extension (none for an empty one), at most `most` batches and
    `most` sets, each once.

    Raises MalformedSequencerTx.
    """
    if not extension:
        return Extension()
    batches, sets = _pair(
        _rlp(extension, "a vote extension"),
        "a vote extension is [[batch, signature] …], [[set, signature] …]]",
    )
    return Extension(_decode_pairs(batches, "batch", most), _decode_pairs(sets, "set", most))
