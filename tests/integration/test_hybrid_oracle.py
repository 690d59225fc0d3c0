"""The hybrid end to end on a devnet with its L1, agent and prover (docs/hybrid.md): a move to
the fast chain is credited there, its ZK root reaches the fast chain's ZkRoots oracle and rises
from committed to proven to settled as the prover and the agent do their work; a move back is
paid out of the escrow by a MoveFromFast that the prover proves like any transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from tests.integration.conftest import NodeProcess, until
from zkbraid.fast.system_contracts import FAST_EXIT, ZK_ROOTS, load_system_artifact
from zkbraid.market.fees import FeeSchedule
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.zk.genesis import dev_eth_private_key
from zkbraid.zk.transactions import sign_move_to_fast

AMOUNT = 3 * 10**15


def _contract(w3: Web3, address: bytes, name: str) -> Any:
    abi = load_system_artifact(name).abi
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def test_moves_and_the_oracle_follow_proving_and_settlement(tmp_path: Path) -> None:
    market = ["--market=batch_size=1", "--market=bounty_scarcity_cap_bps=10000"]
    node = NodeProcess(
        tmp_path / "data",
        ["--fast-block-ms", "20", "--zk-block-ms", "300", "--agent", "--prover", *market],
    )
    node.start()
    try:
        client = BraidClient(node.url)
        w3 = Web3(Web3.HTTPProvider(node.url))
        roots = _contract(w3, ZK_ROOTS, "ZkRoots")
        wallet = Wallet.dev(3)
        index = client.account_index(wallet.address)
        owner = Account.from_key(dev_eth_private_key(3))
        fast_before = w3.eth.get_balance(owner.address)
        zk_before = client.zk_balance(index)

        # ZK → fast: the owner's fast-chain coin rises by the amount, the escrow holds it
        move = sign_move_to_fast(
            wallet.l2_key,
            chain_id=client.zk_chain_id,
            from_index=index,
            amount=AMOUNT,
            nonce=client.next_nonce(index),
            fee=FeeSchedule().move_to_fast,
        )
        move_hash = client.send_zk(move)
        until(
            "the fast-chain credit",
            lambda: w3.eth.get_balance(owner.address) == fast_before + AMOUNT,
            timeout=30,
        )
        assert client.zk_balance(index) == zk_before - AMOUNT

        # its root reaches the oracle as committed, then proven, then settled
        tx = client.wait(move_hash)
        root = int(tx["result"]["newRoot"], 16)
        until("the root in ZkRoots", lambda: roots.functions.statusOf(root).call() >= 1, 30)
        until("the root proven", lambda: roots.functions.statusOf(root).call() >= 2, 120)
        until("the root settled", lambda: roots.functions.statusOf(root).call() == 3, 180)
        assert roots.functions.isKnown(root).call()

        # fast → ZK: FastExit burns the coin; a MoveFromFast pays it out of the escrow
        fast_exit = _contract(w3, FAST_EXIT, "FastExit")
        call = fast_exit.functions.exit(index).build_transaction(
            {"from": owner.address, "value": AMOUNT, "gas": 100_000,
             "nonce": w3.eth.get_transaction_count(owner.address),
             "chainId": w3.eth.chain_id, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 0}
        )  # fmt: skip
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(owner.sign_transaction(call).raw_transaction)
        )
        assert receipt["status"] == 1
        until(
            "the exit paid on the ZK chain",
            lambda: client.zk_balance(index) == zk_before,
            timeout=30,
        )
        hybrid = client.rpc.call("braid_getExit", 0)
        assert hybrid["status"] == "paid", hybrid
        paid_by = hybrid["settledBy"]
        until(
            "the MoveFromFast proven",
            lambda: (client.transaction(paid_by) or {}).get("status") in ("proven", "settled"),
            timeout=120,
        )
    finally:
        node.stop()
