"""The development keys are reproducible: two builds in two directories give the same bytes.

The full circuit takes minutes, so the procedure runs here on a two-constraint circuit and a
2^8 powers of tau, made by the local fallback: every step the dev keys go through (`powersoftau
new`, beacon, `prepare phase2`, `groth16 setup`, `zkey beacon`, the verification key export)
runs twice and must write byte-identical files.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest
import zkbraid_native

from zkbraid.proving import artifacts
from zkbraid.proving.artifacts import DEV_KEYS, CircuitKeys, circuit_digest
from zkbraid.proving.build import make_dev_ptau, make_dev_zkey, run_circom, sha256_file
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.tools import quiet
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.verifying_key import VerifyingKeyMismatch, verifying_key_hash
from zkbraid.zk.params import DEFAULT_PARAMS

VK_VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "product_verification_key.json"
PRODUCT_ZKEY_SHA256 = "c0299ed2a965c301dd7a8ad9517c502bce8350f61232d4f710ea7889b6462ca7"
PRODUCT_VK_HASH = "801c3a5bfd5682f23fb7b6bd4516ed8f9061c5d24f97d4ce49e96bd5895be989"

SMALL_CIRCUIT = """pragma circom 2.1.0;
template Product() { signal input a; signal input b; signal output c; c <== a * b; }
component main {public [a]} = Product();
"""


def build_once(directory: Path) -> dict[str, bytes]:
    """The whole dev-key procedure for the small circuit, in `directory`; every file it made."""
    directory.mkdir()
    main = directory / "product.circom"
    main.write_text(SMALL_CIRCUIT)
    run_circom(main, directory, progress=quiet)
    ptau = directory / "pot8.ptau"
    make_dev_ptau(ptau, power=8, progress=quiet)
    make_dev_zkey(
        directory / "product.r1cs",
        ptau,
        directory / "product.zkey",
        directory / "verification_key.json",
        progress=quiet,
    )
    names = ["product.r1cs", "pot8.ptau", "product.zkey", "verification_key.json"]
    return {name: (directory / name).read_bytes() for name in names}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], Path]:
    root = tmp_path_factory.mktemp("builds")
    first = build_once(root / "one")
    second = build_once(root / "two")
    for name, data in first.items():
        assert data == second[name], f"{name} differs between two builds"
    return first, root / "one"


def test_dev_keys_are_byte_identical_across_builds(
    two_builds: tuple[dict[str, bytes], Path],
) -> None:
    files, _ = two_builds
    # And the same bytes as on the machine that froze these values: other machines, CI, a
    # browser prover all get these keys (a snarkjs or circom upgrade changes the digest anyway).
    assert hashlib.sha256(files["product.zkey"]).hexdigest() == PRODUCT_ZKEY_SHA256
    assert verifying_key_hash(files["verification_key.json"].decode()).hex() == PRODUCT_VK_HASH
    assert files["verification_key.json"] == VK_VECTOR.read_bytes()
    # The beacon is the key's only contribution, recorded by name (no host, no time).
    assert b"zkbraid dev keys beacon (INSECURE)" in files["product.zkey"]
    vkey = json.loads(files["verification_key.json"])
    assert vkey["protocol"] == "groth16" and vkey["nPublic"] == 2


def test_reproducible_keys_prove_and_verify(
    two_builds: tuple[dict[str, bytes], Path], runner: NodeRunner, tmp_path: Path
) -> None:
    _, directory = two_builds
    proving_key = zkbraid_native.ProvingKey.load(directory / "product.zkey", tmp_path / "cache")
    inputs = tmp_path / "input.json"
    inputs.write_text(json.dumps({"a": "6", "b": "7"}))
    wtns = tmp_path / "w.wtns"
    runner.call("witness", directory / "product_js" / "product.wasm", inputs, wtns)
    proof, public = proving_key.prove(wtns.read_bytes(), os.urandom(64))
    assert [int.from_bytes(x, "big") for x in public] == [42, 6]
    vkey = (directory / "verification_key.json").read_text()
    verifier = ProofVerifier(vkey, n_public=2)
    assert verifier.verify(proof, [42, 6])
    assert not verifier.verify(proof, [42, 7])


def test_circuit_keys_verifying_key_hash(two_builds: tuple[dict[str, bytes], Path]) -> None:
    files, directory = two_builds
    keys_dir = directory / "keys" / DEV_KEYS
    keys_dir.mkdir(parents=True)
    (keys_dir / "verification_key.json").write_bytes(files["verification_key.json"])
    keys = CircuitKeys(DEFAULT_PARAMS, directory, DEV_KEYS)
    expected = verifying_key_hash(files["verification_key.json"].decode())
    assert keys.verifying_key_hash == expected and len(expected) == 32
    keys.check_verifying_key_hash(expected)
    with pytest.raises(VerifyingKeyMismatch, match=r"proving\.build --force"):
        keys.check_verifying_key_hash(bytes(32))


def test_cache_key_names_the_procedure(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys of another procedure (v1: fresh local entropy) or another beacon are never found in
    # the cache: the procedure enters the circuit's digest.
    digest = circuit_digest()
    monkeypatch.setattr(artifacts, "DEV_KEYS_BEACON_TEXT", "another beacon")
    assert circuit_digest() != digest
    monkeypatch.undo()
    monkeypatch.setattr(artifacts, "DEV_KEYS_PROCEDURE", 1)
    assert circuit_digest() != digest


def test_built_dev_keys_record_their_hash(dev_keys: CircuitKeys) -> None:
    # The chain's keys: their hash is what genesis pins, and every reader computes the same.
    manifest = dev_keys.keys_manifest
    assert manifest["insecure"] is True and manifest["procedure"] == artifacts.DEV_KEYS_PROCEDURE
    assert manifest["beacon"]["text"] == artifacts.DEV_KEYS_BEACON_TEXT
    assert manifest["verifying_key_hash"] == "0x" + dev_keys.verifying_key_hash.hex()
    assert ProofVerifier.from_keys(dev_keys).key_hash == dev_keys.verifying_key_hash
    assert manifest["zkey_sha256"] == sha256_file(dev_keys.zkey)
    assert "public beacon" in (dev_keys.keys_dir / "README.txt").read_text()
