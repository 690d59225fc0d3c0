"""`cometbft`: CometBFT orders the blocks and drives the node's application over ABCI 2.0.

engine.py starts CometBFT and the ABCI server (abci_server.py) and submits through CometBFT's
RPC; settings.py is its tuned config.toml; protogen.py generates the protobuf bindings (the
git-ignored `proto/` package) from CometBFT's own .proto files at install.
"""
