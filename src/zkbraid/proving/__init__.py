"""Proofs of ZK-chain transactions: the circuit's witness, keys, provers and verification.

The node's entry points:

    witness.build_witness(state, tx) / witness.apply_with_witness(state, tx, params)
    prover.Prover(backend="groth16py").prove(ProofJob(tx, witness)) -> Proof
    verify.TransactionVerifier.load(params).check(proof, old_root, new_root, tx)

See circuits/README.md for the circuit and its public inputs.
"""
