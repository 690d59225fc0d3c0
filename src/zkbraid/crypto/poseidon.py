"""Poseidon over BN254, bit-for-bit the hash of circomlib's `Poseidon(n)` and circomlibjs.

Backed by the Rust `light-poseidon` (module `light_poseidon_python`), whose parameters are
circomlib's (x^5 S-box, 8 full rounds, 56..68 partial rounds by width). Measured on the project's
machines: about 37 µs for 1–2 inputs, 120 µs for 5 and 220 µs for 8 (the cost grows with the
width), so the trees hash pairs and the leaf and message layouts keep their arities small.
"""

from collections.abc import Sequence
from functools import cache

from light_poseidon_python import Hasher

from zkbraid.crypto.field import FIELD_MODULUS, NotAFieldElement
from zkbraid.errors import OutOfRange

MAX_INPUTS = 12


class PoseidonArityError(OutOfRange):
    """Poseidon called with no inputs or more than 12."""


@cache
def _hasher(arity: int) -> Hasher:
    return Hasher(arity)


def poseidon(inputs: Sequence[int]) -> int:
    """Poseidon hash of 1..12 field elements, as circomlib's `Poseidon(len(inputs))` computes it.

    Raises `PoseidonArityError` for a wrong number of inputs and `NotAFieldElement` for an input
    outside [0, r).
    """
    n = len(inputs)
    if not 1 <= n <= MAX_INPUTS:
        raise PoseidonArityError(f"poseidon takes 1 to {MAX_INPUTS} inputs, got {n}")
    for i, x in enumerate(inputs):
        if type(x) is not int or not 0 <= x < FIELD_MODULUS:
            raise NotAFieldElement(f"poseidon input {i} is not a BN254 field element: {x!r}")
    out: str = _hasher(n).hash_bytes_be([x.to_bytes(32, "big") for x in inputs])
    return int(out, 16)


_hash2 = _hasher(2).hash_bytes_be


def poseidon2(left: int, right: int) -> int:
    """poseidon([left, right]) without the input checks: the Merkle trees' hot path.

    The caller guarantees both are field elements (tree nodes and bounded leaves); the Rust hasher
    still refuses values >= r with a `ValueError`.
    """
    return int(_hash2([left.to_bytes(32, "big"), right.to_bytes(32, "big")]), 16)
