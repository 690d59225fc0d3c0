"""An independent Groth16 verifier in pure Python (py_ecc), for the tests only.

It shares no code with the native prover or snarkjs: it reads the snarkjs verification key JSON and
checks e(A, B) = e(α, β) · e(Σ xᵢ·ICᵢ, γ) · e(C, δ) with py_ecc's optimized BN254 pairing.
"""

from collections.abc import Sequence
from typing import Any

from py_ecc.optimized_bn128 import (
    FQ,
    FQ2,
    FQ12,
    add,
    b,
    b2,
    curve_order,
    final_exponentiate,
    is_on_curve,
    multiply,
    neg,
    pairing,
)

from zkbraid.proving.proof import Proof


def _g1(x: int, y: int) -> tuple[FQ, FQ, FQ]:
    return (FQ(x), FQ(y), FQ.one())


def _g2(x: tuple[int, int], y: tuple[int, int]) -> tuple[FQ2, FQ2, FQ2]:
    return (FQ2([x[0], x[1]]), FQ2([y[0], y[1]]), FQ2.one())


def _vk_g1(point: Sequence[str]) -> tuple[FQ, FQ, FQ]:
    return _g1(int(point[0]), int(point[1]))


def _vk_g2(point: Sequence[Sequence[str]]) -> tuple[FQ2, FQ2, FQ2]:
    return _g2((int(point[0][0]), int(point[0][1])), (int(point[1][0]), int(point[1][1])))


def pyecc_verify(vkey: dict[str, Any], proof: Proof, public: Sequence[int]) -> bool:
    """True if `proof` verifies under the snarkjs verification key `vkey` for `public`."""
    if len(public) != int(vkey["nPublic"]) or not all(0 <= x < curve_order for x in public):
        return False
    a = _g1(*proof.a)
    bb = _g2(*proof.b)
    c = _g1(*proof.c)
    if not (is_on_curve(a, b) and is_on_curve(c, b) and is_on_curve(bb, b2)):
        return False
    ic = [_vk_g1(p) for p in vkey["IC"]]
    vk_x = ic[0]
    for x, point in zip(public, ic[1:], strict=True):
        vk_x = add(vk_x, multiply(point, x))
    # e(-A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) == 1, with one final exponentiation.
    product = FQ12.one()
    for g2, g1 in (
        (bb, neg(a)),
        (_vk_g2(vkey["vk_beta_2"]), _vk_g1(vkey["vk_alpha_1"])),
        (_vk_g2(vkey["vk_gamma_2"]), vk_x),
        (_vk_g2(vkey["vk_delta_2"]), c),
    ):
        product *= pairing(g2, g1, final_exponentiate=False)
    return bool(final_exponentiate(product) == FQ12.one())
