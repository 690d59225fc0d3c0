"""Verifying a transaction's proof against the roots the node recorded and the transaction itself.

The public inputs are never taken from the prover: they are recomputed from the recorded old and
new roots and the transaction's public data (statement.py), so a proof made for another
transaction, other roots or other keys does not verify. The pairing check is the native
prover's (zkbraid_native, native/prover/): about 1.5 ms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Self

from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.proving.artifacts import DEV_KEYS, CircuitKeys, find_keys
from zkbraid.proving.backends.native_backend import load_verifying_key
from zkbraid.proving.errors import InvalidProof, MalformedProof, ToolError
from zkbraid.proving.proof import Proof
from zkbraid.proving.statement import (
    N_PUBLIC_INPUTS,
    BlockTimeMissing,
    MalformedPubdata,
    public_inputs,
)
from zkbraid.proving.verifying_key import (
    MalformedVerifyingKey,
    verifying_key_hash,
    verifying_key_words,
)
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams
from zkbraid.zk.transactions import ZkTransaction


class ProofVerifier:
    """The native prepared verifier for one verification key (snarkjs JSON).

    `key_hash` is the key's `verifying_key_hash`, the value genesis pins.
    """

    def __init__(self, verification_key_json: str, n_public: int = N_PUBLIC_INPUTS) -> None:
        """`n_public`: the circuit's number of public inputs (the transaction circuit's by
        default). Raises `ToolError` for a key that is not Groth16 or not of that shape, and
        `NativeMissing` when the native prover is not installed."""
        try:
            words = verifying_key_words(json.loads(verification_key_json))
            self.key_hash: bytes = verifying_key_hash(verification_key_json)
        except (ValueError, AttributeError, MalformedVerifyingKey) as exc:
            raise ToolError(f"not a Groth16 verification key: {exc}") from None
        key = load_verifying_key(b"".join(w.to_bytes(32, "big") for w in words))
        if key.n_public != n_public:
            raise ToolError(
                f"the verification key has {key.n_public} public inputs, the circuit {n_public}"
            )
        self.n_public = n_public
        self._verifier = key

    @classmethod
    def from_keys(cls, keys: CircuitKeys) -> Self:
        return cls(keys.verification_key_json(), keys.circuit.n_public)

    @classmethod
    def load(cls, params: ZkParams = DEFAULT_PARAMS, keys: str = DEV_KEYS) -> ProofVerifier:
        """The verifier of the built keys `keys` for `params` (raises `ArtifactsMissing`)."""
        return cls.from_keys(find_keys(params, keys))

    def verify(self, proof: Proof | bytes, public: Sequence[int]) -> bool:
        """True if `proof` verifies for these public inputs. Never raises for a bad proof:
        wrong length, coordinates out of range, points off the curve or out of the subgroup,
        public inputs that are not field elements are all simply False."""
        try:
            parsed = proof if isinstance(proof, Proof) else Proof.from_bytes(proof)
            blob = parsed.to_bytes()
        except MalformedProof:
            return False
        if len(public) != self.n_public or not all(
            type(x) is int and 0 <= x < FIELD_MODULUS for x in public
        ):
            return False
        return self._verifier.verify(blob, [x.to_bytes(32, "big") for x in public])

    def verify_transaction(
        self,
        proof: Proof | bytes,
        old_root: int,
        new_root: int,
        tx: ZkTransaction,
        time_s: int | None = None,
    ) -> bool:
        """True if `proof` shows that `tx` takes the state from `old_root` to `new_root` (in a
        ZK block of time `time_s`, which an NftBuy's statement holds)."""
        try:
            expected = public_inputs(old_root, new_root, tx, time_s)
        except (MalformedPubdata, BlockTimeMissing):
            return False
        return self.verify(proof, expected)

    def check_transaction(
        self,
        proof: Proof | bytes,
        old_root: int,
        new_root: int,
        tx: ZkTransaction,
        time_s: int | None = None,
    ) -> None:
        """Like `verify_transaction`, for the node's edge: raises instead of returning False.

        Raises `MalformedProof` for bytes that are not a proof and `InvalidProof` for a proof
        that does not verify for this transaction and these roots.
        """
        parsed = proof if isinstance(proof, Proof) else Proof.from_bytes(proof)
        if not self.verify_transaction(parsed, old_root, new_root, tx, time_s):
            raise InvalidProof(
                f"the proof does not show tx 0x{tx.hash.hex()} taking root {old_root:#x} "
                f"to {new_root:#x}"
            )


__all__ = ["ProofVerifier"]
