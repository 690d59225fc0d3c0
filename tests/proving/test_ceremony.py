"""The multi-party phase-2 ceremony, run end to end on a two-constraint circuit (the steps are
the production ones; only the circuit is small): init, two contributions, verify, beacon, and
keys that the native prover uses and the snarkjs verification key accepts."""

import json
import os
from pathlib import Path

import pytest
import zkbraid_native

from zkbraid.proving import build
from zkbraid.proving.artifacts import SHARED_DEV_PTAU
from zkbraid.proving.build import dev_ptau, make_dev_ptau, run_circom
from zkbraid.proving.ceremony import Ceremony, CeremonyError, install_keys
from zkbraid.proving.errors import ToolError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.tools import quiet
from zkbraid.proving.verify import ProofVerifier

SMALL_CIRCUIT = """pragma circom 2.1.0;
template Product() { signal input a; signal input b; signal output c; c <== a * b; }
component main = Product();
"""


@pytest.fixture(scope="module")
def small_r1cs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("small")
    main = directory / "product.circom"
    main.write_text(SMALL_CIRCUIT)
    run_circom(main, directory, progress=quiet)
    return directory / "product.r1cs"


def test_ceremony_two_parties_and_a_beacon(
    small_r1cs: Path, tmp_path: Path, runner: NodeRunner
) -> None:
    ceremony = Ceremony(tmp_path / "ceremony")
    ceremony.init(small_r1cs, dev_ptau(progress=quiet), progress=quiet)
    alice = ceremony.contribute("alice", progress=quiet)
    bob = ceremony.contribute("bob", progress=quiet)
    assert len(alice) == len(bob) == 128 and alice != bob
    ceremony.verify(progress=quiet)
    final = ceremony.finalize("5eed" * 16, install=False, progress=quiet)
    ceremony.verify(final, progress=quiet)

    transcript = ceremony.transcript()
    assert [c["name"] for c in transcript["contributions"]] == ["alice", "bob"]
    assert transcript["beacon"] == {"hex": "5eed" * 16, "iterations_exp": 10}

    # The ceremony's key proves natively and verifies under the exported snarkjs key.
    proving_key = zkbraid_native.ProvingKey.load(final, tmp_path / "cache")
    inputs = tmp_path / "input.json"
    inputs.write_text(json.dumps({"a": "6", "b": "7"}))
    wtns = tmp_path / "w.wtns"
    wasm = small_r1cs.parent / "product_js" / "product.wasm"
    runner.call("witness", wasm, inputs, wtns)
    proof, _ = proving_key.prove(wtns.read_bytes(), os.urandom(64))
    vkey = (ceremony.directory / "verification_key.json").read_text()
    verifier = ProofVerifier(vkey, n_public=1)
    assert verifier.verify(proof, [42])
    assert not verifier.verify(proof, [43])


def test_invalid_ceremony_steps(small_r1cs: Path, tmp_path: Path) -> None:
    ceremony = Ceremony(tmp_path / "ceremony")
    with pytest.raises(CeremonyError):
        ceremony.contribute("early", progress=quiet)
    ceremony.init(small_r1cs, dev_ptau(progress=quiet), progress=quiet)
    with pytest.raises(CeremonyError):
        ceremony.init(small_r1cs, dev_ptau(progress=quiet), progress=quiet)
    with pytest.raises(CeremonyError):
        ceremony.finalize("00" * 32, install=False, progress=quiet)  # no contribution yet
    ceremony.contribute("carol", progress=quiet)
    with pytest.raises(CeremonyError):
        ceremony.finalize("not hex", install=False, progress=quiet)
    # A corrupted key does not verify against the circuit and the powers of tau.
    _, latest = ceremony.latest()
    data = bytearray(latest.read_bytes())
    data[-40] ^= 0x01
    corrupted = tmp_path / "corrupted.zkey"
    corrupted.write_bytes(bytes(data))
    with pytest.raises(CeremonyError):
        ceremony.verify(corrupted, progress=quiet)
    ceremony.finalize("11" * 32, install=False, progress=quiet)
    with pytest.raises(CeremonyError):
        ceremony.contribute("late", progress=quiet)
    # Keys of another circuit are never installed for the chain's circuit.
    with pytest.raises(CeremonyError, match="another circuit"):
        install_keys(ceremony, "production")


def test_local_dev_ptau_when_the_shared_one_is_absent(tmp_path: Path, small_r1cs: Path) -> None:
    # The fallback's steps, at 2^8 instead of 2^16 (20 minutes): a usable phase-2 file.
    ptau = tmp_path / "pot8.ptau"
    make_dev_ptau(ptau, power=8, progress=quiet)
    ceremony = Ceremony(tmp_path / "ceremony")
    ceremony.init(small_r1cs, ptau, progress=quiet)
    ceremony.contribute("dave", progress=quiet)
    ceremony.verify(progress=quiet)


def test_dev_ptau_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKBRAID_PTAU", str(tmp_path / "mine.ptau"))
    assert dev_ptau(progress=quiet) == tmp_path / "mine.ptau"
    monkeypatch.delenv("ZKBRAID_PTAU")
    if SHARED_DEV_PTAU.is_file():
        assert dev_ptau(progress=quiet) == SHARED_DEV_PTAU
    fake = tmp_path / "shared" / "dev-ptau" / "pot16_dev_insecure.ptau"
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"not the pinned file")
    monkeypatch.setattr(build, "SHARED_DEV_PTAU", fake)
    with pytest.raises(ToolError, match="not the pinned"):
        dev_ptau(progress=quiet)
