"""Builds the circuits and their development keys, cached by each circuit's digest (artifacts.py).

    python -m zkbraid.proving.build            compile (circom --O2) and make dev keys of both
                                               circuits (the transaction's, then the ownership's)
    python -m zkbraid.proving.build --circuit ownership   one circuit only (zk_tx | ownership)
    python -m zkbraid.proving.build --compile-only
    python -m zkbraid.proving.build --info     where the artifacts are, and what they hold

Steps, for each circuit, each skipped when its result is already in the cache:

1. compile `circuits/<name>.circom` for the chain parameters with circom 2 (`--O2`): the .r1cs,
   the witness generator (.wasm) and the symbols (about 40 s here for zk_tx, 10 s for
   ownership);
2. the Groth16 setup from the powers of tau (`snarkjs groth16 setup`, several minutes);
3. one phase-2 contribution: the public beacon `sha256(DEV_KEYS_BEACON_TEXT)` with 2^10
   iterations (`snarkjs zkey beacon`);
4. the verification key (`snarkjs zkey export verificationkey`).

**Reproducible.** Every step is a deterministic function of its inputs (`groth16 setup` and
`zkey beacon` draw no randomness and write no time or host name), so the same circuit sources,
tools and powers of tau give byte-identical keys, and the same `verifying_key_hash`, on every
machine: validators agree on the keys by construction, and genesis pins their hash
(verifying_key.py). `tests/proving/test_build.py` builds twice and compares the bytes. A
`zkey contribute` could not do this even with fixed entropy: snarkjs mixes 64 bytes of its own
CSPRNG into it (`misc.getRandomRng`). The same holds for the local powers of tau made when the
shared one is absent (`make_dev_ptau`: a beacon, no `powersoftau contribute`), though that file
differs from the shared one, and so do the keys made from it.

DEVELOPMENT KEYS ARE INSECURE, and by design: the only phase-2 contribution is a public beacon,
so anyone can recompute δ and forge a proof of any statement these keys accept (with γ the
generator, A = α, B = β, C = −δ⁻¹·Σ xᵢ·ICᵢ passes the pairing check). They are for devnets and
tests, where a proof only saves a validator work it can check itself. Production keys come from
a public multi-party phase-1 file and our own multi-party phase 2 (ceremony.py).

A build writes into a temporary directory and renames it into place, under a lock, so an
interrupted build leaves nothing half-made and two processes never build the same thing twice.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from zkbraid.proving.artifacts import (
    BEACON_ITERATIONS_EXP,
    CIRCUITS,
    CIRCUITS_DIR,
    DEV_KEYS,
    DEV_KEYS_BEACON_TEXT,
    DEV_KEYS_PROCEDURE,
    DEV_PTAU_BEACON_TEXT,
    DEV_PTAU_SHA256,
    LOCAL_DEV_PTAU_NAME,
    NODE_MODULES,
    PTAU_POWER,
    SHARED_DEV_PTAU,
    ZK_TX,
    Circuit,
    CircuitKeys,
    beacon_hash,
    build_root,
    circuit_digest,
    circuit_dir,
    find_keys,
    read_r1cs_info,
    tool_versions,
)
from zkbraid.proving.errors import ArtifactsMissing, ToolError
from zkbraid.proving.tools import (
    Progress,
    circom_cli,
    node_binary,
    run_tool,
    snarkjs,
    stderr_progress,
)
from zkbraid.proving.verifying_key import verifying_key_hash
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams

INSECURE_NOTICE = """\
DEVELOPMENT KEYS: INSECURE. DO NOT USE THEM TO SECURE ANY VALUE.

They were made from the development powers of tau ({ptau}, one party) and one phase-2
contribution: the public beacon sha256("{beacon}"), 2^{iterations} iterations. Anyone can
recompute that contribution's secret and forge proofs that these keys accept. That is the price
of keys every machine rebuilds byte for byte (verifying key hash 0x{vk_hash}). Production keys
come from a public multi-party powers of tau and a multi-party phase-2 ceremony:
`python -m zkbraid.proving.ceremony --help`.
"""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fresh_dir(final: Path) -> Path:
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def _from_root(path: Path) -> str:
    # circom2 runs under WASI with the ancestors of its working directory preopened: run it
    # from / and hand it every path relative to /.
    return str(path.resolve().relative_to("/"))


def run_circom(
    main: Path,
    out_dir: Path,
    *,
    simplification: Literal["O2", "O1"] = "O2",
    progress: Progress = stderr_progress,
) -> None:
    """circom 2 on `main` into `out_dir`: .r1cs, .sym and the wasm witness generator, with the
    repository's circuits/ and circomlib on the include path. Raises `ToolError`."""
    run_tool(
        [
            node_binary(),
            circom_cli(),
            _from_root(main),
            f"--{simplification}",
            "--r1cs",
            "--wasm",
            "--sym",
            "-l",
            _from_root(CIRCUITS_DIR),
            "-l",
            _from_root(NODE_MODULES / "circomlib" / "circuits"),
            "-o",
            _from_root(out_dir),
        ],
        what="circom",
        progress=progress,
        cwd=Path("/"),
    )


