"""The numbered validator sets L1 follows (sequencer/validator_sets.py): recorded when the bonded
set changes, signed by the set they replace, and the set nonce a batch's attestation keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.node.test_app import run_block
from tests.unit.sequencer.test_attestations import ADDR, KEYS, Clock, Pre, _app, _attest, _attest_in
from tests.unit.staking.test_app_staking import BOND, KEY_1, _seq
from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.ledger.kv import memory_store
from zkbraid.node.devnet import DEV_L1, DEV_ROLLUP, dev_consensus_seed, devnet
from zkbraid.sequencer.attest_tx import Attest, decode_extension
from zkbraid.sequencer.signatures import BadAttestationSignature, DuplicateAttestation
from zkbraid.sequencer.validator_sets import (
    Member,
    NotInPreviousSet,
    UnknownValidatorSet,
    ValidatorSetAlreadyAttested,
    ValidatorSets,
)
from zkbraid.settlement.l1_contracts import sign_digest, validator_set_digest
from zkbraid.staking.evidence import Evidence, EvidenceKind
from zkbraid.staking.keys import consensus_address, consensus_public_key
from zkbraid.staking.transactions import sign_bond
from zkbraid.zk.genesis import dev_eth_private_key


def _caddr(who: int) -> bytes:
    return consensus_address(consensus_public_key(dev_consensus_seed(who)))


class SetPre(Pre):
    """Four validators of equal power (set 0) and their sets."""

    def __init__(self) -> None:
        super().__init__()
        kv = memory_store()
        self.sets = ValidatorSets(
            DEV_L1, kv.namespace("v.trie"), kv.namespace("v"), kv.namespace("v.live")
        )
        self.sets.genesis(self.staking)

    def drop(self, who: int, height: int) -> list[ValidatorUpdate]:
        """Slashes and jails validator `who` (it leaves the set) in block `height`."""
        evidence = Evidence(EvidenceKind.DUPLICATE_VOTE, _caddr(who), height, 0, 4)
        assert self.staking.slash(_caddr(who), evidence) is not None
        updates = self.staking.end_block(0)
        assert updates
        self.sets.record_change(self.staking, height)
        return updates

    def set_sig(self, who: int, nonce: int) -> tuple[bytes, bytes]:
        record = self.sets.record(nonce)
        assert record is not None
        return sign_digest(KEYS[who], self.sets.digest(record))


def _sets(*entries: tuple[int, list[tuple[bytes, bytes]]]) -> Attest:
    return Attest((), tuple((n, tuple(signed)) for n, signed in entries))


def test_the_genesis_set_is_set_zero_attested() -> None:
    pre = SetPre()
    zero = pre.sets.record(0)
    assert zero is not None and zero.attested and pre.sets.nonce == 0
    assert zero.validators == sorted(ADDR[i] for i in (9, 8, 7, 6))
    assert len(set(zero.stakes)) == 1 and zero.stakes[0] > 0
    assert pre.sets.pending() == []


def test_a_changed_set_is_recorded_as_the_next_nonce_with_the_contracts_digest() -> None:
    pre = SetPre()
    pre.drop(6, 12)
    one = pre.sets.record(1)
    assert one is not None and not one.attested and one.recorded_height == 12
    assert one.validators == sorted(ADDR[i] for i in (9, 8, 7)) and pre.sets.nonce == 1
    assert [r.nonce for r in pre.sets.pending()] == [1]
    assert pre.sets.digest(one) == validator_set_digest(
        chain_id=31337, rollup=DEV_ROLLUP, nonce=1, validators=one.validators, stakes=one.stakes
    )
    # the same set again records nothing
    assert pre.sets.record_change(pre.staking, 13) is None and pre.sets.nonce == 1


def test_the_previous_set_signs_the_next_and_quorum_is_its_stake() -> None:
    pre = SetPre()
    pre.drop(6, 12)
    # 6 left the set, but it is a member of set 0, which signs set 1
    pre.sets.apply(pre.sets.check(_sets((1, [pre.set_sig(6, 1), pre.set_sig(9, 1)])).sets), 13)
    one = pre.sets.record(1)
    assert one is not None and not one.attested  # 2 of set 0's 4 equal stakes
    assert [s.validator for s in one.signers] == sorted([ADDR[6], ADDR[9]])
    pre.sets.apply(pre.sets.check(_sets((1, [pre.set_sig(8, 1)])).sets), 14)
    one = pre.sets.record(1)
    assert one is not None and one.attested and one.attested_height == 14
    assert pre.sets.pending() == []
    with pytest.raises(ValidatorSetAlreadyAttested):
        pre.sets.check(_sets((1, [pre.set_sig(7, 1)])).sets)


def test_invalid_set_signatures() -> None:
    pre = SetPre()
    pre.drop(6, 12)
    with pytest.raises(UnknownValidatorSet):
        pre.sets.check(_sets((2, [pre.set_sig(9, 1)])).sets)
    with pytest.raises(NotInPreviousSet):
        pre.sets.check(_sets((1, [pre.set_sig(5, 1)])).sets)  # never a validator
    with pytest.raises(BadAttestationSignature):
        pre.sets.check(_sets((1, [(ADDR[8], pre.set_sig(9, 1)[1])])).sets)  # 9's as 8's
    with pytest.raises(BadAttestationSignature):  # a batch's signature is not the set's
        pre.sets.check(_sets((1, [pre.sig(9, 0)])).sets)
    with pytest.raises(DuplicateAttestation):
        pre.sets.check(_sets((1, [pre.set_sig(9, 1), pre.set_sig(9, 1)])).sets)
    pre.sets.apply(pre.sets.check(_sets((1, [pre.set_sig(9, 1)])).sets), 13)
    with pytest.raises(DuplicateAttestation):
        pre.sets.check(_sets((1, [pre.set_sig(9, 1)])).sets)
    # set 2 (without 7 too) is signed by set 1's members: 6 is not one any more
    pre.drop(7, 14)
    with pytest.raises(NotInPreviousSet):
        pre.sets.check(_sets((2, [pre.set_sig(6, 2)])).sets)
    assert pre.sets.may_sign(pre.sets.record(2), ADDR[7])  # type: ignore[arg-type]


def test_a_batch_keeps_the_nonce_of_the_set_that_attests_it_and_batches_attest_in_order() -> None:
    pre = SetPre()
    # batch 1 reaches quorum first, but waits for batch 0
    pre.att.apply(_attest((1, [pre.sig(9, 1), pre.sig(8, 1), pre.sig(7, 1)])), pre.staking, 10)
    one = pre.att.record(1)
    assert one is not None and not one.attested
    pre.drop(6, 11)
    # under set 1 (three validators) two signatures of batch 0 are not enough: 9, 8 of 3
    # are 2/3 exactly
    pre.att.apply(_attest((0, [pre.sig(9, 0), pre.sig(8, 0)])), pre.staking, 12, set_nonce=1)
    zero = pre.att.record(0)
    assert zero is not None and not zero.attested
    pre.att.apply(_attest((0, [pre.sig(7, 0)])), pre.staking, 13, set_nonce=1)
    zero, one = pre.att.record(0), pre.att.record(1)
    assert zero is not None and zero.attested and zero.set_nonce == 1
    assert one is not None and one.attested and one.set_nonce == 1 and one.attested_height == 13


def test_members_are_ascending_with_their_power() -> None:
    pre = SetPre()
    zero = pre.sets.record(0)
    assert zero is not None
    powers = {v.address: v.power for v in pre.staking.validators()}
    assert zero.members == [Member(a, powers[a]) for a in sorted(powers)]


# -- through the in-process app: the solo validator signs its successor in ------------------


def test_the_app_signs_a_pending_set_in_its_vote_and_the_proposer_attests_it(
    tmp_path: Path,
) -> None:
    net = devnet(4, verifying_key_hash=None)
    app = _app(tmp_path, net, KEYS[9])
    clock = Clock()
    sets = app.state.validator_sets
    assert sets.nonce == 0 and app.extend_vote(1) == b""
    # account 1 bonds: the set changes in that block, set 1 is recorded
    tx = _seq(sign_bond(dev_eth_private_key(1), KEY_1, BOND, 0))
    app.check_tx(tx)
    assert run_block(app, clock(), [tx])[1:] == [tx]
    one = sets.record(1)
    assert one is not None and not one.attested and len(one.validators) == 2
    ext = decode_extension(app.extend_vote(3), 32)
    assert [n for n, _ in ext.sets] == [1]
    proposal = run_block(app, clock(150), [])
    attest = _attest_in(proposal)
    assert [n for n, _ in attest.sets] == [1] and attest.sets[0][1][0][0] == ADDR[9]
    one = sets.record(1)
    assert one is not None and one.attested  # the solo validator held all of set 0
    assert decode_extension(app.extend_vote(4), 32).sets == ()
