"""Where the circuits' compiled artifacts and keys live, and how they are found again.

The repository has two circuits (`CIRCUITS`), each a top-level source `circuits/<name>.circom`
whose main component is generated from the chain parameters:

    ZK_TX       circuits/zk_tx.circom       one ZK-chain transaction (circuits/README.md)
    OWNERSHIP   circuits/ownership.circom   an NFT ownership proof (docs/hybrid.md)

Each builds the same way (build.py) into its own cache directory:

    build/circuits/<digest>/                 one compiled circuit (digest: see `circuit_digest`)
        manifest.json                        circuit name, parameters, constraints, tool versions
        <name>_main.circom                   the generated main component
        <name>_main.r1cs, <name>_main.sym, <name>_main_js/<name>_main.wasm
        keys/dev/                            development keys: INSECURE (README.txt says why)
            <name>.zkey, verification_key.json, keys.json
        keys/<name>/                         keys of a phase-2 ceremony (ceremony.py)

A circuit's digest is the sha256 of its sources (every circuit source but the other circuits'
top-level files, so a change to one circuit never rebuilds the other), its generated main
component (the chain parameters are its template arguments), the versions of circom, circomlib
and snarkjs and the development keys' procedure (its version and public beacons, below), so a
change of any of them builds anew and an unchanged tree finds its keys at once. The build root is
`build/` at the repository root, or `$ZKBRAID_BUILD_DIR`.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from zkbraid.proving.errors import ArtifactsMissing, ToolError
from zkbraid.proving.statement import UnsupportedParams, check_params
from zkbraid.proving.verifying_key import check_verifying_key_hash, verifying_key_hash
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams
from zkbraid.zk.smt import EMPTY_HASHES

REPO_ROOT = Path(__file__).resolve().parents[3]
CIRCUITS_DIR = REPO_ROOT / "circuits"
NODE_MODULES = REPO_ROOT / "node_modules"
JS_DIR = Path(__file__).resolve().parent / "js"
SNARKJS_RUNNER = JS_DIR / "snarkjs_runner.cjs"

# The transaction circuit's names (ZK_TX below; kept for the callers that predate `Circuit`).
CIRCUIT_NAME = "zk_tx"
# The generated main component's file; circom names its outputs after it.
MAIN_NAME = "zk_tx_main"
DEV_KEYS = "dev"
# The npm packages whose versions enter the digest (pinned in package.json).
TOOL_PACKAGES = ("circom2", "circomlib", "snarkjs")

# The shared development powers of tau (2^16 constraints, prepared for phase 2, INSECURE), at
# ../shared/dev-ptau/ from the repository root; its README gives this sha256.
PTAU_POWER = 16
DEV_PTAU_NAME = "pot16_dev_insecure.ptau"
DEV_PTAU_SHA256 = "cce57a5ab7b75395bcbdbf9490fd83b3fbd3b528f67d569486890d49f1017a54"
SHARED_DEV_PTAU = REPO_ROOT.parent / "shared" / "dev-ptau" / DEV_PTAU_NAME
# The fallback made under build/ptau/ when the shared file is absent (build.make_dev_ptau): a
# new name, since files made before procedure 2 hold local randomness.
LOCAL_DEV_PTAU_NAME = "pot16_dev_beacon_insecure.ptau"

# How the development keys are made (build.py). Version 1 contributed fresh local entropy, so
# every machine had other keys; version 2 contributes only a public beacon, so the same sources
# and the same powers of tau give byte-identical keys everywhere (and anyone can forge proofs
# for them, see build.INSECURE_NOTICE). All of it enters the digest: a change builds anew.
DEV_KEYS_PROCEDURE = 2
# `snarkjs zkey beacon <in> <out> sha256(DEV_KEYS_BEACON_TEXT) BEACON_ITERATIONS_EXP`.
DEV_KEYS_BEACON_TEXT = "zkbraid development keys: phase-2 beacon v2 (INSECURE, public)"
# `snarkjs powersoftau beacon`, for the local powers of tau only.
DEV_PTAU_BEACON_TEXT = "zkbraid development powers of tau: phase-1 beacon v2 (INSECURE, public)"
# 2^10 sha256 iterations: snarkjs's minimum. The beacon is public, not a secret to stretch.
BEACON_ITERATIONS_EXP = 10


def beacon_hash(text: str) -> str:
    """The beacon hash snarkjs takes (hex): sha256 of the beacon's documented text."""
    return hashlib.sha256(text.encode()).hexdigest()


