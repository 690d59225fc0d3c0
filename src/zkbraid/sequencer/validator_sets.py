"""The validator set as L1 knows it (issue 15, part 5): every change of the bonded set becomes a
numbered set record, which the set it replaces signs, so that the rollup's DataAvailability
contract follows the chain's set (`updateValidators`, signed by more than 2/3 of the old set's
stake).

**The records.** Set 0 is the genesis set, the one the rollup is deployed with (attested from
the start). When a block's staking step changes any voting power (a bond, a matured unbonding,
a slash), the block records set `n + 1`: every validator with voting power, ascending by
address, each with its power as its L1 stake, exactly what `updateValidators` takes. Its digest
is DataAvailability.sol's `validatorSetDigest(n + 1, validators, stakes)` on the chain's L1
domain (`ChainParams.l1`).

**Who signs.** Set `n + 1` is signed by the members of set `n`, with their stakes there (never
by the current staking state: a validator that has just left still signs its successors in).
This always has a chance: CometBFT installs the updates of block H from height H + 2, so the
votes of height H + 1, whose extensions the next proposer puts on chain, are set `n`'s own.
The signatures come in the same Attest transactions as the batches' (sequencer/attest_tx.py),
under the one signature rule (sequencer/signatures.py): the set record exists
(`UnknownValidatorSet`) and is not attested yet (`ValidatorSetAlreadyAttested`), the signature
recovers the validator it names (`BadAttestationSignature`), the validator is a member of the
set it replaces (`NotInPreviousSet`), one signature each (`DuplicateAttestation`). The set is
attested once its signers hold more than 2/3 of the previous set's stake.

**Batches and sets on L1.** A batch's attestation is counted with the voting power of the block
that attests it, that is, of the set current then, whose nonce its record keeps
(`AttestationRecord.set_nonce`): an agent first brings L1 to that set (posting the attested set
records in order), then posts the batch with the signatures of that set's members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Annotated

from zkbraid.config import L1Params
from zkbraid.errors import BraidError, NotFound, Unauthorized
from zkbraid.ledger.codec import U64, Address, Bytes, Flag, ListOf, Record
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.record_store import NumberedRecords, RecordStore
from zkbraid.sequencer.attest_tx import SIGNATURE_BYTES
from zkbraid.sequencer.signatures import check_entries, has_quorum
from zkbraid.settlement.l1_contracts import validator_set_digest
from zkbraid.staking.state import Staking

_META = b"m"


class UnknownValidatorSet(NotFound):
    """An attestation of a validator set the chain has not recorded."""


class ValidatorSetAlreadyAttested(BraidError):
    """An attestation of a set whose signers already hold more than 2/3 of the previous set."""


class NotInPreviousSet(Unauthorized):
    """A signature of a set by an address that is not a member of the set it replaces."""


@dataclass(frozen=True)
class Member(Record):
    address: Address
    stake: U64


@dataclass(frozen=True)
class SetSigner(Record):
    """A member of the previous set who signed, its stake there and its signature."""

    validator: Address
    stake: U64
    signature: Annotated[bytes, Bytes(SIGNATURE_BYTES)]


@dataclass(frozen=True)
class ValidatorSetRecord(Record):
    """Set `nonce`: its members, ascending by address, and the previous set's signatures."""

    nonce: U64
    members: Annotated[list[Member], ListOf(Member)]
    recorded_height: U64
    signers: Annotated[list[SetSigner], ListOf(SetSigner)] = field(default_factory=list)
    """Ascending by validator address, as DataAvailability.sol takes them."""
    attested: Flag = False
    attested_height: U64 = 0

    @property
    def validators(self) -> list[bytes]:
        return [m.address for m in self.members]

    @property
    def stakes(self) -> list[int]:
        return [m.stake for m in self.members]

    @property
    def total_stake(self) -> int:
        return sum(m.stake for m in self.members)

    def stake_of(self, address: bytes) -> int:
        return next((m.stake for m in self.members if m.address == address), 0)

    def signed_by(self, address: bytes) -> bool:
        return any(s.validator == address for s in self.signers)


@dataclass(frozen=True)
class ValidatorSetMeta(Record):
    nonce: U64 = 0
    """The newest recorded set."""


@dataclass(frozen=True)
class SetToSign:
    """A pending set's record as its signers see it (sequencer/signatures.py `Signable`): the
    members of the set it replaces may sign it, with their stakes there."""

    record: ValidatorSetRecord
    digest: bytes
    previous: ValidatorSetRecord

    @property
    def index(self) -> int:
        return self.record.nonce

    @property
    def what(self) -> str:
        return f"validator set {self.record.nonce}"

    def weight(self, address: bytes) -> int:
        """The address's stake in the previous set (0: not a member)."""
        return self.previous.stake_of(address)

    def signed_by(self, address: bytes) -> bool:
        return self.record.signed_by(address)

    def not_a_signer(self, address: bytes) -> Unauthorized:
        nonce = self.record.nonce
        return NotInPreviousSet(
            f"0x{address.hex()} is not a member of validator set {nonce - 1}, which signs set"
            f" {nonce}"
        )


def members_of(staking: Staking) -> list[Member]:
    """The bonded set as L1 takes it: every validator with voting power, ascending."""
    return sorted(
        (Member(v.address, v.power) for v in staking.validators() if v.power and not v.jailed),
        key=lambda m: m.address,
    )


