"""Data-availability attestations as consensus state (sequencer/attestations.py): records made
in batch order with the block's fixed checkpoint, the Attest rules as pre / operation / post
vectors (a refused Attest leaves the root untouched), the transaction's and the vote
extension's encodings, and through the in-process app: the solo validator attests a bundled
batch with its own signature; with four bonded validators, the last commit's extensions of two
do not attest it, three do; extensions that are not their validator's are refused."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import rlp

from tests.unit.node.test_app import T0, fast_transfer, run_block, zk_transfer
from zkbraid.config import L1Params
from zkbraid.consensus.engine import Misbehavior
from zkbraid.errors import BraidError
from zkbraid.ledger.envelope import TxKind, unwrap, wrap
from zkbraid.ledger.kv import memory_store
from zkbraid.ledger.store import LedgerStore
from zkbraid.market.records import Batch
from zkbraid.market.transactions import MalformedSequencerTx
from zkbraid.market.zkpow import ZkpowLedger
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import (
    DEV_L1,
    DEV_ROLLUP,
    DEV_STAKING,
    Devnet,
    dev_accounts,
    dev_consensus_seed,
    dev_validators,
    devnet,
)
from zkbraid.sequencer.attest_tx import (
    ATTEST,
    Attest,
    Extension,
    decode_attest,
    decode_extension,
    encode_extension,
)
from zkbraid.sequencer.attestations import (
    Attestations,
    BatchAlreadyAttested,
    NotAValidator,
    UnknownAttestationBatch,
)
from zkbraid.sequencer.signatures import (
    BadAttestationSignature,
    DuplicateAttestation,
    has_quorum,
    recover_digest_signer,
)
from zkbraid.settlement.l1_contracts import (
    Checkpoint,
    attestation_digest,
    batch_data_hash,
    sign_digest,
)
from zkbraid.staking.keys import consensus_address, consensus_public_key
from zkbraid.staking.state import Staking

ACCOUNTS = dev_accounts(10)
KEYS = {i: bytes(ACCOUNTS[i].key) for i in (9, 8, 7, 6, 5)}
"""Dev accounts 9, 8, 7, 6 are the validators (in that order); 5 is not one."""
ADDR = {i: bytes.fromhex(ACCOUNTS[i].address[2:]) for i in KEYS}
CHECKPOINT = Checkpoint(b"\x11" * 32, b"\x22" * 32, 7)
RECORDS = [b"record 0", b"record 1"]
NEW_ROOT = b"\x33" * 32


# -- a pre state: four validators of equal power, a market with bundled batches -------------


@dataclass
class Market:
    """The market as the records read it: batches, their transactions' jobs."""

    batches: dict[int, Batch]

    def batch(self, index: int) -> Batch | None:
        return self.batches.get(index)

    def tx_at(self, seq: int) -> bytes | None:
        return seq.to_bytes(32, "big")

    def job(self, job_id: bytes) -> Any:
        return SimpleNamespace(pubdata=RECORDS[int.from_bytes(job_id, "big") % 2])


def _batch(index: int, bundled: bool = True) -> Batch:
    return Batch(
        index=index,
        start=2 * index,
        first_height=1,
        first_ms=0,
        count=2,
        new_root=NEW_ROOT,
        aggregated_by=ADDR[5] if bundled else b"",
    )


class Pre:
    def __init__(self, validators: int = 4, batches: int = 2) -> None:
        kv = memory_store()
        self.staking = Staking(
            DEV_STAKING,
            ZkpowLedger(kv.namespace("z.trie"), kv.namespace("z")),
            kv.namespace("s.trie"),
            kv.namespace("s"),
            kv.namespace("s.live"),
        )
        self.staking.genesis(dev_validators(validators))
        self.market = Market({i: _batch(i) for i in range(batches)})
        self.att = Attestations(
            DEV_L1, kv.namespace("a.trie"), kv.namespace("a"), kv.namespace("a.live")
        )
        self.att.record_bundled(self.market, CHECKPOINT, 5)

    def digest(self, batch: int) -> bytes:
        record = self.att.record(batch)
        assert record is not None
        return self.att.digest(record)

    def sig(self, who: int, batch: int, digest: bytes | None = None) -> tuple[bytes, bytes]:
        return sign_digest(KEYS[who], digest or self.digest(batch))