def build_root() -> Path:
    """`$ZKBRAID_BUILD_DIR`, or `build/` at the repository root."""
    override = os.environ.get("ZKBRAID_BUILD_DIR")
    return Path(override).resolve() if override else REPO_ROOT / "build"


def main_source(params: ZkParams = DEFAULT_PARAMS) -> str:
    """The main component for `params`: the circuit's template with the chain's parameters.

    Raises `UnsupportedParams` for parameters the circuit's public data cannot carry.
    """
    check_params(params)
    args = (
        params.chain_id,
        params.account_depth,
        params.token_depth,
        params.nft_depth,
        params.collection_depth,
        params.amount_bits,
        params.nonce_bits,
        params.fee_bits,
        EMPTY_HASHES[params.token_depth],
    )
    return (
        "pragma circom 2.1.0;\n"
        "// Generated by zkbraid.proving.artifacts.main_source from the chain parameters:\n"
        f"// {params}\n"
        'include "zk_tx.circom";\n\n'
        "component main {public [oldRoot, newRoot, txData]} =\n"
        f"    ZkTx({', '.join(str(a) for a in args)});\n"
    )


# The ownership circuit's public inputs, in order (docs/hybrid.md "Ownership proofs").
OWNERSHIP_PUBLIC = ("root", "collection", "game", "round", "player", "nullifier")
# The widths its public data have on the fast chain (OwnershipGate.admit: uint16 collection,
# uint32 round): the circuit checks them, and the depths must fit what it assumes.
OWNERSHIP_MAX_DEPTH = 32


def ownership_main_source(params: ZkParams = DEFAULT_PARAMS) -> str:
    """The ownership circuit's main component for `params` (only the accounts' and NFTs' tree
    depths enter it). Raises `UnsupportedParams` for depths over 32."""
    for name in ("account_depth", "nft_depth"):
        depth = getattr(params, name)
        if depth > OWNERSHIP_MAX_DEPTH:
            raise UnsupportedParams(
                f"{name} {depth}: the ownership circuit takes at most {OWNERSHIP_MAX_DEPTH}"
            )
    return (
        "pragma circom 2.1.0;\n"
        "// Generated by zkbraid.proving.artifacts.ownership_main_source from the chain\n"
        f"// parameters: account_depth={params.account_depth}, nft_depth={params.nft_depth}\n"
        'include "ownership.circom";\n\n'
        f"component main {{public [{', '.join(OWNERSHIP_PUBLIC)}]}} =\n"
        f"    Ownership({params.account_depth}, {params.nft_depth});\n"
    )


@dataclass(frozen=True)
class Circuit:
    """One circuit of the repository: its top-level source `circuits/<name>.circom`, the main
    component generated for the chain parameters, and its number of public inputs."""

    name: str
    render_main: Callable[[ZkParams], str]
    n_public: int

    @property
    def main_name(self) -> str:
        """The generated main component's file stem; circom names its outputs after it."""
        return f"{self.name}_main"

    @property
    def source(self) -> Path:
        return CIRCUITS_DIR / f"{self.name}.circom"

    def main_source(self, params: ZkParams = DEFAULT_PARAMS) -> str:
        return self.render_main(params)


