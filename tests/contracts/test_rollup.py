"""`Rollup.submitBatch` on anvil with real proofs (conftest.py's chain: a Transfer, a Deposit, a
Withdraw and a Transfer, proven by the native prover and snarkjs). A valid batch settles; each
invalid one is refused with its named error, and the failed transaction changes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from web3 import Web3
from web3.logs import DISCARD

from tests.contracts.conftest import (
    DEPOSIT_AMOUNT,
    WITHDRAW_AMOUNT,
    WITHDRAW_TO,
    ProvenChain,
)
from tests.contracts.l1 import (
    CHECKPOINT,
    SETTINGS,
    L1Rollup,
    Validators,
    deploy,
    latest_timestamp,
    mine_at,
)
from zkbraid.proving.verifying_key import verifying_key_hash
from zkbraid.settlement.l1_contracts import (
    BatchSubmission,
    Checkpoint,
    batch_data_hash,
    next_history_hash,
)
from zkbraid.zk.genesis import dev_eth_address

# Stake-weighted: 40 + 30 = 70 > 2/3 of 100; 40 + 20 = 60 and 10 + 20 + 30 = 60 are not.
VALIDATORS = Validators((10, 20, 30, 40))
DEPOSITOR = 5  # anvil account that makes the L1 deposit


@pytest.fixture
def rollup(w3: Web3, vkey_json: str, chain: ProvenChain) -> L1Rollup:
    """A rollup at the chain's genesis root, with deposit 0 made on L1 as the chain's Deposit
    credits it."""
    rollup = deploy(w3, vkey_json, chain.genesis_root, VALIDATORS)
    recipient = Web3.to_checksum_address(dev_eth_address(2))
    rollup.send(
        rollup.contract.functions.deposit(recipient), w3.eth.accounts[DEPOSITOR], DEPOSIT_AMOUNT
    )
    return rollup


def whole(
    rollup: L1Rollup,
    chain: ProvenChain,
    lo: int = 0,
    hi: int = 4,
    *,
    checkpoint: Checkpoint = CHECKPOINT,
    signers: list[int] | None = None,
    signatures: bytes | None = None,
) -> BatchSubmission:
    """The submission of chain.txs[lo:hi]."""
    return rollup.batch(
        chain.records(lo, hi),
        chain.proofs(lo, hi),
        chain.roots(lo, hi),
        checkpoint=checkpoint,
        signers=signers,
        signatures=signatures,
    )


def test_verifying_key_hash_is_the_genesis_hash(rollup: L1Rollup, vkey_json: str) -> None:
    assert bytes(rollup.contract.functions.verifyingKeyHash().call()) == verifying_key_hash(
        vkey_json
    )


def test_batch_of_mixed_backends_settles(w3: Web3, rollup: L1Rollup, chain: ProvenChain) -> None:
    assert {t.backend for t in chain.txs} == {"native", "snarkjs"}
    f = rollup.contract.functions
    batch = whole(rollup, chain)
    receipt = rollup.submit(batch)

    new_root = chain.txs[-1].new_root.to_bytes(32, "big")
    genesis = chain.genesis_root.to_bytes(32, "big")
    history = next_history_hash(
        genesis, 0, genesis, new_root, batch_data_hash(chain.records(0, 4)), CHECKPOINT
    )
    assert rollup.state() == (new_root, 1, history)
    assert f.lastLedgerHeight().call() == CHECKPOINT.ledger_height
    (settled,) = rollup.contract.events.BatchSettled().process_receipt(receipt, errors=DISCARD)
    assert settled["args"]["batchIndex"] == 0
    assert bytes(settled["args"]["newRoot"]) == new_root
    assert bytes(settled["args"]["previousRoot"]) == genesis
    assert bytes(settled["args"]["dataHash"]) == batch.data_hash
    assert settled["args"]["txCount"] == 4
    assert settled["args"]["submitter"] == rollup.agent

    # The Deposit record marked L1 deposit 0 included: it can no longer be refunded.
    (included,) = rollup.contract.events.DepositIncluded().process_receipt(receipt, errors=DISCARD)
    assert (included["args"]["id"], included["args"]["batchIndex"]) == (0, 0)
    mine_at(w3, latest_timestamp(w3) + SETTINGS.deposit_timeout + 1)
    assert rollup.error_of(f.refund(0)) == "DepositAlreadyIncluded"

    # The Withdraw record made its amount claimable, once.
    events = rollup.contract.events
    (claimable,) = events.WithdrawalClaimable().process_receipt(receipt, errors=DISCARD)
    assert claimable["args"]["id"] == 0
    assert claimable["args"]["recipient"] == Web3.to_checksum_address(WITHDRAW_TO)
    assert claimable["args"]["amount"] == WITHDRAW_AMOUNT
    balance = w3.eth.get_balance(Web3.to_checksum_address(WITHDRAW_TO))
    rollup.send(f.claim(0), w3.eth.accounts[7])  # anyone may claim; the recipient is paid
    assert w3.eth.get_balance(Web3.to_checksum_address(WITHDRAW_TO)) == balance + WITHDRAW_AMOUNT
    assert w3.eth.get_balance(rollup.address) == DEPOSIT_AMOUNT - WITHDRAW_AMOUNT
    assert rollup.error_of(f.claim(0)) == "AlreadyClaimed"
    assert rollup.error_of(f.claim(1)) == "UnknownWithdrawal"


def test_two_batches_in_a_row(rollup: L1Rollup, chain: ProvenChain) -> None:
    first = whole(rollup, chain, 0, 2)
    rollup.submit(first)
    later = Checkpoint(b"\x01" * 32, b"\x02" * 32, 9)
    second = whole(rollup, chain, 2, 4, checkpoint=later)
    rollup.submit(second)
    t, genesis = chain.txs, chain.genesis_root
    history = next_history_hash(
        genesis.to_bytes(32, "big"), 0, genesis, t[1].new_root, first.data_hash, CHECKPOINT
    )
    history = next_history_hash(history, 1, t[1].new_root, t[3].new_root, second.data_hash, later)
    assert rollup.state() == (t[3].new_root.to_bytes(32, "big"), 2, history)


def test_invalid_batch_not_at_the_current_root(rollup: L1Rollup, chain: ProvenChain) -> None:
    assert rollup.refused(whole(rollup, chain, 2, 4))[0] == "PreviousRootMismatch"
    rollup.submit(whole(rollup, chain, 0, 2))
    assert rollup.refused(whole(rollup, chain, 0, 2))[0] == "PreviousRootMismatch"  # replay


def test_invalid_root_chain_broken(rollup: L1Rollup, chain: ProvenChain) -> None:
    """Proofs of transactions 0 and 2 (1 left out): tx 2's proof starts at root 2, not root 1."""
    t = chain.txs
    roots = [t[0].old_root, t[0].new_root, t[2].new_root]
    batch = rollup.batch([t[0].record, t[2].record], [t[0].proof, t[2].proof], roots)
    assert rollup.refused(batch)[0] == "InvalidBatchProof"


