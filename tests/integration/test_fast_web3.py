"""An unmodified web3.py client deploys and calls a contract on the fast chain through the node."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from tests.integration.conftest import ROOT, NodeProcess
from zkbraid.node.devnet import dev_accounts

ARTIFACT = json.loads((ROOT / "contracts/artifacts/Counter.json").read_text())
FAST_CHAIN_ID = 0x7A6C


@pytest.fixture(scope="module")
def w3(node: NodeProcess) -> Web3:
    return Web3(Web3.HTTPProvider(node.url))


def test_chain_identity(w3: Web3) -> None:
    assert w3.eth.chain_id == FAST_CHAIN_ID
    assert w3.is_connected()
    assert w3.eth.block_number >= 0
    assert w3.eth.gas_price > 0


def test_deploy_call_transact_and_logs(w3: Web3) -> None:
    acct = dev_accounts(1)[0]
    counter = w3.eth.contract(abi=ARTIFACT["abi"], bytecode=ARTIFACT["bytecode"])
    tx = counter.constructor().build_transaction(
        {"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address, "pending")}
    )
    signed = acct.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction), timeout=30, poll_latency=0.05
    )
    assert receipt.status == 1
    assert receipt.contractAddress is not None
    assert w3.eth.get_code(receipt.contractAddress) == bytes.fromhex(
        ARTIFACT["deployedBytecode"][2:]
    )
    c = w3.eth.contract(address=receipt.contractAddress, abi=ARTIFACT["abi"])
    assert c.functions.count().call() == 0
    assert c.functions.increment(5).call({"from": acct.address}) == 5

    tx = c.functions.increment(7).build_transaction(
        {"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address, "pending")}
    )
    r = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction),
        timeout=30,
        poll_latency=0.05,
    )
    assert r.status == 1
    assert c.functions.count().call() == 7
    events = c.events.Incremented().process_receipt(r)
    assert events[0]["args"]["newCount"] == 7
    assert events[0]["args"]["by"] == acct.address
    logs = w3.eth.get_logs(
        {"address": c.address, "fromBlock": r.blockNumber, "toBlock": r.blockNumber}
    )
    assert len(logs) == 1 and logs[0]["transactionHash"] == r.transactionHash

    with pytest.raises(ContractLogicError, match="by out of range"):
        c.functions.increment(0).call({"from": acct.address})

    block = w3.eth.get_block(r.blockNumber, full_transactions=True)
    assert block["transactions"][0]["hash"] == r.transactionHash


def test_value_transfer_exact_balances(w3: Web3) -> None:
    sender = dev_accounts(2)[1]
    receiver = Account.create()
    before = w3.eth.get_balance(sender.address)
    tx = {
        "to": receiver.address,
        "value": 12345,
        "gas": 21000,
        "maxFeePerGas": w3.eth.gas_price * 2,
        "maxPriorityFeePerGas": 1,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": FAST_CHAIN_ID,
    }
    r = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction),
        timeout=30,
        poll_latency=0.05,
    )
    assert r.status == 1 and r.gasUsed == 21000
    assert w3.eth.get_balance(receiver.address) == 12345
    assert w3.eth.get_balance(sender.address) == before - 12345 - 21000 * r.effectiveGasPrice


def test_legacy_eip155_transaction(w3: Web3) -> None:
    sender = dev_accounts(3)[2]
    tx = {
        "to": "0x000000000000000000000000000000000000dEaD",
        "value": 1,
        "gas": 21000,
        "gasPrice": w3.eth.gas_price,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": FAST_CHAIN_ID,
    }
    r = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction),
        timeout=30,
        poll_latency=0.05,
    )
    assert r.status == 1 and r.type == 0


@pytest.mark.parametrize(
    "mutate, error",
    [
        (lambda tx: {**tx, "chainId": 1}, "WrongChainId"),
        (lambda tx: {**tx, "nonce": tx["nonce"] + 5}, "NonceTooHigh"),
        (lambda tx: {**tx, "value": 10**30}, "InsufficientFunds"),
        (lambda tx: {**tx, "gas": 20000}, "IntrinsicGasTooLow"),
    ],
)
def test_invalid_fast_transactions_get_named_errors(
    w3: Web3, node: NodeProcess, mutate: object, error: str
) -> None:
    import requests

    sender = dev_accounts(4)[3]
    tx = {
        "to": "0x000000000000000000000000000000000000dEaD",
        "value": 1,
        "gas": 21000,
        "maxFeePerGas": w3.eth.gas_price * 2,
        "maxPriorityFeePerGas": 1,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": FAST_CHAIN_ID,
    }
    bad = mutate(tx)  # type: ignore[operator]
    raw = sender.sign_transaction(bad).raw_transaction
    before = w3.eth.get_balance(sender.address)
    reply = requests.post(
        node.url,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_sendRawTransaction",
            "params": [raw.to_0x_hex()],
        },
        timeout=10,
    ).json()
    assert reply["error"]["data"]["error"] == error, reply
    assert w3.eth.get_balance(sender.address) == before


def test_invalid_malformed_raw_transaction(node: NodeProcess) -> None:
    import requests

    reply = requests.post(
        node.url,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_sendRawTransaction",
            "params": ["0xdeadbeef"],
        },
        timeout=10,
    ).json()
    assert reply["error"]["data"]["error"] == "MalformedTransaction"
