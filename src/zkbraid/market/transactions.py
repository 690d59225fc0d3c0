"""Transactions of the sequencer's own state: the devnet faucet and proof submissions.

Encoding: one type byte, then an RLP list. A proof submission is signed (EIP-191) by the
prover's Ethereum key over the proven transaction's hash and the proof's hash, so that the
reward goes to whoever signed the submission and a copied proof earns its copier nothing
(issue 4 pays only the assignee's signed submission).
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey, Signature
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError

from zkbraid.errors import InvalidSignature, MalformedInput

FAUCET = 0x01
SUBMIT_PROOF = 0x02
PROOF_BYTES = 256
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class MalformedSequencerTx(MalformedInput):
    """A sequencer transaction that does not decode."""


class BadSubmissionSignature(InvalidSignature):
    """A proof submission not signed by the prover it names."""


@dataclass(frozen=True)
class Faucet:
    """Devnet only: credits an address with the configured ZKPoW and fast-chain amounts."""

    address: bytes
    salt: bytes
    """Random bytes that make every request a distinct transaction."""

    def encode(self) -> bytes:
        return bytes([FAUCET]) + bytes(rlp.encode([self.address, self.salt]))


def submission_text(tx_hash: bytes, proof: bytes) -> str:
    """What a prover signs (EIP-191 personal_sign) to submit `proof` of `tx_hash`."""
    return f"zkbraid: proof of 0x{tx_hash.hex()}\nproof hash: 0x{keccak(proof).hex()}"


def _eip191(text: str) -> bytes:
    data = text.encode()
    return bytes(keccak(b"\x19Ethereum Signed Message:\n" + str(len(data)).encode() + data))


@dataclass(frozen=True)
class SubmitProof:
    """A prover's signed submission of a Groth16 proof of one ZK-chain transaction."""

    tx_hash: bytes
    proof: bytes
    prover: bytes
    signature: bytes

    def encode(self) -> bytes:
        fields = [self.tx_hash, self.proof, self.prover, self.signature]
        return bytes([SUBMIT_PROOF]) + bytes(rlp.encode(fields))

    def check_signature(self) -> None:
        """Raises BadSubmissionSignature unless `prover` signed this submission (low s)."""
        sig = self.signature
        r, s, v = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]
        if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
            raise BadSubmissionSignature("malformed submission signature")
        try:
            public = Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(
                _eip191(submission_text(self.tx_hash, self.proof))
            )
        except (BadSignature, ValidationError):
            raise BadSubmissionSignature("unrecoverable submission signature") from None
        if bytes(public.to_canonical_address()) != self.prover:
            raise BadSubmissionSignature(
                f"the submission is not signed by the prover 0x{self.prover.hex()} it names"
            )


def sign_submit_proof(eth_private_key: bytes, tx_hash: bytes, proof: bytes) -> SubmitProof:
    """A submission of `proof` of `tx_hash`, signed by the prover's Ethereum key."""
    key = PrivateKey(eth_private_key)
    sig = key.sign_msg_hash(_eip191(submission_text(tx_hash, proof)))
    raw_sig = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes((sig.v + 27,))
    return SubmitProof(
        tx_hash=tx_hash,
        proof=proof,
        prover=bytes(key.public_key.to_canonical_address()),
        signature=raw_sig,
    )


SequencerTx = Faucet | SubmitProof


def _items(payload: bytes, n: int, what: str) -> list[bytes]:
    try:
        items = rlp.decode(payload)
    except rlp.DecodingError as e:
        raise MalformedSequencerTx(f"bad RLP in {what}: {e}") from None
    if (
        not isinstance(items, list)
        or len(items) != n
        or not all(isinstance(i, bytes) for i in items)
    ):
        raise MalformedSequencerTx(f"a {what} has exactly {n} byte-string fields")
    return items


def decode_sequencer_tx(payload: bytes) -> SequencerTx:
    """Decodes a sequencer transaction.

    Raises MalformedSequencerTx: unknown type, bad RLP, wrong field count or sizes.
    """
    if not payload:
        raise MalformedSequencerTx("empty sequencer transaction")
    kind, body = payload[0], payload[1:]
    if kind == FAUCET:
        address, salt = _items(body, 2, "faucet request")
        if len(address) != 20:
            raise MalformedSequencerTx("faucet address must be 20 bytes")
        if not 1 <= len(salt) <= 32:
            raise MalformedSequencerTx("faucet salt must be 1 to 32 bytes")
        return Faucet(address=address, salt=salt)
    if kind == SUBMIT_PROOF:
        tx_hash, proof, prover, signature = _items(body, 4, "proof submission")
        if len(tx_hash) != 32:
            raise MalformedSequencerTx("the proven transaction's hash must be 32 bytes")
        if len(proof) != PROOF_BYTES:
            raise MalformedSequencerTx(f"a proof is {PROOF_BYTES} bytes, got {len(proof)}")
        if len(prover) != 20:
            raise MalformedSequencerTx("the prover address must be 20 bytes")
        if len(signature) != 65:
            raise MalformedSequencerTx("the submission signature must be 65 bytes (r ‖ s ‖ v)")
        return SubmitProof(tx_hash, proof, prover, signature)
    raise MalformedSequencerTx(f"unknown sequencer transaction type 0x{kind:02x}")
