"""The market's records and their codec: declarative RLP sedes, bounded, canonical."""

from __future__ import annotations

from dataclasses import replace

import pytest
import rlp

from zkbraid.ledger.codec import CorruptRecord, RecordOutOfRange
from zkbraid.market.records import (
    Attempt,
    Batch,
    Job,
    JobKind,
    JobStatus,
    MarketMeta,
    Outcome,
    ProverRecord,
)

A, B = b"\xaa" * 20, b"\xbb" * 20
H1, H2 = b"\x01" * 32, b"\x02" * 32

JOB = Job(
    job_id=H1,
    kind=JobKind.TX,
    number=7,
    seq=5,
    base=5 * 10**15,
    created_height=12,
    created_ms=34_000,
    batch=0,
    status=JobStatus.ASSIGNED,
    attempts=[
        Attempt(A, 12, 34_000, Outcome.MISSED, 22, 5 * 10**16),
        Attempt(B, 22, 54_000),
    ],
    old_root=H1,
    new_root=H2,
    pubdata=b"\x01" * 51,
)
RECORDS = [
    JOB,
    replace(JOB, kind=JobKind.AGGREGATE, old_root=b"", new_root=b"", pubdata=b"", attempts=[]),
    ProverRecord(A, b"\x01" * 64, 3, 9, 12_345, False, 4, True, 10, 10**18, 2, 10**17),
    Batch(3, 48, 100, 200_000, 16, 16 * 10**16, 16 * 10**15, True, True, H1, H2, H2, B),
    MarketMeta(10, 9, 2, 2, H2, 10**17, 40, 90_000),
    MarketMeta(),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_records_round_trip(record: Job | ProverRecord | Batch | MarketMeta) -> None:
    assert type(record).decode(record.encode()) == record


def test_a_record_is_the_rlp_list_of_its_fields_in_order() -> None:
    attempt = Attempt(A, 12, 34_000, Outcome.MISSED, 22, 5)
    assert attempt.encode() == rlp.encode([A, 12, 34_000, 2, 22, 5])
    assert MarketMeta().encode() == rlp.encode([0, 0, 0, 0, b"", 0, 0, 0])


def test_derived_fields_are_not_stored() -> None:
    batch = Batch(0, 0, 1, 100, count=2, proven=2)
    assert Batch.decode(batch.encode()) == replace(batch, proven=0)


@pytest.mark.parametrize(
    "record",
    [
        replace(JOB, base=-1),
        replace(JOB, number=2**64),
        replace(JOB, paid=2**128),
        replace(JOB, job_id=b"\x01" * 31),
        replace(JOB, proven_by=b"\x01" * 21),
        replace(JOB, pubdata=b"\x00" * 1025),
        replace(JOB, attempts=[Attempt(A, -1, 0)]),
        MarketMeta(reserved=-5),
    ],
)
def test_invalid_field_out_of_range_is_named_never_wrapped(record: Job | MarketMeta) -> None:
    with pytest.raises(RecordOutOfRange):
        record.encode()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff",
        rlp.encode([0, 0, 0, 0, b"", 0, 0]),  # a field missing
        rlp.encode([0, 0, 0, 0, b"", 0, 0, 0, 0]),  # a field too many
        rlp.encode([b"\x00\x01", 0, 0, 0, b"", 0, 0, 0]),  # a leading zero
        rlp.encode([2**64, 0, 0, 0, b"", 0, 0, 0]),  # wider than U64
        rlp.encode([0, 0, 0, 0, b"\x01" * 31, 0, 0, 0]),  # a 31-byte root
        rlp.encode([[0], 0, 0, 0, b"", 0, 0, 0]),  # a list for an integer
    ],
)
def test_invalid_stored_meta_is_corrupt(raw: bytes) -> None:
    with pytest.raises(CorruptRecord):
        MarketMeta.decode(raw)


def test_invalid_unknown_enum_value_is_corrupt() -> None:
    fields = rlp.decode(JOB.encode())
    fields[1] = b"\x07"  # no JobKind 7
    with pytest.raises(CorruptRecord):
        Job.decode(rlp.encode(fields))
    fields = rlp.decode(JOB.encode())
    fields[9][0][3] = b"\x09"  # no Outcome 9, in a nested attempt
    with pytest.raises(CorruptRecord):
        Job.decode(rlp.encode(fields))