ZK_TX = Circuit(CIRCUIT_NAME, main_source, 5)
"""The transaction circuit: [old_root, new_root, tx_data[0..2]] (proving/statement.py)."""
OWNERSHIP = Circuit("ownership", ownership_main_source, len(OWNERSHIP_PUBLIC))
"""The ownership circuit: [root, collection, game, round, player, nullifier] (hybrid/)."""
CIRCUITS = (ZK_TX, OWNERSHIP)


def tool_versions() -> dict[str, str]:
    """The installed versions of the npm tools (raises `ToolError` if one is missing)."""
    versions = {}
    for package in TOOL_PACKAGES:
        manifest = NODE_MODULES / package / "package.json"
        try:
            versions[package] = str(json.loads(manifest.read_text())["version"])
        except (OSError, ValueError, KeyError):
            raise ToolError(
                f"npm package {package} is not installed (run scripts/install.sh)"
            ) from None
    return versions


def circuit_sources(circuit: Circuit = ZK_TX) -> list[Path]:
    """The circom sources `circuit` is built from, sorted: every source under circuits/ but the
    other circuits' top-level files."""
    if not CIRCUITS_DIR.is_dir():
        raise ArtifactsMissing(f"no circuit sources at {CIRCUITS_DIR}")
    others = {c.source for c in CIRCUITS if c.name != circuit.name}
    return sorted(p for p in CIRCUITS_DIR.rglob("*.circom") if p.is_file() and p not in others)


def circuit_digest(params: ZkParams = DEFAULT_PARAMS, circuit: Circuit = ZK_TX) -> str:
    """sha256 of the circuit's sources, its main component for `params`, the tool versions and
    the development keys' procedure."""
    h = hashlib.sha256(b"zkbraid-circuit-v2\0")
    for path in circuit_sources(circuit):
        rel = path.relative_to(CIRCUITS_DIR).as_posix().encode()
        data = path.read_bytes()
        h.update(struct.pack(">I", len(rel)) + rel + struct.pack(">Q", len(data)) + data)
    h.update(circuit.main_source(params).encode())
    h.update(json.dumps(tool_versions(), sort_keys=True).encode())
    procedure = {
        "dev_keys_procedure": DEV_KEYS_PROCEDURE,
        "dev_keys_beacon": DEV_KEYS_BEACON_TEXT,
        "dev_ptau_beacon": DEV_PTAU_BEACON_TEXT,
        "beacon_iterations_exp": BEACON_ITERATIONS_EXP,
    }
    h.update(json.dumps(procedure, sort_keys=True).encode())
    return h.hexdigest()


def circuit_dir(
    params: ZkParams = DEFAULT_PARAMS, simplification: str = "O2", circuit: Circuit = ZK_TX
) -> Path:
    """The cache directory of `circuit` for `params`.

    Keys are only ever made for `--O2` builds; `--O1` builds (three times faster to compile,
    the same solutions) serve the tests of parameter variants and get a suffixed directory.
    """
    digest = circuit_digest(params, circuit)
    return build_root() / "circuits" / (digest if simplification == "O2" else f"{digest}-o1")


@dataclass(frozen=True)
class R1csInfo:
    """The header of a circom .r1cs file."""

    n_constraints: int
    n_wires: int
    n_public_outputs: int
    n_public_inputs: int
    n_private_inputs: int

    @property
    def n_public(self) -> int:
        return self.n_public_outputs + self.n_public_inputs


def read_r1cs_info(path: Path) -> R1csInfo:
    """Reads the header section of an .r1cs file (iden3 binary format, version 1)."""
    with path.open("rb") as f:
        magic, version, n_sections = struct.unpack("<4sII", f.read(12))
        if magic != b"r1cs" or version != 1:
            raise ToolError(f"{path} is not an r1cs file (version 1)")
        for _ in range(n_sections):
            section_type, size = struct.unpack("<IQ", f.read(12))
            if section_type != 1:
                f.seek(size, os.SEEK_CUR)
                continue
            (field_size,) = struct.unpack("<I", f.read(4))
            f.seek(field_size, os.SEEK_CUR)
            n_wires, n_out, n_pub, n_prv = struct.unpack("<IIII", f.read(16))
            _labels, n_constraints = struct.unpack("<QI", f.read(12))
            return R1csInfo(n_constraints, n_wires, n_out, n_pub, n_prv)
    raise ToolError(f"{path} has no header section")