def test_invalid_record_not_matching_its_proof(rollup: L1Rollup, chain: ProvenChain) -> None:
    records = chain.records(0, 4)
    first = bytearray(records[0])
    first[-1] ^= 1  # the Transfer's amount
    records[0] = bytes(first)
    batch = rollup.batch(records, chain.proofs(0, 4), chain.roots(0, 4))
    assert rollup.refused(batch)[0] == "InvalidBatchProof"


def test_invalid_tampered_proof(rollup: L1Rollup, chain: ProvenChain) -> None:
    proofs = chain.proofs(0, 4)
    raw = bytearray(proofs[1])
    raw[200] ^= 0x01  # a bit of C.x: (almost surely) no longer on the curve
    proofs[1] = bytes(raw)
    batch = rollup.batch(chain.records(0, 4), proofs, chain.roots(0, 4))
    assert rollup.refused(batch)[0] == "InvalidBatchProof"


def test_invalid_proofs_swapped(rollup: L1Rollup, chain: ProvenChain) -> None:
    proofs = chain.proofs(0, 4)
    proofs[0], proofs[1] = proofs[1], proofs[0]
    batch = rollup.batch(chain.records(0, 4), proofs, chain.roots(0, 4))
    assert rollup.refused(batch)[0] == "InvalidBatchProof"