def _attest(*entries: tuple[int, list[tuple[bytes, bytes]]]) -> Attest:
    return Attest(tuple((b, tuple(signed)) for b, signed in entries))


# -- the records ------------------------------------------------------------------------------


def test_a_bundled_batch_is_recorded_with_its_data_hash_root_and_fixed_checkpoint() -> None:
    pre = Pre()
    record = pre.att.record(0)
    assert record is not None
    assert (record.data_hash, record.new_root) == (batch_data_hash(RECORDS), NEW_ROOT)
    assert record.checkpoint == CHECKPOINT and record.recorded_height == 5
    assert record.signatures == [] and not record.attested
    assert [r.batch for r in pre.att.pending()] == [0, 1]
    # the digest is the contract's: the devnet's L1 domain, the market batch as the L1 index
    assert pre.att.digest(record) == attestation_digest(
        chain_id=31337,
        rollup=DEV_ROLLUP,
        batch_index=0,
        data_hash=batch_data_hash(RECORDS),
        new_root=NEW_ROOT,
        checkpoint=CHECKPOINT,
    )
    # a later block changes nothing of a record
    pre.att.record_bundled(pre.market, Checkpoint(b"\x44" * 32, b"\x55" * 32, 9), 6)
    assert pre.att.record(0) == record


def test_records_are_made_in_batch_order() -> None:
    pre = Pre(batches=0)
    pre.market.batches = {0: _batch(0, bundled=False), 1: _batch(1)}
    assert pre.att.record_bundled(pre.market, CHECKPOINT, 5) == []  # 1 waits for 0
    pre.market.batches[0] = _batch(0)
    later = Checkpoint(b"\x44" * 32, b"\x55" * 32, 9)
    made = pre.att.record_bundled(pre.market, later, 8)
    assert [(r.batch, r.checkpoint, r.recorded_height) for r in made] == [
        (0, later, 8),
        (1, later, 8),
    ]


def test_quorum_is_more_than_two_thirds() -> None:
    assert not has_quorum(2, 3) and has_quorum(3, 4) and not has_quorum(2000, 3000)
    assert has_quorum(2001, 3000) and not has_quorum(0, 0)


# -- the Attest rules: pre / operation / post ---------------------------------------------------


def test_valid_signatures_join_the_record_ascending() -> None:
    pre = Pre()
    signed = [pre.sig(8, 0), pre.sig(9, 0)]
    pre.att.apply(_attest((0, signed)), pre.staking, 10)
    record = pre.att.record(0)
    assert record is not None
    assert [s.validator for s in record.signatures] == sorted([ADDR[8], ADDR[9]])
    assert not record.attested  # 2 of 4 equal powers
    assert [r.batch for r in pre.att.pending()] == [0, 1]


def test_quorum_crossing_attests_and_closes_the_batch() -> None:
    pre = Pre()
    pre.att.apply(_attest((0, [pre.sig(9, 0), pre.sig(8, 0)])), pre.staking, 10)
    pre.att.apply(_attest((0, [pre.sig(7, 0)]), (1, [pre.sig(7, 1)])), pre.staking, 11)
    record = pre.att.record(0)
    assert record is not None and record.attested and record.attested_height == 11
    assert [r.batch for r in pre.att.pending()] == [1]
    for s in record.signatures:
        assert recover_digest_signer(pre.digest(0), s.signature) == s.validator
    with pytest.raises(BatchAlreadyAttested):
        pre.att.check(_attest((0, [pre.sig(6, 0)])), pre.staking)


