"""The sequencer's block transition: one pure function every validator runs the same way
(ARCHITECTURE.md, "components"). It validates a block's header, applies its body (per
transaction: the admission rules, the chain's STF, the ZKPoW fee, the market's job), runs the
proving market's step and compares the roots, reading nothing but the block, the state and the
chain's genesis (its verifying key included). The consensus adapter (node/app.py) only calls it.

- `genesis.py`     the chain's genesis: parameters, ZK genesis, the verifying key
- `state.py`       the state the transition reads and writes, its roots and app hash
- `block.py`       a block as consensus decides it, and what applying it yields
- `header.py`      the header's rules (height, parents, time, chain marker, body shape)
- `admission.py`   the rules a transaction must pass against the state (mempool and block)
- `proof_acceptance.py`  when a submitted proof is accepted, and what accepting it does
- `receipts.py`    typed receipts and their stored encoding
- `attestations.py`  the batches' data-availability attestation records and the Attest rules
- `validator_sets.py`  the numbered validator sets L1 follows, signed by the set they replace
- `signatures.py`  the one rule for validators' signatures of batches and sets (votes and Attest)
- `attest_tx.py`   the Attest transaction (0x09) and the vote extension's encoding
- `transition.py`  `state_transition(state, genesis, block)`
"""