def test_invalid_too_few_attestations(rollup: L1Rollup, chain: ProvenChain) -> None:
    for signers in ([3, 1], [0, 1, 2], [3], []):
        name, args = rollup.refused(whole(rollup, chain, signers=signers))
        assert name == "InsufficientQuorum"
        assert args[1] == 100
    rollup.submit(whole(rollup, chain, signers=[3, 2]))  # 70 of 100


def test_invalid_duplicated_or_unordered_signers(rollup: L1Rollup, chain: ProvenChain) -> None:
    from zkbraid.settlement.l1_contracts import sign_digest

    digest = rollup.digest(chain.records(0, 4), chain.txs[3].new_root, CHECKPOINT)
    signed = sorted(sign_digest(rollup.validators.keys[i], digest) for i in (1, 2, 3))
    (_, s1), (_, s2), (_, s3) = signed
    duplicated = whole(rollup, chain, signatures=s1 + s1 + s2)
    name, args = rollup.refused(duplicated)
    assert name == "DuplicateSigner"
    assert args[0].lower() == "0x" + signed[0][0].hex()
    assert rollup.refused(whole(rollup, chain, signatures=s2 + s1 + s3))[0] == "SignersNotAscending"
    rollup.submit(whole(rollup, chain, signatures=s1 + s2 + s3))


def test_invalid_malleable_or_foreign_signature(rollup: L1Rollup, chain: ProvenChain) -> None:
    from eth_account import Account

    from zkbraid.settlement.l1_contracts import sign_digest

    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    digest = rollup.digest(chain.records(0, 4), chain.txs[3].new_root, CHECKPOINT)
    signed = sorted(sign_digest(rollup.validators.keys[i], digest) for i in (2, 3))
    (_, low), (_, other) = signed
    r, s, v = low[:32], int.from_bytes(low[32:64], "big"), low[64]
    twin = r + (n - s).to_bytes(32, "big") + bytes([55 - v])  # the same signer, s > n/2
    assert rollup.refused(whole(rollup, chain, signatures=twin + other))[0] == "MalleableSignature"
    stranger = sign_digest(bytes([0x77]) * 32, digest)
    name, args = rollup.refused(whole(rollup, chain, signatures=stranger[1]))
    stranger_address = Account.from_key(bytes([0x77]) * 32).address
    assert (name, args[0]) == ("NotAValidator", stranger_address)
    bad_v = low[:64] + bytes([29])
    assert rollup.refused(whole(rollup, chain, signatures=bad_v + other))[0] == "InvalidSignature"
    cut = replace(whole(rollup, chain), signatures=low[:64])  # encode_batch refuses it
    assert rollup.refused(cut)[0] == "MalformedSignatures"


def test_invalid_attestation_of_another_checkpoint(rollup: L1Rollup, chain: ProvenChain) -> None:
    """Signatures over the batch with one checkpoint do not attest it with another: the same
    signatures recover other addresses."""
    signed = whole(rollup, chain)
    other = Checkpoint(CHECKPOINT.fast_state_root, b"\x00" * 32, CHECKPOINT.ledger_height)
    forged = rollup.batch(
        chain.records(0, 4),
        chain.proofs(0, 4),
        chain.roots(0, 4),
        checkpoint=other,
        signatures=signed.signatures,
    )
    assert rollup.refused(forged)[0] in {"NotAValidator", "SignersNotAscending", "DuplicateSigner"}


