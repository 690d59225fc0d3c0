"""Proof-system back ends: each turns a witness into a Groth16 proof for the same keys.

    groth16py  native (arkworks), the default of the command-line prover
    snarkjs    WebAssembly in node, the engine of the browser prover

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
