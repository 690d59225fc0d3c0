"""The WebAssembly back end: snarkjs `groth16.fullProve` in node, as the browser prover runs it.

fullProve computes the witness with circom's generator (refusing an unsatisfied circuit) and
proves with the same .zkey the native back end uses.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.errors import ToolError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import Proof
from zkbraid.proving.witness import ProofWitness


class SnarkjsBackend:
    """Proves with snarkjs 0.7.6 (npm, pinned) in a long-lived node process."""

    name = "snarkjs"

    def __init__(self, keys: CircuitKeys, runner: NodeRunner | None = None) -> None:
        self.keys = keys
        self._runner = runner or NodeRunner()
        self._owns_runner = runner is None

    def prove(self, witness: ProofWitness) -> Proof:
        """A proof of `witness` (raises `CircuitRejected`, `ToolError`)."""
        with tempfile.TemporaryDirectory(prefix="zkbraid-snarkjs-") as tmp:
            inputs = Path(tmp) / "input.json"
            inputs.write_text(witness.to_json())
            result = self._runner.call("prove", self.keys.wasm, self.keys.zkey, inputs)
        public = [int(v) for v in result["publicSignals"]]
        if public != witness.public_inputs():
            raise ToolError(f"snarkjs proved other public inputs: {public}")
        return Proof.from_snarkjs(result["proof"])

    def close(self) -> None:
        if self._owns_runner:
            self._runner.close()