def test_one_validator_with_all_the_power_attests_alone() -> None:
    pre = Pre(validators=1)
    pre.att.apply(_attest((0, [pre.sig(9, 0)])), pre.staking, 10)
    record = pre.att.record(0)
    assert record is not None and record.attested


def _invalid(pre: Pre, tx: Attest, error: type[BraidError]) -> None:
    root = pre.att.root
    with pytest.raises(error):
        pre.att.apply(tx, pre.staking, 10)
    assert pre.att.root == root  # nothing changed
    assert all(not r.signatures for r in pre.att.pending())


def test_invalid_duplicate_signer_in_one_attest() -> None:
    pre = Pre()
    _invalid(pre, _attest((0, [pre.sig(9, 0), pre.sig(8, 0), pre.sig(9, 0)])), DuplicateAttestation)


def test_invalid_signer_already_recorded() -> None:
    pre = Pre()
    pre.att.apply(_attest((0, [pre.sig(9, 0)])), pre.staking, 10)
    root = pre.att.root
    with pytest.raises(DuplicateAttestation):
        pre.att.apply(_attest((1, [pre.sig(9, 1)]), (0, [pre.sig(9, 0)])), pre.staking, 11)
    assert pre.att.root == root
    record = pre.att.record(1)
    assert record is not None and not record.signatures  # all or nothing


def test_invalid_non_validator_signer() -> None:
    pre = Pre()
    _invalid(pre, _attest((0, [pre.sig(5, 0)])), NotAValidator)


def test_invalid_bad_signature() -> None:
    pre = Pre()
    validator, sig = pre.sig(9, 0)
    flipped = sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]
    _invalid(pre, _attest((0, [(validator, flipped)])), BadAttestationSignature)
    high_s = sig[:32] + (2**256 - 1).to_bytes(32, "big") + sig[64:]
    _invalid(pre, _attest((0, [(validator, high_s)])), BadAttestationSignature)
    _invalid(pre, _attest((0, [(validator, sig[:64] + b"\x01")])), BadAttestationSignature)


def test_invalid_signature_named_for_another_validator() -> None:
    pre = Pre()
    _, sig = pre.sig(9, 0)
    _invalid(pre, _attest((0, [(ADDR[8], sig)])), BadAttestationSignature)


def test_invalid_wrong_digest() -> None:
    pre = Pre()
    # signed over batch 1's digest, or over another checkpoint (the head's, say)
    _invalid(pre, _attest((0, [pre.sig(9, 0, pre.digest(1))])), BadAttestationSignature)
    other = attestation_digest(
        chain_id=31337,
        rollup=DEV_ROLLUP,
        batch_index=0,
        data_hash=batch_data_hash(RECORDS),
        new_root=NEW_ROOT,
        checkpoint=Checkpoint(b"\x11" * 32, b"\x22" * 32, 8),
    )
    _invalid(pre, _attest((0, [pre.sig(9, 0, other)])), BadAttestationSignature)


def test_invalid_unknown_batch() -> None:
    pre = Pre()
    pre.market.batches[2] = _batch(2, bundled=False)
    _invalid(pre, _attest((2, [pre.sig(9, 0)])), UnknownAttestationBatch)


# -- encodings ----------------------------------------------------------------------------------


