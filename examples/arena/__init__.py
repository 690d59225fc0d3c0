"""Arena: the hybrid's fast-chain game (README.md) and its client (arena.py)."""
