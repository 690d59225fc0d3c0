"""circomlibjs's reference vectors for the crypto tests, read from the frozen file
tests/vectors/circomlibjs.json (no node needed; tests/vectors/circomlibjs.py makes it, and
test_vectors.py checks it against circomlibjs itself when npm is installed)."""

from dataclasses import dataclass

import pytest

from tests.vectors.circomlibjs import VerifyCase, load_frozen, python_signed_cases
from zkbraid.crypto.babyjub import Point
from zkbraid.crypto.eddsa import PublicKey, Signature


@dataclass(frozen=True)
class Circomlibjs:
    """circomlibjs's answers, as Python values."""

    version: str
    poseidon: list[tuple[list[int], int]]
    signed: list[tuple[int, Signature, PublicKey]]
    verified: list[tuple[VerifyCase, bool]]
    packed: list[tuple[PublicKey, bytes]]
    unpacked: list[tuple[bytes, Point | None]]
    added: list[tuple[Point, Point, Point]]
    multiplied: list[tuple[Point, int, Point]]
    # (name, point, inCurve, inSubgroup)
    points: list[tuple[str, Point, bool, bool]]


def _point(pair: list[str]) -> Point:
    return Point(int(pair[0]), int(pair[1]))


@pytest.fixture(scope="session")
def circomlibjs() -> Circomlibjs:
    data = load_frozen()
    cases = {c.name: c for c in python_signed_cases()}
    verified = []
    for record in data["verify"]:
        # The file's inputs are the Python cases' (test_vectors.py checks every field).
        case = cases[record["name"]]
        assert case.request() == {k: record[k] for k in case.request()}, case.name
        verified.append((case, bool(record["circomlibjs"])))
    return Circomlibjs(
        version=data["circomlibjs"],
        poseidon=[([int(x) for x in r["inputs"]], int(r["hash"])) for r in data["poseidon"]],
        signed=[
            (
                int(r["msg"]),
                Signature(int(r["r8x"]), int(r["r8y"]), int(r["s"])),
                PublicKey(int(r["ax"]), int(r["ay"])),
            )
            for r in data["sign"]
        ],
        verified=verified,
        packed=[
            (PublicKey(*map(int, r["point"])), bytes.fromhex(r["packed"])) for r in data["pack"]
        ],
        unpacked=[
            (bytes.fromhex(r["packed"]), None if r["point"] is None else _point(r["point"]))
            for r in data["unpack"]
        ],
        added=[(_point(r["a"]), _point(r["b"]), _point(r["sum"])) for r in data["add"]],
        multiplied=[
            (_point(r["point"]), int(r["scalar"]), _point(r["product"])) for r in data["mul"]
        ],
        points=[
            (r["name"], _point(r["point"]), bool(r["in_curve"]), bool(r["in_subgroup"]))
            for r in data["points"]
        ],
    )
