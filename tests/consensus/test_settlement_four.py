"""Settlement from four validators on CometBFT (issue 15, part 5): `braid devnet --validators 4`
with its prover and agent settles a batch attested by at least three validators' vote
extensions; the rollup refuses that batch with too few attestations; a bond changes the set,
the old set's quorum signs the new one in its votes, the agent installs it on L1
(`updateValidators`), and the next batch, attested under the new set, settles too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web3 import Web3
from web3.exceptions import ContractCustomError

from tests.consensus.network import Network, ZkSender, agreed_height
from tests.integration.conftest import until
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.node.devnet import dev_consensus_seed
from zkbraid.node.network import free_base_port
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys
from zkbraid.sdk.client import Wallet
from zkbraid.sdk.staking import Staking
from zkbraid.settlement.l1_contracts import (
    Checkpoint,
    encode_batch,
    load_artifact,
    order_signatures,
    revert_name,
)
from zkbraid.staking.keys import consensus_public_key
from zkbraid.staking.params import ONE_ZKPOW

pytestmark = pytest.mark.integration

MARKET = {"batch_size": 2, "batch_close_ms": 2_000, "batch_close_blocks": 2}


def _b(text: str) -> bytes:
    return bytes.fromhex(text[2:])


def _settled(net: Network, hashes: list[str]) -> bool:
    for node in net.all:
        for h in hashes:
            if (node.client.transaction(h) or {}).get("status") != "settled":
                return False
    return True


def _submission(sub: dict[str, Any], attestations: list[dict[str, str]]) -> Any:
    cp = sub["checkpoint"]
    return encode_batch(
        [_b(r) for r in sub["records"]],
        [_b(p) for p in sub["proofs"]],
        [_b(r) for r in sub["roots"]],
        Checkpoint(_b(cp["fastStateRoot"]), _b(cp["ledgerAppHash"]), cp["ledgerHeight"]),
        order_signatures((_b(a["validator"]), _b(a["signature"])) for a in attestations),
    )


def test_four_validators_attest_settle_and_move_the_set_to_l1(tmp_path: Path) -> None:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)
    build_dev_keys()
    args = ["--validators", "4", "--port", str(free_base_port(4)), "--prover"]
    args += ["--zk-block-ms", "300", *[f"--market={k}={v}" for k, v in MARKET.items()]]
    net = Network.launch(tmp_path / "net", args)
    try:
        v0, v1, v2, v3 = net.all
        l1 = v0.client.rpc.call("braid_bridge")["l1"]
        w3 = Web3(Web3.HTTPProvider(l1["rpc"]))
        artifact = load_artifact("Rollup")
        rollup = w3.eth.contract(address=l1["rollup"], abi=artifact.abi)
        assert rollup.functions.validatorSetNonce().call() == 0
        genesis_set = v1.client.rpc.call("braid_getValidatorSet", 0)
        assert genesis_set["attested"] and len(genesis_set["validators"]) == 4
        l1_validators, l1_stakes = rollup.functions.validatorSet().call()
        assert [a.lower() for a in l1_validators] == genesis_set["validators"]
        assert list(l1_stakes) == genesis_set["stakes"]

        # 1. a batch of two transfers, sent to two nodes, settles through the agent
        first = [ZkSender(v1, 0, 3).send(5), ZkSender(v2, 1, 0).send(6)]
        until("the first batch settled on every node", lambda: _settled(net, first), 300)
        sub = v3.client.rpc.call("braid_getBatchSubmission", 0, 0)
        assert len(sub["attestations"]) >= 3 and sub["validatorSetNonce"] == 0
        signers = [a["validator"] for a in sub["attestations"]]
        assert signers == sorted(signers) and set(signers) <= set(genesis_set["validators"])
        (settled,) = rollup.events.BatchSettled().get_logs(from_block=0)
        posted_at = settled["blockNumber"]

        # 2. the rollup refuses that batch with two of four validators' signatures (at the L1
        # block before the agent posted it), and takes it with all of them
        agent = Web3.to_checksum_address(Wallet.dev(9).address)
        for attestations, refusal in ((sub["attestations"][:2], "InsufficientQuorum"), ([], "")):
            batch = _submission(sub, attestations or sub["attestations"])
            call = rollup.functions.submitBatch(*batch.args())
            try:
                call.call({"from": agent, "gas": 8_000_000}, block_identifier=posted_at - 1)
                refused = ""
            except ContractCustomError as e:
                refused = revert_name(artifact, e)
            assert refused == refusal

        # 3. v0's operator bonds more: set 1, signed by set 0's quorum, reaches L1
        operator = Wallet.dev(9)
        staking = Staking(v2.client)
        key = consensus_public_key(dev_consensus_seed(9))
        staking.wait(staking.send_bond(operator, 500 * ONE_ZKPOW, key))

        def set_one() -> dict[str, Any] | None:
            s: dict[str, Any] = v3.client.rpc.call("braid_getValidatorSet")
            return s if s["current"] >= 1 and s["attested"] else None

        one = until("validator set 1 attested", set_one, 60)
        assert one["nonce"] == 1 and len(one["signatures"]) >= 3
        assert {s["validator"] for s in one["signatures"]} <= set(genesis_set["validators"])
        assert sorted(one["stakes"]) == [*sorted(genesis_set["stakes"])[:3], 1500]
        until(
            "L1 holds validator set 1", lambda: rollup.functions.validatorSetNonce().call() == 1, 60
        )
        l1_validators, l1_stakes = rollup.functions.validatorSet().call()
        assert [a.lower() for a in l1_validators] == one["validators"]
        assert list(l1_stakes) == one["stakes"]

        # 4. the next batch is attested under set 1 and settles on L1
        second = [ZkSender(v3, 2, 1).send(7), ZkSender(v0, 3, 2).send(8)]
        until("the second batch settled on every node", lambda: _settled(net, second), 300)
        index = 0
        while v0.client.batch(index + 1) is not None:
            index += 1
        while not (v0.client.batch(index) or {}).get("aggregatedBy"):
            index -= 1  # the newest bundled batch holds the second transfers
        sub = v0.client.rpc.call("braid_getBatchSubmission", index, index)
        assert sub["validatorSetNonce"] == 1 and len(sub["attestations"]) >= 3
        assert "installed validator set 1" in (tmp_path / "net" / "agent.log").read_text()
        agreed_height(net.all)
    finally:
        net.stop()
