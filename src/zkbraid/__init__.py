"""zkbraid: a hybrid decentralized ZK sequencer braiding a proven ZK chain and a fast EVM chain."""

__version__ = "0.1.0"
