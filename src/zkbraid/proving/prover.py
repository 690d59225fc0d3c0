"""Proving one ZK-chain transaction: a job in, a checked proof out.

    job = ProofJob(tx, witness)              # from the node (zk_getProofJob) or apply_with_witness
    with Prover() as prover:                 # the native back end, every core
        proof = prover.prove(job)            # raises CircuitRejected, JobMismatch, SelfCheckFailed
    proof.to_bytes()                         # 256 bytes for zk_submitProof

A prover never hands on a proof it has not verified itself against the public inputs the node
will recompute (the job's roots and the transaction's public data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from zkbraid.proving.artifacts import DEV_KEYS, CircuitKeys, find_keys
from zkbraid.proving.backends import ProverBackend
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.backends.snarkjs_backend import SnarkjsBackend
from zkbraid.proving.errors import JobMismatch, MalformedProof, SelfCheckFailed, WitnessError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import Proof
from zkbraid.proving.statement import BlockTimeMissing, MalformedPubdata, public_inputs
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import ProofWitness
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams
from zkbraid.zk.transactions import ZkTransaction, decode_transaction

BackendName = Literal["native", "snarkjs"]
# The back ends `make_backend` knows, the default first.
BACKENDS: tuple[BackendName, ...] = ("native", "snarkjs")


@dataclass(frozen=True)
class ProofJob:
    """One transaction to prove: the transaction and its witness (the state openings)."""

    tx: ZkTransaction
    witness: ProofWitness

    @property
    def old_root(self) -> int:
        return self.witness.old_root

    @property
    def new_root(self) -> int:
        return self.witness.new_root

    def to_json(self) -> str:
        """{"tx": "0x<encoding>", "witness": {<circuit inputs>}}: what zk_getProofJob serves."""
        return json.dumps(
            {"tx": "0x" + self.tx.encode().hex(), "witness": json.loads(self.witness.to_json())},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str, params: ZkParams = DEFAULT_PARAMS) -> ProofJob:
        """Parses `to_json`'s output (raises `MalformedTransaction`, `WitnessError`)."""
        try:
            raw = json.loads(text)
            tx_hex = raw["tx"]
            witness = raw["witness"]
            tx_bytes = bytes.fromhex(tx_hex[2:] if tx_hex.startswith("0x") else tx_hex)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise WitnessError("a proving job is {tx: hex, witness: {...}}") from None
        tx = decode_transaction(tx_bytes)
        return cls(tx, ProofWitness.from_json(json.dumps(witness), params))


def make_backend(
    name: BackendName, keys: CircuitKeys, runner: NodeRunner, *, threads: int | None = None
) -> ProverBackend:
    """The named proving back end over `keys` (any circuit's); `threads` is the native
    prover's thread count (None: every core). Raises ValueError, `NativeMissing`."""
    if name == "native":
        return NativeBackend(keys, runner, threads=threads)
    if name == "snarkjs":
        return SnarkjsBackend(keys, runner)
    raise ValueError(f"unknown prover back end {name!r}")


class Prover:
    """Proves jobs with one back end and checks every proof before returning it."""

    def __init__(
        self,
        backend: BackendName | ProverBackend = "native",
        *,
        keys: CircuitKeys | None = None,
        params: ZkParams = DEFAULT_PARAMS,
        threads: int | None = None,
    ) -> None:
        """`keys` defaults to the built development keys of `params` (raises
        `ArtifactsMissing` if they are not built); `threads`: the native prover's (None: every
        core)."""
        self.keys = keys or find_keys(params, DEV_KEYS)
        self.verifier = ProofVerifier.from_keys(self.keys)
        self._runner: NodeRunner | None = None
        if isinstance(backend, str):
            self._runner = NodeRunner()
            self.backend: ProverBackend = make_backend(
                backend, self.keys, self._runner, threads=threads
            )
        else:
            self.backend = backend

    def prove(self, job: ProofJob) -> Proof:
        """A verified proof of `job`.

        Raises `JobMismatch` if the witness's public inputs are not the transaction's,
        `CircuitRejected` if the circuit refuses the witness (no valid transition),
        `SelfCheckFailed` if the back end's proof does not verify, `ToolError` if a tool fails.
        """
        # An NftBuy's statement holds its block's time, which its witness carries.
        time_s = job.witness.inputs.get("time")
        try:
            expected = public_inputs(
                job.old_root, job.new_root, job.tx, time_s if isinstance(time_s, int) else None
            )
        except (MalformedPubdata, BlockTimeMissing) as exc:
            raise JobMismatch(f"the transaction cannot be proven: {exc}") from None
        if job.witness.public_inputs() != expected:
            raise JobMismatch("the witness's public data is not the transaction's")
        proof = self.backend.prove(job.witness)
        try:
            ok = self.verifier.verify(proof, expected)
        except MalformedProof:
            ok = False
        if not ok:
            raise SelfCheckFailed(
                f"the {self.backend.name} proof of tx 0x{job.tx.hash.hex()} does not verify"
            )
        return proof

    def close(self) -> None:
        self.backend.close()
        if self._runner is not None:
            self._runner.close()

    def __enter__(self) -> Prover:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["BACKENDS", "BackendName", "ProofJob", "Prover", "make_backend"]
