import random
import time

import pytest

from tests.unit.crypto.conftest import CIRCOMLIBJS_KEYS, Circomlibjs
from zkbraid.crypto.babyjub import (
    BASE8_X,
    BASE8_Y,
    CURVE_A,
    SUB_ORDER,
    InvalidPoint,
    Point,
    from_ecpoint,
    is_on_curve,
    sqrt_mod_p,
    to_ecpoint,
)
from zkbraid.crypto.eddsa import (
    InvalidPrivateKey,
    PrivateKey,
    PublicKey,
    Signature,
    _verify,
    derive_l2_key,
    is_valid_public_key,
    verify,
)
from zkbraid.crypto.field import FIELD_MODULUS as P


def small_order_points() -> list[PublicKey]:
    """The eight points of order dividing 8: (0, ±1), (±1/√a, 0), and four of order 8."""
    inv_sqrt_a = sqrt_mod_p(pow(CURVE_A, P - 2, P))
    assert inv_sqrt_a is not None
    points = {(0, 1), (0, P - 1), (inv_sqrt_a, 0), (P - inv_sqrt_a, 0)}
    # A full-order point times SUB_ORDER lies in the 8-torsion; collect until all 8 are found.
    y = 2
    while len(points) < 8:
        y += 1
        try:
            full = Point.unpack(y.to_bytes(32, "little"))
        except InvalidPoint:
            continue
        q = from_ecpoint(to_ecpoint(full.x, full.y).scalar_mult(hex(SUB_ORDER)))
        points.add((q.x, q.y))
    for x, yy in points:
        assert is_on_curve(x, yy)
    return [PublicKey(x, yy) for x, yy in sorted(points)]


def test_sign_and_verify_roundtrip() -> None:
    key = PrivateKey(bytes(range(32)))
    sig = key.sign(42)
    assert verify(42, sig, key.public_key)
    assert is_valid_public_key(key.public_key)


def test_circomlibjs_signatures_verify_in_python(circomlibjs: Circomlibjs) -> None:
    assert len(circomlibjs.signed) == 25
    for msg, sig, pk in circomlibjs.signed:
        assert verify(msg, sig, pk)
        assert not verify((msg + 1) % P, sig, pk)


def test_python_signatures_verify_in_circomlibjs(circomlibjs: Circomlibjs) -> None:
    assert any(case.valid for case, _ in circomlibjs.verified)
    for case, js_verdict in circomlibjs.verified:
        assert js_verdict is case.valid, case.name
        assert verify(case.message, case.signature, case.public_key) is case.valid, case.name


def test_keys_are_not_circomlibjs_keys(circomlibjs: Circomlibjs) -> None:
    # Documented: BLAKE2b replaces circomlibjs's BLAKE-512, so the same bytes give another key.
    js_key = circomlibjs.signed[0][2]
    assert PrivateKey(CIRCOMLIBJS_KEYS[0]).public_key != js_key


def test_pack_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    for pk, packed in circomlibjs.packed:
        assert pk.pack() == packed
        assert PublicKey.unpack(packed) == pk


def test_invalid_tampered() -> None:
    key = PrivateKey(b"\x05" * 32)
    other = PrivateKey(b"\x06" * 32).public_key
    msg = 987654321
    sig = key.sign(msg)
    pk = key.public_key
    assert verify(msg, sig, pk)
    assert not verify(msg + 1, sig, pk)
    assert not verify(msg, sig, other)
    assert not verify(msg, Signature(sig.r8x, sig.r8y, sig.s + 1), pk)
    assert not verify(msg, Signature(sig.r8x, (sig.r8y + 1) % P, sig.s), pk)
    assert not verify(msg, Signature(sig.r8y, sig.r8x, sig.s), pk)


def test_invalid_s_not_below_sub_order() -> None:
    key = PrivateKey(b"\x07" * 32)
    sig = key.sign(1)
    assert not verify(1, Signature(sig.r8x, sig.r8y, sig.s + SUB_ORDER), key.public_key)
    assert not verify(1, Signature(sig.r8x, sig.r8y, -1), key.public_key)


def test_invalid_off_curve_points() -> None:
    key = PrivateKey(b"\x08" * 32)
    sig = key.sign(1)
    pk = key.public_key
    assert not is_on_curve(5, 7)
    assert not verify(1, Signature(5, 7, sig.s), pk)
    assert not verify(1, sig, PublicKey(pk.x, (pk.y + 1) % P))
    assert not is_valid_public_key(PublicKey(5, 7))
    # Coordinates >= p are refused even when they reduce to a valid point (the Rust point would
    # silently reduce them).
    assert not verify(1, Signature(sig.r8x + P, sig.r8y, sig.s), pk)
    assert not verify(1, sig, PublicKey(pk.x + P, pk.y))
    assert not verify(P, sig, pk)


def test_invalid_small_order_public_keys() -> None:
    points = small_order_points()
    assert len(points) == 8
    for pk in points:
        assert not is_valid_public_key(pk)
        # With a small-order A, 8·hm·A is the identity: S·Base8 as R8 would "sign" anything.
        s = 12345
        r8 = from_ecpoint(to_ecpoint(BASE8_X, BASE8_Y).scalar_mult(hex(s)))
        assert not verify(99, Signature(r8.x, r8.y, s), pk)


def test_invalid_unpack() -> None:
    with pytest.raises(InvalidPoint):
        Point.unpack(b"\x00" * 31)
    with pytest.raises(InvalidPoint):
        Point.unpack((P + 1).to_bytes(32, "little"))
    with pytest.raises(InvalidPoint):
        Point.unpack((1).to_bytes(32, "little"))  # y = 1 gives x = 0, refused like circomlibjs


def test_private_key_checks_length() -> None:
    with pytest.raises(InvalidPrivateKey):
        PrivateKey(b"\x01" * 31)
    with pytest.raises(InvalidPrivateKey):
        derive_l2_key(b"\x01" * 33)


def test_derive_l2_key_is_deterministic() -> None:
    eth_key = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    a, b = derive_l2_key(eth_key), derive_l2_key(eth_key)
    assert a.public_key == b.public_key
    assert a.secret != eth_key
    assert derive_l2_key(bytes(32)).public_key != a.public_key


def test_sqrt_mod_p() -> None:
    rng = random.Random(3)
    for _ in range(20):
        x = rng.randrange(P)
        root = sqrt_mod_p(x * x)
        assert root in (x, P - x)
    assert sqrt_mod_p(5) is None


def test_verify_speed() -> None:
    key = PrivateKey(b"\x09" * 32)
    sigs = [(m, key.sign(m)) for m in range(30)]
    _verify.cache_clear()
    start = time.perf_counter()
    for m, sig in sigs:
        assert verify(m, sig, key.public_key)
    per = (time.perf_counter() - start) / len(sigs)
    print(f"eddsa verify: {per * 1e6:.0f} µs")
    assert per < 2e-3  # target well under 1 ms; loose bound for noisy machines
