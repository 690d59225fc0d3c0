"""Consensus keys: the ed25519 keys validators vote with in CometBFT, and their addresses.

A validator has two keys. Its Ethereum key (secp256k1) is its identity on the sequencer: it
signs Bond and Unbond, owns the bonded ZKPoW, and signs data-availability attestations. Its
consensus key (ed25519) signs CometBFT's votes; the chain learns its public key from the
validator's Bond. CometBFT names a validator by its address, the first 20 bytes of the SHA-256 of
that public key (crypto/ed25519 `PubKey.Address`), and reports misbehaviour by it.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from Crypto.Signature import eddsa

CONSENSUS_KEY_BYTES = 32
CONSENSUS_ADDRESS_BYTES = 20


def consensus_address(consensus_key: bytes) -> bytes:
    """CometBFT's address of an ed25519 public key: sha256(key)[:20]."""
    return hashlib.sha256(consensus_key).digest()[:CONSENSUS_ADDRESS_BYTES]


def consensus_public_key(seed: bytes) -> bytes:
    """The ed25519 public key (RFC 8032) of a 32-byte private seed."""
    key = eddsa.import_private_key(seed)
    public: bytes = key.public_key().export_key(format="raw")
    return public


def priv_validator_key(seed: bytes) -> dict[str, Any]:
    """CometBFT's `config/priv_validator_key.json` for a seed (its private key is the seed
    followed by the public key, base64, as Go's ed25519.PrivateKey)."""
    public = consensus_public_key(seed)
    return {
        "address": consensus_address(public).hex().upper(),
        "pub_key": {
            "type": "tendermint/PubKeyEd25519",
            "value": base64.b64encode(public).decode(),
        },
        "priv_key": {
            "type": "tendermint/PrivKeyEd25519",
            "value": base64.b64encode(seed + public).decode(),
        },
    }
