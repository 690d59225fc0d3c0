"""Data-availability attestations as consensus state (issue 15, part 5; ARCHITECTURE.md,
"Settlement and the bridge"): every validator signs, with its Ethereum key, each bundled batch's
EIP-712 attestation digest; the signatures reach the chain in Attest transactions
(sequencer/attest_tx.py) and are gathered in one committed record per batch, which the agent
posts with the batch and DataAvailability.sol checks (> 2/3 of the stake, ascending signers).

**The record.** When market batch `b` is bundled (its `aggregated_by` set), the block that
bundled it records what the digest names, fixed for good:

- the batch's data hash, `keccak(records)` of its transactions' public data records
  (`batch_data_hash`), and the ZK root it ends at (`new_root`);
- the L1 batch index: `b` itself. Rollup.sol numbers batches by `batchCount` and takes them in
  root order, and market batches chain their roots in index order (each starts where the last
  ended, none is empty), so L1 batch `b` is market batch `b` — assuming the rollup was deployed
  at the chain's genesis root and every batch is posted, one L1 batch each (the agent does
  exactly that: settlement/agent.py posts the batch starting at the rollup's root as index
  `batchCount`);
- the fast chain's **checkpoint**, taken from the block's parent: the parent's ledger height and
  app hash, and the fast chain's state root that app hash commits to. Every validator knows it
  before applying the block, and it never changes afterwards (a checkpoint of the current head
  would change at every block, and validators could never sign the same digest).
- the L1 domain: `ChainParams.l1` (chain id, rollup address).

Records are made in batch order (a batch bundled before an earlier one waits for it), so later
batches never carry an older checkpoint: Rollup.sol refuses one (`CheckpointTooOld`).

**The rules of an Attest**, each signature `(validator, signature)` of batch `b`, are the one
signature rule (sequencer/signatures.py): `b` has a record (`UnknownAttestationBatch`) that is
not yet attested (`BatchAlreadyAttested`); the signature recovers `validator` from the digest,
with a low s and v in {27, 28} (`BadAttestationSignature`); `validator` is a validator with
voting power, not jailed (`NotAValidator`); it has not signed `b` before, nor twice in the
transaction (`DuplicateAttestation`). The whole transaction is refused at its first broken rule,
changing nothing. Otherwise the signers join the record, and the batch is **attested** once its
signers hold more than 2/3 of the set's voting power (staking/state.py) and every earlier batch
is attested, at that block; no signature joins it afterwards. The record keeps the nonce of the
validator set of that block (sequencer/validator_sets.py, which has the Attest's signatures of
validator sets).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Annotated, Protocol

from zkbraid.config import L1Params
from zkbraid.errors import BraidError, NotFound, Unauthorized
from zkbraid.ledger.codec import U64, Address, Bytes, Flag, Hash32, ListOf, Record
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.record_store import NumberedRecords, RecordStore
from zkbraid.market.records import Batch, Job
from zkbraid.sequencer.attest_tx import SIGNATURE_BYTES, Attest
from zkbraid.sequencer.signatures import check_entries, has_quorum
from zkbraid.settlement.l1_contracts import Checkpoint, attestation_digest, batch_data_hash
from zkbraid.staking.state import Staking

_META = b"m"


class Batches(Protocol):
    """What the records read of the proving market (market/state.py `Market`)."""

    def batch(self, index: int) -> Batch | None: ...
    def tx_at(self, seq: int) -> bytes | None: ...
    def job(self, job_id: bytes) -> Job | None: ...


class UnknownAttestationBatch(NotFound):
    """An attestation of a batch that has no record (not bundled yet, or unknown)."""


class BatchAlreadyAttested(BraidError):
    """An attestation of a batch whose signers already hold more than 2/3 of the power."""


class NotAValidator(Unauthorized):
    """An attestation by an address without voting power (never bonded, unbonded or jailed)."""


@dataclass(frozen=True)
class Signed(Record):
    validator: Address
    signature: Annotated[bytes, Bytes(SIGNATURE_BYTES)]


@dataclass(frozen=True)
class AttestationRecord(Record):
    """One bundled batch: what its digest names, and the signatures gathered so far."""

    batch: U64
    """The market batch, and the L1 batch index the digest names (the module's docstring)."""
    data_hash: Hash32
    new_root: Hash32
    fast_state_root: Hash32
    ledger_app_hash: Hash32
    ledger_height: U64
    recorded_height: U64
    """The block that bundled the batch (or, when an earlier batch was bundled later, the block
    that bundled that one)."""
    signatures: Annotated[list[Signed], ListOf(Signed)] = field(default_factory=list)
    """Ascending by validator address, as DataAvailability.sol takes them."""
    attested: Flag = False
    attested_height: U64 = 0
    set_nonce: U64 = 0
    """The validator set of the block that attested it (sequencer/validator_sets.py): L1 must
    hold that set when the batch is posted, with the signatures of its members."""

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.fast_state_root, self.ledger_app_hash, self.ledger_height)

    def signed_by(self, validator: bytes) -> bool:
        return any(s.validator == validator for s in self.signatures)


