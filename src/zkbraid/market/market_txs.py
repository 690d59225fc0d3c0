"""The proving market's sequencer transactions: prover registration, heartbeats, deactivation,
and aggregation bundles (issue 4, rules 1 and 5).

They extend the sequencer transactions of `transactions.py` (Faucet 0x01, SubmitProof 0x02) the
same way: one type byte, then an RLP list of byte strings (integers big-endian, no leading zero
bytes, zero as the empty string). Each is signed, like SubmitProof, with EIP-191 personal_sign by
the prover's Ethereum key over a readable text that says what it authorises, so a wallet shows it
and a signature for one purpose never serves another.

    0x03 RegisterProver   [public_key (64), signature (65)]
    0x04 ProverHeartbeat  [prover (20), nonce, signature (65)]
    0x05 DeactivateProver [prover (20), nonce, signature (65)]
    0x06 SubmitBundle     [batch, [[tx_hash, old_root, new_root, proof] …], prover (20), signature]

Heartbeats and deactivations carry the prover's next market nonce so that a captured one cannot
be replayed (a replayed heartbeat would keep an absent prover active and get it fined). A
registration needs none: an address registers once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import rlp
from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey, PublicKey
from eth_utils.exceptions import ValidationError

from zkbraid.crypto.personal_sign import address_of, personal_sign, recover_signer
from zkbraid.errors import InvalidSignature
from zkbraid.market.transactions import PROOF_BYTES, MalformedSequencerTx

REGISTER_PROVER = 0x03
PROVER_HEARTBEAT = 0x04
DEACTIVATE_PROVER = 0x05
SUBMIT_BUNDLE = 0x06
MARKET_TX_TYPES = frozenset({REGISTER_PROVER, PROVER_HEARTBEAT, DEACTIVATE_PROVER, SUBMIT_BUNDLE})

NONCE_BITS = 64
BATCH_BITS = 64
MAX_BUNDLE_ENTRIES = 4096


class BadMarketSignature(InvalidSignature):
    """A market transaction not signed by the prover it names (or a malformed signature)."""


# -- signing ---------------------------------------------------------------------------------


def _recover(text: str, signature: bytes) -> bytes:
    """The address that personal_signed `text`.

    Raises BadMarketSignature: malformed (length, v, r or s out of range, high s) or
    unrecoverable.
    """
    signer = recover_signer(text, signature)
    if signer is None:
        raise BadMarketSignature("malformed or unrecoverable signature")
    return signer


def address_of_public_key(public_key: bytes) -> bytes:
    """The Ethereum address of a 64-byte secp256k1 public key (a key that is no point of the
    curve has an address too, but no signature ever recovers to it).

    Raises MalformedSequencerTx: not 64 bytes.
    """
    try:
        return bytes(PublicKey(public_key).to_canonical_address())
    except (ValidationError, ValueError) as e:
        raise MalformedSequencerTx(f"not a secp256k1 public key: {e}") from None


# -- the transactions ------------------------------------------------------------------------


def register_text(address: bytes, public_key: bytes) -> str:
    """What a prover signs to register."""
    return f"zkbraid: register prover 0x{address.hex()}\nkey: 0x{public_key.hex()}"


def heartbeat_text(prover: bytes, nonce: int) -> str:
    """What a prover signs for a heartbeat."""
    return f"zkbraid: prover heartbeat 0x{prover.hex()}\nnonce: {nonce}"


def deactivate_text(prover: bytes, nonce: int) -> str:
    """What a prover signs to go inactive."""
    return f"zkbraid: deactivate prover 0x{prover.hex()}\nnonce: {nonce}"


def bundle_text(batch: int, bundle_hash: bytes) -> str:
    """What an aggregator signs to submit a batch's bundle."""
    return f"zkbraid: bundle of batch {batch}\nbundle hash: 0x{bundle_hash.hex()}"


@dataclass(frozen=True)
class RegisterProver:
    """Registers the prover whose key signs it; it is active from the block that includes it."""

    public_key: bytes
    signature: bytes

    @property
    def prover(self) -> bytes:
        return address_of_public_key(self.public_key)

    def encode(self) -> bytes:
        return bytes([REGISTER_PROVER]) + bytes(rlp.encode([self.public_key, self.signature]))

    def check_signature(self) -> None:
        """Raises BadMarketSignature unless the registered key signed this registration."""
        address = self.prover
        if _recover(register_text(address, self.public_key), self.signature) != address:
            raise BadMarketSignature("the registration is not signed by the key it registers")


