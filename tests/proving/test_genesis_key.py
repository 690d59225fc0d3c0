"""The devnet's genesis pins the development keys' verifying key: this release's circuit
sources, built here with the shared dev powers of tau and the public beacon, give exactly the
key the devnet names, so every fresh clone's node accepts the same proofs."""

from zkbraid.node.devnet import DEV_VERIFYING_KEY_HASH, devnet
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.verify import ProofVerifier
from zkbraid.sequencer.genesis import Genesis


def test_the_built_dev_keys_are_the_devnet_genesis_keys(dev_keys: CircuitKeys) -> None:
    assert dev_keys.verifying_key_hash == DEV_VERIFYING_KEY_HASH, (
        "the circuit or its key procedure changed: set node/devnet.py's DEV_VERIFYING_KEY_HASH"
        f" to 0x{dev_keys.verifying_key_hash.hex()}"
    )
    net = devnet()
    verifier = ProofVerifier.from_keys(dev_keys)
    assert Genesis.make(net.params, net.zk_genesis, verifier).verifier is verifier
