"""The identity of a Groth16 verifying key: one 32-byte hash, pinned by the chain's genesis.

Validators agree on proofs only if they load the same verifying key. The development keys are
reproducible (build.py), so every honest node computes the same hash, and a node whose keys hash
otherwise refuses to start (`VerifyingKeyMismatch`) instead of forking on the first proof.

The hash is keccak256 over the key's points as 32-byte big-endian words, in the order and
encoding of the Solidity verifier and the EIP-197 pairing precompile (G2 coordinates with the
imaginary half first, as `proof.Proof.to_bytes` writes B), so an L1 contract holding the key as
constants computes the same value with `keccak256(abi.encodePacked(...))`:

    alpha1.x, alpha1.y,
    beta2.x.c1, beta2.x.c0, beta2.y.c1, beta2.y.c0,
    gamma2.x.c1, gamma2.x.c0, gamma2.y.c1, gamma2.y.c0,
    delta2.x.c1, delta2.x.c0, delta2.y.c1, delta2.y.c0,
    IC[0].x, IC[0].y, …, IC[nPublic].x, IC[nPublic].y

It is read from snarkjs's `verification_key.json` (affine points, z = 1); `vk_alphabeta_12` is
derived from alpha and beta and not hashed, and neither is the JSON's formatting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from eth_hash.auto import keccak

from zkbraid.proving.errors import ProvingError
from zkbraid.proving.proof import BN254_Q


class MalformedVerifyingKey(ProvingError):
    """A verification key that is not snarkjs's Groth16 BN254 JSON with affine points."""


class VerifyingKeyMismatch(ProvingError):
    """The loaded verifying key is not the one the chain's genesis pins.

    A node with other keys would refuse every proof its peers accept (or accept proofs they
    refuse): it must not start.
    """

    def __init__(self, expected: bytes, got: bytes, where: str = "the circuit's keys") -> None:
        self.expected = expected
        self.got = got
        super().__init__(
            f"{where} have verifying key hash 0x{got.hex()}, but the chain's genesis expects "
            f"0x{expected.hex()}. The keys were built from other circuit sources, tools or "
            "powers of tau than the chain's. For development keys: use the repository's "
            "circuits/ and npm packages (package-lock.json), the shared dev powers of tau "
            "(../shared/dev-ptau/pot16_dev_insecure.ptau; not a locally made one, nor "
            "$ZKBRAID_PTAU), and rebuild with `python -m zkbraid.proving.build --force`. For "
            "ceremony keys: install the chain's published key set."
        )


def _word(value: Any, what: str) -> int:
    # snarkjs writes coordinates as decimal strings.
    if not isinstance(value, str) or not value.isdigit():
        raise MalformedVerifyingKey(f"{what} is not a decimal coordinate: {value!r}")
    number = int(value)
    if number >= BN254_Q:
        raise MalformedVerifyingKey(f"{what} is not an element of BN254's base field")
    return number


def _g1(point: Any, what: str) -> list[int]:
    if not isinstance(point, list) or len(point) != 3 or point[2] != "1":
        raise MalformedVerifyingKey(f"{what} is not an affine G1 point [x, y, '1']")
    return [_word(point[0], f"{what}.x"), _word(point[1], f"{what}.y")]


def _g2(point: Any, what: str) -> list[int]:
    if (
        not isinstance(point, list)
        or len(point) != 3
        or point[2] != ["1", "0"]
        or not all(isinstance(c, list) and len(c) == 2 for c in point[:2])
    ):
        raise MalformedVerifyingKey(
            f"{what} is not an affine G2 point [[x0, x1], [y0, y1], ['1', '0']]"
        )
    (x0, x1), (y0, y1) = point[0], point[1]
    return [
        _word(x1, f"{what}.x.c1"),
        _word(x0, f"{what}.x.c0"),
        _word(y1, f"{what}.y.c1"),
        _word(y0, f"{what}.y.c0"),
    ]


def verifying_key_words(verification_key: Mapping[str, Any]) -> list[int]:
    """The key's coordinates in the hashed order (module docstring).

    Raises `MalformedVerifyingKey` for anything but a Groth16 BN254 key in snarkjs's JSON.
    """
    if verification_key.get("protocol") != "groth16" or verification_key.get("curve") != "bn128":
        raise MalformedVerifyingKey("not a Groth16 key over BN254 (protocol/curve)")
    n_public = verification_key.get("nPublic")
    ic = verification_key.get("IC")
    if type(n_public) is not int or not isinstance(ic, list) or len(ic) != n_public + 1:
        raise MalformedVerifyingKey("IC must hold nPublic + 1 points")
    words = _g1(verification_key.get("vk_alpha_1"), "vk_alpha_1")
    for name in ("vk_beta_2", "vk_gamma_2", "vk_delta_2"):
        words += _g2(verification_key.get(name), name)
    for i, point in enumerate(ic):
        words += _g1(point, f"IC[{i}]")
    return words


def verifying_key_hash(verification_key: str | Mapping[str, Any]) -> bytes:
    """keccak256 of the key's points (module docstring): 32 bytes.

    Takes snarkjs's `verification_key.json`, as text or parsed. Raises `MalformedVerifyingKey`.
    """
    if isinstance(verification_key, str):
        try:
            parsed = json.loads(verification_key)
        except ValueError:
            raise MalformedVerifyingKey("the verification key is not JSON") from None
        if not isinstance(parsed, dict):
            raise MalformedVerifyingKey("the verification key is not a JSON object")
        verification_key = parsed
    words = verifying_key_words(verification_key)
    return bytes(keccak(b"".join(w.to_bytes(32, "big") for w in words)))


def check_verifying_key_hash(
    got: bytes, expected: bytes, where: str = "the circuit's keys"
) -> None:
    """Raises `VerifyingKeyMismatch` unless `got` is `expected`."""
    if got != expected:
        raise VerifyingKeyMismatch(expected, got, where)


__all__ = [
    "MalformedVerifyingKey",
    "VerifyingKeyMismatch",
    "check_verifying_key_hash",
    "verifying_key_hash",
    "verifying_key_words",
]
