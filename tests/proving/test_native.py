"""zkbraid_native (native/prover/) on its own: the key cache, the thread setting, and bad input
of every kind answered with False or a named error, never a panic: points off the curve or out
of the subgroup, coordinates >= q, inputs >= r, broken .zkey and .wtns files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import zkbraid_native
from py_ecc.optimized_bn128 import FQ2, b2, curve_order, is_inf, multiply

from tests.unit.zk.vectors import VECTORS, run_vector
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.errors import ToolError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import BN254_Q
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import build_witness


@pytest.fixture(scope="module")
def transfer(dev_keys: CircuitKeys, runner: NodeRunner) -> tuple[bytes, list[int]]:
    """circom's .wtns of a transfer and its public inputs."""
    parts = run_vector(VECTORS["transfer"]())
    witness = build_witness(parts["pre"].restore(), parts["operation"])
    with tempfile.TemporaryDirectory() as tmp:
        backend = NativeBackend(dev_keys, runner)
        wtns = backend.compute_witness(witness, Path(tmp) / "w.wtns").read_bytes()
    return wtns, witness.public_inputs()


def _words(proof: bytes) -> list[int]:
    return [int.from_bytes(proof[i : i + 32], "big") for i in range(0, 256, 32)]


def _blob(words: list[int]) -> bytes:
    return b"".join(w.to_bytes(32, "big") for w in words)


