"""BabyJubJub against circomlibjs: addition, scalar multiplication, packing, and which points
are on the curve, in the subgroup, or of small order (the rule of `is_valid_public_key` and of
the circuit's KeyAndSignature)."""

from tests.unit.crypto.conftest import Circomlibjs
from tests.vectors.circomlibjs import small_order_points
from zkbraid.crypto.babyjub import (
    SUB_ORDER,
    InvalidPoint,
    Point,
    from_ecpoint,
    is_on_curve,
    times_eight,
    to_ecpoint,
)
from zkbraid.crypto.eddsa import PublicKey, is_valid_public_key
from zkbraid.crypto.field import FIELD_MODULUS as P

IDENTITY = Point(0, 1)


def test_add_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    assert len(circomlibjs.added) > 50
    for a, b, expected in circomlibjs.added:
        got = from_ecpoint(to_ecpoint(a.x, a.y).add(to_ecpoint(b.x, b.y)))
        assert got == expected, (a, b)
    # a + (-a) is the identity, for every kind of point the vectors hold.
    assert sum(1 for a, b, s in circomlibjs.added if b.x == (P - a.x) % P and s == IDENTITY) > 15


def test_mul_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    assert len(circomlibjs.multiplied) > 50
    for point, k, expected in circomlibjs.multiplied:
        got = from_ecpoint(to_ecpoint(point.x, point.y).scalar_mult(hex(k)))
        assert got == expected, (point, k)
    assert any(k >= 2**255 for _, k, _ in circomlibjs.multiplied)  # no reduction of k


def test_point_kinds_match_circomlibjs(circomlibjs: Circomlibjs) -> None:
    eights = {(p, k): q for p, k, q in circomlibjs.multiplied if k == 8}
    kinds = set()
    for name, point, in_curve, in_subgroup in circomlibjs.points:
        kind = name.rsplit("-", 1)[0] if name[-1].isdigit() else name
        kinds.add(kind)
        assert is_on_curve(point.x, point.y) is in_curve, name
        if not in_curve:
            assert not is_valid_public_key(PublicKey(point.x, point.y))
            continue
        ours = to_ecpoint(point.x, point.y).scalar_mult(hex(SUB_ORDER)).is_infinity()
        assert ours is in_subgroup, name
        # Small order: 8·A is the identity, by circomlibjs's multiplication and by ours.
        small = eights[(point, 8)] == IDENTITY
        assert small is (times_eight(point.x, point.y) is None), name
        assert small is kind.startswith("small-order"), name
        # A key is valid unless it is of small order: full-order points outside the subgroup
        # are valid keys (as in circomlib's verifier, which multiplies A by 8 first).
        assert is_valid_public_key(PublicKey(point.x, point.y)) is not small, name
    assert kinds >= {"base8", "subgroup", "small-order", "full-order", "off-curve"}


def test_small_order_points_are_all_eight(circomlibjs: Circomlibjs) -> None:
    frozen = {p for name, p, _, _ in circomlibjs.points if name.startswith("small-order")}
    assert frozen == set(small_order_points()) and len(frozen) == 8
    # Only the identity is in the prime-order subgroup.
    in_subgroup = [p for name, p, _, sub in circomlibjs.points if p in frozen and sub]
    assert in_subgroup == [IDENTITY]


def test_unpack_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    refused_by_both = 0
    for data, expected in circomlibjs.unpacked:
        y = int.from_bytes(data, "little") & ((1 << 255) - 1)
        try:
            got: Point | None = Point.unpack(data)
        except InvalidPoint:
            got = None
        if y >= P:
            # circomlibjs reduces y modulo p; a canonical encoding is refused here.
            assert got is None, data.hex()
            continue
        assert got == expected, data.hex()
        refused_by_both += got is None
    # y = ±1 (x = 0) and bytes with no point: refused by both.
    assert refused_by_both >= 5
