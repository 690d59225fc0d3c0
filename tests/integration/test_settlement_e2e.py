"""Settlement end to end on anvil with a real prover: ZK transfers are proven, bundled, posted to
the rollup by `braid agent run` in its slot (the rollup verifies all proofs in one batched
pairing check and the validators' attestation), observed back by the chain at the confirmation
depth, and end `settled`; L1's state root is the chain's; the agent is paid in ZKPoW."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from web3 import Web3

from tests.integration.conftest import BRAID, ROOT, market_node, until
from tests.integration.test_market_e2e import ProverProcess
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.settlement.l1_contracts import load_artifact

MARKET = {
    "batch_size": 2,
    "batch_close_ms": 3_000,
    "batch_close_blocks": 2,
    # no premiums with one prover, so the pool keeps a surplus the agent's share is paid from
    "bounty_scarcity_cap_bps": 10_000,
    "bounty_time_cap_bps": 10_000,
}


def test_batches_are_posted_by_the_agent_and_settled(tmp_path: Path) -> None:
    node = market_node(tmp_path / "a", MARKET)
    key = tmp_path / "prover.json"
    Wallet.generate().save(str(key))
    prover = ProverProcess(node.url, key)
    agent_key = tmp_path / "agent.json"
    agent_wallet = Wallet.dev(5)  # has L1 ETH for gas
    agent_wallet.save(str(agent_key))
    agent_log = open(tmp_path / "agent.log", "wb")  # noqa: SIM115 - closed below
    agent = subprocess.Popen(
        [*BRAID, "--rpc", node.url, "agent", "run", "--key", str(agent_key), "--poll-ms", "200"],
        stdout=subprocess.DEVNULL,
        stderr=agent_log,
        cwd=ROOT,
    )
    try:
        client = BraidClient(node.url)
        zkpow_before = client.zkpow_balance(agent_wallet.address)
        until("an active prover", lambda: (client.prover(prover.address) or {}).get("active"))
        hashes = [client.send_transfer(Wallet.dev(i), 5, 1 + i) for i in range(3)]
        statuses = until(
            "every transaction settled",
            lambda: (
                all((client.transaction(h) or {}).get("status") == "settled" for h in hashes)
                and [client.transaction(h) for h in hashes]
            ),
            timeout=300,
        )
        assert all(s["proof"]["prover"].lower() == prover.address for s in statuses)
        info = client.rpc.call("braid_bridge")["l1"]
        w3 = Web3(Web3.HTTPProvider(info["rpc"]))
        rollup = w3.eth.contract(address=info["rollup"], abi=load_artifact("Rollup").abi)
        assert rollup.functions.batchCount().call() == 2  # batches of 2: [2, 1]
        last = client.rpc.call("zk_getTransaction", hashes[-1])
        assert "0x" + bytes(rollup.functions.stateRoot().call()).hex() == last["result"]["newRoot"]
        # the agent is paid its share (10%) of the batches' fees, out of the pool's surplus
        fees = sum(int(client.batch(i)["fees"]) for i in range(2))  # type: ignore[index]
        until(
            "the agent paid",
            lambda: client.zkpow_balance(agent_wallet.address) == zkpow_before + fees // 10,
            timeout=30,
        )
    finally:
        agent.send_signal(signal.SIGINT)
        prover.proc.send_signal(signal.SIGINT)
        for p in (agent, prover.proc):
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        agent_log.close()
        node.stop()
    text = (tmp_path / "agent.log").read_text()
    assert "registered" in text and "posted batch 0 as L1 batch 0" in text, text