def compile_circuit(
    params: ZkParams = DEFAULT_PARAMS,
    *,
    progress: Progress = stderr_progress,
    simplification: Literal["O2", "O1"] = "O2",
    circuit: Circuit = ZK_TX,
) -> Path:
    """Compiles `circuit` for `params` into its cache directory (or finds it there).

    `simplification` "O1" is for tests of parameter variants only (artifacts.circuit_dir).
    Raises `ToolError` if circom fails or the circuit outgrows the powers of tau.
    """
    final = circuit_dir(params, simplification, circuit)
    manifest_path = final / "manifest.json"
    if manifest_path.is_file():
        return final
    with _locked(final.parent / f"{final.name}.lock"):
        if manifest_path.is_file():
            return final
        tmp = _fresh_dir(final)
        main = tmp / f"{circuit.main_name}.circom"
        main.write_text(circuit.main_source(params))
        progress(
            f"compiling circuits/{circuit.name}.circom with circom 2 --{simplification} "
            "(up to a minute)"
        )
        started = time.monotonic()
        run_circom(main, tmp, simplification=simplification, progress=progress)
        info = read_r1cs_info(tmp / f"{circuit.main_name}.r1cs")
        # --O1 keeps the linear constraints (about twice as many): such builds get no keys.
        if simplification == "O2" and info.n_constraints + info.n_public + 1 > 1 << PTAU_POWER:
            raise ToolError(
                f"the {circuit.name} circuit has {info.n_constraints} constraints: more than "
                f"the 2^{PTAU_POWER} powers of tau can set up"
            )
        manifest = {
            "circuit": circuit.name,
            "digest": circuit_digest(params, circuit),
            "params": _params_json(params),
            "constraints": info.n_constraints,
            "wires": info.n_wires,
            "public_inputs": info.n_public,
            "private_inputs": info.n_private_inputs,
            "tools": tool_versions(),
            "simplification": simplification,
            "compile_seconds": round(time.monotonic() - started, 1),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        tmp.rename(final)
        progress(
            f"compiled: {info.n_constraints:,} constraints, {info.n_public} public inputs "
            f"({manifest['compile_seconds']} s) -> {final}"
        )
    return final


def _params_json(params: ZkParams) -> dict[str, int]:
    return {
        "chain_id": params.chain_id,
        "account_depth": params.account_depth,
        "token_depth": params.token_depth,
        "nft_depth": params.nft_depth,
        "collection_depth": params.collection_depth,
        "amount_bits": params.amount_bits,
        "nonce_bits": params.nonce_bits,
        "fee_bits": params.fee_bits,
    }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dev_ptau(*, progress: Progress = stderr_progress) -> Path:
    """The development powers of tau (2^16, prepared for phase 2, INSECURE).

    `$ZKBRAID_PTAU` if set; else the shared file at ../shared/dev-ptau/ (its sha256 checked);
    else one made locally once under build/ptau/ (about 20 minutes on 2 cores; reproducible,
    but another file than the shared one, so its keys differ from the shared file's).
    Raises `ToolError` if the shared file is not the pinned one.
    """
    override = os.environ.get("ZKBRAID_PTAU")
    if override:
        return Path(override).resolve()
    if SHARED_DEV_PTAU.is_file():
        digest = sha256_file(SHARED_DEV_PTAU)
        if digest != DEV_PTAU_SHA256:
            raise ToolError(
                f"{SHARED_DEV_PTAU} has sha256 {digest}, not the pinned {DEV_PTAU_SHA256}"
            )
        return SHARED_DEV_PTAU
    local = build_root() / "ptau" / LOCAL_DEV_PTAU_NAME
    if local.is_file():
        return local
    with _locked(local.parent / "ptau.lock"):
        if not local.is_file():
            progress(f"no shared dev powers of tau at {SHARED_DEV_PTAU}")
            make_dev_ptau(local, progress=progress)
    return local


def make_dev_ptau(
    out: Path, *, power: int = PTAU_POWER, progress: Progress = stderr_progress
) -> None:
    """Makes an INSECURE, reproducible powers of tau (2^`power`): new, the public beacon
    sha256(DEV_PTAU_BEACON_TEXT), prepared for phase 2. At 2^16 about 20 minutes on 2 cores,
    mostly `prepare phase2`. Raises `ToolError`.

    No `powersoftau contribute`: snarkjs mixes its own CSPRNG into any entropy given to it, so
    the file would differ on every run; a beacon is the one deterministic contribution.
    """
    tmp = _fresh_dir(out.parent / (out.name + ".d"))
    progress(f"making an INSECURE 2^{power} powers of tau at {out} (2^16: about 20 minutes)")
    steps: list[tuple[str, list[str | Path], Path]] = [
        ("powersoftau new", ["powersoftau", "new", "bn128", str(power), tmp / "0.ptau"],
         tmp / "0.ptau"),
        (
            "powersoftau beacon",
            ["powersoftau", "beacon", tmp / "0.ptau", tmp / "1.ptau",
             beacon_hash(DEV_PTAU_BEACON_TEXT), str(BEACON_ITERATIONS_EXP),
             "--name=zkbraid dev powers of tau beacon (INSECURE)"],
            tmp / "1.ptau",
        ),
        ("powersoftau prepare phase2",
         ["powersoftau", "prepare", "phase2", tmp / "1.ptau", tmp / "final.ptau"],
         tmp / "final.ptau"),
    ]  # fmt: skip
    for i, (what, args, result) in enumerate(steps, 1):
        progress(f"[ptau {i}/{len(steps)}] {what}")
        _snarkjs_to(result, *args, what=what, progress=progress)
    (tmp / "final.ptau").replace(out)
    shutil.rmtree(tmp, ignore_errors=True)


def _snarkjs_to(result: Path, *args: str | Path, what: str, progress: Progress) -> None:
    # snarkjs's command line exits 0 even when a step refuses its arguments (a bad beacon, say):
    # the step's output file is the only sign that it ran.
    result.unlink(missing_ok=True)
    snarkjs(*args, what=what, progress=progress)
    if not result.is_file():
        raise ToolError(f"{what} wrote no {result.name}")


def make_dev_zkey(
    r1cs: Path,
    ptau: Path,
    zkey: Path,
    verification_key: Path,
    *,
    progress: Progress = stderr_progress,
) -> None:
    """Makes the INSECURE development keys of `r1cs`: `groth16 setup` from `ptau`, then the
    public beacon sha256(DEV_KEYS_BEACON_TEXT) as the one phase-2 contribution, and the
    verification key. Byte-identical for the same inputs on any machine. Raises `ToolError`."""
    initial = zkey.with_name(zkey.stem + "_0000.zkey")
    progress("[keys 1/3] Groth16 setup from the dev powers of tau, INSECURE (a few minutes)")
    _snarkjs_to(
        initial, "groth16", "setup", r1cs, ptau, initial, what="groth16 setup", progress=progress
    )
    progress("[keys 2/3] phase-2 contribution: the public dev beacon (about a minute)")
    _snarkjs_to(
        zkey, "zkey", "beacon", initial, zkey,
        beacon_hash(DEV_KEYS_BEACON_TEXT), str(BEACON_ITERATIONS_EXP),
        "--name=zkbraid dev keys beacon (INSECURE)",
        what="zkey beacon", progress=progress,
    )  # fmt: skip
    initial.unlink()
    progress("[keys 3/3] exporting the verification key")
    _snarkjs_to(
        verification_key, "zkey", "export", "verificationkey", zkey, verification_key,
        what="zkey export verificationkey", progress=progress,
    )  # fmt: skip


def build_dev_keys(
    params: ZkParams = DEFAULT_PARAMS,
    *,
    progress: Progress = stderr_progress,
    force: bool = False,
    circuit: Circuit = ZK_TX,
) -> CircuitKeys:
    """Compiles `circuit` and makes its INSECURE development keys, unless cached.

    Returns the keys (`CircuitKeys.insecure` is True). Raises `ToolError` when a tool fails.
    """
    directory = compile_circuit(params, progress=progress, circuit=circuit)
    keys_dir = directory / "keys" / DEV_KEYS
    if not force:
        with contextlib.suppress(ArtifactsMissing):
            return find_keys(params, DEV_KEYS, circuit)
    with _locked(directory / "keys" / f"{DEV_KEYS}.lock"):
        if not force:
            with contextlib.suppress(ArtifactsMissing):
                return find_keys(params, DEV_KEYS, circuit)
        ptau = dev_ptau(progress=progress)
        tmp = _fresh_dir(keys_dir)
        final = tmp / f"{circuit.name}.zkey"
        vkey = tmp / "verification_key.json"
        started = time.monotonic()
        r1cs = directory / f"{circuit.main_name}.r1cs"
        make_dev_zkey(r1cs, ptau, final, vkey, progress=progress)
        vk_hash = verifying_key_hash(vkey.read_text())
        keys_manifest = {
            "name": DEV_KEYS,
            "circuit": circuit.name,
            "insecure": True,
            "procedure": DEV_KEYS_PROCEDURE,
            "ptau": str(ptau),
            "ptau_sha256": sha256_file(ptau),
            "contributions": [
                f"public beacon sha256({DEV_KEYS_BEACON_TEXT!r}), "
                f"2^{BEACON_ITERATIONS_EXP} iterations"
            ],
            "beacon": {
                "text": DEV_KEYS_BEACON_TEXT,
                "hash": beacon_hash(DEV_KEYS_BEACON_TEXT),
                "iterations_exp": BEACON_ITERATIONS_EXP,
            },
            "zkey_sha256": sha256_file(final),
            "verifying_key_hash": "0x" + vk_hash.hex(),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        (tmp / "keys.json").write_text(json.dumps(keys_manifest, indent=2) + "\n")
        (tmp / "README.txt").write_text(
            INSECURE_NOTICE.format(
                ptau=ptau.name,
                beacon=DEV_KEYS_BEACON_TEXT,
                iterations=BEACON_ITERATIONS_EXP,
                vk_hash=vk_hash.hex(),
            )
        )
        if keys_dir.exists():
            shutil.rmtree(keys_dir)
        tmp.rename(keys_dir)
        progress(
            f"{circuit.name} dev keys ready in {keys_manifest['build_seconds']} s -> {keys_dir} "
            f"(verifying key hash 0x{vk_hash.hex()}; INSECURE: development only)"
        )
    return find_keys(params, DEV_KEYS, circuit)


def _circuits(name: str) -> tuple[Circuit, ...]:
    return CIRCUITS if name == "all" else tuple(c for c in CIRCUITS if c.name == name)


def _info(params: ZkParams, circuit: Circuit) -> None:
    directory = circuit_dir(params, circuit=circuit)
    print(f"[{circuit.name}]")
    print(f"circuit digest  {circuit_digest(params, circuit)}")
    print(f"directory       {directory}")
    manifest = directory / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        print(f"constraints     {data['constraints']:,}")
    else:
        print("not compiled yet")
    try:
        keys = find_keys(params, DEV_KEYS, circuit)
        print(f"dev keys        {keys.keys_dir} (INSECURE)")
        print(f"verifying key   0x{keys.verifying_key_hash.hex()} (verifying_key_hash)")
    except ArtifactsMissing:
        print("dev keys        not built yet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zkbraid.proving.build",
        description="Compile the ZK-chain circuits (the transaction's and the ownership proof's)"
        " and make their (INSECURE) development keys.",
    )
    parser.add_argument(
        "--circuit",
        choices=["all", *(c.name for c in CIRCUITS)],
        default="all",
        help="which circuit (default: all)",
    )
    parser.add_argument("--compile-only", action="store_true", help="compile, make no keys")
    parser.add_argument("--force", action="store_true", help="make new dev keys even if cached")
    parser.add_argument("--info", action="store_true", help="show the cache, build nothing")
    args = parser.parse_args(argv)
    params = DEFAULT_PARAMS
    circuits = _circuits(args.circuit)
    try:
        if args.info:
            for circuit in circuits:
                _info(params, circuit)
            return 0
        started = time.monotonic()
        for circuit in circuits:
            if args.compile_only:
                compile_circuit(params, circuit=circuit)
                continue
            keys = build_dev_keys(params, force=args.force, circuit=circuit)
            stderr_progress(
                f"{circuit.name}: {keys.n_constraints:,} constraints; keys in {keys.keys_dir} "
                "(development keys: INSECURE)"
            )
            label = "" if circuit is ZK_TX else f"{circuit.name} "
            print(f"{label}verifying key hash 0x{keys.verifying_key_hash.hex()}")
        stderr_progress(f"done in {time.monotonic() - started:.1f} s")
        return 0
    except (ToolError, ArtifactsMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
