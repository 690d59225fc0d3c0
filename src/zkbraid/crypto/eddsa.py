"""EdDSA-Poseidon over BabyJubJub: the L2 signature of the ZK chain.

Verification is exactly circomlib's `EdDSAPoseidonVerifier` (and circomlibjs `verifyPoseidon`,
plus the circuit's refusal of small-order keys): with public key A and signature (R8, S),

    S < SUB_ORDER,  hm = poseidon([R8.x, R8.y, A.x, A.y, M]),  S·Base8 == R8 + (8·hm)·A.

Signing follows circomlibjs `signPoseidon` with one deliberate difference: circomlibjs hashes the
private key with BLAKE-512 (the SHA-3 finalist), which has no maintained Python package, so we use
BLAKE2b-512 in its place, both to derive the secret scalar and the nonce:

    h = BLAKE2b-512(priv);  s = prune(h[0:32]) (little-endian);  A = (s >> 3)·Base8
    r = BLAKE2b-512(h[32:64] ‖ M as 32 bytes little-endian) mod SUB_ORDER;  R8 = r·Base8
    S = (r + hm·s) mod SUB_ORDER

So a zkbraid private key gives another public key than the same bytes in circomlibjs; the
signatures themselves verify both ways (tested against circomlibjs).
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache
from hashlib import blake2b

from zkbraid.crypto.babyjub import (
    SUB_ORDER,
    Point,
    from_ecpoint,
    is_on_curve,
    mul_base8,
    times_eight,
    to_ecpoint,
)
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.crypto.poseidon import poseidon
from zkbraid.errors import MalformedInput

# Domain tag of `derive_l2_key`: changing it changes every user's L2 key.
L2_KEY_DERIVATION_TAG = b"zkbraid-l2-eddsa-v1"


class InvalidPrivateKey(MalformedInput):
    """An EdDSA private key that is not 32 bytes."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An EdDSA public key A = (x, y); not checked on construction, see `is_valid_public_key`."""

    x: int
    y: int

    def pack(self) -> bytes:
        """circomlib's 32-byte packed form of the point."""
        return Point(self.x, self.y).pack()

    @classmethod
    def unpack(cls, data: bytes) -> "PublicKey":
        """Inverse of `pack`; raises `InvalidPoint`."""
        point = Point.unpack(data)
        return cls(point.x, point.y)


@dataclass(frozen=True, slots=True)
class Signature:
    """An EdDSA-Poseidon signature (R8, S)."""

    r8x: int
    r8y: int
    s: int


def is_valid_public_key(pk: PublicKey) -> bool:
    """True for a point of the curve whose 8-multiple is not the identity (not of small order)."""
    return times_eight(pk.x, pk.y) is not None


def verify(message: int, signature: Signature, public_key: PublicKey) -> bool:
    """True if `signature` signs the field element `message` under `public_key`.

    Never raises: anything malformed (message >= r, S >= SUB_ORDER, R8 or A off the curve,
    A of small order) is simply not a valid signature. Results are memoised, so the mempool's
    check and the block's check of the same transaction cost one verification.
    """
    return _verify(message, signature.r8x, signature.r8y, signature.s, public_key.x, public_key.y)


@lru_cache(maxsize=16384)
def _verify(message: int, r8x: int, r8y: int, s: int, ax: int, ay: int) -> bool:
    if type(message) is not int or not 0 <= message < FIELD_MODULUS:
        return False
    if type(s) is not int or not 0 <= s < SUB_ORDER:
        return False
    if not is_on_curve(r8x, r8y):
        return False
    a8 = times_eight(ax, ay)
    if a8 is None:
        return False
    hm = poseidon([r8x, r8y, ax, ay, message])
    left = mul_base8(s)
    right = to_ecpoint(r8x, r8y).add(a8.scalar_mult(hex(hm)))
    return bytes(left.to_bytes_uncompressed()) == bytes(right.to_bytes_uncompressed())


def _prune(buf: bytes) -> int:
    b = bytearray(buf[:32])
    b[0] &= 0xF8
    b[31] &= 0x7F
    b[31] |= 0x40
    return int.from_bytes(b, "little")


@dataclass(frozen=True)
class PrivateKey:
    """A 32-byte EdDSA private key (see the module docstring for how it maps to a scalar)."""

    secret: bytes

    def __post_init__(self) -> None:
        if type(self.secret) is not bytes or len(self.secret) != 32:
            raise InvalidPrivateKey("an EdDSA private key is 32 bytes")

    def __repr__(self) -> str:
        return "PrivateKey(<secret>)"

    @cached_property
    def _expanded(self) -> bytes:
        return blake2b(self.secret, digest_size=64).digest()

    @cached_property
    def _scalar(self) -> int:
        return _prune(self._expanded)

    @cached_property
    def public_key(self) -> PublicKey:
        point = from_ecpoint(mul_base8(self._scalar >> 3))
        return PublicKey(point.x, point.y)

    def secret_scalar(self) -> int:
        """The key's secret scalar s < SUB_ORDER with public_key = s·Base8.

        It is `(scalar >> 3) mod SUB_ORDER`: Base8 has order SUB_ORDER, so the reduction keeps
        the public key, and it makes s the one scalar below the order for this key (the pruned
        `scalar >> 3` is at least 2^251, above the order). Ownership proofs
        (circuits/ownership.circom) take it as their private input and hash it into their
        nullifier, which is therefore unique per key. It is as secret as the private key.
        """
        return (self._scalar >> 3) % SUB_ORDER

    def sign(self, message: int) -> Signature:
        """Signs the field element `message`; raises `NotAFieldElement` if it is >= r."""
        pk = self.public_key
        nonce_input = self._expanded[32:] + message.to_bytes(32, "little")
        r = int.from_bytes(blake2b(nonce_input, digest_size=64).digest(), "little") % SUB_ORDER
        r8 = from_ecpoint(mul_base8(r))
        hm = poseidon([r8.x, r8.y, pk.x, pk.y, message])
        return Signature(r8.x, r8.y, (r + hm * self._scalar) % SUB_ORDER)


def derive_l2_key(eth_private_key: bytes) -> PrivateKey:
    """The L2 (EdDSA) key derived from an Ethereum private key, as the SDK and devnet derive it.

    BLAKE2b-256(L2_KEY_DERIVATION_TAG ‖ eth_private_key). Anyone holding the Ethereum key holds
    the L2 key; the L2 key does not reveal the Ethereum key.
    """
    if len(eth_private_key) != 32:
        raise InvalidPrivateKey("an Ethereum private key is 32 bytes")
    digest = blake2b(L2_KEY_DERIVATION_TAG + eth_private_key, digest_size=32).digest()
    return PrivateKey(digest)


__all__ = [
    "L2_KEY_DERIVATION_TAG",
    "SUB_ORDER",
    "InvalidPrivateKey",
    "PrivateKey",
    "PublicKey",
    "Signature",
    "derive_l2_key",
    "is_on_curve",
    "is_valid_public_key",
    "verify",
]
