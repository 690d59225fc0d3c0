"""The hybrid's proofs between the chains: NFT ownership proofs (ownership.py, docs/hybrid.md)."""