def test_attest_round_trips_and_malformed_ones_are_refused() -> None:
    pre = Pre()
    tx = _attest((0, [pre.sig(9, 0), pre.sig(8, 0)]), (1, [pre.sig(7, 1)]))
    raw = tx.encode()
    assert raw[0] == ATTEST and decode_attest(raw) == tx and tx.signatures == 3
    sets = Attest((), ((1, (pre.sig(9, 0),)),))
    assert decode_attest(sets.encode()) == sets and sets.signatures == 1

    for entries in (
        [[0, []]],  # a batch without signatures
        [[b"\x00", [[ADDR[9], b"\x01" * 65]]]],  # a non-canonical batch
        [[0, [[ADDR[9][:19], b"\x01" * 65]]]],  # a short address
        [[0, [[ADDR[9], b"\x01" * 64]]]],  # a short signature
        [[0]],
    ):
        for body in ([entries, []], [[], entries]):
            with pytest.raises(MalformedSequencerTx):
                decode_attest(bytes([ATTEST]) + rlp.encode(body))
    for body in ([], [[], []], [[[0, [[ADDR[9], b"\x01" * 65]]]]]):  # nothing; not a pair
        with pytest.raises(MalformedSequencerTx):
            decode_attest(bytes([ATTEST]) + rlp.encode(body))
    with pytest.raises(MalformedSequencerTx):
        decode_attest(bytes([ATTEST]) + b"\xff")


def test_vote_extension_encoding() -> None:
    signed = ((0, b"\x01" * 65), (3, b"\x02" * 65))
    for ext in (Extension(signed), Extension((), signed), Extension(signed, signed[:1])):
        assert decode_extension(encode_extension(ext), 32) == ext
    assert encode_extension(Extension()) == b"" and decode_extension(b"", 32) == Extension()
    with pytest.raises(MalformedSequencerTx):
        decode_extension(encode_extension(Extension(signed)), 1)  # over the cap
    with pytest.raises(MalformedSequencerTx):
        decode_extension(encode_extension(Extension((), signed)), 1)  # sets too
    twice = ((0, b"\x01" * 65), (0, b"\x02" * 65))
    for ext in (Extension(twice), Extension((), twice)):
        with pytest.raises(MalformedSequencerTx):
            decode_extension(encode_extension(ext), 32)
    with pytest.raises(MalformedSequencerTx):
        decode_extension(rlp.encode([[0, b"\x01" * 65]]), 32)  # not [batches, sets]


# -- through the in-process app -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self, dt: int = 2_100) -> int:
        self.t += dt
        return self.t


def _app(tmp_path: Path, net: Devnet, key: bytes | None = None) -> BraidApp:
    store = LedgerStore(str(tmp_path / "node.sqlite"))
    return BraidApp(net.params, store, net.zk_genesis, validator_key=key)


def _bundled_batch(app: BraidApp, net: Devnet, clock: Clock) -> None:
    """Commits a ZK transfer in a batch, marks the batch bundled (what an accepted SubmitBundle
    does; proofs are out of these tests' reach), and applies the fast block that records it."""
    z = zk_transfer(net, 0, 1, 5, 0)
    app.check_tx(z)
    assert run_block(app, clock(), [z])[1:] == [z]
    market = app.state.market
    batch = market.batch(0)
    assert batch is not None and batch.count == 1
    batch.closed, batch.aggregated_by = True, ADDR[5]
    market._book.save_batch(batch)
    f = fast_transfer(net, 0, 0)
    app.check_tx(f)
    assert run_block(app, clock(), [f])[1:] == [f]


def _attest_in(proposal: list[bytes]) -> Attest:
    kind, payload = unwrap(proposal[1])
    assert kind is TxKind.SEQUENCER and payload[0] == ATTEST
    return decode_attest(payload)


def test_the_solo_validator_attests_a_bundled_batch(tmp_path: Path) -> None:
    net = devnet(4, verifying_key_hash=None)
    app = _app(tmp_path, net, KEYS[9])
    clock = Clock()
    assert app.extend_vote(1) == b""  # nothing to sign yet
    _bundled_batch(app, net, clock)
    record = app.state.attestations.record(0)
    assert record is not None and not record.attested
    head = app.store.header(2)
    assert head is not None and record.ledger_height == 1  # the bundling block's parent
    assert record.ledger_app_hash == app.store.header(1).app_hash  # type: ignore[union-attr]
    # the node's own vote extension signs it; with no votes its proposal carries that
    ext = decode_extension(app.extend_vote(3), 32).batches
    assert [b for b, _ in ext] == [0]
    proposal = run_block(app, clock(150), [])
    assert _attest_in(proposal) == _attest((0, [(ADDR[9], ext[0][1])]))
    record = app.state.attestations.record(0)
    assert record is not None and record.attested and record.attested_height == 3
    assert [s.validator for s in record.signatures] == [ADDR[9]]
    # nothing left to sign: no block is due
    assert app.extend_vote(4) == b"" and run_block(app, clock(150), []) == []


