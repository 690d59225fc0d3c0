"""`PublicData.walk`, the contract's reading of a batch's records, through the test harness
contract: against `zkbraid.proving.statement` on every transaction type with a vector, and
against records built here by hand from docs/hybrid.md ("Public data records") for the
hybrid's seven types (a type added to `TxType` must be covered by one or the other)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from web3 import Web3
from web3.contract import Contract

from tests.contracts.l1 import (
    GAS,
    L1Rollup,
    Validators,
    deploy,
    deposit_record,
    made_up_batch,
    revert_error,
    transfer_record,
    withdraw_record,
)
from tests.unit.zk.vectors import VECTORS, run_vector
from zkbraid.proving.statement import pubdata, pubdata_length, tx_data_from_pubdata
from zkbraid.settlement.l1_contracts import load_artifact
from zkbraid.zk.transactions import TxType

HARNESS = load_artifact("PublicDataHarness")
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
ROOT = 0x0BAD_C0DE
VALID = ["register_key", "transfer", "nft_mint", "nft_transfer", "deposit", "withdraw"]


@dataclass(frozen=True)
class Hybrid:
    """One of the hybrid's record types as docs/hybrid.md lays it out: the type byte, then the
    narrow fields (the header) and the wide fields, each (name, bytes), and its stated length."""

    name: str
    type_byte: int
    narrow: tuple[tuple[str, int], ...]
    wide: tuple[tuple[str, int], ...]
    length: int

    def example(self, **values: int) -> tuple[bytes, list[int]]:
        """A record and the txData [t0, t1, t2] it stands for. A field not in `values` gets the
        record's byte offsets as its bytes (1, 2, 3, …: a field cut one byte off shows)."""
        record = bytes([self.type_byte])
        t0 = self.type_byte
        wide = []
        for name, width in self.narrow + self.wide:
            offsets = bytes(range(len(record), len(record) + width))
            value = values.get(name, int.from_bytes(offsets, "big"))
            record += value.to_bytes(width, "big")
            if (name, width) in self.narrow:
                t0 = t0 << 8 * width | value
            else:
                wide.append(value)
        return record, [t0, *wide, *[0] * (2 - len(wide))]

    def largest(self) -> tuple[bytes, list[int]]:
        """The record with every field at its largest (a 32-byte one at r - 1)."""
        return self.example(
            **{n: R - 1 if w == 32 else 2 ** (8 * w) - 1 for n, w in self.narrow + self.wide}
        )


HYBRID = {
    h.type_byte: h
    for h in (
        Hybrid("MoveToFast", 0x16, (("fee", 8), ("from", 4), ("token", 2)), (("amount", 16),), 31),
        Hybrid(
            "MoveFromFast",
            0x17,
            (("fee", 8), ("exit_id", 8), ("to", 4), ("token", 2)),
            (("amount", 16),),
            39,
        ),
        Hybrid(
            "CreateCollection",
            0x18,
            (("fee", 8), ("creator", 4), ("collection", 2), ("cap", 4)),
            (("minter", 20),),
            39,
        ),
        Hybrid(
            "GameMint",
            0x19,
            (("fee", 8), ("report_id", 8), ("collection", 2), ("round", 4), ("to", 4)),
            (("content", 32), ("game", 20)),
            79,
        ),
        Hybrid(
            "NftList",
            0x1A,
            (("fee", 8), ("owner", 4), ("nft", 4), ("token", 2), ("expiry", 8)),
            (("price", 16),),
            43,
        ),
        Hybrid("NftCancel", 0x1B, (("fee", 8), ("owner", 4), ("nft", 4)), (), 17),
        Hybrid(
            "NftBuy",
            0x1C,
            (("fee", 8), ("buyer", 4), ("nft", 4), ("token", 2), ("time", 8)),
            (("price", 16),),
            43,
        ),
    )
}
GAME_MINT = HYBRID[0x19]
# Every record type the walk knows: the vectors' (by `TxType`) and the hybrid's.
ALL_TYPES = sorted({int(t) for t in TxType} | set(HYBRID))


def _length(type_byte: int) -> int:
    if type_byte in HYBRID:
        return HYBRID[type_byte].length
    return int(pubdata_length(TxType(type_byte)))


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
    assert {int(t) for t in TxType} <= types | set(HYBRID)
    assert sorted(types | set(HYBRID)) == list(range(0x10, 0x1D))


@pytest.mark.parametrize("hybrid", HYBRID.values(), ids=lambda h: h.name)
def test_hybrid_record_cut(harness: Contract, hybrid: Hybrid) -> None:
    """Each of the hybrid's records as its header and wide fields, none of them a bridge record."""
    widths = [w for _, w in hybrid.narrow + hybrid.wide]
    assert 1 + sum(widths) == hybrid.length
    assert 1 + sum(w for _, w in hybrid.narrow) <= 31  # the header is a field element
    for record, tx_data in (hybrid.example(), hybrid.largest()):
        assert len(record) == hybrid.length
        assert _walk(harness, [record]) == ([ROOT, ROOT + 1, *tx_data], 0)


