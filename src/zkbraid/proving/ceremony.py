"""The multi-party phase-2 ceremony that makes production keys (snarkjs), and its record.

Development keys (build.py) are insecure: one party made the powers of tau and one machine the
phase-2 contribution. Production keys are secure if *any one* participant of each phase
destroyed their secret. The procedure, run with `python -m zkbraid.proving.ceremony`:

0. **Phase 1.** The coordinator takes a public multi-party powers of tau of at least 2^16
   (for example the Perpetual Powers of Tau / Hermez `powersOfTau28_hez_final_16.ptau`),
   publishes its sha256 and checks it with `snarkjs powersoftau verify`.
1. **init** — the coordinator compiles the circuit (the same digest as the nodes') and makes the
   initial key `0000.zkey` (`snarkjs groth16 setup`). It publishes the circuit digest, the
   ptau's sha256 and `0000.zkey`.
2. **contribute** — each participant in turn, on their own machine, downloads the latest zkey,
   runs `contribute` (fresh entropy from the OS, never stored), publishes the new zkey and the
   contribution hash snarkjs prints, then destroys their machine's copy of the secret (it is
   only ever in memory). Anyone can check the whole chain at any time with **verify**.
3. **finalize** — after the last contribution, a public random beacon chosen in advance (e.g.
   the hash of an Ethereum block at an announced height) is applied (`snarkjs zkey beacon`),
   the final key is verified against the circuit and the phase-1 file, its verification key is
   exported, and the key set is installed under build/circuits/<digest>/keys/<name>/ with
   `insecure: false`. The transcript (`transcript.json`: every zkey's sha256 and each
   contributor's name and hash) is published with it.

The same .zkey then serves the native prover (zkbraid_native reads it), the browser prover
(snarkjs) and the Solidity verifier (exported from its verification key).

Each circuit has its own ceremony (`--circuit zk_tx`, the default, or `--circuit ownership`), in
its own working directory: the transcript names the circuit, and `install` refuses a ceremony
made for another circuit's .r1cs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkbraid.proving.artifacts import CIRCUITS, ZK_TX, Circuit, CircuitKeys, find_keys
from zkbraid.proving.build import compile_circuit, sha256_file
from zkbraid.proving.errors import ProvingError, ToolError
from zkbraid.proving.tools import Progress, snarkjs, stderr_progress
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams

TRANSCRIPT = "transcript.json"
_HASH_LINES = re.compile(r"Contribution Hash:\s*((?:\s*[0-9a-f]{8})+)", re.IGNORECASE)


class CeremonyError(ProvingError):
    """A ceremony step out of order, or a contribution chain that does not verify."""


@dataclass(frozen=True)
class Ceremony:
    """A ceremony's working directory: its zkeys `0000.zkey`, `0001.zkey`, … and transcript."""

    directory: Path

    @property
    def transcript_path(self) -> Path:
        return self.directory / TRANSCRIPT

    def transcript(self) -> dict[str, Any]:
        if not self.transcript_path.is_file():
            raise CeremonyError(f"no ceremony in {self.directory}: run `init` first")
        data: dict[str, Any] = json.loads(self.transcript_path.read_text())
        return data

    def _save(self, transcript: dict[str, Any]) -> None:
        tmp = self.transcript_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(transcript, indent=2) + "\n")
        tmp.replace(self.transcript_path)

    def zkey(self, index: int) -> Path:
        return self.directory / f"{index:04d}.zkey"

    def latest(self) -> tuple[int, Path]:
        n = len(self.transcript()["contributions"])
        return n, self.zkey(n)

    # Steps

    def init(
        self,
        r1cs: Path,
        ptau: Path,
        *,
        progress: Progress = stderr_progress,
        circuit: Circuit = ZK_TX,
    ) -> Path:
        """Starts a ceremony: the initial key from `circuit`'s .r1cs and a phase-1 file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.transcript_path.exists():
            raise CeremonyError(f"{self.directory} already holds a ceremony")
        out = self.zkey(0)
        progress("initial key: snarkjs groth16 setup (several minutes)")
        snarkjs("groth16", "setup", r1cs, ptau, out, what="groth16 setup", progress=progress)
        self._save(
            {
                "circuit": circuit.name,
                "r1cs": str(r1cs),
                "r1cs_sha256": sha256_file(r1cs),
                "ptau": str(ptau),
                "ptau_sha256": sha256_file(ptau),
                "initial_zkey_sha256": sha256_file(out),
                "contributions": [],
                "beacon": None,
            }
        )
        return out

    def contribute(
        self, name: str, *, entropy: str | None = None, progress: Progress = stderr_progress
    ) -> str:
        """Adds one contribution to the latest key; returns snarkjs's contribution hash.

        The entropy defaults to 64 fresh bytes from the OS. It reaches snarkjs on its command
        line, where other local users could read it, but snarkjs hashes it together with 64
        bytes of its own CSPRNG (misc.getRandomRng), so the toxic waste never leaves its memory.
        """
        transcript = self.transcript()
        if transcript["beacon"] is not None:
            raise CeremonyError("the ceremony is finalized")
        n, latest = self.latest()
        out = self.zkey(n + 1)
        progress(f"contribution {n + 1} by {name!r}")
        result = snarkjs(
            "zkey", "contribute", latest, out, f"--name={name}",
            f"-e={entropy or os.urandom(64).hex()}",
            what="zkey contribute", progress=progress,
        )  # fmt: skip
        contribution_hash = _contribution_hash(result.stdout + result.stderr)
        transcript["contributions"].append(
            {"name": name, "hash": contribution_hash, "zkey_sha256": sha256_file(out)}
        )
        self._save(transcript)
        return contribution_hash

    def verify(self, zkey: Path | None = None, *, progress: Progress = stderr_progress) -> None:
        """Checks a key's whole contribution chain against the circuit and the phase-1 file.

        Raises `CeremonyError` if it does not verify.
        """
        transcript = self.transcript()
        target = zkey or self.latest()[1]
        progress(f"verifying {target.name} against the circuit and the powers of tau")
        try:
            snarkjs(
                "zkey", "verify", transcript["r1cs"], transcript["ptau"], target,
                what="zkey verify", progress=progress,
            )  # fmt: skip
        except ToolError as exc:
            raise CeremonyError(f"{target} does not verify: {exc}") from None

    def finalize(
        self,
        beacon_hex: str,
        *,
        iterations_exp: int = 10,
        keys_name: str = "production",
        params: ZkParams = DEFAULT_PARAMS,
        install: bool = True,
        progress: Progress = stderr_progress,
        circuit: Circuit = ZK_TX,
    ) -> Path:
        """Applies the public beacon, verifies the final key, exports its verification key and
        (with `install`) installs the key set of `circuit` for `params`. Returns the final
        zkey."""
        transcript = self.transcript()
        if not transcript["contributions"]:
            raise CeremonyError("a ceremony needs at least one contribution before the beacon")
        if not re.fullmatch(r"[0-9a-fA-F]{2,128}", beacon_hex):
            raise CeremonyError("the beacon is a hex string (e.g. an announced block hash)")
        _, latest = self.latest()
        final = self.directory / "final.zkey"
        progress(f"beacon {beacon_hex} (2^{iterations_exp} iterations)")
        snarkjs(
            "zkey", "beacon", latest, final, beacon_hex, str(iterations_exp),
            "--name=final beacon", what="zkey beacon", progress=progress,
        )  # fmt: skip
        self.verify(final, progress=progress)
        vkey = self.directory / "verification_key.json"
        snarkjs("zkey", "export", "verificationkey", final, vkey, what="export vkey")
        transcript["beacon"] = {"hex": beacon_hex, "iterations_exp": iterations_exp}
        transcript["final_zkey_sha256"] = sha256_file(final)
        self._save(transcript)
        if install:
            install_keys(self, keys_name, params, circuit)
        return final


def install_keys(
    ceremony: Ceremony, name: str, params: ZkParams = DEFAULT_PARAMS, circuit: Circuit = ZK_TX
) -> CircuitKeys:
    """Copies a finalized ceremony's key set next to the compiled `circuit` for `params`.

    Raises `CeremonyError` if the ceremony is not finalized or was made for another circuit.
    """
    transcript = ceremony.transcript()
    if transcript.get("beacon") is None:
        raise CeremonyError("finalize the ceremony before installing its keys")
    # Transcripts from before the ownership circuit name none: they are the transaction's.
    if transcript.get("circuit", ZK_TX.name) != circuit.name:
        raise CeremonyError(
            f"the ceremony was made for the {transcript['circuit']} circuit, not {circuit.name}"
        )
    directory = compile_circuit(params, circuit=circuit)
    if sha256_file(directory / f"{circuit.main_name}.r1cs") != transcript["r1cs_sha256"]:
        raise CeremonyError("the ceremony was made for another circuit than this tree's")
    keys_dir = directory / "keys" / name
    keys_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ceremony.directory / "final.zkey", keys_dir / f"{circuit.name}.zkey")
    shutil.copyfile(
        ceremony.directory / "verification_key.json", keys_dir / "verification_key.json"
    )
    shutil.copyfile(ceremony.transcript_path, keys_dir / TRANSCRIPT)
    manifest = {
        "name": name,
        "insecure": False,
        "ptau_sha256": transcript["ptau_sha256"],
        "contributions": [c["name"] for c in transcript["contributions"]],
        "beacon": transcript["beacon"],
        "zkey_sha256": transcript["final_zkey_sha256"],
        "installed_at": int(time.time()),
    }
    (keys_dir / "keys.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return find_keys(params, name, circuit)


def _contribution_hash(output: str) -> str:
    match = _HASH_LINES.search(output)
    if match is None:
        return ""
    return "".join(match.group(1).split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zkbraid.proving.ceremony",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dir", type=Path, default=Path("ceremony"), help="working directory")
    parser.add_argument(
        "--circuit",
        choices=[c.name for c in CIRCUITS],
        default=ZK_TX.name,
        help="the circuit whose keys the ceremony makes (default zk_tx; one directory each)",
    )
    sub = parser.add_subparsers(dest="step", required=True)
    init = sub.add_parser("init", help="initial key from the circuit and a phase-1 ptau")
    init.add_argument("--ptau", type=Path, required=True, help="public multi-party ptau (2^16+)")
    contribute = sub.add_parser("contribute", help="add one participant's contribution")
    contribute.add_argument("--name", required=True, help="the participant's public name")
    sub.add_parser("verify", help="verify the latest key's whole chain")
    finalize = sub.add_parser("finalize", help="public beacon, verify, install the keys")
    finalize.add_argument("--beacon", required=True, help="announced public randomness (hex)")
    finalize.add_argument("--iterations-exp", type=int, default=10)
    finalize.add_argument("--keys-name", default="production")
    args = parser.parse_args(argv)
    ceremony = Ceremony(args.dir.resolve())
    circuit = next(c for c in CIRCUITS if c.name == args.circuit)
    try:
        if args.step == "init":
            directory = compile_circuit(DEFAULT_PARAMS, circuit=circuit)
            out = ceremony.init(
                directory / f"{circuit.main_name}.r1cs", args.ptau.resolve(), circuit=circuit
            )
            print(f"initial key {out} (sha256 {sha256_file(out)}); publish it with the transcript")
        elif args.step == "contribute":
            digest = ceremony.contribute(args.name)
            print(f"contribution hash: {digest}\npublish {ceremony.latest()[1]} and this hash")
        elif args.step == "verify":
            ceremony.verify()
            print(f"{ceremony.latest()[1]}: the contribution chain verifies")
        else:
            final = ceremony.finalize(
                args.beacon,
                iterations_exp=args.iterations_exp,
                keys_name=args.keys_name,
                circuit=circuit,
            )
            print(f"final key {final}, installed as keys '{args.keys_name}'")
        return 0
    except (ProvingError, ToolError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
