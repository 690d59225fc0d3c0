"""A double-signing validator: two nodes share validator v3's consensus key (a second node with
its priv_validator_key and another node key). CometBFT sees the conflicting votes, its evidence
reaches the application with a block's misbehaviour, and the chain slashes the validator (its
bond falls by the slash share, it is jailed) and gives it power 0, which CometBFT's set then
shows; the chain goes on without it, every node agreeing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.consensus.network import FastSender, Network, agreed_height
from tests.integration.conftest import until
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.market.fees import ONE_ZKPOW
from zkbraid.node.devnet import DEV_STAKING, DEV_VALIDATOR_BOND
from zkbraid.node.network import (
    COMETBFT_RPC_OFFSET,
    P2P_OFFSET,
    PORT_STRIDE,
    NodeSpec,
    free_base_port,
    layout,
)
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys
from zkbraid.sdk.client import Wallet
from zkbraid.sdk.staking import Staking
from zkbraid.staking.params import BPS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)
    build_dev_keys()
    base = free_base_port(5)
    spec = layout(4, base, chain_args=("--validators", "4", "--zk-block-ms", "300"))
    twin_base = base + PORT_STRIDE * 4
    twin = NodeSpec(
        name="v3-twin",
        account=spec.nodes[3].account,  # v3's consensus key
        api_port=twin_base,
        rpc_port=twin_base + COMETBFT_RPC_OFFSET,
        p2p_port=twin_base + P2P_OFFSET,
        instance=1,  # its own node key
    )
    network = Network.custom(
        tmp_path_factory.mktemp("double") / "net", replace(spec, nodes=(*spec.nodes, twin))
    )
    for n in network.all[:4]:
        n.start(wait=False)
    for n in network.all[:4]:
        n.wait_up()
    yield network
    network.stop()


def test_a_double_signing_validator_is_slashed(net: Network) -> None:
    v0, v1, v2, v3, twin = net.all
    until(
        "the first blocks",
        lambda: int(v1.cometbft("status")["sync_info"]["latest_block_height"]) >= 2,
        60,
    )
    offender = Wallet.dev(v3.spec.account)
    staking = Staking(v0.client)
    before = staking.validator(offender.address)
    assert before is not None and before["power"] == 1000 and not before["jailed"]
    address = before["consensusAddress"][2:].upper()
    assert {v["address"] for v in v1.cometbft("validators")["validators"]} >= {address}

    twin.start()  # from now on two nodes vote with v3's key
    sender = FastSender(v1, 2)

    def jailed() -> dict[str, object] | None:
        sender.send()
        record = staking.validator(offender.address)
        return record if record is not None and record["jailed"] else None

    record = until("the double signer slashed", jailed, 180)
    slash = DEV_VALIDATOR_BOND * DEV_STAKING.slash_double_sign_bps // BPS
    assert int(record["slashed"]) == slash == 50 * ONE_ZKPOW
    assert int(record["bonded"]) == DEV_VALIDATOR_BOND - slash
    assert record["power"] == 0
    # CometBFT applies the update two heights on: v3 leaves its set
    until(
        "CometBFT's set without the offender",
        lambda: address not in {v["address"] for v in v1.cometbft("validators")["validators"]},
        30,
    )
    assert "slashed" in v2.log.read_text() and "duplicate_vote" in v2.log.read_text()
    # the other three go on, and every node (the twins too) holds the same chain
    tx = FastSender(v2, 3).send()
    assert v0.client.wait(tx, timeout=60)["status"] == "committed"
    agreed_height([v0, v1, v2])
    agreed_height(net.all)
