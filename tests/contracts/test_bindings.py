"""`zkbraid.settlement.l1_contracts`: the arguments of submitBatch, its calldata and gas limit."""

from __future__ import annotations

import pytest
from eth_abi.abi import decode
from web3 import Web3

from tests.contracts.l1 import (
    CHECKPOINT,
    Validators,
    deploy,
    deposit_record,
    fake_proofs,
    made_up_batch,
    transfer_record,
    withdraw_record,
)
from zkbraid.proving.proof import Proof
from zkbraid.settlement.l1_contracts import (
    TX_GAS_CAP,
    Checkpoint,
    MalformedBatch,
    encode_batch,
    submit_gas_limit,
)


def test_encode_batch() -> None:
    records = [transfer_record(0, 1, 5), withdraw_record(1, b"\x01" * 20, 9)]
    proofs = fake_proofs(2)
    batch = encode_batch(records, [proofs[0], Proof.from_bytes(proofs[1])], [1, 2, 3], CHECKPOINT)
    assert batch.records == b"".join(records)
    assert batch.proofs == b"".join(proofs)
    assert batch.roots == tuple(i.to_bytes(32, "big") for i in (1, 2, 3))
    assert batch.new_root == (3).to_bytes(32, "big")
    assert (batch.n_transactions, batch.n_signatures, batch.bridge_records()) == (2, 0, 1)
    types = ["bytes", "bytes", "bytes32[]", "(bytes32,bytes32,uint64)", "bytes"]
    args = decode(types, batch.calldata()[4:])
    assert (args[0], args[1], list(args[2]), args[3]) == (
        batch.records,
        batch.proofs,
        list(batch.roots),
        CHECKPOINT.as_abi(),
    )


@pytest.mark.parametrize(
    ("records", "proofs", "roots", "signatures"),
    [
        ([], [], [1], b""),
        ([b"\x13" + bytes(20)], [], [1, 2], b""),
        ([b"\x13" + bytes(20)], fake_proofs(1), [1], b""),
        ([b"\x13" + bytes(20)], [bytes(255)], [1, 2], b""),
        ([b"\x13" + bytes(20)], fake_proofs(1), [1, 2], bytes(64)),
        ([b"\x13" + bytes(20)], fake_proofs(1), [1, 2**256], b""),
    ],
)
def test_invalid_batch_arguments(
    records: list[bytes], proofs: list[bytes], roots: list[int], signatures: bytes
) -> None:
    with pytest.raises(MalformedBatch):
        encode_batch(records, proofs, roots, CHECKPOINT, signatures)


def test_invalid_checkpoint() -> None:
    with pytest.raises(MalformedBatch):
        Checkpoint(b"\x00" * 31, b"\x00" * 32, 1)
    with pytest.raises(MalformedBatch):
        Checkpoint(b"\x00" * 32, b"\x00" * 32, 2**64)


def test_invalid_records_for_the_gas_limit() -> None:
    for records in ([b"\x42" + bytes(20)], [transfer_record(0, 1, 5)[:-1]]):
        with pytest.raises(MalformedBatch):
            encode_batch(records, fake_proofs(1), [1, 2], CHECKPOINT).bridge_records()


def test_gas_limit_covers_a_batch_of_withdrawals_and_deposits(w3: Web3, vkey_json: str) -> None:
    validators = Validators((1, 1, 1, 1))
    rollup = deploy(w3, vkey_json, 1, validators, artifact="RollupWithoutProofs")
    recipient = bytes.fromhex(w3.eth.accounts[4][2:])
    for _ in range(6):
        rollup.send(rollup.contract.functions.deposit(w3.eth.accounts[4]), value=10)
    records = [withdraw_record(1, bytes([i + 1]) * 20, 1) for i in range(10)]
    records += [deposit_record(i, 3, recipient, 10) for i in range(6)]
    batch = made_up_batch(rollup, records)
    tx = rollup.contract.functions.submitBatch(*batch.args()).transact(
        {"from": rollup.agent, "gas": batch.gas_limit()}
    )
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] < batch.gas_limit()
    assert submit_gas_limit(10_000) == TX_GAS_CAP
