import random

import pytest

from tests.unit.crypto.conftest import Circomlibjs
from tests.vectors.circomlibjs import CIRCOMLIBJS_KEYS, small_order_points
from zkbraid.crypto.babyjub import (
    BASE8_X,
    BASE8_Y,
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
    derive_l2_key,
    is_valid_public_key,
    verify,
)
from zkbraid.crypto.field import FIELD_MODULUS as P


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
        assert js_verdict is case.circomlibjs_valid, case.name
        assert verify(case.message, case.signature, case.public_key) is case.valid, case.name


def test_invalid_where_circomlibjs_accepts(circomlibjs: Circomlibjs) -> None:
    # The deliberate differences, each one a forgery or a non-canonical encoding circomlibjs's
    # verifyPoseidon lets through: all eight small-order keys (the circuit refuses them too,
    # tests/proving/test_eddsa_circuit.py) and coordinates >= p.
    differs = [(case, js) for case, js in circomlibjs.verified if case.differs]
    small = {(pk.x, pk.y) for pk in small_order_points()}
    assert {(c.public_key.x, c.public_key.y) for c, _ in differs if "small" in c.name} == small
    assert len(differs) == 10
    for case, js_verdict in differs:
        assert js_verdict and not case.valid, case.name
        assert not verify(case.message, case.signature, case.public_key), case.name


def test_keys_are_not_circomlibjs_keys(circomlibjs: Circomlibjs) -> None:
    # Documented: BLAKE2b replaces circomlibjs's BLAKE-512, so the same bytes give another key.
    js_key = circomlibjs.signed[0][2]
    assert PrivateKey(CIRCOMLIBJS_KEYS[0]).public_key != js_key


def test_pack_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    assert len(circomlibjs.packed) > 30
    for pk, packed in circomlibjs.packed:
        assert pk.pack() == packed
        if pk.x == 0:
            # (0, ±1) pack, but neither circomlibjs nor we unpack them (test_babyjub.py).
            with pytest.raises(InvalidPoint):
                PublicKey.unpack(packed)
            continue
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
    points = [PublicKey(q.x, q.y) for q in small_order_points()]
    assert len(points) == 8
    for pk in points:
        assert is_on_curve(pk.x, pk.y)
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
