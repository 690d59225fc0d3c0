"""Proofs of ZK-chain transactions: the circuit's witness, keys, provers and verification.

The circuit, its public inputs and the transaction commitment: circuits/README.md.

How the node uses it (each call names its module):

1. Keys, at start-up. `build.build_dev_keys(params)` compiles the circuit and makes INSECURE
   development keys, cached under build/circuits/<digest>/ (two to six minutes the first time
   on a 2-core machine, instant afterwards; `python -m zkbraid.proving.build` does the same
   with progress). They are reproducible: the same sources and powers of tau give the same
   bytes everywhere. `artifacts.find_keys(params, "dev" | "<ceremony keys>")` only looks them
   up (raises `ArtifactsMissing`). `CircuitKeys.verifying_key_hash` (verifying_key.py) is the
   32-byte hash genesis pins; `CircuitKeys.check_verifying_key_hash(expected)` raises
   `VerifyingKeyMismatch` for other keys.
2. Committing a ZK block. For each transaction, call
   `witness.apply_with_witness(state, tx, params)` instead of `stf.apply_transaction`: same
   receipt, same rejections, plus the `ProofWitness` (circuit inputs read around the STF; no
   extra hashing). Store `prover.ProofJob(tx, witness).to_json()` (about 8 KB) with the
   receipt's old and new roots.
3. `zk_getProofJob`: serve that JSON. A prover rebuilds it with `ProofJob.from_json(text)`.
4. Proving (`braid prover run`, later the browser): `prover.Prover("native")` (or
   `"snarkjs"`), `.prove(job) -> proof.Proof`; it verifies its own proof before returning and
   raises `CircuitRejected` when no proof exists. Submit `proof.to_hex()` (256 bytes).
5. `zk_submitProof`: `verify.ProofVerifier.load(params)` once, then
   `.check_transaction(Proof.from_hex(hex), recorded_old_root, recorded_new_root, tx)`: raises
   `MalformedProof` or `InvalidProof` (JSON-RPC codes -32602 / -32008) and returns None when
   the proof is good; the public inputs always come from the node's own records, never from
   the prover. About 2 ms.
6. `braid keys ceremony`: mount `ceremony.main(argv)` (init / contribute / verify / finalize).
"""
