"""consensus engines: the CometBFT ABCI server, its framing and settings"""