def _extension(app: BraidApp, who: int, batch: int = 0) -> tuple[bytes, bytes]:
    """(consensus address, vote extension) of validator `who` signing `batch`."""
    record = app.state.attestations.record(batch)
    assert record is not None
    sig = sign_digest(KEYS[who], app.state.attestations.digest(record))[1]
    caddr = consensus_address(consensus_public_key(dev_consensus_seed(who)))
    return caddr, encode_extension(Extension(((batch, sig),)))


def test_four_validators_two_extensions_do_not_attest_three_do(tmp_path: Path) -> None:
    net = devnet(10, verifying_key_hash=None, validators=4)
    app = _app(tmp_path, net)  # a node that is no validator: it only relays the votes
    clock = Clock()
    _bundled_batch(app, net, clock)
    votes = [_extension(app, who) for who in (9, 8, 7)]
    for caddr, ext in votes:
        assert app.verify_vote_extension(3, caddr, ext)
    height = app.info().last_height + 1
    two = app.prepare_proposal(height, clock(150), [], vote_extensions=votes[:2])
    assert _attest_in(two).signatures == 2
    app.finalize_block(height, clock.t, two)
    app.commit()
    record = app.state.attestations.record(0)
    assert record is not None and len(record.signatures) == 2 and not record.attested
    # the next commit's votes: the same two again (nothing new for them) and the third
    height += 1
    three = app.prepare_proposal(height, clock(150), [], vote_extensions=votes)
    assert _attest_in(three) == decode_attest(
        _attest((0, [(ADDR[7], decode_extension(votes[2][1], 1).batches[0][1])])).encode()
    )
    app.finalize_block(height, clock.t, three)
    app.commit()
    record = app.state.attestations.record(0)
    assert record is not None and record.attested
    assert [s.validator for s in record.signatures] == sorted(ADDR[i] for i in (9, 8, 7))
    # an attested batch is no longer pending: an extension signing it is refused
    assert not app.verify_vote_extension(height + 1, *_extension(app, 6))


def test_vote_extensions_that_are_not_their_validators_are_refused(tmp_path: Path) -> None:
    net = devnet(10, verifying_key_hash=None, validators=4)
    app = _app(tmp_path, net)
    clock = Clock()
    _bundled_batch(app, net, clock)
    caddr9, ext9 = _extension(app, 9)
    caddr8, _ = _extension(app, 8)
    assert app.verify_vote_extension(3, caddr9, b"")  # nothing signed is fine
    assert not app.verify_vote_extension(3, caddr8, ext9)  # 9's signature as 8's vote
    assert not app.verify_vote_extension(3, b"\x01" * 20, ext9)  # not a validator
    assert not app.verify_vote_extension(3, caddr9, b"\xff\x00")  # garbage
    unknown = encode_extension(Extension(((5, decode_extension(ext9, 1).batches[0][1]),)))
    assert not app.verify_vote_extension(3, caddr9, unknown)  # no such batch
    # a proposer skips what does not verify: nothing to put on chain, no block due
    bad = [(caddr8, ext9), (b"\x01" * 20, ext9)]
    assert app.prepare_proposal(3, clock(150), [], vote_extensions=bad) == []


