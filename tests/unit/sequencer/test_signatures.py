"""Vectors of the one signature rule (sequencer/signatures.py): a (validator, signature) pair of
a signable record, a batch's attestation or a validator set, counts or is refused with its
named reason. Each vector runs through `check_signature` and through the Attest transaction's
rules (`Attestations.check`, `ValidatorSets.check`), which must agree; the vote extensions
(node/app.py) call the same function (tests/unit/sequencer/test_attestations.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from zkbraid.errors import BraidError
from zkbraid.ledger.kv import memory_store
from zkbraid.market.records import Batch
from zkbraid.market.zkpow import ZkpowLedger
from zkbraid.node.devnet import (
    DEV_L1,
    DEV_STAKING,
    dev_accounts,
    dev_consensus_seed,
    dev_validators,
)
from zkbraid.sequencer.attest_tx import Attest
from zkbraid.sequencer.attestations import (
    Attestations,
    BatchAlreadyAttested,
    NotAValidator,
    UnknownAttestationBatch,
)
from zkbraid.sequencer.signatures import (
    BadAttestationSignature,
    DuplicateAttestation,
    Signable,
    check_signature,
    may_sign,
)
from zkbraid.sequencer.validator_sets import (
    NotInPreviousSet,
    UnknownValidatorSet,
    ValidatorSetAlreadyAttested,
    ValidatorSets,
)
from zkbraid.settlement.l1_contracts import Checkpoint, sign_digest
from zkbraid.staking.evidence import Evidence, EvidenceKind
from zkbraid.staking.keys import consensus_address, consensus_public_key
from zkbraid.staking.state import Staking

ACCOUNTS = dev_accounts(10)
KEYS = {i: bytes(ACCOUNTS[i].key) for i in (9, 8, 7, 6, 5)}
"""Dev accounts 9, 8, 7, 6 are the genesis validators; 5 is none."""
ADDR = {i: bytes.fromhex(ACCOUNTS[i].address[2:]) for i in KEYS}


@dataclass
class _Market:
    batches: dict[int, Batch]

    def batch(self, index: int) -> Batch | None:
        return self.batches.get(index)

    def tx_at(self, seq: int) -> bytes | None:
        return seq.to_bytes(32, "big")

    def job(self, job_id: bytes) -> Any:
        return SimpleNamespace(pubdata=job_id)


class Pre:
    """Four validators of equal power (set 0); 6 jailed (set 1: 9, 8, 7), then 7 jailed (set 2:
    9, 8); batches 0 and 1 recorded, 9's signature of batch 1 on chain."""

    def __init__(self) -> None:
        kv = memory_store()
        zkpow = ZkpowLedger(kv.namespace("z.trie"), kv.namespace("z"))
        self.staking = Staking(
            DEV_STAKING, zkpow, kv.namespace("s.trie"), kv.namespace("s"), kv.namespace("s.live")
        )
        self.staking.genesis(dev_validators(4))
        self.sets = ValidatorSets(
            DEV_L1, kv.namespace("v.trie"), kv.namespace("v"), kv.namespace("v.live")
        )
        self.sets.genesis(self.staking)
        self.att = Attestations(
            DEV_L1, kv.namespace("a.trie"), kv.namespace("a"), kv.namespace("a.live")
        )
        batches = {
            i: Batch(
                index=i,
                start=i,
                first_height=1,
                first_ms=0,
                count=1,
                new_root=bytes([i + 1]) * 32,
                aggregated_by=ADDR[5],
            )
            for i in (0, 1)
        }
        self.att.record_bundled(_Market(batches), Checkpoint(b"\x11" * 32, b"\x22" * 32, 7), 5)
        self.jail(6, 12)
        self.jail(7, 14)
        self.att.apply(Attest(((1, (self.sign(9, self.batch(1)),)),)), self.staking, 15)

    def jail(self, who: int, height: int) -> None:
        caddr = consensus_address(consensus_public_key(dev_consensus_seed(who)))
        evidence = Evidence(EvidenceKind.DUPLICATE_VOTE, caddr, height, 0, 4)
        assert self.staking.slash(caddr, evidence) is not None
        self.staking.end_block(0)
        assert self.sets.record_change(self.staking, height) is not None

    def batch(self, index: int) -> Signable:
        return self.att.signable(index, self.staking)

    def set(self, nonce: int) -> Signable:
        return self.sets.signable(nonce, self.staking)

    def sign(self, who: int, record: Signable) -> tuple[bytes, bytes]:
        return sign_digest(KEYS[who], record.digest)


@dataclass(frozen=True)
class Vector:
    """A record, a (validator, signature) pair of it, the validators already signing it alongside
    (`seen`), and the signer's weight (valid) or the named refusal."""

    record: Callable[[Pre], Signable]
    pair: Callable[[Pre, Signable], tuple[bytes, bytes]]
    seen: tuple[int, ...] = ()
    refused: type[BraidError] | None = None


def _signed_by(who: int) -> Callable[[Pre, Signable], tuple[bytes, bytes]]:
    return lambda pre, record: pre.sign(who, record)


def _flipped(pre: Pre, record: Signable) -> tuple[bytes, bytes]:
    validator, sig = pre.sign(9, record)
    return validator, sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]


def _high_s(pre: Pre, record: Signable) -> tuple[bytes, bytes]:
    validator, sig = pre.sign(9, record)
    return validator, sig[:32] + (2**256 - 1).to_bytes(32, "big") + sig[64:]


def _named_for_another(pre: Pre, record: Signable) -> tuple[bytes, bytes]:
    return ADDR[8], pre.sign(9, record)[1]