@dataclass(frozen=True)
class CircuitKeys:
    """A compiled circuit and one set of its keys: what provers and verifiers load."""

    params: ZkParams
    directory: Path
    keys_name: str
    circuit: Circuit = ZK_TX

    @property
    def r1cs(self) -> Path:
        return self.directory / f"{self.circuit.main_name}.r1cs"

    @property
    def wasm(self) -> Path:
        main = self.circuit.main_name
        return self.directory / f"{main}_js" / f"{main}.wasm"

    @property
    def keys_dir(self) -> Path:
        return self.directory / "keys" / self.keys_name

    @property
    def zkey(self) -> Path:
        return self.keys_dir / f"{self.circuit.name}.zkey"

    @property
    def vkey_path(self) -> Path:
        return self.keys_dir / "verification_key.json"

    @cached_property
    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.directory / "manifest.json").read_text())
        return data

    @cached_property
    def keys_manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.keys_dir / "keys.json").read_text())
        return data

    @property
    def insecure(self) -> bool:
        """True for development keys (one party knows enough to forge proofs)."""
        return bool(self.keys_manifest.get("insecure", True))

    @property
    def n_constraints(self) -> int:
        return int(self.manifest["constraints"])

    def verification_key_json(self) -> str:
        return self.vkey_path.read_text()

    @cached_property
    def verifying_key_hash(self) -> bytes:
        """The 32-byte hash of the verification key that genesis pins (verifying_key.py).

        Raises `MalformedVerifyingKey` if verification_key.json is not a Groth16 key.
        """
        return verifying_key_hash(self.verification_key_json())

    def check_verifying_key_hash(self, expected: bytes) -> None:
        """Raises `VerifyingKeyMismatch` unless these keys hash to `expected` (genesis's)."""
        check_verifying_key_hash(self.verifying_key_hash, expected, f"the keys in {self.keys_dir}")


def find_keys(
    params: ZkParams = DEFAULT_PARAMS, keys: str = DEV_KEYS, circuit: Circuit = ZK_TX
) -> CircuitKeys:
    """The built `circuit` for `params` and its key set `keys`, without building anything.

    Raises `ArtifactsMissing` when they are not built (`python -m zkbraid.proving.build`).
    """
    found = CircuitKeys(params, circuit_dir(params, circuit=circuit), keys, circuit)
    for path in (found.directory / "manifest.json", found.wasm, found.zkey, found.vkey_path,
                 found.keys_dir / "keys.json"):  # fmt: skip
        if not path.is_file():
            raise ArtifactsMissing(
                f"{path} is missing: build the {circuit.name} circuit's {keys} keys with "
                "`python -m zkbraid.proving.build`"
            )
    return found


__all__ = [
    "BEACON_ITERATIONS_EXP",
    "CIRCUITS",
    "CIRCUITS_DIR",
    "CIRCUIT_NAME",
    "DEV_KEYS",
    "DEV_KEYS_BEACON_TEXT",
    "DEV_KEYS_PROCEDURE",
    "DEV_PTAU_BEACON_TEXT",
    "DEV_PTAU_SHA256",
    "LOCAL_DEV_PTAU_NAME",
    "MAIN_NAME",
    "OWNERSHIP",
    "OWNERSHIP_PUBLIC",
    "REPO_ROOT",
    "SHARED_DEV_PTAU",
    "ZK_TX",
    "Circuit",
    "CircuitKeys",
    "R1csInfo",
    "beacon_hash",
    "build_root",
    "circuit_digest",
    "circuit_dir",
    "find_keys",
    "main_source",
    "ownership_main_source",
    "read_r1cs_info",
    "tool_versions",
]