def test_a_jailed_validators_extension_is_refused_as_its_attest_is(tmp_path: Path) -> None:
    """Issue 22, part 4: verify_vote_extension accepted a jailed validator's signature of a
    batch, which its own extend_vote, the proposer and the Attest rules all refuse; one rule
    now decides for all (sequencer/signatures.py)."""
    net = devnet(10, verifying_key_hash=None, validators=4)
    app = _app(tmp_path, net)
    clock = Clock()
    _bundled_batch(app, net, clock)
    caddr8, ext8 = _extension(app, 8)
    assert app.verify_vote_extension(3, caddr8, ext8)  # 8 has voting power
    # 8 is jailed for a double vote (evidence the engine hands over, in the block's marker)
    offence = Misbehavior("duplicate_vote", caddr8, 1, T0, 4)
    height = app.info().last_height + 1
    proposal = app.prepare_proposal(height, clock(150), [], misbehavior=[offence])
    assert app.process_proposal(height, clock.t, proposal, misbehavior=[offence])
    app.finalize_block(height, clock.t, proposal, misbehavior=[offence])
    app.commit()
    validator = app.state.staking.validator(ADDR[8])
    assert validator is not None and validator.jailed and validator.power == 0

    assert not app.verify_vote_extension(height + 1, caddr8, ext8)  # accepted before
    record = app.state.attestations.record(0)
    assert record is not None
    signature = decode_extension(ext8, 1).batches[0][1]
    with pytest.raises(NotAValidator):
        app.check_tx(wrap(TxKind.SEQUENCER, _attest((0, [(ADDR[8], signature)])).encode()))
    # a proposer gathers the others' signatures, not 8's
    votes = [(caddr8, ext8), _extension(app, 9)]
    gathered = app.prepare_proposal(height + 1, clock(150), [], vote_extensions=votes)
    assert [v for v, _ in _attest_in(gathered).entries[0][1]] == [ADDR[9]]
    # 8 is still a member of set 0, which signs set 1 (the set without it): that it may sign
    sets = app.state.validator_sets
    one = sets.record(1)
    assert one is not None and ADDR[8] not in one.validators
    set_signature = sign_digest(KEYS[8], sets.digest(one))[1]
    ext8_set = encode_extension(Extension((), ((1, set_signature),)))
    assert app.verify_vote_extension(height + 1, caddr8, ext8_set)
    assert not app.verify_vote_extension(
        height + 1, caddr8, encode_extension(Extension(((0, signature),), ((1, set_signature),)))
    )


def test_an_attest_from_the_mempool_is_checked_and_deduplicated(tmp_path: Path) -> None:
    net = devnet(10, verifying_key_hash=None, validators=4)
    app = _app(tmp_path, net)
    clock = Clock()
    _bundled_batch(app, net, clock)
    record = app.state.attestations.record(0)
    assert record is not None
    digest = app.state.attestations.digest(record)
    tx = wrap(TxKind.SEQUENCER, _attest((0, [sign_digest(KEYS[9], digest)])).encode())
    app.check_tx(tx)
    again = wrap(
        TxKind.SEQUENCER,
        _attest((0, [sign_digest(KEYS[9], digest), sign_digest(KEYS[8], digest)])).encode(),
    )
    with pytest.raises(BraidError, match="already pending"):
        app.check_tx(again)
    with pytest.raises(NotAValidator):
        app.check_tx(wrap(TxKind.SEQUENCER, _attest((0, [sign_digest(KEYS[5], digest)])).encode()))
    proposal = run_block(app, clock(150), [tx])
    assert proposal[1:] == [tx]
    record = app.state.attestations.record(0)
    assert record is not None and [s.validator for s in record.signatures] == [ADDR[9]]


def test_devnet_l1_params_name_anvils_first_deployment() -> None:
    assert DEV_ROLLUP.hex() == "5fbdb2315678afecb367f032d93f642f64180aa3"
    assert devnet(4, verifying_key_hash=None).params.l1 == DEV_L1
    assert L1Params(chain_id=31337, rollup=DEV_ROLLUP) == DEV_L1