def _batch_digest_on_a_set(pre: Pre, record: Signable) -> tuple[bytes, bytes]:
    return pre.sign(9, pre.batch(0))


BATCH_0: Callable[[Pre], Signable] = lambda pre: pre.batch(0)  # noqa: E731
BATCH_1: Callable[[Pre], Signable] = lambda pre: pre.batch(1)  # noqa: E731
SET_1: Callable[[Pre], Signable] = lambda pre: pre.set(1)  # noqa: E731
SET_2: Callable[[Pre], Signable] = lambda pre: pre.set(2)  # noqa: E731

VECTORS = {
    "valid_batch": Vector(BATCH_0, _signed_by(9)),
    "valid_batch_beside_another_signer": Vector(BATCH_0, _signed_by(8), seen=(9,)),
    "valid_set_by_a_member_of_the_previous_set": Vector(SET_1, _signed_by(9)),
    "valid_set_by_a_jailed_member_of_the_previous_set": Vector(SET_1, _signed_by(6)),
    "invalid_batch_not_a_validator": Vector(BATCH_0, _signed_by(5), refused=NotAValidator),
    "invalid_batch_jailed": Vector(BATCH_0, _signed_by(6), refused=NotAValidator),
    "invalid_set_not_a_validator": Vector(SET_1, _signed_by(5), refused=NotInPreviousSet),
    "invalid_set_wrong_set": Vector(SET_2, _signed_by(6), refused=NotInPreviousSet),
    "invalid_bad_signature": Vector(BATCH_0, _flipped, refused=BadAttestationSignature),
    "invalid_high_s": Vector(BATCH_0, _high_s, refused=BadAttestationSignature),
    "invalid_named_for_another": Vector(
        BATCH_0, _named_for_another, refused=BadAttestationSignature
    ),
    "invalid_set_named_for_another": Vector(
        SET_1, _named_for_another, refused=BadAttestationSignature
    ),
    "invalid_another_digest": Vector(
        SET_1, _batch_digest_on_a_set, refused=BadAttestationSignature
    ),
    "invalid_duplicate_alongside": Vector(
        BATCH_0, _signed_by(9), seen=(9,), refused=DuplicateAttestation
    ),
    "invalid_duplicate_on_chain": Vector(BATCH_1, _signed_by(9), refused=DuplicateAttestation),
    "invalid_set_duplicate_alongside": Vector(
        SET_1, _signed_by(8), seen=(8,), refused=DuplicateAttestation
    ),
}


def _weight(pre: Pre, record: Signable, who: bytes) -> int:
    if record.what.startswith("batch"):
        validator = pre.staking.validator(who)
        assert validator is not None
        return validator.power
    previous = pre.sets.record(record.index - 1)
    assert previous is not None
    return previous.stake_of(who)


@pytest.mark.parametrize("name", VECTORS)
def test_the_rule(name: str) -> None:
    pre, vector = Pre(), VECTORS[name]
    record = vector.record(pre)
    validator, signature = vector.pair(pre, record)
    seen = {ADDR[i] for i in vector.seen}
    if vector.refused is None:
        assert check_signature(record, validator, signature, seen) == _weight(
            pre, record, validator
        )
        assert may_sign(record, validator)
    else:
        with pytest.raises(vector.refused):
            check_signature(record, validator, signature, seen)


@pytest.mark.parametrize("name", VECTORS)
def test_the_attest_transaction_follows_the_rule(name: str) -> None:
    """The same vector as an Attest's entry (the validators in `seen` signing first in it)."""
    pre, vector = Pre(), VECTORS[name]
    record = vector.record(pre)
    pairs = (*(pre.sign(i, record) for i in vector.seen), vector.pair(pre, record))
    entry = ((record.index, pairs),)
    is_batch = record.what.startswith("batch")
    tx = Attest(entry) if is_batch else Attest((), entry)

    def check() -> object:
        return pre.att.check(tx, pre.staking) if is_batch else pre.sets.check(tx.sets)

    if vector.refused is None:
        check()
    else:
        with pytest.raises(vector.refused):
            check()


def test_who_may_sign() -> None:
    pre = Pre()
    batch, one, two = pre.batch(0), pre.set(1), pre.set(2)
    assert [may_sign(batch, ADDR[i]) for i in (9, 8, 7, 6, 5)] == [True, True, False, False, False]
    assert not may_sign(pre.batch(1), ADDR[9])  # signed already
    assert [may_sign(one, ADDR[i]) for i in (9, 8, 7, 6, 5)] == [True, True, True, True, False]
    assert [may_sign(two, ADDR[i]) for i in (9, 8, 7, 6, 5)] == [True, True, True, False, False]
    assert [r.index for r in pre.att.to_sign(pre.staking)] == [0, 1]
    assert [r.index for r in pre.sets.to_sign(pre.staking)] == [1, 2]


@pytest.mark.parametrize(
    ("find", "refused"),
    [
        (lambda pre: pre.batch(2), UnknownAttestationBatch),
        (lambda pre: pre.set(3), UnknownValidatorSet),
        (lambda pre: pre.set(0), ValidatorSetAlreadyAttested),
    ],
)
def test_invalid_records_that_are_not_pending(
    find: Callable[[Pre], Signable], refused: type[BraidError]
) -> None:
    with pytest.raises(refused):
        find(Pre())


def test_invalid_batch_already_attested() -> None:
    pre = Pre()
    pre.att.apply(
        Attest(((0, (pre.sign(9, pre.batch(0)), pre.sign(8, pre.batch(0)))),)), pre.staking, 16
    )
    with pytest.raises(BatchAlreadyAttested):  # 9 and 8 hold all the power left
        pre.batch(0)
