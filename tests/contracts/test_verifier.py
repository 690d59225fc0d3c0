"""The batched Groth16 check on L1 (`Groth16Batch` through the stand-alone `Groth16Verifier`)
against real proofs of both back ends, tampered ones, and py_ecc: on every case the contract's
single-proof and batched answers agree with an independent verifier."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from py_ecc.optimized_bn128 import FQ, add, multiply, neg, normalize
from web3 import Web3
from web3.contract import Contract

from tests.contracts.conftest import ProvenChain
from tests.contracts.l1 import GAS, revert_error
from tests.proving.pyecc_groth16 import pyecc_verify
from zkbraid.proving.proof import BN254_Q, Proof
from zkbraid.proving.verifying_key import verifying_key_hash
from zkbraid.settlement.l1_contracts import deploy_verifier

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617


@pytest.fixture
def verifier(w3: Web3, vkey_json: str) -> Contract:
    return deploy_verifier(w3, w3.eth.accounts[0], vkey_json)


def _g1(point: tuple[int, int]) -> Any:
    return (FQ(point[0]), FQ(point[1]), FQ.one())


def _affine(point: Any) -> tuple[int, int]:
    x, y = normalize(point)
    return int(x.n), int(y.n)


def shifted_c(proof: bytes, k: int) -> bytes:
    """The proof with C replaced by C + k·G (k may be negative)."""
    p = Proof.from_bytes(proof)
    delta = multiply((FQ(1), FQ(2), FQ.one()), abs(k))
    c = add(_g1(p.c), delta if k > 0 else neg(delta))
    return Proof(a=p.a, b=p.b, c=_affine(c)).to_bytes()


def with_a_doubled(proof: bytes) -> bytes:
    p = Proof.from_bytes(proof)
    return Proof(a=_affine(add(_g1(p.a), _g1(p.a))), b=p.b, c=p.c).to_bytes()


def with_b_halves_swapped(proof: bytes) -> bytes:
    """B's coordinates with each Fp2's halves swapped: the usual encoding mistake (not on the
    twist, so the pairing precompile refuses it)."""
    p = Proof.from_bytes(proof)
    (x0, x1), (y0, y1) = p.b
    return Proof(a=p.a, b=((x1, x0), (y1, y0)), c=p.c).to_bytes()


def flat(inputs: list[list[int]]) -> list[int]:
    return [x for five in inputs for x in five]


def test_verifying_key_hash_is_the_genesis_hash(verifier: Contract, vkey_json: str) -> None:
    assert bytes(verifier.functions.verifyingKeyHash().call()) == verifying_key_hash(vkey_json)


def test_contract_agrees_with_pyecc(
    verifier: Contract, chain: ProvenChain, vkey: dict[str, Any]
) -> None:
    """Every (proof, inputs) case through py_ecc, the single-proof and the batched check."""
    txs = chain.txs
    good = [(t.proof, t.public_inputs) for t in txs]
    wrong_input = (txs[0].proof, [*txs[0].public_inputs[:4], txs[0].public_inputs[4] + 1])
    other_inputs = (txs[0].proof, txs[1].public_inputs)
    c_shifted = (shifted_c(txs[1].proof, 1), txs[1].public_inputs)
    a_doubled = (with_a_doubled(txs[2].proof), txs[2].public_inputs)
    b_swapped = (with_b_halves_swapped(txs[3].proof), txs[3].public_inputs)
    cases = [*good, wrong_input, other_inputs, c_shifted, a_doubled, b_swapped]

    @cache
    def pyecc(i: int) -> bool:
        proof, inputs = cases[i]
        try:
            return pyecc_verify(vkey, Proof.from_bytes(proof), inputs)
        except (ValueError, AssertionError):
            return False

    for i, (proof, inputs) in enumerate(cases):
        assert verifier.functions.verifyProof(proof, inputs).call({"gas": GAS}) == pyecc(i), i
    assert [pyecc(i) for i in range(len(cases))] == [True] * 4 + [False] * 5

    batches = [
        [0, 1, 2, 3],  # mixed back ends, all valid
        [3, 1],
        [0],
        [0, 1, 4, 3],  # one wrong input
        [5, 1],  # a proof checked against another transaction's inputs
        [0, 6],  # C moved
        [7, 1, 2],  # A moved
        [0, 8],  # B malformed
        [1, 0, 0, 1],  # duplicates are fine
    ]
    for batch in batches:
        proofs = b"".join(cases[i][0] for i in batch)
        inputs = flat([cases[i][1] for i in batch])
        got = verifier.functions.verifyBatch(proofs, inputs).call({"gas": GAS})
        assert got == all(pyecc(i) for i in batch), batch


def test_invalid_swapped_proofs_are_refused(verifier: Contract, chain: ProvenChain) -> None:
    t = chain.txs
    proofs = t[1].proof + t[0].proof
    inputs = t[0].public_inputs + t[1].public_inputs
    assert not verifier.functions.verifyBatch(proofs, inputs).call({"gas": GAS})


def test_invalid_errors_that_cancel_in_a_plain_sum_are_refused(
    verifier: Contract, chain: ProvenChain
) -> None:
    """C_1 + G and C_2 − G: each proof is wrong, and their errors cancel if the proofs were summed
    with equal weights. The Fiat–Shamir weights r_i (never 1 for i ≥ 1) do not let them cancel."""
    t = chain.txs
    proofs = shifted_c(t[0].proof, 1) + shifted_c(t[1].proof, -1)
    inputs = t[0].public_inputs + t[1].public_inputs
    assert not verifier.functions.verifyBatch(proofs, inputs).call({"gas": GAS})


def test_invalid_input_not_in_the_field(verifier: Contract, chain: ProvenChain) -> None:
    """x + r states the same as x to the pairing: it is refused by name, not accepted."""
    t = chain.txs[0]
    inputs = [*t.public_inputs[:2], t.public_inputs[2] + R, *t.public_inputs[3:]]
    name, args = revert_error(verifier.functions.verifyProof(t.proof, inputs), {"gas": GAS})
    assert (name, args) == ("PublicInputOutOfField", (2,))
    batch = chain.txs[1].public_inputs + inputs
    name, args = revert_error(
        verifier.functions.verifyBatch(chain.txs[1].proof + t.proof, batch), {"gas": GAS}
    )
    assert (name, args) == ("PublicInputOutOfField", (7,))


@pytest.mark.parametrize("word", [1, 3, 7])
def test_invalid_coordinate_not_in_the_field(
    verifier: Contract, chain: ProvenChain, word: int
) -> None:
    """A coordinate plus q (the same number mod q) is refused by name."""
    t = chain.txs
    raw = bytearray(t[1].proof)
    value = int.from_bytes(raw[32 * word : 32 * word + 32], "big") + BN254_Q
    raw[32 * word : 32 * word + 32] = value.to_bytes(32, "big")
    proofs = t[0].proof + bytes(raw)
    inputs = t[0].public_inputs + t[1].public_inputs
    name, args = revert_error(verifier.functions.verifyBatch(proofs, inputs), {"gas": GAS})
    assert (name, args) == ("ProofCoordinateOutOfField", (1,))
    name, args = revert_error(
        verifier.functions.verifyProof(bytes(raw), t[1].public_inputs), {"gas": GAS}
    )
    assert (name, args) == ("ProofCoordinateOutOfField", (0,))


def test_invalid_batch_shapes(verifier: Contract, chain: ProvenChain) -> None:
    t = chain.txs
    for proofs, inputs in [
        (b"", []),
        (t[0].proof[:-1], t[0].public_inputs),
        (t[0].proof + t[1].proof, t[0].public_inputs),
    ]:
        name, _ = revert_error(verifier.functions.verifyBatch(proofs, inputs), {"gas": GAS})
        assert name == "BatchShapeMismatch"


def test_invalid_too_little_gas_is_refused_by_name(
    w3: Web3, verifier: Contract, chain: ProvenChain
) -> None:
    """Short of gas the pairing precompile answers false: the check refuses to start without the
    gas it needs (InsufficientGas) instead of calling valid proofs invalid, so an estimate finds
    a limit at which the proofs verify."""
    t = chain.txs
    proofs = t[0].proof + t[1].proof
    inputs = t[0].public_inputs + t[1].public_inputs
    call = verifier.functions.verifyBatch(proofs, inputs)
    assert call.call({"gas": GAS})
    name, (needed, _) = revert_error(call, {"gas": 250_000})
    assert name == "InsufficientGas"
    estimate = call.estimate_gas()
    assert call.call({"gas": estimate})
    assert estimate < needed + 100_000
    name, _ = revert_error(
        verifier.functions.verifyProof(t[0].proof, t[0].public_inputs), {"gas": 150_000}
    )
    assert name == "InsufficientGas"
