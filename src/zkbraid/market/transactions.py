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

from zkbraid.crypto.personal_sign import SECP256K1_N as SECP256K1_N
from zkbraid.crypto.personal_sign import address_of, personal_sign, recover_signer
from zkbraid.errors import InvalidSignature, MalformedInput

FAUCET = 0x01
SUBMIT_PROOF = 0x02
PROOF_BYTES = 256


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
        signer = recover_signer(submission_text(self.tx_hash, self.proof), self.signature)
        if signer is None:
            raise BadSubmissionSignature("malformed or unrecoverable submission signature")
        if signer != self.prover:
            raise BadSubmissionSignature(
                f"the submission is not signed by the prover 0x{self.prover.hex()} it names"
            )


def sign_submit_proof(eth_private_key: bytes, tx_hash: bytes, proof: bytes) -> SubmitProof:
    """A submission of `proof` of `tx_hash`, signed by the prover's Ethereum key."""
    return SubmitProof(
        tx_hash=tx_hash,
        proof=proof,
        prover=address_of(eth_private_key),
        signature=personal_sign(eth_private_key, submission_text(tx_hash, proof)),
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