@dataclass(frozen=True)
class ProverHeartbeat:
    """ "Still here": keeps a prover active for another heartbeat window (and reactivates it)."""

    prover: bytes
    nonce: int
    signature: bytes

    def encode(self) -> bytes:
        return bytes([PROVER_HEARTBEAT]) + bytes(
            rlp.encode([self.prover, self.nonce, self.signature])
        )

    def check_signature(self) -> None:
        """Raises BadMarketSignature unless `prover` signed this heartbeat."""
        if _recover(heartbeat_text(self.prover, self.nonce), self.signature) != self.prover:
            raise BadMarketSignature(f"the heartbeat is not signed by 0x{self.prover.hex()}")


@dataclass(frozen=True)
class DeactivateProver:
    """ "Leaving": the prover goes inactive at once and its jobs go back to the market unfined."""

    prover: bytes
    nonce: int
    signature: bytes

    def encode(self) -> bytes:
        return bytes([DEACTIVATE_PROVER]) + bytes(
            rlp.encode([self.prover, self.nonce, self.signature])
        )

    def check_signature(self) -> None:
        """Raises BadMarketSignature unless `prover` signed this deactivation."""
        if _recover(deactivate_text(self.prover, self.nonce), self.signature) != self.prover:
            raise BadMarketSignature(f"the deactivation is not signed by 0x{self.prover.hex()}")


@dataclass(frozen=True)
class BundleEntry:
    """One transaction of a batch bundle: its hash, the roots it takes the state between, and
    its proof (the one the validators verified and recorded)."""

    tx_hash: bytes
    old_root: bytes
    new_root: bytes
    proof: bytes

    def commitment(self) -> list[bytes]:
        """What the bundle hash commits to for this entry: the proof by its hash."""
        return [self.tx_hash, self.old_root, self.new_root, bytes(keccak(self.proof))]


def bundle_hash(batch: int, commitments: list[list[bytes]]) -> bytes:
    """The commitment to a batch bundle: keccak(rlp([batch, [[tx, old, new, keccak(proof)] …]]))."""
    return bytes(keccak(rlp.encode([batch, commitments])))


@dataclass(frozen=True)
class SubmitBundle:
    """An aggregator's signed output of an aggregation job: the batch's proofs, in order, with
    the roots each proof commits to (issue 4, rule 5, the interim form before recursion)."""

    batch: int
    entries: tuple[BundleEntry, ...]
    prover: bytes
    signature: bytes

    @cached_property
    def hash(self) -> bytes:
        """The bundle's hash (computed once: the signature check and the market both need it)."""
        return bundle_hash(self.batch, [e.commitment() for e in self.entries])

    def encode(self) -> bytes:
        entries = [[e.tx_hash, e.old_root, e.new_root, e.proof] for e in self.entries]
        return bytes([SUBMIT_BUNDLE]) + bytes(
            rlp.encode([self.batch, entries, self.prover, self.signature])
        )

    def check_signature(self) -> None:
        """Raises BadMarketSignature unless `prover` signed this bundle."""
        if _recover(bundle_text(self.batch, self.hash), self.signature) != self.prover:
            raise BadMarketSignature(f"the bundle is not signed by 0x{self.prover.hex()}")


MarketTx = RegisterProver | ProverHeartbeat | DeactivateProver | SubmitBundle


def sign_register(eth_private_key: bytes) -> RegisterProver:
    """A registration of the prover with this Ethereum key."""
    public_key = PrivateKey(eth_private_key).public_key.to_bytes()
    address = address_of(eth_private_key)
    return RegisterProver(
        public_key, personal_sign(eth_private_key, register_text(address, public_key))
    )


def sign_heartbeat(eth_private_key: bytes, nonce: int) -> ProverHeartbeat:
    """A heartbeat of the prover with this key, at its market nonce `nonce`."""
    address = address_of(eth_private_key)
    sig = personal_sign(eth_private_key, heartbeat_text(address, nonce))
    return ProverHeartbeat(address, nonce, sig)


