"""The native back end: circom's witness generator (node), then groth16py's arkworks prover.

groth16py proves any witness it is given, satisfied or not (it does not run circom's
assertions), so the witness always comes from circom's generator, which refuses an unsatisfied
circuit; `Prover` then verifies the proof as a second line of defence.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import groth16py

from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.errors import ToolError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import Proof
from zkbraid.proving.witness import ProofWitness


class Groth16pyBackend:
    """Proves with groth16py from the circuit's .zkey (imported once, about 0.1 s)."""

    name = "groth16py"

    def __init__(self, keys: CircuitKeys, runner: NodeRunner | None = None) -> None:
        self.keys = keys
        self._runner = runner or NodeRunner()
        self._owns_runner = runner is None
        self._proving_key: groth16py.ProvingKey | None = None
        self._lock = threading.Lock()

    def _key(self) -> groth16py.ProvingKey:
        with self._lock:
            if self._proving_key is None:
                try:
                    self._proving_key, _ = groth16py.import_zkey(str(self.keys.zkey))
                except (groth16py.EncodingError, groth16py.SetupError, OSError) as exc:
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

    def prove(self, witness: ProofWitness) -> Proof:
        """A proof of `witness` (raises `CircuitRejected`, `ToolError`)."""
        key = self._key()
        with tempfile.TemporaryDirectory(prefix="zkbraid-g16-") as tmp:
            wtns = self.compute_witness(witness, Path(tmp) / "witness.wtns")
            try:
                blob = groth16py.prove_wtns(key, str(wtns))
            except (groth16py.WitnessError, groth16py.EncodingError) as exc:
                raise ToolError(f"groth16py could not prove: {exc}") from None
        return Proof.from_bytes(bytes(blob))

    def close(self) -> None:
        if self._owns_runner:
            self._runner.close()
