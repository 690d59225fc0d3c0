"""Four CometBFT validators on loopback (`braid devnet --validators 4`, one L1 that every
validator follows): identical blocks and app hashes at every height over more than a hundred
blocks of mixed traffic sent to every node; bond and unbond through the API change the voting
power (CometBFT's /validators), an unbonding only after its period; one validator down, the
chain goes on; two down, it halts without forking and resumes when they return; a wiped node
catches up to identical state (block sync, the application replaying); a byzantine proposer's
blocks are refused in ProcessProposal; `braid status` shows every validator."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.consensus.network import (
    BRAID,
    ROOT,
    FastSender,
    Network,
    Node,
    ZkSender,
    agreed_height,
    wait_all,
)
from tests.integration.conftest import until
from zkbraid.consensus.cometbft.byzantine import ENV as BYZANTINE
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.market.fees import ONE_ZKPOW
from zkbraid.node.devnet import dev_consensus_seed
from zkbraid.node.network import free_base_port
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys
from zkbraid.sdk.client import Wallet
from zkbraid.sdk.staking import Staking
from zkbraid.staking.keys import consensus_address, consensus_public_key

pytestmark = pytest.mark.integration

UNBONDING_MS = 6_000


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)
    build_dev_keys()
    data_dir = tmp_path_factory.mktemp("four") / "net"
    network = Network.launch(
        data_dir,
        [
            "--validators",
            "4",
            "--port",
            str(free_base_port(4)),
            "--no-agent",
            "--restart-limit",
            "0",  # the tests stop and start the validators themselves
            "--zk-block-ms",
            "300",
            "--staking",
            f"unbonding_period_ms={UNBONDING_MS}",
        ],
    )
    yield network
    network.stop()


def _all_up(net: Network) -> list[Node]:
    """Every node serving (those a previous test left down are started again)."""
    for n in net.all:
        if not n.up():
            n.start(wait=False)
    for n in net.all:
        n.wait_up()
    return net.all


def _powers(node: Node) -> dict[str, int]:
    result = node.cometbft("validators")
    return {v["address"]: int(v["voting_power"]) for v in result["validators"]}


def _rejections(node: Node) -> int:
    return node.log.read_text(errors="replace").count("rejecting proposal at height")


def test_identical_app_hashes_over_mixed_traffic(net: Network) -> None:
    v0, v1, v2, v3 = _all_up(net)
    start = v0.client.status()["height"]
    # each sender keeps to one node (its nonces), every node gets some of the traffic
    fast = [FastSender(v0, 2), FastSender(v1, 3)]
    zk = [ZkSender(v2, 0, 1), ZkSender(v3, 1, 0)]
    prover = Wallet.dev(4)
    sent: list[tuple[Node, str]] = [(v3, v3.client.register_prover(prover))]
    sent.append((v1, v1.client.faucet(Wallet.dev(5).address)))
    v3.client.wait(sent[0][1])
    rng = random.Random(15)
    i = 0
    while v0.client.status()["height"] < start + 210:
        for s in fast:
            sent.append((s.node, s.send()))
        if i % 4 == 0:
            for z in zk:
                sent.append((v2, z.send()))
        if i % 25 == 24:
            sent.append((v3, v3.client.heartbeat(prover)))
        i += 1
        time.sleep(rng.uniform(0.02, 0.15))
    # every transaction is ordered, and each node can wait for any of them
    waiters = net.all
    statuses = [wait_all(waiters[k % 4], [h])[0] for k, (_, h) in enumerate(sent)]
    assert all(s["status"] in ("committed", "proven") for s in statuses)
    kinds = {s["kind"] for s in statuses}
    assert {"ZK", "FAST"} <= kinds
    height = agreed_height(net.all, at_least=start + 200)
    blocks = v1.client.blocks(start + 1, height - start)
    assert {b["chain"] for b in blocks} == {"ZK", "FAST"}
    assert len(blocks) >= 200
    # no honest proposal was refused: each validator catches up with L1 before it judges a ZK
    # block's observation (settlement/l1_follower.py), so a new L1 block costs no round
    assert [_rejections(n) for n in net.all] == [0, 0, 0, 0]


def test_bond_and_unbond_change_the_power_after_the_period(net: Network) -> None:
    v0, v1, v2, _ = _all_up(net)
    operator = Wallet.dev(9)  # v0's validator
    key = consensus_public_key(dev_consensus_seed(9))
    address = consensus_address(key).hex().upper()
    staking = Staking(v2.client)  # through another node's API
    assert _powers(v1)[address] == 1000
    staking.wait(staking.send_bond(operator, 500 * ONE_ZKPOW, key))
    until("the bond's power in CometBFT", lambda: _powers(v1)[address] == 1500, 30)

    unbonded = staking.wait(staking.send_unbond(operator, 500 * ONE_ZKPOW))
    block = v2.client.block(unbonded["height"])
    assert block is not None
    matures_ms = block["timestampMs"] + UNBONDING_MS
    record = Staking(v0.client).validator(operator.address)
    assert record is not None and record["unbonding"][0]["maturesMs"] == matures_ms
    while time.time() * 1000 < matures_ms - 1500:
        assert _powers(v1)[address] == 1500, "the power left before the unbonding period"
        time.sleep(0.5)
    until("the unbonding's power gone", lambda: _powers(v1)[address] == 1000, 30)
    assert time.time() * 1000 >= matures_ms
    record = Staking(v0.client).validator(operator.address)
    assert record is not None and record["power"] == 1000 and record["unbonding"] == []
    agreed_height(net.all)


def test_one_validator_down_the_chain_goes_on(net: Network) -> None:
    v0, v1, v2, v3 = _all_up(net)
    v3.kill9()
    sender = FastSender(v0, 6)
    hashes = [sender.send() for _ in range(4)]
    assert all(s["status"] == "committed" for s in wait_all(v1, hashes, timeout=60))
    agreed_height([v0, v1, v2])


def test_two_down_the_chain_halts_without_forking_and_resumes(net: Network) -> None:
    v0, v1, v2, v3 = net.all
    if v3.up():
        v3.kill9()
    v2.kill9()  # half the power is gone: no quorum
    time.sleep(3)  # a block in flight finishes
    halted = [v0.client.status(), v1.client.status()]
    cometbft_height = int(v0.cometbft("status")["sync_info"]["latest_block_height"])
    tx_hash = FastSender(v1, 7).send()  # admitted, gossiped, not ordered
    time.sleep(5)
    now = [v0.client.status(), v1.client.status()]
    assert [(s["height"], s["appHash"]) for s in now] == [
        (s["height"], s["appHash"]) for s in halted
    ]
    assert halted[0]["height"] == halted[1]["height"]  # the same head, the same app hash
    assert int(v0.cometbft("status")["sync_info"]["latest_block_height"]) <= cometbft_height + 1
    assert v0.client.transaction(tx_hash)["status"] == "pending"
    v2.start(wait=False)
    v3.start(wait=False)
    v2.wait_up()
    v3.wait_up()
    assert v3.client.wait(tx_hash, timeout=90)["status"] == "committed"
    agreed_height(net.all, at_least=halted[0]["height"] + 1)


def test_a_wiped_node_catches_up_to_identical_state(net: Network) -> None:
    v0, v1, v2, _ = _all_up(net)
    v1.kill9()
    v1.wipe()
    hashes = [FastSender(v0, 2).send() for _ in range(3)]
    wait_all(v0, hashes)
    target = v0.client.status()["height"]
    v1.start()
    until(
        "the wiped node at the chain's height", lambda: v1.client.status()["height"] >= target, 120
    )
    height = agreed_height(net.all, at_least=target)
    assert v1.client.status()["height"] >= height
    again = FastSender(v1, 3).send()  # and it takes part again
    assert v2.client.wait(again, timeout=60)["status"] == "committed"
    agreed_height(net.all)


def test_byzantine_proposals_are_refused_and_the_chain_goes_on(net: Network) -> None:
    """v2 (TEST-ONLY hook) proposes corrupt blocks: an invalid transaction, then a ZK block
    claiming L1 settled a made-up root; the others refuse each in ProcessProposal."""
    v0, v1, v2, v3 = _all_up(net)
    for mode in ("invalid_tx", "wrong_root"):
        v2.kill9()
        v2.start(env={BYZANTINE: mode})
        assert f"{BYZANTINE}={mode}" in v2.tail(400)
        before = [_rejections(n) for n in (v0, v1, v3)]
        start = int(v0.cometbft("status")["sync_info"]["latest_block_height"])
        sender = FastSender(v0, 6)

        def refused_twice(sender: FastSender = sender, before: list[int] = before) -> bool:
            sender.send()
            return all(_rejections(n) >= b + 2 for n, b in zip((v0, v1, v3), before, strict=True))

        until(f"the {mode} proposals refused", refused_twice, 120)
        assert int(v0.cometbft("status")["sync_info"]["latest_block_height"]) > start + 2
        assert "proposing a corrupt block" in v2.tail(400)
        agreed_height(net.all)
    v2.kill9()
    v2.start()
    agreed_height(net.all)


def test_braid_status_shows_every_validator(net: Network) -> None:
    v0 = _all_up(net)[0]
    agreed_height(net.all)
    run = subprocess.run(
        [*BRAID, "--rpc", v0.url, "status"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert run.returncode == 0, run.stderr
    table = run.stdout.split("validators (")[1]
    assert table.startswith("4 nodes, total power 4000")
    rows = [line.split() for line in table.splitlines()[2:6]]
    assert [r[0] for r in rows] == ["v0", "v1", "v2", "v3"]
    assert {r[4] for r in rows} == {"1000"}
    assert len({r[6] for r in rows}) <= 2  # one app hash (two if a block lands meanwhile)
