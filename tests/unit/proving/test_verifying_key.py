"""verifying_key_hash: keccak over the key's points in the Solidity verifier's order.

The vector is the verification key of the two-constraint circuit of tests/proving/test_build.py,
made by the dev-key procedure (reproducible, so its hash is a constant).
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak

from zkbraid.proving.proof import BN254_Q
from zkbraid.proving.verifying_key import (
    MalformedVerifyingKey,
    VerifyingKeyMismatch,
    check_verifying_key_hash,
    verifying_key_hash,
    verifying_key_words,
)

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "product_verification_key.json"
PRODUCT_VK_HASH = "801c3a5bfd5682f23fb7b6bd4516ed8f9061c5d24f97d4ce49e96bd5895be989"


@pytest.fixture
def vkey() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR.read_text())
    return data


def test_known_hash(vkey: dict[str, Any]) -> None:
    assert verifying_key_hash(VECTOR.read_text()).hex() == PRODUCT_VK_HASH
    assert verifying_key_hash(vkey).hex() == PRODUCT_VK_HASH


def test_words_are_the_solidity_verifiers_constants(vkey: dict[str, Any]) -> None:
    # A Solidity verifier holds the key as uint256 constants in EIP-197 order (G2 coordinates
    # c1 first): an L1 contract hashing them with keccak256(abi.encodePacked(...)) gets the
    # same value.
    constants = [int(c) for c in vkey["vk_alpha_1"][:2]]
    for name in ("vk_beta_2", "vk_gamma_2", "vk_delta_2"):
        (x0, x1), (y0, y1) = vkey[name][:2]
        constants += [int(x1), int(x0), int(y1), int(y0)]
    for point in vkey["IC"]:
        constants += [int(point[0]), int(point[1])]
    words = verifying_key_words(vkey)
    assert constants == words and len(words) == 2 + 3 * 4 + 2 * (vkey["nPublic"] + 1)
    packed = b"".join(w.to_bytes(32, "big") for w in constants)
    assert bytes(keccak(packed)) == verifying_key_hash(vkey)


def test_formatting_and_derived_fields_do_not_count(vkey: dict[str, Any]) -> None:
    expected = verifying_key_hash(vkey)
    assert verifying_key_hash(json.dumps(vkey, separators=(",", ":"))) == expected
    assert verifying_key_hash(dict(reversed(list(vkey.items())))) == expected
    without_pairing = {k: v for k, v in vkey.items() if k != "vk_alphabeta_12"}
    assert verifying_key_hash(without_pairing) == expected


@pytest.mark.parametrize("field", ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"])
def test_every_point_counts(vkey: dict[str, Any], field: str) -> None:
    changed = copy.deepcopy(vkey)
    if field in ("vk_alpha_1", "IC"):
        point = changed[field] if field == "vk_alpha_1" else changed[field][-1]
        point[0] = str(int(point[0]) + 1)
    else:
        changed[field][1][1] = str(int(changed[field][1][1]) + 1)
    assert verifying_key_hash(changed) != verifying_key_hash(vkey)


def test_g2_halves_are_not_interchangeable(vkey: dict[str, Any]) -> None:
    swapped = copy.deepcopy(vkey)
    swapped["vk_delta_2"][0].reverse()
    assert verifying_key_hash(swapped) != verifying_key_hash(vkey)


def _malformed(vkey: dict[str, Any]) -> list[Any]:
    cases: list[Any] = ["not json", "[1, 2]", {**vkey, "protocol": "plonk"}]
    cases.append({**vkey, "curve": "bls12381"})
    cases.append({**vkey, "nPublic": 3})
    cases.append({**vkey, "IC": vkey["IC"][:-1]})
    cases.append({**vkey, "vk_alpha_1": [*vkey["vk_alpha_1"][:2], "2"]})  # projective
    cases.append({**vkey, "vk_alpha_1": [str(BN254_Q), vkey["vk_alpha_1"][1], "1"]})
    cases.append({**vkey, "vk_alpha_1": [-1, vkey["vk_alpha_1"][1], "1"]})
    cases.append({**vkey, "vk_beta_2": vkey["vk_beta_2"][:2]})
    cases.append({**vkey, "vk_gamma_2": [["1"], ["2", "3"], ["1", "0"]]})
    cases.append({k: v for k, v in vkey.items() if k != "vk_delta_2"})
    return cases


def test_invalid_keys_are_refused(vkey: dict[str, Any]) -> None:
    for bad in _malformed(vkey):
        with pytest.raises(MalformedVerifyingKey):
            verifying_key_hash(bad)


def test_invalid_mismatch_says_how_to_fix() -> None:
    check_verifying_key_hash(b"\x01" * 32, b"\x01" * 32)
    with pytest.raises(VerifyingKeyMismatch) as info:
        check_verifying_key_hash(b"\x01" * 32, b"\x02" * 32, "the keys in build/x")
    assert info.value.expected == b"\x02" * 32 and info.value.got == b"\x01" * 32
    message = str(info.value)
    assert "0x" + "02" * 32 in message and "0x" + "01" * 32 in message
    assert "the keys in build/x" in message and "python -m zkbraid.proving.build" in message
    assert "shared dev powers of tau" in message
