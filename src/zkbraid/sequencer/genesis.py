"""The chain's genesis: what every validator starts from and may read while applying blocks.

The verifying key of the transaction circuit is part of it: the chain parameters name its hash
(`ChainParams.verifying_key_hash`) and a node loads the key itself from its built or downloaded
artifacts; a key whose hash differs is refused before the node starts, so two validators can
never accept different proofs. A chain whose parameters name no key (unit tests, chains without
proofs) accepts no proof at all (`ProvingUnavailable`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.config import ChainParams
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.verifying_key import VerifyingKeyMismatch
from zkbraid.sequencer.errors import MissingVerifyingKey, UnexpectedVerifyingKey
from zkbraid.zk.genesis import ZkGenesis


@dataclass(frozen=True)
class Genesis:
    """The chain parameters, the ZK chain's genesis accounts and the proof verifier."""

    params: ChainParams
    zk: ZkGenesis
    verifier: ProofVerifier | None = None

    @classmethod
    def make(
        cls, params: ChainParams, zk: ZkGenesis, verifier: ProofVerifier | None = None
    ) -> Genesis:
        """The genesis, once the verifier's key is the one the parameters name.

        Raises VerifyingKeyMismatch, MissingVerifyingKey, UnexpectedVerifyingKey.
        """
        expected = params.verifying_key_hash
        got = None if verifier is None else verifier.key_hash
        if expected is None and got is not None:
            raise UnexpectedVerifyingKey(
                f"this chain's genesis names no verifying key, but the node was given key "
                f"0x{got.hex()}"
            )
        if expected is not None and got is None:
            raise MissingVerifyingKey(
                f"this chain's genesis names verifying key 0x{expected.hex()} and the node has no"
                " key: build the circuit's keys (python -m zkbraid.proving.build)"
            )
        if expected is not None and got is not None and expected != got:
            raise VerifyingKeyMismatch(expected, got, "this node's circuit keys")
        return cls(params, zk, verifier)
