"""A Groth16 proof over BN254, in the two encodings the stack speaks.

- bytes (256): what the node stores and the L1 verifier takes, in the Solidity verifier's order
  a.x ‖ a.y ‖ b.x.c1 ‖ b.x.c0 ‖ b.y.c1 ‖ b.y.c0 ‖ c.x ‖ c.y, each a 32-byte big-endian word (the
  G2 coordinates' Fp2 halves swapped, as the EIP-197 pairing precompile wants them). the native
  prover produces and reads this form.
- snarkjs JSON: `{"pi_a": [x, y, "1"], "pi_b": [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]],
  "pi_c": [x, y, "1"], "protocol": "groth16", "curve": "bn128"}`, what snarkjs and the browser
  prover produce.

Both carry the same points, so a proof from either back end verifies with the other's verifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkbraid.proving.errors import MalformedProof

# The base field of BN254 (coordinates of G1 and G2 points).
BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
PROOF_BYTES = 256

G1 = tuple[int, int]
Fq2 = tuple[int, int]  # (c0, c1): c0 + c1·u
G2 = tuple[Fq2, Fq2]


def _coordinate(value: int, what: str) -> int:
    if type(value) is not int or not 0 <= value < BN254_Q:
        raise MalformedProof(f"proof coordinate {what} is not an element of the base field")
    return value


@dataclass(frozen=True)
class Proof:
    """The points (A, B, C) of a Groth16 proof, affine coordinates."""

    a: G1
    b: G2
    c: G1

    def __post_init__(self) -> None:
        _coordinate(self.a[0], "a.x")
        _coordinate(self.a[1], "a.y")
        for i, half in enumerate((self.b[0][0], self.b[0][1], self.b[1][0], self.b[1][1])):
            _coordinate(half, f"b[{i}]")
        _coordinate(self.c[0], "c.x")
        _coordinate(self.c[1], "c.y")

    def to_bytes(self) -> bytes:
        """The 256-byte Ethereum encoding (module docstring)."""
        (bx0, bx1), (by0, by1) = self.b
        words = (self.a[0], self.a[1], bx1, bx0, by1, by0, self.c[0], self.c[1])
        return b"".join(w.to_bytes(32, "big") for w in words)

    @classmethod
    def from_bytes(cls, data: bytes) -> Proof:
        """Inverse of `to_bytes`; raises `MalformedProof` for a wrong length or coordinates >= q.

        Whether the points are on the curve is the verifier's business.
        """
        if not isinstance(data, bytes | bytearray) or len(data) != PROOF_BYTES:
            raise MalformedProof(f"a proof is {PROOF_BYTES} bytes")
        w = [int.from_bytes(data[i : i + 32], "big") for i in range(0, PROOF_BYTES, 32)]
        return cls(a=(w[0], w[1]), b=((w[3], w[2]), (w[5], w[4])), c=(w[6], w[7]))

    def to_hex(self) -> str:
        return "0x" + self.to_bytes().hex()

    @classmethod
    def from_hex(cls, text: str) -> Proof:
        """Inverse of `to_hex`; raises `MalformedProof`."""
        body = text[2:] if text.startswith(("0x", "0X")) else text
        try:
            return cls.from_bytes(bytes.fromhex(body))
        except ValueError:
            raise MalformedProof("a proof in hex is 512 hex digits") from None

    def to_snarkjs(self) -> dict[str, Any]:
        """The proof as snarkjs writes it (module docstring)."""
        (bx0, bx1), (by0, by1) = self.b
        return {
            "pi_a": [str(self.a[0]), str(self.a[1]), "1"],
            "pi_b": [[str(bx0), str(bx1)], [str(by0), str(by1)], ["1", "0"]],
            "pi_c": [str(self.c[0]), str(self.c[1]), "1"],
            "protocol": "groth16",
            "curve": "bn128",
        }

    @classmethod
    def from_snarkjs(cls, obj: Any) -> Proof:
        """Reads a snarkjs proof object; raises `MalformedProof` for anything else (including
        points not given in affine form)."""
        try:
            pi_a, pi_b, pi_c = obj["pi_a"], obj["pi_b"], obj["pi_c"]
            if obj.get("protocol", "groth16") != "groth16":
                raise MalformedProof("not a Groth16 proof")
            if [str(pi_a[2]), str(pi_c[2])] != ["1", "1"] or [str(v) for v in pi_b[2]] != [
                "1",
                "0",
            ]:
                raise MalformedProof("proof points must be affine (z = 1)")
            return cls(
                a=(_dec(pi_a[0]), _dec(pi_a[1])),
                b=((_dec(pi_b[0][0]), _dec(pi_b[0][1])), (_dec(pi_b[1][0]), _dec(pi_b[1][1]))),
                c=(_dec(pi_c[0]), _dec(pi_c[1])),
            )
        except (KeyError, IndexError, TypeError, AttributeError):
            raise MalformedProof("not a snarkjs Groth16 proof object") from None


def _dec(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if type(value) is int:
        return value
    raise MalformedProof(f"{value!r} is not a decimal coordinate")


__all__ = ["BN254_Q", "PROOF_BYTES", "Proof"]
