"""One rule for the validators' signatures (issue 22, part 4): when a validator's signature of
a record counts, for the vote extensions (node/app.py: what `extend_vote` signs, what
`verify_vote_extension` accepts, what the proposer gathers into its Attest) and for the Attest
transaction (sequencer/attest_tx.py; its rules in `Attestations.check` and
`ValidatorSets.check`) alike.

**Signable records.** Validators sign, with their Ethereum keys, two kinds of records, each
named by an index and fixed once recorded, so its digest never changes:

- a bundled batch's attestation record (sequencer/attestations.py, `BatchToSign`), whose signers
  are the validators with voting power now: bonded, not jailed, power > 0 (`NotAValidator`);
- a validator set record (sequencer/validator_sets.py, `SetToSign`), whose signers are the
  members of the set it replaces, with their stakes there (`NotInPreviousSet`).

**The rule** for a `(validator, signature)` pair of a record: the record exists and is pending
(each kind's own errors: `UnknownAttestationBatch`, `BatchAlreadyAttested`,
`UnknownValidatorSet`, `ValidatorSetAlreadyAttested`); the signature recovers `validator` from
the record's digest, with a low s and v in {27, 28} (`BadAttestationSignature`: a signature of
anything else recovers another address); `validator` may sign the record (its weight there is
not zero); it has not signed the record before, nor already in the same batch of signatures
(`DuplicateAttestation`). The checks run in that order, so a pair breaking several rules is
refused with the first one's name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Protocol, TypeVar

from zkbraid.crypto.personal_sign import recover_hash_signer
from zkbraid.errors import BraidError, InvalidSignature, Unauthorized
from zkbraid.staking.state import Staking


class BadAttestationSignature(InvalidSignature):
    """A malformed signature, or one that does not recover the validator it names from the
    record's digest (a signature of another digest recovers another address)."""


class DuplicateAttestation(BraidError):
    """A validator's second signature of one record."""


class Signable(Protocol):
    """A pending record as its signers see it: its digest, who may sign it and who has."""

    @property
    def index(self) -> int:
        """The batch or set nonce that names the record."""
        ...

    @property
    def what(self) -> str:
        """The record in a message ("batch 3", "validator set 2")."""
        ...

    @property
    def digest(self) -> bytes:
        """The 32-byte digest its signers sign (the L1 contract's)."""
        ...

    def weight(self, address: bytes) -> int:
        """What `address`'s signature counts for (voting power, or stake in the set being
        replaced); 0: it may not sign."""
        ...

    def signed_by(self, address: bytes) -> bool:
        """Whether the record on chain already holds `address`'s signature."""
        ...

    def not_a_signer(self, address: bytes) -> Unauthorized:
        """The kind's error for a signature by an address that may not sign."""
        ...


S = TypeVar("S", bound=Signable)
S_co = TypeVar("S_co", bound=Signable, covariant=True)


class SignableRecords(Protocol[S_co]):
    """The records of one kind (sequencer/attestations.py `Attestations`,
    sequencer/validator_sets.py `ValidatorSets`)."""

    def signable(self, index: int, staking: Staking) -> S_co:
        """Record `index`, pending. Raises the kind's unknown and already-attested errors."""
        ...

    def to_sign(self, staking: Staking) -> Sequence[S_co]:
        """The pending records, oldest first."""
        ...


def recover_digest_signer(digest: bytes, signature: bytes) -> bytes | None:
    """The address whose key signed the 32-byte `digest` (crypto/personal_sign.py
    `recover_hash_signer`: None for a malformed, high-s or unrecoverable signature)."""
    return recover_hash_signer(digest, signature)


def has_quorum(signed_power: int, total_power: int) -> bool:
    """More than two thirds of the power (DataAvailability.sol's rule: 3·signed > 2·total)."""
    return total_power > 0 and 3 * signed_power > 2 * total_power


def may_sign(record: Signable, address: bytes) -> bool:
    """Whether `address` may add its signature to `record` now (the rule without the
    signature): what a validator signs in its vote."""
    return record.weight(address) > 0 and not record.signed_by(address)


def check_signature(
    record: Signable, validator: bytes, signature: bytes, seen: Collection[bytes] = ()
) -> int:
    """The rule (the module's docstring) for one pair of a pending record; `seen`: the
    validators already signing it alongside. Returns the signer's weight.

    Raises BadAttestationSignature, the record's `not_a_signer` error (NotAValidator,
    NotInPreviousSet), DuplicateAttestation.
    """
    signer = recover_digest_signer(record.digest, signature)
    if signer is None:
        raise BadAttestationSignature(f"malformed or unrecoverable signature of {record.what}")
    if signer != validator:
        raise BadAttestationSignature(
            f"the signature of {record.what} is not 0x{validator.hex()}'s over its digest"
        )
    weight = record.weight(validator)
    if weight == 0:
        raise record.not_a_signer(validator)
    if validator in seen or record.signed_by(validator):
        raise DuplicateAttestation(
            f"validator 0x{validator.hex()} has already signed {record.what}"
        )
    return weight


def check_entries(
    signable: Callable[[int], S], entries: Iterable[tuple[int, Iterable[tuple[bytes, bytes]]]]
) -> list[tuple[S, list[tuple[bytes, bytes, int]]]]:
    """Every pair of an Attest's entries of one kind, by the rule, each record found by
    `signable` (a `SignableRecords.signable`); a record named twice is checked as one. Returns
    each record with its new signers, (validator, signature, weight) …; changes nothing.

    Raises what `SignableRecords.signable` and `check_signature` raise, at the first broken rule.
    """
    out: list[tuple[S, list[tuple[bytes, bytes, int]]]] = []
    seen: dict[int, set[bytes]] = {}
    for index, signed in entries:
        record = signable(index)
        signers = seen.setdefault(index, set())
        new: list[tuple[bytes, bytes, int]] = []
        for validator, signature in signed:
            weight = check_signature(record, validator, signature, signers)
            signers.add(validator)
            new.append((validator, signature, weight))
        out.append((record, new))
    return out