def sign_deactivate(eth_private_key: bytes, nonce: int) -> DeactivateProver:
    """A deactivation of the prover with this key, at its market nonce `nonce`."""
    address = address_of(eth_private_key)
    sig = personal_sign(eth_private_key, deactivate_text(address, nonce))
    return DeactivateProver(address, nonce, sig)


def sign_bundle(eth_private_key: bytes, batch: int, entries: list[BundleEntry]) -> SubmitBundle:
    """An aggregator's submission of the bundle `entries` of `batch`."""
    address = address_of(eth_private_key)
    h = bundle_hash(batch, [e.commitment() for e in entries])
    sig = personal_sign(eth_private_key, bundle_text(batch, h))
    return SubmitBundle(batch, tuple(entries), address, sig)


# -- decoding --------------------------------------------------------------------------------


def _decode_list(payload: bytes, what: str) -> list[object]:
    try:
        items = rlp.decode(payload)
    except rlp.DecodingError as e:
        raise MalformedSequencerTx(f"bad RLP in {what}: {e}") from None
    if not isinstance(items, list):
        raise MalformedSequencerTx(f"a {what} is an RLP list")
    return items


def _bytes(item: object, size: int, what: str) -> bytes:
    if not isinstance(item, bytes) or len(item) != size:
        raise MalformedSequencerTx(f"{what} must be {size} bytes")
    return item


def _uint(item: object, bits: int, what: str) -> int:
    if not isinstance(item, bytes):
        raise MalformedSequencerTx(f"{what} must be a byte string")
    if item[:1] == b"\x00":
        raise MalformedSequencerTx(f"{what} has a leading zero byte (not canonical)")
    value = int.from_bytes(item, "big")
    if value >= 2**bits:
        raise MalformedSequencerTx(f"{what} must fit in {bits} bits")
    return value


def _fields(items: list[object], n: int, what: str) -> list[object]:
    if len(items) != n:
        raise MalformedSequencerTx(f"a {what} has exactly {n} fields")
    return items


def decode_market_tx(payload: bytes) -> MarketTx:
    """Decodes a market transaction (types 0x03–0x06).

    Raises MalformedSequencerTx: another type, bad RLP, wrong field count, sizes or integers.
    """
    if not payload or payload[0] not in MARKET_TX_TYPES:
        what = f"0x{payload[0]:02x}" if payload else "empty"
        raise MalformedSequencerTx(f"not a market transaction ({what})")
    kind, body = payload[0], payload[1:]
    if kind == REGISTER_PROVER:
        key, sig = _fields(_decode_list(body, "prover registration"), 2, "prover registration")
        tx = RegisterProver(_bytes(key, 64, "the public key"), _bytes(sig, 65, "the signature"))
        return tx
    if kind in (PROVER_HEARTBEAT, DEACTIVATE_PROVER):
        what = "heartbeat" if kind == PROVER_HEARTBEAT else "deactivation"
        prover, nonce, sig = _fields(_decode_list(body, what), 3, what)
        cls = ProverHeartbeat if kind == PROVER_HEARTBEAT else DeactivateProver
        return cls(
            _bytes(prover, 20, "the prover address"),
            _uint(nonce, NONCE_BITS, "the nonce"),
            _bytes(sig, 65, "the signature"),
        )
    batch, raw_entries, prover, sig = _fields(_decode_list(body, "bundle"), 4, "bundle")
    if not isinstance(raw_entries, list) or not 1 <= len(raw_entries) <= MAX_BUNDLE_ENTRIES:
        raise MalformedSequencerTx(f"a bundle has 1 to {MAX_BUNDLE_ENTRIES} entries")
    entries: list[BundleEntry] = []
    for raw in raw_entries:
        if not isinstance(raw, list) or len(raw) != 4:
            raise MalformedSequencerTx("a bundle entry is [tx_hash, old_root, new_root, proof]")
        entries.append(
            BundleEntry(
                _bytes(raw[0], 32, "an entry's transaction hash"),
                _bytes(raw[1], 32, "an entry's old root"),
                _bytes(raw[2], 32, "an entry's new root"),
                _bytes(raw[3], PROOF_BYTES, "an entry's proof"),
            )
        )
    return SubmitBundle(
        _uint(batch, BATCH_BITS, "the batch index"),
        tuple(entries),
        _bytes(prover, 20, "the prover address"),
        _bytes(sig, 65, "the signature"),
    )