def test_invalid_checkpoint_older_than_the_last(rollup: L1Rollup, chain: ProvenChain) -> None:
    rollup.submit(whole(rollup, chain, 0, 2))
    older = Checkpoint(b"\x01" * 32, b"\x02" * 32, CHECKPOINT.ledger_height - 1)
    assert rollup.refused(whole(rollup, chain, 2, 4, checkpoint=older))[0] == "CheckpointTooOld"


def test_invalid_non_slot_agent_before_the_grace_period(
    w3: Web3, rollup: L1Rollup, chain: ProvenChain
) -> None:
    """Slots of 100 s, the first 60 s exclusive. Agents: 0 (deployer), then 1."""
    other = w3.eth.accounts[1]
    rollup.send(rollup.contract.functions.registerAgent(), other)
    agents = rollup.contract.functions.agents().call()
    assert agents == [rollup.agent, other]
    # The next slot whose agent is account 0.
    k = latest_timestamp(w3) // SETTINGS.slot_seconds + 1
    k += k % 2
    start = k * SETTINGS.slot_seconds
    batch = whole(rollup, chain)
    mine_at(w3, start + 1)
    name, args = rollup.refused(batch, sender=other)
    assert (name, args) == (
        "NotSlotAgent",
        (k, rollup.agent, start + SETTINGS.exclusive_seconds),
    )
    mine_at(w3, start + SETTINGS.exclusive_seconds + 1)
    rollup.submit(batch, sender=other)  # the grace period: any registered agent
    assert rollup.state()[1] == 1


def test_invalid_unregistered_submitter(w3: Web3, rollup: L1Rollup, chain: ProvenChain) -> None:
    k = latest_timestamp(w3) // SETTINGS.slot_seconds + 1
    mine_at(w3, k * SETTINGS.slot_seconds + SETTINGS.exclusive_seconds + 1)
    assert rollup.refused(whole(rollup, chain), sender=w3.eth.accounts[3])[0] == "NotAnAgent"


def test_invalid_batch_including_a_refunded_deposit(
    w3: Web3, rollup: L1Rollup, chain: ProvenChain
) -> None:
    f = rollup.contract.functions
    depositor = w3.eth.accounts[DEPOSITOR]
    deadline = f.depositOf(0).call()[1]
    assert rollup.error_of(f.refund(0)) == "DepositNotExpired"
    mine_at(w3, deadline + 1)
    balance = w3.eth.get_balance(depositor)
    receipt = rollup.send(f.refund(0), w3.eth.accounts[8])  # anyone may trigger it
    assert w3.eth.get_balance(depositor) == balance + DEPOSIT_AMOUNT
    (refunded,) = rollup.contract.events.Refunded().process_receipt(receipt, errors=DISCARD)
    assert refunded["args"]["depositor"] == depositor
    assert rollup.error_of(f.refund(0)) == "DepositAlreadyRefunded"
    name, args = rollup.refused(whole(rollup, chain))
    assert (name, args) == ("DepositAlreadyRefunded", (0,))


def test_invalid_deposit_that_l1_does_not_back(
    w3: Web3, vkey_json: str, chain: ProvenChain
) -> None:
    """The chain's Deposit credits L1 deposit 0 for 1 ETH: without it, or with another amount,
    the batch is refused."""
    bare = deploy(w3, vkey_json, chain.genesis_root, VALIDATORS)
    assert bare.refused(whole(bare, chain))[0] == "UnknownDeposit"
    recipient = Web3.to_checksum_address(dev_eth_address(2))
    bare.send(
        bare.contract.functions.deposit(recipient), w3.eth.accounts[DEPOSITOR], DEPOSIT_AMOUNT - 1
    )
    assert bare.refused(whole(bare, chain)) == ("DepositMismatch", (0,))
