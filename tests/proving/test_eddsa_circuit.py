"""The circuit's key and signature rules (circuits/lib/eddsa.circom, `KeyAndSignature`) agree
with zkbraid.crypto's on circomlibjs's frozen vectors: every signature circomlibjs made, every
Python-made and tampered one, and every kind of point as a key, the eight small-order points
(which circomlibjs's own verifier lets through) included."""

import json
from pathlib import Path

import pytest

from tests.vectors.circomlibjs import load_frozen, python_signed_cases
from zkbraid.crypto.babyjub import Point
from zkbraid.crypto.eddsa import PublicKey, Signature, is_valid_public_key, verify
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.proving.build import run_circom
from zkbraid.proving.errors import CircuitRejected
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.tools import quiet

MAIN = """pragma circom 2.1.0;
include "lib/eddsa.circom";
component main = KeyAndSignature();
"""


@pytest.fixture(scope="module")
def wasm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("eddsa")
    main = directory / "key_and_signature.circom"
    main.write_text(MAIN)
    run_circom(main, directory, progress=quiet)
    return directory / "key_and_signature_js" / "key_and_signature.wasm"


class Circuit:
    def __init__(self, runner: NodeRunner, wasm: Path, tmp: Path) -> None:
        self.runner, self.wasm, self.tmp = runner, wasm, tmp

    def accepts(self, message: int, sig: Signature | None, pk: PublicKey) -> bool:
        """True if the witness generator accepts (no signature: `enabled` = 0, R8 and S 0)."""
        values = {"enabled": 0, "Ax": pk.x, "Ay": pk.y, "S": 0, "R8x": 0, "R8y": 0, "M": 0}
        if sig is not None:
            values |= {"enabled": 1, "S": sig.s, "R8x": sig.r8x, "R8y": sig.r8y, "M": message}
        inputs = self.tmp / "input.json"
        inputs.write_text(json.dumps({k: str(v) for k, v in values.items()}))
        try:
            self.runner.call("witness", self.wasm, inputs, self.tmp / "w.wtns")
        except CircuitRejected:
            return False
        return True


@pytest.fixture
def circuit(runner: NodeRunner, wasm: Path, tmp_path: Path) -> Circuit:
    return Circuit(runner, wasm, tmp_path)


def _is_field(*values: int) -> bool:
    return all(0 <= v < FIELD_MODULUS for v in values)


def test_circomlibjs_signatures_pass_the_circuit(circuit: Circuit) -> None:
    signed = load_frozen()["sign"]
    assert len(signed) == 25
    for r in signed:
        sig = Signature(int(r["r8x"]), int(r["r8y"]), int(r["s"]))
        pk = PublicKey(int(r["ax"]), int(r["ay"]))
        assert circuit.accepts(int(r["msg"]), sig, pk), r
        assert not circuit.accepts((int(r["msg"]) + 1) % FIELD_MODULUS, sig, pk), r


def test_circuit_verdicts_are_pythons(circuit: Circuit) -> None:
    checked = 0
    for case in python_signed_cases():
        sig, pk = case.signature, case.public_key
        if not _is_field(sig.r8x, sig.r8y, sig.s, pk.x, pk.y):
            continue  # not field elements: no circuit input holds them (the STF refuses them)
        verdict = circuit.accepts(case.message, sig, pk)
        assert verdict is case.valid is verify(case.message, sig, pk), case.name
        checked += 1
    assert checked >= 50


def test_invalid_small_order_keys_and_forgeries(circuit: Circuit) -> None:
    cases = [c for c in python_signed_cases() if c.name.startswith("small-order-key")]
    assert len(cases) == 8
    for case in cases:
        # circomlibjs accepts this forgery (vectors), the circuit refuses it, and it refuses
        # the key alone (a RegisterKey of it) as well.
        assert not circuit.accepts(case.message, case.signature, case.public_key), case.name
        assert not circuit.accepts(0, None, case.public_key), case.name


def test_keys_of_every_kind(circuit: Circuit) -> None:
    kinds = set()
    for r in load_frozen()["points"]:
        point = Point(int(r["point"][0]), int(r["point"][1]))
        pk = PublicKey(point.x, point.y)
        # On the curve and not of small order: subgroup and full-order points are both keys.
        assert circuit.accepts(0, None, pk) is is_valid_public_key(pk), r["name"]
        kinds.add(is_valid_public_key(pk))
    assert kinds == {True, False}
