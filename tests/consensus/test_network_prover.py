"""`braid devnet --validators 4 --prover`: the devnet's prover (dev:8, at v0) proves a ZK
transaction sent to another validator, every validator verifies the proof in the block that
carries it (a real Groth16 proof), and the network stopped and launched again resumes its
chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.consensus.network import Network, ZkSender, agreed_height
from tests.integration.conftest import until
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.node.network import free_base_port
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys

pytestmark = pytest.mark.integration


def test_a_proof_through_four_validators_and_a_resumed_network(tmp_path: Path) -> None:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)
    build_dev_keys()
    data_dir = tmp_path / "net"
    args = ["--validators", "4", "--port", str(free_base_port(4)), "--no-agent", "--prover"]
    args += ["--zk-block-ms", "300"]
    net = Network.launch(data_dir, args)
    try:
        _, _, v2, v3 = net.all
        tx_hash = ZkSender(v2, 0, 3).send(7)
        assert v3.client.wait(tx_hash)["status"] == "committed"

        def proven_everywhere() -> bool:
            found = [n.client.transaction(tx_hash) for n in net.all]  # None: not there yet
            return all(t is not None and t["status"] == "proven" for t in found)

        until("the transaction proven on every validator", proven_everywhere, 180)
        assert "accepted" in (data_dir / "prover.log").read_text()
        height = agreed_height(net.all)
    finally:
        net.stop()

    again = Network.launch(data_dir, args)  # the same network.json, genesis and data dirs
    try:
        assert again.spec.genesis_time_ms == net.spec.genesis_time_ms
        agreed_height(again.all, at_least=height)
        tx_hash = ZkSender(again["v1"], 1, 0).send(1)
        assert again["v0"].client.wait(tx_hash, timeout=60)["status"] in ("committed", "proven")
        agreed_height(again.all, at_least=height + 1)
    finally:
        again.stop()