def test_hybrid_record_fields_by_hand(harness: Contract) -> None:
    """Two records written out byte by byte, so that the layouts above are checked too."""
    move = (
        b"\x16"
        + (5).to_bytes(8, "big")  # fee
        + (2**20 - 2).to_bytes(4, "big")  # from
        + (0).to_bytes(2, "big")  # token
        + (10**18).to_bytes(16, "big")  # amount
    )
    assert (
        move
        == HYBRID[0x16].example(**{"fee": 5, "from": 2**20 - 2, "token": 0, "amount": 10**18})[0]
    )
    t0 = 0x16 << 112 | 5 << 48 | (2**20 - 2) << 16
    game = bytes.fromhex("00" + "c0ffee" * 6 + "01")  # the reporting game's address
    game_mint = (
        b"\x19"
        + bytes(8)  # fee
        + (9).to_bytes(8, "big")  # report_id
        + (3).to_bytes(2, "big")  # collection
        + (4).to_bytes(4, "big")  # round
        + (6).to_bytes(4, "big")  # to
        + (R - 1).to_bytes(32, "big")  # content
        + game  # game
    )
    assert len(game_mint) == 79
    t0_mint = 0x19 << 208 | 9 << 80 | 3 << 64 | 4 << 32 | 6
    game_int = int.from_bytes(game, "big")
    inputs, bridge = _walk(harness, [move, game_mint])
    assert inputs == [ROOT, ROOT + 1, t0, 10**18, 0, ROOT + 1, ROOT + 2, t0_mint, R - 1, game_int]
    assert bridge == 0


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


@pytest.mark.parametrize("tx_type", ALL_TYPES, ids=hex)
def test_invalid_truncated_or_long_record(harness: Contract, tx_type: int) -> None:
    size = _length(tx_type)
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


@pytest.mark.parametrize("type_byte", [0x00, 0x0F, 0x1D, 0x20, 0xFF])
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


def test_invalid_game_mint_content_not_in_the_field(harness: Contract) -> None:
    """GameMint's content hash must be below r, as NftMint's (the other fields are by width)."""
    for content in (R, 2**256 - 1):
        record, _ = GAME_MINT.example(content=content)
        assert _error(harness, record, 1) == ("PublicInputOutOfField", (3,))
        transfer = transfer_record(0, 1, 5)
        records = transfer + HYBRID[0x1B].example()[0] + record + transfer
        assert _error(harness, records, 4) == ("PublicInputOutOfField", (5 * 2 + 3,))
    record, tx_data = GAME_MINT.example(content=R - 1)
    assert _walk(harness, [record]) == ([ROOT, ROOT + 1, *tx_data], 0)
    # The game (20 bytes, always below r) is not checked: all ones is an input as it is.
    record, tx_data = GAME_MINT.example(content=R - 1, game=2**160 - 1)
    assert tx_data[2] == 2**160 - 1
    assert _walk(harness, [record]) == ([ROOT, ROOT + 1, *tx_data], 0)


def test_game_mint_without_its_game_is_truncated(harness: Contract) -> None:
    """A GameMint record of the layout before the game was added (59 bytes) is refused: alone,
    last in a batch, or followed by a record (whose first 20 bytes it then takes as the game)."""
    record, _ = GAME_MINT.example()
    old = record[:59]
    assert _error(harness, old, 1) == ("RecordTruncated", (0,))
    transfer = transfer_record(0, 1, 5)
    assert _error(harness, transfer + old, 2) == ("RecordTruncated", (len(transfer),))
    # Followed by a Transfer, the walk takes the Transfer's first 20 bytes as the game and finds
    # no record type (an amount byte, 0) where the next record should start.
    assert _error(harness, old + transfer, 2) == ("UnknownRecordType", (79, 0))


def test_mixed_batch_of_old_and_new_records(harness: Contract) -> None:
    old = [pubdata(run_vector(VECTORS[name]())["operation"]) for name in VALID]
    new = [h.example() for h in HYBRID.values()] + [h.largest() for h in HYBRID.values()]
    # Interleaved: old, new, old, new, … then the rest of the new ones.
    records: list[bytes] = []
    expected_tx_data: list[list[int]] = []
    for i in range(max(len(old), len(new))):
        if i < len(old):
            records.append(old[i])
            expected_tx_data.append(list(tx_data_from_pubdata(old[i])))
        if i < len(new):
            records.append(new[i][0])
            expected_tx_data.append(new[i][1])
    inputs, bridge = _walk(harness, records)
    expected = []
    for i, tx_data in enumerate(expected_tx_data):
        expected += [ROOT + i, ROOT + i + 1, *tx_data]
    assert inputs == expected
    marked = [i for i in range(len(records)) if bridge >> i & 1]
    assert marked == [i for i, r in enumerate(records) if r[0] in (0x14, 0x15)]
    assert len(marked) == 2


def test_rollup_accepts_a_batch_of_hybrid_records(w3: Web3, vkey_json: str) -> None:
    """Through `submitBatch` (its proof check a switch): the hybrid's records are data only, the
    root moves and only the Withdraw among them acts on L1."""
    rollup: L1Rollup = deploy(w3, vkey_json, 1, Validators((1,)), artifact="RollupWithoutProofs")
    recipient = bytes.fromhex("5a" * 20)
    records = [h.example()[0] for h in HYBRID.values()]
    records.insert(3, withdraw_record(1, recipient, 7))
    records.append(transfer_record(0, 1, 5))
    batch = made_up_batch(rollup, records)
    rollup.submit(batch)
    f = rollup.contract.functions
    assert int.from_bytes(rollup.state()[0], "big") == 1 + len(records)
    assert f.batchCount().call() == 1
    assert f.withdrawalCount().call() == 1
    assert tuple(f.withdrawalOf(0).call()) == (Web3.to_checksum_address(recipient), 7)
