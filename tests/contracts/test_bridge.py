"""The bridge: deposits with a deadline, refunds, Deposit and Withdraw records of accepted
batches, claims. Batches here go through `RollupWithoutProofs` (the rollup with its proof check
replaced by a switch), so that records can be built by hand for every case; test_rollup.py runs
the same records with real proofs."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.logs import DISCARD

from tests.contracts.l1 import (
    SETTINGS,
    L1Rollup,
    Validators,
    deploy,
    deposit_record,
    latest_timestamp,
    made_up_batch,
    mine_at,
    transfer_record,
    withdraw_record,
)
from zkbraid.settlement.l1_contracts import BatchSubmission, load_artifact

VALIDATORS = Validators((1,))
GENESIS = 1
ETH = 10**18
PENDING, INCLUDED, REFUNDED = 1, 2, 3


@pytest.fixture
def rollup(w3: Web3, vkey_json: str) -> L1Rollup:
    return deploy(w3, vkey_json, GENESIS, VALIDATORS, artifact="RollupWithoutProofs")


def user(w3: Web3, i: int) -> str:
    return str(w3.eth.accounts[i])


def addr(account: str) -> bytes:
    return bytes.fromhex(account[2:])


def batch(rollup: L1Rollup, records: list[bytes]) -> BatchSubmission:
    return made_up_batch(rollup, records)


def deposit(rollup: L1Rollup, sender: str, recipient: str, amount: int) -> int:
    receipt = rollup.send(rollup.contract.functions.deposit(recipient), sender, amount)
    (event,) = rollup.contract.events.Deposited().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["id"])


def status(rollup: L1Rollup, deposit_id: int) -> int:
    return int(rollup.contract.functions.depositOf(deposit_id).call()[2])


def test_deposits_get_sequential_ids_and_a_deadline(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    for expected in range(3):
        receipt = rollup.send(f.deposit(user(w3, 4)), user(w3, 5), ETH + expected)
        (event,) = rollup.contract.events.Deposited().process_receipt(receipt, errors=DISCARD)
        block = w3.eth.get_block(receipt["blockNumber"])
        assert event["args"]["id"] == expected
        assert event["args"]["recipient"] == user(w3, 4)
        assert event["args"]["amount"] == ETH + expected
        assert event["args"]["deadline"] == block["timestamp"] + SETTINGS.deposit_timeout
        stored = tuple(f.depositOf(expected).call())
        assert stored == (
            user(w3, 5),
            event["args"]["deadline"],
            PENDING,
            user(w3, 4),
            ETH + expected,
        )
    assert f.depositCount().call() == 3
    assert w3.eth.get_balance(rollup.address) == 3 * ETH + 3


def test_invalid_deposits(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    assert rollup.error_of(f.deposit(user(w3, 4)), user(w3, 5), 0) == "ZeroDeposit"
    zero = "0x" + "00" * 20
    assert rollup.error_of(f.deposit(zero), user(w3, 5), 1) == "ZeroRecipient"


def test_refund_once_after_the_deadline(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    depositor = user(w3, 5)
    i = deposit(rollup, depositor, user(w3, 4), ETH)
    deadline = f.depositOf(i).call()[1]
    assert rollup.error_of(f.refund(i)) == "DepositNotExpired"
    mine_at(w3, deadline)  # at the deadline: still too early
    assert rollup.error_of(f.refund(i)) == "DepositNotExpired"
    mine_at(w3, deadline + 1)
    before = w3.eth.get_balance(depositor)
    rollup.send(f.refund(i), user(w3, 6))
    assert w3.eth.get_balance(depositor) == before + ETH
    assert status(rollup, i) == REFUNDED
    assert rollup.error_of(f.refund(i)) == "DepositAlreadyRefunded"
    assert rollup.error_of(f.refund(i + 1)) == "UnknownDeposit"


def test_deposit_included_once(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    recipient = user(w3, 4)
    i = deposit(rollup, user(w3, 5), recipient, ETH)
    record = deposit_record(i, 3, addr(recipient), ETH)
    receipt = rollup.submit(batch(rollup, [transfer_record(0, 1, 5), record]))
    (included,) = rollup.contract.events.DepositIncluded().process_receipt(receipt, errors=DISCARD)
    assert (included["args"]["id"], included["args"]["batchIndex"]) == (i, 0)
    assert status(rollup, i) == INCLUDED
    mine_at(w3, latest_timestamp(w3) + SETTINGS.deposit_timeout + 1)
    assert rollup.error_of(f.refund(i)) == "DepositAlreadyIncluded"
    assert rollup.refused(batch(rollup, [record])) == ("DepositAlreadyIncluded", (i,))


def test_invalid_batch_including_a_refunded_deposit(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    i = deposit(rollup, user(w3, 5), user(w3, 4), ETH)
    mine_at(w3, f.depositOf(i).call()[1] + 1)
    rollup.send(f.refund(i))
    record = deposit_record(i, 3, addr(user(w3, 4)), ETH)
    assert rollup.refused(batch(rollup, [record])) == ("DepositAlreadyRefunded", (i,))


def test_deposit_after_its_deadline_but_before_a_refund_is_included(
    w3: Web3, rollup: L1Rollup
) -> None:
    """Refund and inclusion race after the deadline; whichever comes first wins (once)."""
    f = rollup.contract.functions
    i = deposit(rollup, user(w3, 5), user(w3, 4), ETH)
    mine_at(w3, f.depositOf(i).call()[1] + 10)
    rollup.submit(batch(rollup, [deposit_record(i, 3, addr(user(w3, 4)), ETH)]))
    assert rollup.error_of(f.refund(i)) == "DepositAlreadyIncluded"


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("unknown", "UnknownDeposit"),
        ("recipient", "DepositMismatch"),
        ("amount", "DepositMismatch"),
        ("token", "NotEthToken"),
        ("fee", "DepositFeeNotZero"),
        ("twice", "DepositAlreadyIncluded"),
    ],
)
def test_invalid_deposit_records(w3: Web3, rollup: L1Rollup, case: str, error: str) -> None:
    recipient = addr(user(w3, 4))
    i = deposit(rollup, user(w3, 5), user(w3, 4), ETH)
    good = deposit_record(i, 3, recipient, ETH)
    records = {
        "unknown": [deposit_record(i + 1, 3, recipient, ETH)],
        "recipient": [deposit_record(i, 3, addr(user(w3, 6)), ETH)],
        "amount": [deposit_record(i, 3, recipient, ETH + 1)],
        "token": [deposit_record(i, 3, recipient, ETH, token=1)],
        "fee": [deposit_record(i, 3, recipient, ETH, fee=1)],
        "twice": [good, transfer_record(0, 1, 1), good],
    }[case]
    assert rollup.refused(batch(rollup, records))[0] == error
    assert status(rollup, i) == PENDING


def test_withdrawals_are_claimed_once(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    deposit(rollup, user(w3, 5), user(w3, 4), 3 * ETH)  # the ETH the withdrawals are paid from
    a, b = addr(user(w3, 7)), addr(user(w3, 8))
    records = [withdraw_record(1, a, ETH), transfer_record(0, 1, 1), withdraw_record(2, b, 2 * ETH)]
    receipt = rollup.submit(batch(rollup, records))
    events = rollup.contract.events.WithdrawalClaimable().process_receipt(receipt, errors=DISCARD)
    assert [(e["args"]["id"], e["args"]["recipient"], e["args"]["amount"]) for e in events] == [
        (0, user(w3, 7), ETH),
        (1, user(w3, 8), 2 * ETH),
    ]
    assert f.withdrawalCount().call() == 2
    before = w3.eth.get_balance(user(w3, 8))
    rollup.send(f.claim(1), user(w3, 9))
    assert w3.eth.get_balance(user(w3, 8)) == before + 2 * ETH
    assert tuple(f.withdrawalOf(1).call()) == ("0x" + "00" * 20, 0)
    assert rollup.error_of(f.claim(1)) == "AlreadyClaimed"
    assert rollup.error_of(f.claim(2)) == "UnknownWithdrawal"
    rollup.send(f.claim(0))
    assert rollup.error_of(f.claim(0)) == "AlreadyClaimed"
    assert w3.eth.get_balance(rollup.address) == 0


def test_invalid_withdraw_records(w3: Web3, rollup: L1Rollup) -> None:
    a = addr(user(w3, 7))
    not_eth = batch(rollup, [withdraw_record(1, a, ETH, token=2)])
    assert rollup.refused(not_eth) == ("NotEthToken", (2,))
    too_large = batch(rollup, [withdraw_record(1, a, 2**96)])
    assert rollup.refused(too_large) == ("AmountTooLarge", (2**96,))


def test_a_failed_payment_changes_nothing(w3: Web3, rollup: L1Rollup) -> None:
    """A recipient that refuses ETH (a contract without a payable fallback): the claim reverts
    PaymentFailed and stays claimable."""
    counter = load_artifact("Counter")
    factory = w3.eth.contract(abi=counter.abi, bytecode=counter.bytecode)
    tx = factory.constructor().transact({"from": user(w3, 0), "gas": 1_000_000})
    refuser = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    deposit(rollup, user(w3, 5), user(w3, 4), ETH)
    rollup.submit(batch(rollup, [withdraw_record(1, addr(refuser), ETH)]))
    f = rollup.contract.functions
    assert rollup.error_of(f.claim(0)) == "PaymentFailed"
    assert tuple(f.withdrawalOf(0).call()) == (refuser, ETH)


def test_invalid_proof_leaves_the_bridge_alone(w3: Web3, rollup: L1Rollup) -> None:
    """A batch whose proof check fails marks no deposit and makes nothing claimable."""
    i = deposit(rollup, user(w3, 5), user(w3, 4), ETH)
    records = [
        deposit_record(i, 3, addr(user(w3, 4)), ETH),
        withdraw_record(1, addr(user(w3, 7)), 1),
    ]
    rollup.send(rollup.contract.functions.setProofsValid(False))
    assert rollup.refused(batch(rollup, records))[0] == "InvalidBatchProof"
    assert status(rollup, i) == PENDING
    assert rollup.contract.functions.withdrawalCount().call() == 0
