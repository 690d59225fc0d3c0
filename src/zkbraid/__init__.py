"""zkbraid: a hybrid decentralized ZK sequencer braiding a proven ZK chain and a fast EVM chain."""

__version__ = "0.1.0"

import os as _os

# keccak256 from safe-pysha3 (C) rather than eth-hash's default pycryptodome backend, which
# costs ~10 µs a call in ctypes overhead; the fast chain's trie hashes a dozen times per
# transaction. Set before any eth-hash call picks a backend.
_os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