def _sqrt_fq2(a: FQ2) -> FQ2 | None:
    """A square root in Fq2 (q = 3 mod 4, u² = −1), None if there is none."""
    q = BN254_Q
    a0, a1 = (int(c) for c in a.coeffs)
    norm = (a0 * a0 + a1 * a1) % q
    gamma = pow(norm, (q + 1) // 4, q)
    if gamma * gamma % q != norm:
        return None
    half = pow(2, q - 2, q)
    for delta in ((a0 + gamma) * half % q, (a0 - gamma) * half % q):
        x0 = pow(delta, (q + 1) // 4, q)
        if x0 * x0 % q == delta and x0 != 0:
            x1 = a1 * pow(2 * x0, q - 2, q) % q
            root = FQ2([x0, x1])
            if root * root == a:
                return root
    return None


def _twist_point_outside_the_subgroup() -> tuple[int, int, int, int]:
    """(x.c0, x.c1, y.c0, y.c1) of a point on the G2 curve but not in its prime-order group."""
    for i in range(1, 100):
        x = FQ2([i, 1])
        y = _sqrt_fq2(x**3 + b2)
        if y is None:
            continue
        point = (x, y, FQ2.one())
        if not is_inf(multiply(point, curve_order)):
            xs, ys = [int(c) for c in x.coeffs], [int(c) for c in y.coeffs]
            return xs[0], xs[1], ys[0], ys[1]
    raise AssertionError("no such point found")


def test_native_proof_at_one_and_two_threads(
    dev_keys: CircuitKeys, transfer: tuple[bytes, list[int]], verifier: ProofVerifier
) -> None:
    wtns, public = transfer
    for threads in (1, 2, None):
        backend = NativeBackend(dev_keys, threads=threads)
        try:
            proof, proven_public = backend.prove_wtns(wtns)
        finally:
            backend.close()
        assert proven_public == public
        assert verifier.verify(proof, public)
    assert zkbraid_native.default_thread_count() == os.cpu_count()


def test_key_checked_once_then_cached(dev_keys: CircuitKeys, tmp_path: Path) -> None:
    first = zkbraid_native.ProvingKey.load(dev_keys.zkey, tmp_path)
    second = zkbraid_native.ProvingKey.load(dev_keys.zkey, tmp_path)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert [p.name for p in tmp_path.iterdir()] == [f"{first.zkey_sha256}.arkpk"]
    assert first.verifying_key() == second.verifying_key()
    assert (second.n_public, second.domain_size) == (dev_keys.circuit.n_public, 2**16)
    # A damaged cache file is ignored and rewritten from the checked .zkey.
    cached = tmp_path / f"{first.zkey_sha256}.arkpk"
    cached.write_bytes(cached.read_bytes()[:1000])
    third = zkbraid_native.ProvingKey.load(dev_keys.zkey, tmp_path)
    assert not third.from_cache and third.verifying_key() == first.verifying_key()


def test_invalid_points_and_values_are_false(
    dev_keys: CircuitKeys, transfer: tuple[bytes, list[int]], verifier: ProofVerifier
) -> None:
    wtns, public = transfer
    backend = NativeBackend(dev_keys)
    proof, _ = backend.prove_wtns(wtns)
    backend.close()
    words = _words(proof.to_bytes())
    assert verifier.verify(_blob(words), public)
    off_curve = [words[0], (words[1] + 1) % BN254_Q, *words[2:]]
    assert not verifier.verify(_blob(off_curve), public)
    above_q = [words[0] + BN254_Q, *words[1:]]  # same value mod q, not a coordinate
    assert not verifier.verify(_blob(above_q), public)
    x0, x1, y0, y1 = _twist_point_outside_the_subgroup()
    outside = [words[0], words[1], x1, x0, y1, y0, words[6], words[7]]
    assert not verifier.verify(_blob(outside), public)
    infinity = [0, 0, *words[2:]]
    assert not verifier.verify(_blob(infinity), public)
    key = verifier._verifier
    raw = [x.to_bytes(32, "big") for x in public]
    assert key.verify(proof.to_bytes(), raw)
    assert not key.verify(
        proof.to_bytes(), [(public[0] + FIELD_MODULUS).to_bytes(32, "big"), *raw[1:]]
    )
    assert not key.verify(proof.to_bytes(), raw[:-1])
    assert not key.verify(proof.to_bytes(), [b"\x01", *raw[1:]])
    assert not key.verify(b"\x00" * 10, raw)
    for bad in (above_q, off_curve, outside, infinity):  # the Rust checks alone, without Proof's
        assert not key.verify(_blob(bad), raw)


def test_invalid_verifying_key_refused() -> None:
    x0, x1, y0, y1 = _twist_point_outside_the_subgroup()
    g1 = _blob([1, 2])
    g2_generator = _blob([
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
    ])  # fmt: skip
    good = g1 + g2_generator * 3 + g1 * 2
    assert zkbraid_native.VerifyingKey(good).n_public == 1
    with pytest.raises(zkbraid_native.NativeProverError):
        zkbraid_native.VerifyingKey(g1 + _blob([x1, x0, y1, y0]) + g2_generator * 2 + g1 * 2)
    with pytest.raises(zkbraid_native.NativeProverError):
        zkbraid_native.VerifyingKey(_blob([1, 3]) + g2_generator * 3 + g1 * 2)
    with pytest.raises(zkbraid_native.NativeProverError):
        zkbraid_native.VerifyingKey(good[:-1])


def test_invalid_files_raise_named_errors(
    dev_keys: CircuitKeys, transfer: tuple[bytes, list[int]], tmp_path: Path
) -> None:
    wtns, _ = transfer
    zkey = dev_keys.zkey.read_bytes()
    for name, data in (("truncated", zkey[: len(zkey) // 2]), ("magic", b"zkez" + zkey[4:])):
        path = tmp_path / f"{name}.zkey"
        path.write_bytes(data)
        with pytest.raises(zkbraid_native.NativeProverError):
            zkbraid_native.ProvingKey.load(path, tmp_path / "cache")
    with pytest.raises(zkbraid_native.NativeProverError):
        zkbraid_native.ProvingKey.load(tmp_path / "missing.zkey")
    backend = NativeBackend(dev_keys)
    try:
        for bad in (wtns[:-32], b"wtns" + b"\x00" * 20, wtns[:100], b""):
            with pytest.raises(ToolError):
                backend.prove_wtns(bad)
        above_r = bytearray(wtns)
        above_r[-32:] = b"\xff" * 32
        with pytest.raises(ToolError, match="not below r"):
            backend.prove_wtns(bytes(above_r))
        with pytest.raises(zkbraid_native.NativeProverError):
            backend.proving_key().prove(wtns, b"short")
        with pytest.raises(zkbraid_native.NativeProverError):
            backend.proving_key().prove(wtns, os.urandom(64), 0)
    finally:
        backend.close()
