"""Settlement end to end on anvil with a real prover (issue 13): an L1 deposit is credited on
the ZK chain; a transfer and a withdrawal are proven, bundled, posted to the rollup by
`braid agent run` in its slot (all proofs in one batched pairing check, the validators'
attestation checked), observed back at the confirmation depth and end `settled`; L1's state
root is the chain's; the withdrawal is claimed once on L1; the agent is paid in ZKPoW; a deposit
never credited is refunded once after its deadline."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from web3 import Web3

from tests.integration.conftest import BRAID, ROOT, NodeProcess, until
from tests.integration.test_market_e2e import ProverProcess
from zkbraid.sdk.bridge import Bridge, ClaimFailed
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.settlement.l1_contracts import load_artifact

MARKET = {
    "batch_size": 4,
    "batch_close_ms": 3_000,
    "batch_close_blocks": 2,
}
DEPOSIT_TIMEOUT_S = 25


def _node(data_dir: Path) -> NodeProcess:
    extra = ["--fast-block-ms", "20", "--zk-block-ms", "300"]
    extra += [f"--market={k}={v}" for k, v in MARKET.items()]
    extra += ["--bridge", "inclusion_margin_s=5", "--deposit-timeout-s", str(DEPOSIT_TIMEOUT_S)]
    node = NodeProcess(data_dir, extra)
    node.start()
    return node


def test_deposit_transfer_withdraw_settle_claim_and_refund(tmp_path: Path) -> None:
    node = _node(tmp_path / "a")
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
        bridge = Bridge(client)
        w3: Web3 = bridge.w3
        rollup = w3.eth.contract(address=bridge.rollup, abi=load_artifact("Rollup").abi)
        alice, bob = Wallet.dev(6), Wallet.dev(7)
        a, b = client.account_index(alice.address), client.account_index(bob.address)
        zkpow_before = client.zkpow_balance(agent_wallet.address)
        nobody = Wallet.generate().address
        stranded = bridge.deposit(Wallet.dev(8), 4_321, nobody)  # no ZK account: never credited

        # L1 → ZK: alice deposits 10^6 wei, credited once
        alice_zk = client.zk_balance(a, 0)
        deposit = bridge.deposit(alice, 1_000_000)
        credited = bridge.wait_credited(deposit.deposit_id, 60)
        assert client.zk_balance(a, 0) == alice_zk + 1_000_000
        until("an active prover", lambda: (client.prover(prover.address) or {}).get("active"))

        # ZK: a transfer to bob, then bob withdraws to an L1 address of his
        l1_bob = Wallet.generate().address
        bob_zk = client.zk_balance(b, 0)
        transfer = client.wait(client.send_transfer(alice, b, 300_000))
        # more than was ever deposited: the devnet's bridge backs its genesis token-0 balances
        amount = 10**18 + 200_000
        withdraw = client.wait(client.send_withdraw(bob, amount, l1_bob))
        assert client.zk_balance(b, 0) == bob_zk + 300_000 - amount
        hashes = [credited["creditedBy"], transfer["hash"], withdraw["hash"]]
        until(
            "every transaction settled",
            lambda: all((client.transaction(h) or {}).get("status") == "settled" for h in hashes),
            timeout=300,
        )
        last = client.transaction(hashes[-1])
        assert last is not None
        l1_root = int.from_bytes(bytes(rollup.functions.stateRoot().call()), "big")
        assert l1_root == int(last["result"]["newRoot"], 16)

        # `braid batches` shows the batch settled
        shown = subprocess.run(
            [*BRAID, "--rpc", node.url, "batches"], capture_output=True, text=True, cwd=ROOT
        )
        assert shown.returncode == 0 and "batch    0  settled" in shown.stdout, shown.stdout

        # L1: bob's withdrawal is claimable once
        (claimable,) = bridge.withdrawals(l1_bob)
        assert claimable["amount"] == str(amount) and not claimable["claimed"]
        claimer = Wallet.dev(4)  # anyone may send the claim; L1 pays the recipient
        before = w3.eth.get_balance(Web3.to_checksum_address(l1_bob))
        bridge.claim(claimer, claimable["id"])
        assert w3.eth.get_balance(Web3.to_checksum_address(l1_bob)) == before + amount
        with pytest.raises(ClaimFailed, match="AlreadyClaimed"):
            bridge.claim(claimer, claimable["id"])

        # the agent is paid its share (10%) of the settled batch's fees, set aside as they came
        # in: the one prover's scarcity premium (4x) cannot eat it
        fees = int(client.batch(0)["fees"])  # type: ignore[index]
        until(
            "the agent paid",
            lambda: client.zkpow_balance(agent_wallet.address) == zkpow_before + fees // 10,
            timeout=30,
        )

        # the stranded deposit: refundable only after its deadline, once, never credited
        with pytest.raises(ClaimFailed, match="DepositNotExpired"):
            bridge.refund(Wallet.dev(8), stranded.deposit_id)
        while w3.eth.get_block("latest")["timestamp"] <= stranded.deadline:
            time.sleep(0.5)
        depositor = Web3.to_checksum_address(Wallet.dev(8).address)
        l1_before = w3.eth.get_balance(depositor)
        refund = w3.eth.get_transaction_receipt(bridge.refund(Wallet.dev(8), stranded.deposit_id))  # type: ignore[arg-type]
        gas = refund["gasUsed"] * refund["effectiveGasPrice"]
        assert w3.eth.get_balance(depositor) == l1_before + 4_321 - gas
        with pytest.raises(ClaimFailed, match="DepositAlreadyRefunded"):
            bridge.refund(Wallet.dev(8), stranded.deposit_id)
        status = bridge.status(stranded.deposit_id)
        assert status is not None and status["status"] == "pending"  # never credited
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