@dataclass(frozen=True)
class AttestationMeta(Record):
    next_batch: U64 = 0
    """The next market batch to record (records are made in batch order)."""


@dataclass(frozen=True)
class BatchToSign:
    """A pending batch's record as its signers see it (sequencer/signatures.py `Signable`): every
    validator with voting power now may sign it."""

    record: AttestationRecord
    digest: bytes
    staking: Staking

    @property
    def index(self) -> int:
        return self.record.batch

    @property
    def what(self) -> str:
        return f"batch {self.record.batch}"

    def weight(self, address: bytes) -> int:
        """The validator's voting power (0: not a validator, or jailed)."""
        validator = self.staking.validator(address)
        return 0 if validator is None or validator.jailed else validator.power

    def signed_by(self, address: bytes) -> bool:
        return self.record.signed_by(address)

    def not_a_signer(self, address: bytes) -> Unauthorized:
        return NotAValidator(f"0x{address.hex()} is not a validator with voting power")


class Attestations:
    """The batches' attestation records, committed by a trie root; the pending ones (recorded,
    not attested) are live."""

    def __init__(
        self, params: L1Params, nodes: KVNamespace, records: KVNamespace, live: KVNamespace
    ) -> None:
        self.params = params
        self._store = RecordStore(nodes, records, live)
        self._records = NumberedRecords(
            self._store, AttestationRecord, b"b", lambda r: r.batch, lambda r: not r.attested
        )
        self._load()

    def _load(self) -> None:
        self.meta = self._store.get(_META, AttestationMeta) or AttestationMeta()
        self._records.load()
        self._digests: dict[int, bytes] = {}

    def reload(self) -> None:
        """Forgets what was not committed (after the block's writes were discarded)."""
        self._store.reload()
        self._load()

    @property
    def root(self) -> bytes:
        return self._store.flush()

    def _save(self, record: AttestationRecord) -> None:
        self._records.save(record)

    # -- views -----------------------------------------------------------------------------

    def record(self, batch: int) -> AttestationRecord | None:
        return self._records.get(batch)

    def pending(self) -> list[AttestationRecord]:
        """The recorded batches not yet attested, oldest first."""
        return self._records.live()

    def digest(self, record: AttestationRecord) -> bytes:
        """The EIP-712 digest validators sign for the record's batch (l1_contracts.py)."""
        cached = self._digests.get(record.batch)
        if cached is None:
            cached = attestation_digest(
                chain_id=self.params.chain_id,
                rollup=self.params.rollup or bytes(20),
                batch_index=record.batch,
                data_hash=record.data_hash,
                new_root=record.new_root,
                checkpoint=record.checkpoint,
            )
            self._digests[record.batch] = cached
        return cached

    def signable(self, index: int, staking: Staking) -> BatchToSign:
        """Batch `index`'s record, pending, for its signers (sequencer/signatures.py).

        Raises UnknownAttestationBatch, BatchAlreadyAttested.
        """
        record = self.record(index)
        if record is None:
            raise UnknownAttestationBatch(f"batch {index} is not bundled and recorded yet")
        if record.attested:
            raise BatchAlreadyAttested(
                f"batch {index} was attested in block {record.attested_height}"
            )
        return BatchToSign(record, self.digest(record), staking)

    def to_sign(self, staking: Staking) -> list[BatchToSign]:
        """The pending records, oldest first, for their signers."""
        return [BatchToSign(r, self.digest(r), staking) for r in self.pending()]

    # -- the block's step ------------------------------------------------------------------

    def record_bundled(
        self, market: Batches, checkpoint: Checkpoint, height: int
    ) -> list[AttestationRecord]:
        """Records every batch bundled by now whose earlier batches are all recorded, with the
        block's fixed checkpoint (its parent's, the module's docstring); returns them."""
        made: list[AttestationRecord] = []
        index = self.meta.next_batch
        while True:
            batch = market.batch(index)
            if batch is None or not batch.aggregated_by:
                break
            records = [
                _pubdata(market, seq) for seq in range(batch.start, batch.start + batch.count)
            ]
            record = AttestationRecord(
                batch=index,
                data_hash=batch_data_hash(records),
                new_root=batch.new_root,
                fast_state_root=checkpoint.fast_state_root,
                ledger_app_hash=checkpoint.ledger_app_hash,
                ledger_height=checkpoint.ledger_height,
                recorded_height=height,
            )
            self._save(record)
            made.append(record)
            index += 1
        if made:
            self.meta = AttestationMeta(index)
            self._store.put(self.meta, _META)
        return made

    # -- the Attest transaction ------------------------------------------------------------

    def check(self, tx: Attest, staking: Staking) -> list[tuple[AttestationRecord, list[Signed]]]:
        """Every rule of an Attest's batch signatures (the module's docstring); returns each
        batch's record with its new signers. Changes nothing.

        Raises UnknownAttestationBatch, BatchAlreadyAttested, BadAttestationSignature,
        NotAValidator, DuplicateAttestation.
        """
        out: list[tuple[AttestationRecord, list[Signed]]] = []
        for signable, new in check_entries(lambda b: self.signable(b, staking), tx.entries):
            out.append((signable.record, [Signed(v, signature) for v, signature, _ in new]))
        return out

    def apply(self, tx: Attest, staking: Staking, height: int, *, set_nonce: int = 0) -> None:
        """Adds an Attest's batch signers to their records in block `height`, whose validator
        set is set `set_nonce` (sequencer/validator_sets.py). Raises what `check` raises,
        before changing anything. Batches are attested in order:
        the oldest pending batch is attested once its signers hold more than 2/3 of the voting
        power, then the next one if its signers do too, and so on — so the sets that attest
        successive batches never go back, and an agent can bring L1 to each in turn.
        """
        for record, new in self.check(tx, staking):
            current = self.record(record.batch)
            assert current is not None
            signatures = sorted([*current.signatures, *new], key=lambda s: s.validator)
            self._save(replace(current, signatures=signatures))
        for record in self.pending():
            if not has_quorum(signed_power(staking, record.signatures), staking.total_power):
                break
            self._save(replace(record, attested=True, attested_height=height, set_nonce=set_nonce))


def signed_power(staking: Staking, signatures: Iterable[Signed]) -> int:
    """The voting power the signers hold now."""
    total = 0
    for s in signatures:
        v = staking.validator(s.validator)
        if v is not None and not v.jailed:
            total += v.power
    return total


def _pubdata(market: Batches, seq: int) -> bytes:
    tx_hash = market.tx_at(seq)
    job = market.job(tx_hash) if tx_hash is not None else None
    if job is None:
        raise RuntimeError(f"a bundled batch's transaction {seq} has no job")  # a bug
    return job.pubdata
