"""The native back end: circom's witness generator (node), then zkbraid's own Rust prover.

`zkbraid_native` (native/prover/, arkworks, MIT/Apache-2.0) reads the circuit's snarkjs .zkey,
checks every point of it once and caches the checked key under `build/native-keys/` by the
zkey's sha256 (later loads take a fraction of a second), and proves a circom .wtns on a rayon
pool of `threads` threads (default: every core) with the GIL released.

The prover proves any witness it is given, satisfied or not (it does not run circom's
assertions), so the witness always comes from circom's generator, which refuses an unsatisfied
circuit; `Prover` then verifies the proof as a second line of defence.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from zkbraid.proving.artifacts import CircuitKeys, build_root
from zkbraid.proving.errors import ToolError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import Proof
from zkbraid.proving.witness import ProofWitness

try:
    import zkbraid_native

    _MISSING: str | None = None
except ImportError as exc:  # scripts/install.sh builds it
    _MISSING = str(exc)


class NativeMissing(ToolError):
    """zkbraid_native is not built (scripts/install.sh builds it)."""


def require_native() -> None:
    """Raises `NativeMissing` when the extension is not installed."""
    if _MISSING is not None:
        raise NativeMissing(
            f"the native prover (zkbraid_native) is not installed ({_MISSING}): run "
            "scripts/install.sh"
        )


def load_verifying_key(data: bytes) -> zkbraid_native.VerifyingKey:
    """The native prepared verifier of a key in `verifying_key_words` order, as 32-byte words.

    Raises `ToolError` for a point off the curve or out of its subgroup, `NativeMissing`."""
    require_native()
    try:
        return zkbraid_native.VerifyingKey(data)
    except zkbraid_native.NativeProverError as exc:
        raise ToolError(f"not a valid Groth16 verification key: {exc}") from None


def key_cache_dir() -> Path:
    """Where checked proving keys are cached (by the zkey's sha256)."""
    return build_root() / "native-keys"


def check_threads(threads: int | None) -> int | None:
    """`threads` if it is None or a positive count; raises ValueError."""
    if threads is not None and (type(threads) is not int or threads < 1):
        raise ValueError(f"threads must be a positive integer, not {threads!r}")
    return threads


class NativeBackend:
    """Proves with zkbraid_native from the circuit's .zkey (loaded once, checked once ever)."""

    name = "native"

    def __init__(
        self,
        keys: CircuitKeys,
        runner: NodeRunner | None = None,
        *,
        threads: int | None = None,
    ) -> None:
        """`threads`: the prover's threads (None: every core). Raises `NativeMissing`."""
        require_native()
        self.keys = keys
        self.threads = check_threads(threads)
        self._runner = runner or NodeRunner()
        self._owns_runner = runner is None
        self._proving_key: zkbraid_native.ProvingKey | None = None
        self._lock = threading.Lock()

    def proving_key(self) -> zkbraid_native.ProvingKey:
        """The loaded key (raises `ToolError` for a zkey it cannot use)."""
        with self._lock:
            if self._proving_key is None:
                try:
                    self._proving_key = zkbraid_native.ProvingKey.load(
                        str(self.keys.zkey), str(key_cache_dir()), self.threads
                    )
                except zkbraid_native.NativeProverError as exc:
                    raise ToolError(f"cannot load {self.keys.zkey}: {exc}") from None
            return self._proving_key

    def compute_witness(self, witness: ProofWitness, out: Path) -> Path:
        """Runs circom's witness generator into `out` (.wtns).

        Raises `CircuitRejected` when an assertion of the circuit fails.
        """
        inputs = out.with_suffix(".json")
        inputs.write_text(witness.to_json())
        self._runner.call("witness", self.keys.wasm, inputs, out)
        return out

    def prove_wtns(self, wtns: bytes) -> tuple[Proof, list[int]]:
        """A proof of a circom witness and its public inputs (raises `ToolError`)."""
        key = self.proving_key()
        try:
            blob, public = key.prove(wtns, os.urandom(64), self.threads)
        except zkbraid_native.NativeProverError as exc:
            raise ToolError(f"the native prover could not prove: {exc}") from None
        return Proof.from_bytes(blob), [int.from_bytes(x, "big") for x in public]

    def prove(self, witness: ProofWitness) -> Proof:
        """A proof of `witness` (raises `CircuitRejected`, `ToolError`)."""
        with tempfile.TemporaryDirectory(prefix="zkbraid-native-") as tmp:
            wtns = self.compute_witness(witness, Path(tmp) / "witness.wtns").read_bytes()
        proof, public = self.prove_wtns(wtns)
        if public != witness.public_inputs():
            raise ToolError(f"the native prover proved other public inputs: {public}")
        return proof

    def close(self) -> None:
        if self._owns_runner:
            self._runner.close()
