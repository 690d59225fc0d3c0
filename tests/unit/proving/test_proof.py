"""The proof's two encodings (Ethereum bytes, snarkjs JSON) and their refusals."""

import pytest

from zkbraid.proving.errors import MalformedProof
from zkbraid.proving.proof import BN254_Q, PROOF_BYTES, Proof

SAMPLE = Proof(a=(1, 2), b=((3, 4), (5, 6)), c=(7, 8))


def test_bytes_layout_is_the_solidity_verifiers() -> None:
    words = [int.from_bytes(SAMPLE.to_bytes()[i : i + 32], "big") for i in range(0, 256, 32)]
    assert words == [1, 2, 4, 3, 6, 5, 7, 8]  # b's Fp2 halves as (c1, c0), EIP-197 order
    assert Proof.from_bytes(SAMPLE.to_bytes()) == SAMPLE
    assert Proof.from_hex(SAMPLE.to_hex()) == SAMPLE


def test_snarkjs_json_round_trip() -> None:
    obj = SAMPLE.to_snarkjs()
    assert obj["pi_b"] == [["3", "4"], ["5", "6"], ["1", "0"]]
    assert Proof.from_snarkjs(obj) == SAMPLE


@pytest.mark.parametrize(
    "data",
    [b"", bytes(PROOF_BYTES - 1), bytes(PROOF_BYTES + 1), BN254_Q.to_bytes(32, "big") + bytes(224)],
)
def test_invalid_proof_bytes(data: bytes) -> None:
    with pytest.raises(MalformedProof):
        Proof.from_bytes(data)


def test_invalid_proof_hex_and_json() -> None:
    with pytest.raises(MalformedProof):
        Proof.from_hex("0xzz")
    obj = SAMPLE.to_snarkjs()
    for bad in ({}, {**obj, "protocol": "plonk"}, {**obj, "pi_a": ["1", "2", "3"]},
                {**obj, "pi_c": ["x", "2", "1"]}):  # fmt: skip
        with pytest.raises(MalformedProof):
            Proof.from_snarkjs(bad)
