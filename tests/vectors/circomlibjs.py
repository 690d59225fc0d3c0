"""Reference vectors from circomlibjs, frozen in tests/vectors/circomlibjs.json.

circomlibjs is the JavaScript twin of the circomlib circuits the ZK chain is proven with: its
Poseidon, BabyJubJub and EdDSA-Poseidon are the reference for `zkbraid.crypto`. The tests read
the frozen file, so they need no node and no npm; one test (tests/unit/crypto/test_vectors.py)
reruns circomlibjs when npm is installed and compares with the file.

    python -m tests.vectors.circomlibjs --write    regenerate the file (needs node_modules)
    python -m tests.vectors.circomlibjs --check    exit 1 if circomlibjs disagrees with it

The request is built here, the Python-made signatures included (signing is deterministic, so
they are the same on every run), and sent in one go to `circomlibjs_vectors.cjs` (node takes
about two seconds to build circomlibjs's WASM). The file holds every input with circomlibjs's
answer next to it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkbraid.crypto.babyjub import (
    BASE8_X,
    BASE8_Y,
    CURVE_A,
    SUB_ORDER,
    InvalidPoint,
    Point,
    from_ecpoint,
    sqrt_mod_p,
    to_ecpoint,
)
from zkbraid.crypto.eddsa import PrivateKey, PublicKey, Signature
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.crypto.poseidon import MAX_INPUTS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "vectors" / "circomlibjs_vectors.cjs"
FROZEN = ROOT / "tests" / "vectors" / "circomlibjs.json"
R = FIELD_MODULUS
P = FIELD_MODULUS  # BabyJubJub's base field is BN254's scalar field


class NodeMissing(Exception):
    """node or node_modules/circomlibjs is not installed (scripts/install.sh)."""


def poseidon_inputs() -> list[list[int]]:
    """Every arity the project may use (1..12), at the edges and at random."""
    rng = random.Random(20240611)
    cases: list[list[int]] = [[1, 2], [0], [R - 1], [0, 0], [R - 1, R - 1]]
    for n in range(1, MAX_INPUTS + 1):
        cases.append(list(range(1, n + 1)))
        cases.append([R - 1 - i for i in range(n)])
        cases.append([0] * n)
        for _ in range(3):
            cases.append([rng.randrange(R) for _ in range(n)])
        cases.append([rng.randrange(2**64) for _ in range(n)])
    return cases


def small_order_points() -> list[Point]:
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
    return [Point(x, yy) for x, yy in sorted(points)]


def _mul(point: Point, k: int) -> Point:
    return from_ecpoint(to_ecpoint(point.x, point.y).scalar_mult(hex(k)))


def _add(a: Point, b: Point) -> Point:
    return from_ecpoint(to_ecpoint(a.x, a.y).add(to_ecpoint(b.x, b.y)))


BASE8 = Point(BASE8_X, BASE8_Y)


def named_points() -> list[tuple[str, Point]]:
    """Points of every kind: the subgroup's, small-order ones, full-order ones outside the
    subgroup, and pairs that are not points at all."""
    rng = random.Random(11)
    small = small_order_points()
    subgroup = [_mul(BASE8, rng.randrange(1, SUB_ORDER)) for _ in range(4)]
    points = [("base8", BASE8)]
    points += [(f"subgroup-{i}", q) for i, q in enumerate(subgroup)]
    points += [(f"small-order-{i}", q) for i, q in enumerate(small)]
    # A subgroup point plus a small-order point (not the identity): order 2l, 4l or 8l.
    points += [(f"full-order-{i}", _add(subgroup[0], q)) for i, q in enumerate(small[1:])]
    points += [("off-curve-5-7", Point(5, 7)), ("off-curve-y+1", Point(BASE8.x, BASE8.y + 1))]
    return points


@dataclass(frozen=True)
class VerifyCase:
    """A (message, signature, key) triple, zkbraid's verdict, and circomlibjs's where it differs
    on purpose (`differs` says why)."""

    name: str
    message: int
    signature: Signature
    public_key: PublicKey
    valid: bool
    differs: str = ""

    @property
    def circomlibjs_valid(self) -> bool:
        return not self.valid if self.differs else self.valid

    def request(self) -> dict[str, str]:
        return {
            "msg": str(self.message),
            "r8x": str(self.signature.r8x),
            "r8y": str(self.signature.r8y),
            "s": str(self.signature.s),
            "ax": str(self.public_key.x),
            "ay": str(self.public_key.y),
        }


def python_signed_cases() -> list[VerifyCase]:
    """Signatures made here, then tampered, and forgeries under small-order keys."""
    rng = random.Random(7)
    cases: list[VerifyCase] = []
    for i in range(8):
        key = PrivateKey(rng.randbytes(32))
        msg = rng.randrange(R) if i else 0
        sig = key.sign(msg)
        pk = key.public_key
        other = PrivateKey(rng.randbytes(32)).public_key
        cases += [
            VerifyCase(f"valid-{i}", msg, sig, pk, True),
            VerifyCase(f"message-{i}", (msg + 1) % R, sig, pk, False),
            VerifyCase(
                f"s-{i}", msg, Signature(sig.r8x, sig.r8y, (sig.s + 1) % SUB_ORDER), pk, False
            ),
            VerifyCase(f"r8-{i}", msg, Signature(pk.x, pk.y, sig.s), pk, False),
            VerifyCase(f"key-{i}", msg, sig, other, False),
            # S + l satisfies the curve equation (Base8 has order l) but must be refused.
            VerifyCase(
                f"s-plus-order-{i}", msg, Signature(sig.r8x, sig.r8y, sig.s + SUB_ORDER), pk, False
            ),
        ]
    # circomlibjs reduces coordinates mod p; zkbraid (and the circuit's inputs, which are field
    # elements) refuse them.
    key = PrivateKey(bytes([0x42]) * 32)
    sig, pk = key.sign(5), key.public_key
    reduced = "circomlibjs reduces coordinates modulo p"
    cases += [
        VerifyCase("r8x-plus-p", 5, Signature(sig.r8x + P, sig.r8y, sig.s), pk, False, reduced),
        VerifyCase("ax-plus-p", 5, sig, PublicKey(pk.x + P, pk.y), False, reduced),
    ]
    # With a small-order key A, 8·hm·A is the identity, so R8 = S·Base8 "signs" any message.
    # circomlibjs's verifyPoseidon accepts that; zkbraid and the circuit refuse small-order keys.
    s = 12345
    r8 = _mul(BASE8, s)
    for i, q in enumerate(small_order_points()):
        cases.append(
            VerifyCase(
                f"small-order-key-{i}",
                99,
                Signature(r8.x, r8.y, s),
                PublicKey(q.x, q.y),
                False,
                "circomlibjs does not refuse small-order keys",
            )
        )
    return cases


CIRCOMLIBJS_KEYS = [bytes([i]) * 32 for i in range(1, 5)] + [bytes(range(32))]
CIRCOMLIBJS_MESSAGES = [0, 1, 2**64, R - 1, 123456789]


def pack_points() -> list[Point]:
    keys = [PrivateKey(bytes([i]) * 32).public_key for i in range(1, 17)]
    return [Point(k.x, k.y) for k in keys] + [q for _, q in named_points()[:-2]]


def unpack_inputs() -> list[bytes]:
    """Packed points, and bytes at the edges: y = 0, y = 1 (x = 0), y >= p, no such point."""
    packed = [q.pack() for q in pack_points()]
    edges = [0, 1, P - 1, P, P + 1, 2**255 - 1]
    for y in edges:
        packed.append(y.to_bytes(32, "little"))
        if y < 2**255:
            packed.append((y | (1 << 255)).to_bytes(32, "little"))
    rng = random.Random(13)
    packed += [rng.randbytes(32) for _ in range(12)]
    return packed


def add_inputs() -> list[tuple[Point, Point]]:
    points = [q for _, q in named_points()[:-2]]
    rng = random.Random(17)
    pairs = [(a, b) for a in points[:5] for b in points[:5]]
    pairs += [(a, Point(0, 1)) for a in points]
    pairs += [(a, Point((P - a.x) % P, a.y)) for a in points]  # a + (-a)
    pairs += [(rng.choice(points), rng.choice(points)) for _ in range(10)]
    return pairs


def mul_inputs() -> list[tuple[Point, int]]:
    points = [q for _, q in named_points()[:-2]]
    scalars = [0, 1, 2, 3, 8, SUB_ORDER - 1, SUB_ORDER, SUB_ORDER + 1, 8 * SUB_ORDER, R - 1]
    rng = random.Random(19)
    cases = [(BASE8, k) for k in scalars]
    cases += [(q, k) for q in points for k in (8, SUB_ORDER)]
    cases += [(rng.choice(points), rng.randrange(2**253)) for _ in range(10)]
    cases += [(BASE8, rng.randrange(2**256)) for _ in range(3)]
    return cases


def _pair(point: Point) -> list[str]:
    return [str(point.x), str(point.y)]


def build_request() -> dict[str, Any]:
    """What circomlibjs_vectors.cjs is asked (every number a decimal string)."""
    return {
        "poseidon": [[str(x) for x in xs] for xs in poseidon_inputs()],
        "sign": [
            {"prv": key.hex(), "msg": str(msg)}
            for key in CIRCOMLIBJS_KEYS
            for msg in CIRCOMLIBJS_MESSAGES
        ],
        "verify": [c.request() for c in python_signed_cases()],
        "pack": [_pair(q) for q in pack_points()],
        "unpack": [b.hex() for b in unpack_inputs()],
        "add": [[_pair(a), _pair(b)] for a, b in add_inputs()],
        "mul": [[_pair(q), str(k)] for q, k in mul_inputs()],
        "points": [_pair(q) for _, q in named_points()],
    }


def run_circomlibjs(request: dict[str, Any]) -> dict[str, Any]:
    """circomlibjs's answer to `request`. Raises `NodeMissing` without node or the package."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "circomlibjs").is_dir():
        raise NodeMissing("node and node_modules/circomlibjs are needed (scripts/install.sh)")
    proc = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(request).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    answer: dict[str, Any] = json.loads(proc.stdout)
    return answer


