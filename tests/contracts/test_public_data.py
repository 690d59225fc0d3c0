"""`PublicData.walk`, the contract's reading of a batch's records, against
`zkbraid.proving.statement` on every transaction type (a type added to `TxType` is covered
here at once), through the test harness contract."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.contract import Contract

from tests.contracts.l1 import GAS, deposit_record, revert_error, withdraw_record
from tests.unit.zk.vectors import VECTORS, run_vector
from zkbraid.proving.statement import pubdata, pubdata_length, tx_data_from_pubdata
from zkbraid.settlement.l1_contracts import load_artifact
from zkbraid.zk.transactions import TxType

HARNESS = load_artifact("PublicDataHarness")
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
ROOT = 0x0BAD_C0DE
VALID = ["register_key", "transfer", "nft_mint", "nft_transfer", "deposit", "withdraw"]


@pytest.fixture
def harness(w3: Web3) -> Contract:
    factory = w3.eth.contract(abi=HARNESS.abi, bytecode=HARNESS.bytecode)
    tx = factory.constructor().transact({"from": w3.eth.accounts[0], "gas": 2_000_000})
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    return w3.eth.contract(address=address, abi=HARNESS.abi)


def _roots(n: int) -> list[bytes]:
    return [(ROOT + i).to_bytes(32, "big") for i in range(n + 1)]


def _walk(harness: Contract, records: list[bytes]) -> tuple[list[int], int]:
    inputs, bridge = harness.functions.walk(
        b"".join(records), _roots(len(records)), len(records)
    ).call({"gas": GAS})
    return list(inputs), int(bridge)


def _error(harness: Contract, records: bytes, n: int) -> tuple[str, tuple[object, ...]]:
    return revert_error(harness.functions.walk(records, _roots(n), n), {"gas": GAS})


def test_vectors_cover_every_type() -> None:
    types = {run_vector(VECTORS[name]())["operation"].TYPE for name in VALID}
    assert types == set(TxType)


def test_walk_agrees_with_statement(harness: Contract) -> None:
    records = [pubdata(run_vector(VECTORS[name]())["operation"]) for name in VALID]
    records += [records[1], records[4]]
    inputs, bridge = _walk(harness, records)
    expected = []
    for i, record in enumerate(records):
        assert len(record) == pubdata_length(TxType(record[0]))
        expected += [ROOT + i, ROOT + i + 1, *tx_data_from_pubdata(record)]
    assert inputs == expected
    # Deposit and Withdraw records are marked for the bridge, and told apart.
    marked = [i for i in range(len(records)) if bridge >> i & 1]
    assert marked == [i for i, r in enumerate(records) if r[0] in (0x14, 0x15)]
    for i in marked:
        assert harness.functions.isDeposit(inputs[5 * i + 2]).call() == (records[i][0] == 0x14)


def test_bridge_record_fields(harness: Contract) -> None:
    recipient = bytes(range(20))
    deposit = deposit_record(2**64 - 1, 7, recipient, 10**18, fee=3, token=9)
    t0, t1, t2 = tx_data_from_pubdata(deposit)
    assert harness.functions.depositFields(t0).call() == [3, 2**64 - 1, 7, 9]
    assert (t1, t2) == (int.from_bytes(recipient, "big"), 10**18)
    withdraw = withdraw_record(2**32 - 1, recipient, 5, fee=2**64 - 1, token=1)
    t0, _, _ = tx_data_from_pubdata(withdraw)
    assert harness.functions.withdrawFields(t0).call() == [2**64 - 1, 2**32 - 1, 1]


@pytest.mark.parametrize("tx_type", list(TxType))
def test_invalid_truncated_or_long_record(harness: Contract, tx_type: TxType) -> None:
    size = pubdata_length(tx_type)
    record = bytes([tx_type]) + b"\x01" * (size - 1)
    assert len(_walk(harness, [record])[0]) == 5
    assert _error(harness, record[:-1], 1) == ("RecordTruncated", (0,))
    assert _error(harness, record + b"\x00", 1)[0] == "RecordCountMismatch"
    assert _error(harness, record + record[:-1], 2) == ("RecordTruncated", (size,))


def test_invalid_record_counts(harness: Contract) -> None:
    record = pubdata(run_vector(VECTORS["transfer"]())["operation"])
    assert _error(harness, record, 2) == ("RecordCountMismatch", (2,))
    assert _error(harness, record * 3, 2) == ("RecordCountMismatch", (2,))
    assert _error(harness, b"", 1) == ("RecordCountMismatch", (1,))
    name, _ = revert_error(harness.functions.walk(record, _roots(2), 1), {"gas": GAS})
    assert name == "RootCountMismatch"
    name, _ = revert_error(harness.functions.walk(record * 257, _roots(257), 257), {"gas": GAS})
    assert name == "BatchTooLarge"


@pytest.mark.parametrize("type_byte", [0x00, 0x0F, 0x16, 0xFF])
def test_invalid_unknown_type(harness: Contract, type_byte: int) -> None:
    transfer = pubdata(run_vector(VECTORS["transfer"]())["operation"])
    records = transfer + bytes([type_byte]) + b"\x00" * 34
    assert _error(harness, records, 2) == ("UnknownRecordType", (len(transfer), type_byte))


def test_invalid_wide_field_not_in_the_field(harness: Contract) -> None:
    """32-byte fields (a key, a content hash, a root) must be below r; narrower ones always are."""
    register = bytearray(pubdata(run_vector(VECTORS["register_key"]())["operation"]))
    register[61:93] = R.to_bytes(32, "big")  # pk_y = r
    name, args = _error(harness, bytes(register), 1)
    assert (name, args) == ("PublicInputOutOfField", (4,))
    mint = bytearray(pubdata(run_vector(VECTORS["nft_mint"]())["operation"]))
    mint[19:51] = (2**256 - 1).to_bytes(32, "big")
    assert _error(harness, bytes(mint), 1) == ("PublicInputOutOfField", (3,))
    roots = _roots(1)
    roots[1] = R.to_bytes(32, "big")
    name, args = revert_error(harness.functions.walk(bytes(mint[:19]) + bytes(32), roots, 1), {})
    assert (name, args) == ("PublicInputOutOfField", (1,))
