"""EIP-191 personal messages signed by Ethereum keys (secp256k1 via eth-keys / coincurve).

Used wherever an Ethereum key authorises something on the sequencer: binding an L2 key
(RegisterKey), submitting a proof. Signatures are 65 bytes r ‖ s ‖ v with v in {27, 28} and a
low s (EIP-2), as wallets' personal_sign produces them.
"""

from __future__ import annotations

from eth_keys.datatypes import PrivateKey, Signature
from eth_keys.exceptions import BadSignature
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SIGNATURE_LENGTH = 65


def eip191_hash(text: str) -> bytes:
    """keccak256("\\x19Ethereum Signed Message:\\n" ‖ len ‖ text), as personal_sign hashes."""
    message = text.encode()
    return bytes(keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message))


def personal_sign(eth_private_key: bytes, text: str) -> bytes:
    """The 65-byte personal_sign signature of `text` by an Ethereum key."""
    sig = PrivateKey(eth_private_key).sign_msg_hash(eip191_hash(text))
    r, s, v = int(sig.r), int(sig.s), int(sig.v)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((v + 27,))


def recover_signer(text: str, signature: bytes) -> bytes | None:
    """The address that personal_signed `text`, or None for an invalid signature.

    Refuses a length other than 65, v other than 27/28, r or s outside [1, n), and high s.
    """
    return recover_hash_signer(eip191_hash(text), signature)


def recover_hash_signer(msg_hash: bytes, signature: bytes) -> bytes | None:
    """The address whose key signed the 32-byte `msg_hash` (r ‖ s ‖ v), or None: a length
    other than 65, v other than 27/28, r or s outside [1, n), a high s (which ecrecover-based
    contracts such as DataAvailability.sol refuse), or no recoverable key."""
    if len(signature) != SIGNATURE_LENGTH:
        return None
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
        return None
    try:
        public = Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(msg_hash)
    except (BadSignature, ValidationError):
        return None
    return bytes(public.to_canonical_address())


def address_of(eth_private_key: bytes) -> bytes:
    return bytes(PrivateKey(eth_private_key).public_key.to_canonical_address())
