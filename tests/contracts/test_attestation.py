"""Data-availability attestation and the validator set on L1: the EIP-712 digests (contract,
`zkbraid.settlement.l1_contracts` and eth-account's typed-data encoder agree), the >2/3 stake
quorum, and validator set updates by a quorum of the current set."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from web3 import Web3

from tests.contracts.l1 import CHECKPOINT, L1Rollup, Validators, deploy, made_up_batch
from zkbraid.settlement.l1_contracts import (
    attestation_digest,
    attestation_signatures,
    batch_data_hash,
    validator_set_digest,
)

VALIDATORS = Validators((10, 20, 30, 40))


@pytest.fixture
def rollup(w3: Web3, vkey_json: str) -> L1Rollup:
    return deploy(w3, vkey_json, 1, VALIDATORS, artifact="RollupWithoutProofs")


def _domain(w3: Web3, rollup: L1Rollup) -> dict[str, Any]:
    return {
        "name": "zkbraid",
        "version": "1",
        "chainId": w3.eth.chain_id,
        "verifyingContract": rollup.address,
    }


def _typed_hash(domain: dict[str, Any], types: dict[str, Any], message: dict[str, Any]) -> bytes:
    signable = encode_typed_data(domain_data=domain, message_types=types, message_data=message)
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


def test_attestation_digest_is_eip712(w3: Web3, rollup: L1Rollup) -> None:
    records = [b"\x13" + bytes(20)]
    data_hash = batch_data_hash(records)
    new_root = (12345).to_bytes(32, "big")
    ours = attestation_digest(
        chain_id=w3.eth.chain_id,
        rollup=rollup.address,
        batch_index=3,
        data_hash=data_hash,
        new_root=new_root,
        checkpoint=CHECKPOINT,
    )
    contract = rollup.contract.functions.attestationDigest(
        3,
        data_hash,
        new_root,
        CHECKPOINT.fast_state_root,
        CHECKPOINT.ledger_app_hash,
        CHECKPOINT.ledger_height,
    ).call()
    types = {
        "BatchAttestation": [
            {"name": "batchIndex", "type": "uint256"},
            {"name": "dataHash", "type": "bytes32"},
            {"name": "newRoot", "type": "bytes32"},
            {"name": "fastStateRoot", "type": "bytes32"},
            {"name": "ledgerAppHash", "type": "bytes32"},
            {"name": "ledgerHeight", "type": "uint256"},
        ]
    }
    message = {
        "batchIndex": 3,
        "dataHash": data_hash,
        "newRoot": new_root,
        "fastStateRoot": CHECKPOINT.fast_state_root,
        "ledgerAppHash": CHECKPOINT.ledger_app_hash,
        "ledgerHeight": CHECKPOINT.ledger_height,
    }
    assert ours == bytes(contract) == _typed_hash(_domain(w3, rollup), types, message)


def test_validator_set_digest_is_eip712(w3: Web3, rollup: L1Rollup) -> None:
    new = [VALIDATORS.address(1), VALIDATORS.address(3)]
    stakes = [5, 7]
    ours = validator_set_digest(
        chain_id=w3.eth.chain_id, rollup=rollup.address, nonce=1, validators=new, stakes=stakes
    )
    contract = rollup.contract.functions.validatorSetDigest(1, new, stakes).call()
    types = {
        "ValidatorSet": [
            {"name": "nonce", "type": "uint256"},
            {"name": "validators", "type": "address[]"},
            {"name": "stakes", "type": "uint256[]"},
        ]
    }
    message = {"nonce": 1, "validators": new, "stakes": stakes}
    assert ours == bytes(contract) == _typed_hash(_domain(w3, rollup), types, message)


def test_the_deployed_set(rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    addresses, stakes = f.validatorSet().call()
    ordered = sorted(range(4), key=lambda i: VALIDATORS.addr_bytes(i))
    assert addresses == [VALIDATORS.address(i) for i in ordered]
    assert stakes == [VALIDATORS.stakes[i] for i in ordered]
    assert (f.totalStake().call(), f.validatorSetNonce().call()) == (100, 0)
    assert f.stakeOf(VALIDATORS.address(2)).call() == 30


def test_invalid_exactly_two_thirds_is_not_a_quorum(w3: Web3, vkey_json: str) -> None:
    rollup = deploy(w3, vkey_json, 1, Validators((1, 1, 1)), artifact="RollupWithoutProofs")
    assert rollup.refused(made_up_batch(rollup, signers=[0, 2])) == ("InsufficientQuorum", (2, 3))
    rollup.submit(made_up_batch(rollup, signers=[0, 1, 2]))


def _update_signatures(
    w3: Web3, rollup: L1Rollup, nonce: int, new: list[str], stakes: list[int], signers: list[int]
) -> bytes:
    digest = validator_set_digest(
        chain_id=w3.eth.chain_id, rollup=rollup.address, nonce=nonce, validators=new, stakes=stakes
    )
    return attestation_signatures(digest, [rollup.validators.keys[i] for i in signers])


def test_validator_set_update(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    successor = Validators((1, 2, 3, 4, 5, 6))  # keys 0x01.., 0x02.. as before, and two more
    order = sorted(range(6), key=lambda i: successor.addr_bytes(i))[:3]
    new = [successor.address(i) for i in sorted(order, key=lambda i: successor.addr_bytes(i))]
    stakes = [7, 8, 9]
    call = f.updateValidators(new, stakes, _update_signatures(w3, rollup, 1, new, stakes, [1, 3]))
    assert rollup.error_of(call) == "InsufficientQuorum"  # 20 + 40 of 100
    signatures = _update_signatures(w3, rollup, 1, new, stakes, [2, 3])
    rollup.send(f.updateValidators(new, stakes, signatures))
    assert f.validatorSet().call() == [new, stakes]
    assert (f.totalStake().call(), f.validatorSetNonce().call()) == (24, 1)
    # The same signatures cannot apply the update again (they sign nonce 1).
    assert rollup.error_of(f.updateValidators(new, stakes, signatures)) in {
        "NotAValidator",
        "SignersNotAscending",
        "DuplicateSigner",
    }
    # Batches are now attested by the new set only.
    members = [i for i in range(6) if successor.address(i) in new]
    rollup.validators = successor
    outsiders = [i for i in range(4) if i not in members]
    assert rollup.refused(made_up_batch(rollup, signers=outsiders))[0] == "NotAValidator"
    rollup.submit(made_up_batch(rollup, signers=members))


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("empty", "EmptyValidatorSet"),
        ("lengths", "ValidatorStakeCountMismatch"),
        ("unordered", "ValidatorsNotAscending"),
        ("duplicate", "ValidatorsNotAscending"),
        ("zero address", "ValidatorsNotAscending"),
        ("zero stake", "StakeOutOfRange"),
        ("total too large", "StakeOutOfRange"),
    ],
)
def test_invalid_validator_sets(w3: Web3, rollup: L1Rollup, case: str, error: str) -> None:
    a, b = sorted([VALIDATORS.address(0), VALIDATORS.address(1)], key=lambda s: int(s, 16))
    sets: dict[str, tuple[list[str], list[int]]] = {
        "empty": ([], []),
        "lengths": ([a, b], [1]),
        "unordered": ([b, a], [1, 1]),
        "duplicate": ([a, a], [1, 1]),
        "zero address": (["0x" + "00" * 20], [1]),
        "zero stake": ([a, b], [1, 0]),
        "total too large": ([a, b], [2**63, 2**63]),
    }
    new, stakes = sets[case]
    signatures = _update_signatures(w3, rollup, 1, new, stakes, [0, 1, 2, 3])
    assert (
        rollup.error_of(rollup.contract.functions.updateValidators(new, stakes, signatures))
        == error
    )