def make_vectors() -> dict[str, Any]:
    """The frozen file's content: every request next to circomlibjs's answer (runs node)."""
    request = build_request()
    answer = run_circomlibjs(request)
    cases = python_signed_cases()
    names = [name for name, _ in named_points()]
    return {
        "about": (
            "circomlibjs reference vectors for zkbraid.crypto; generated by "
            "`python -m tests.vectors.circomlibjs --write`, do not edit"
        ),
        "circomlibjs": answer["version"],
        "poseidon": [
            {"inputs": xs, "hash": h}
            for xs, h in zip(request["poseidon"], answer["poseidon"], strict=True)
        ],
        "sign": [{**req, **a} for req, a in zip(request["sign"], answer["sign"], strict=True)],
        "verify": [
            {"name": c.name, **req, "circomlibjs": verdict}
            for c, req, verdict in zip(cases, request["verify"], answer["verify"], strict=True)
        ],
        "pack": [
            {"point": q, "packed": h} for q, h in zip(request["pack"], answer["pack"], strict=True)
        ],
        "unpack": [
            {"packed": b, "point": q}
            for b, q in zip(request["unpack"], answer["unpack"], strict=True)
        ],
        "add": [
            {"a": a, "b": b, "sum": q}
            for (a, b), q in zip(request["add"], answer["add"], strict=True)
        ],
        "mul": [
            {"point": q, "scalar": k, "product": out}
            for (q, k), out in zip(request["mul"], answer["mul"], strict=True)
        ],
        "points": [
            {"name": n, "point": q, "in_curve": a["inCurve"], "in_subgroup": a["inSubgroup"]}
            for n, q, a in zip(names, request["points"], answer["points"], strict=True)
        ],
    }


def dumps(vectors: dict[str, Any]) -> str:
    """The file's exact text: one record a line, so a diff shows which vector changed."""
    lines = ["{"]
    keys = list(vectors)
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        value = vectors[key]
        if isinstance(value, list):
            lines.append(f"  {json.dumps(key)}: [")
            for j, record in enumerate(value):
                sep = "," if j < len(value) - 1 else ""
                lines.append(f"    {json.dumps(record, separators=(', ', ': '))}{sep}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def load_frozen() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FROZEN.read_text())
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vectors.circomlibjs")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help=f"regenerate {FROZEN.name}")
    group.add_argument("--check", action="store_true", help="compare circomlibjs with the file")
    args = parser.parse_args(argv)
    text = dumps(make_vectors())
    if args.write:
        FROZEN.write_text(text)
        print(f"wrote {FROZEN}")
        return 0
    if FROZEN.read_text() != text:
        print(f"{FROZEN} is not what circomlibjs answers today", file=sys.stderr)
        return 1
    print(f"{FROZEN} matches circomlibjs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