class ValidatorSets:
    """The numbered validator sets, committed by a trie root; the unattested ones are live."""

    def __init__(
        self, params: L1Params, nodes: KVNamespace, records: KVNamespace, live: KVNamespace
    ) -> None:
        self.params = params
        self._store = RecordStore(nodes, records, live)
        self._sets = NumberedRecords(
            self._store, ValidatorSetRecord, b"s", lambda r: r.nonce, lambda r: not r.attested
        )
        self._load()

    def _load(self) -> None:
        self.meta = self._store.get(_META, ValidatorSetMeta) or ValidatorSetMeta()
        self._sets.load()
        self._digests: dict[int, bytes] = {}

    def reload(self) -> None:
        """Forgets what was not committed (after the block's writes were discarded)."""
        self._store.reload()
        self._load()

    @property
    def root(self) -> bytes:
        return self._store.flush()

    def _save(self, record: ValidatorSetRecord) -> None:
        self._sets.save(record)

    # -- views -----------------------------------------------------------------------------

    @property
    def nonce(self) -> int:
        """The current set's nonce (the newest recorded)."""
        return self.meta.nonce

    def record(self, nonce: int) -> ValidatorSetRecord | None:
        return self._sets.get(nonce)

    def pending(self) -> list[ValidatorSetRecord]:
        """The recorded sets not yet attested by their predecessors, oldest first."""
        return self._sets.live()

    def previous(self, record: ValidatorSetRecord) -> ValidatorSetRecord:
        """The set `record` replaces (the one that signs it)."""
        previous = self.record(record.nonce - 1)
        if previous is None:
            raise RuntimeError(f"validator set {record.nonce} has no predecessor")  # a bug
        return previous

    def digest(self, record: ValidatorSetRecord) -> bytes:
        """DataAvailability.sol's `validatorSetDigest` of the set, on the chain's L1 domain."""
        cached = self._digests.get(record.nonce)
        if cached is None:
            cached = validator_set_digest(
                chain_id=self.params.chain_id,
                rollup=self.params.rollup or bytes(20),
                nonce=record.nonce,
                validators=record.validators,
                stakes=record.stakes,
            )
            self._digests[record.nonce] = cached
        return cached

    def may_sign(self, record: ValidatorSetRecord, address: bytes) -> bool:
        """Whether `address` is a member of the set `record` replaces."""
        return self.previous(record).stake_of(address) > 0

    def signable(self, index: int, staking: Staking | None = None) -> SetToSign:
        """Set `index`'s record, pending, for its signers (sequencer/signatures.py); `staking`
        is not read (the previous set says who signs).

        Raises UnknownValidatorSet, ValidatorSetAlreadyAttested.
        """
        record = self.record(index)
        if record is None:
            raise UnknownValidatorSet(f"validator set {index} is not recorded")
        if record.attested:
            raise ValidatorSetAlreadyAttested(
                f"validator set {index} was attested in block {record.attested_height}"
            )
        return SetToSign(record, self.digest(record), self.previous(record))

    def to_sign(self, staking: Staking | None = None) -> list[SetToSign]:
        """The pending sets, oldest first, for their signers."""
        return [SetToSign(r, self.digest(r), self.previous(r)) for r in self.pending()]

    # -- the block's step ------------------------------------------------------------------

    def genesis(self, staking: Staking) -> None:
        """Records set 0, the genesis validators (attested: the rollup is deployed with it)."""
        self._save(ValidatorSetRecord(0, members_of(staking), 0, attested=True, attested_height=0))

    def record_change(self, staking: Staking, height: int) -> ValidatorSetRecord | None:
        """After the block's staking step: records the next set if the bonded set (members or
        stakes) differs from the current one; returns it."""
        members = members_of(staking)
        current = self.record(self.meta.nonce)
        if (current is not None and current.members == members) or not members:
            return None
        nonce = 0 if current is None else self.meta.nonce + 1
        record = ValidatorSetRecord(nonce, members, height, attested=nonce == 0)
        self._save(record)
        self.meta = ValidatorSetMeta(nonce)
        self._store.put(self.meta, _META)
        return record

    # -- signatures, from the Attest transaction -------------------------------------------

    def check(
        self, entries: Iterable[tuple[int, Iterable[tuple[bytes, bytes]]]]
    ) -> list[tuple[ValidatorSetRecord, list[SetSigner]]]:
        """Every rule of an Attest's set signatures (the module's docstring); returns each
        set's record with its new signers. Changes nothing.

        Raises UnknownValidatorSet, ValidatorSetAlreadyAttested, BadAttestationSignature,
        NotInPreviousSet, DuplicateAttestation.
        """
        return [
            (signable.record, [SetSigner(v, stake, signature) for v, signature, stake in new])
            for signable, new in check_entries(self.signable, entries)
        ]

    def apply(self, checked: list[tuple[ValidatorSetRecord, list[SetSigner]]], height: int) -> None:
        """Adds `check`'s signers to their sets in block `height`; a set whose signers now hold
        more than 2/3 of the previous set's stake is attested."""
        for record, new in checked:
            current = self.record(record.nonce)
            assert current is not None
            signers = sorted([*current.signers, *new], key=lambda s: s.validator)
            updated = replace(current, signers=signers)
            total = self.previous(current).total_stake
            if has_quorum(sum(s.stake for s in signers), total):
                updated = replace(updated, attested=True, attested_height=height)
            self._save(updated)
