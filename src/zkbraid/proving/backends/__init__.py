"""Proof-system back ends: each turns a witness into a Groth16 proof for the same keys.

    native     zkbraid_native (native/prover/, Rust on arkworks, every core): the default of
               `Prover`, `braid prover run` and the validators' verifier
    snarkjs    WebAssembly in node, the engine of the browser prover
    groth16py  groth16py 0.2.0 (GPL-3.0, single-threaded), not installed by default: only the
               benchmark's comparison (scripts/install.sh --with-groth16py)

Both take the witness from circom's own generator, so a failed circuit assertion raises
`CircuitRejected` instead of producing a proof.
"""

from typing import Protocol

from zkbraid.proving.proof import Proof
from zkbraid.proving.witness import ProofWitness


class ProverBackend(Protocol):
    """Makes a Groth16 proof from a witness (`Prover` checks it before handing it on)."""

    name: str

    def prove(self, witness: ProofWitness) -> Proof: ...

    def close(self) -> None: ...
