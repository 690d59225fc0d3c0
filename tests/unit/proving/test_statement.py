"""The public data a proof commits to: layouts, lengths, and the L1 recomputation."""

import pytest

from tests.unit.zk.vectors import L1_RECIPIENT, VECTOR_TIME, VECTORS, new_chain, run_vector
from zkbraid.proving import statement as S
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.params import ZkParams
from zkbraid.zk.transactions import Deposit, NftTransfer, Transfer, TxType, Withdraw


def test_transfer_record_layout() -> None:
    tx = Transfer(0x7A6B, 3, 0x10203, token=7, amount=2**100 + 5, nonce=9, fee=11)
    record = S.pubdata(tx)
    assert record == (
        b"\x11" + (11).to_bytes(8, "big") + (3).to_bytes(4, "big") + (0x10203).to_bytes(4, "big")
        + (7).to_bytes(2, "big") + (2**100 + 5).to_bytes(16, "big")
    )  # fmt: skip
    assert len(record) == S.pubdata_length(TxType.TRANSFER) == 35
    header = 0x11 * 2**144 + 11 * 2**80 + 3 * 2**48 + 0x10203 * 2**16 + 7
    assert S.tx_data(tx) == (header, 2**100 + 5, 0)


def test_deposit_record_layout() -> None:
    # The layout the bridge contract parses: header (23 bytes), recipient (20), amount (16).
    recipient = dev_eth_address(2)
    tx = Deposit(0x7A6B, deposit_id=2**64 - 2, to_index=0x0A0B0C, token=0, recipient=recipient,
                 amount=2**127 + 3)  # fmt: skip
    record = S.pubdata(tx)
    assert record == (
        b"\x14" + bytes(8) + (2**64 - 2).to_bytes(8, "big") + (0x0A0B0C).to_bytes(4, "big")
        + bytes(2) + recipient + (2**127 + 3).to_bytes(16, "big")
    )  # fmt: skip
    assert len(record) == S.pubdata_length(TxType.DEPOSIT) == 59
    header = 0x14 * 2**176 + (2**64 - 2) * 2**48 + 0x0A0B0C * 2**16
    assert S.tx_data(tx) == (header, int.from_bytes(recipient, "big"), 2**127 + 3)
    assert S.tx_data_from_pubdata(record) == S.tx_data(tx)


def test_withdraw_record_layout() -> None:
    # Header (15 bytes), L1 recipient (20), amount (16).
    tx = Withdraw(0x7A6B, from_index=0xFFFFF, token=0, l1_recipient=L1_RECIPIENT, amount=10**18,
                  nonce=5, fee=2**64 - 1)  # fmt: skip
    record = S.pubdata(tx)
    assert record == (
        b"\x15" + b"\xff" * 8 + (0xFFFFF).to_bytes(4, "big") + bytes(2) + L1_RECIPIENT
        + (10**18).to_bytes(16, "big")
    )  # fmt: skip
    assert len(record) == S.pubdata_length(TxType.WITHDRAW) == 51
    header = 0x15 * 2**112 + (2**64 - 1) * 2**48 + 0xFFFFF * 2**16
    assert S.tx_data(tx) == (header, int.from_bytes(L1_RECIPIENT, "big"), 10**18)
    # The nonce and the signature are not published.
    assert S.pubdata(Withdraw(0x7A6B, 0xFFFFF, 0, L1_RECIPIENT, 10**18, 6, 2**64 - 1)) == record


def test_register_key_record_carries_what_l1_checks() -> None:
    chain = new_chain()
    tx = chain.register(4, fee=3)
    record = S.pubdata(tx)
    assert len(record) == 93
    assert record[1:9] == (3).to_bytes(8, "big") and record[9:29] == tx.eth_address
    header = 0x10 * 2**224 + 3 * 2**160 + int.from_bytes(tx.eth_address, "big")
    assert S.tx_data(tx) == (header, tx.public_key.x, tx.public_key.y)


def test_every_type_has_its_length_and_round_trips() -> None:
    lengths = {TxType.REGISTER_KEY: 93, TxType.TRANSFER: 35, TxType.NFT_MINT: 51,
               TxType.NFT_TRANSFER: 21, TxType.DEPOSIT: 59, TxType.WITHDRAW: 51,
               TxType.MOVE_TO_FAST: 31, TxType.MOVE_FROM_FAST: 39,
               TxType.CREATE_COLLECTION: 39, TxType.GAME_MINT: 79, TxType.NFT_LIST: 43,
               TxType.NFT_CANCEL: 17, TxType.NFT_BUY: 43}  # fmt: skip
    seen = set()
    for fn in VECTORS.values():
        tx = run_vector(fn())["operation"]
        try:
            record = S.pubdata(tx, VECTOR_TIME)
        except S.MalformedPubdata:
            continue  # ids beyond any tree: no proof possible
        assert len(record) == lengths[tx.TYPE] == S.pubdata_length(tx.TYPE)
        assert S.tx_data_from_pubdata(record) == S.tx_data(tx, VECTOR_TIME)
        seen.add(tx.TYPE)
    assert seen == set(TxType)


def test_records_of_different_transactions_differ() -> None:
    chain = new_chain()
    txs = [chain.transfer(0, 1, 5), chain.transfer(0, 1, 6), chain.transfer(0, 2, 5),
           chain.transfer(0, 1, 5, token=1), chain.transfer(0, 1, 5, fee=2),
           chain.nft_transfer(0, 1, 5), chain.nft_mint(0, 1),
           chain.deposit(1, 5), chain.deposit(1, 6), chain.deposit(2, 5),
           chain.deposit(1, 5, deposit_id=2), chain.deposit(1, 5, recipient=dev_eth_address(2)),
           chain.withdraw(1, 5), chain.withdraw(1, 6), chain.withdraw(2, 5),
           chain.withdraw(1, 5, fee=2), chain.withdraw(1, 5, l1_recipient=dev_eth_address(1)),
           chain.withdraw(1, 5, token=1), chain.deposit(1, 5, token=1)]  # fmt: skip
    assert len({S.tx_data(tx) for tx in txs}) == len(txs)


def test_public_inputs_order() -> None:
    tx = new_chain().nft_transfer(2, 3, 0)
    assert S.public_inputs(10, 20, tx) == [10, 20, *S.tx_data(tx)]
    assert S.N_PUBLIC_INPUTS == 5


@pytest.mark.parametrize(
    "record",
    [b"", b"\x14" + bytes(20), b"\x11" + bytes(33), b"\x13" + bytes(21),
     b"\x12" + bytes(18) + b"\xff" * 32, b"\x14" + bytes(57), b"\x14" + bytes(59),
     b"\x15" + bytes(49), b"\x15" + bytes(51), b"\x16" + bytes(50)],
)  # fmt: skip
def test_invalid_pubdata_records(record: bytes) -> None:
    with pytest.raises(S.MalformedPubdata):
        S.tx_data_from_pubdata(record)


def test_invalid_ids_wider_than_their_slot() -> None:
    tx = NftTransfer(0x7A6B, from_index=2**32, to_index=1, nft_id=0, nonce=0, fee=0)
    with pytest.raises(S.MalformedPubdata):
        S.pubdata(tx)


def test_invalid_deposit_and_withdraw_fields_wider_than_their_slot() -> None:
    for tx in (
        Deposit(0x7A6B, 0, to_index=2**32, token=0, recipient=L1_RECIPIENT, amount=1),
        Deposit(0x7A6B, 0, to_index=1, token=2**16, recipient=L1_RECIPIENT, amount=1),
        Withdraw(0x7A6B, from_index=2**32, token=0, l1_recipient=L1_RECIPIENT, amount=1,
                 nonce=0, fee=0),
        Withdraw(0x7A6B, from_index=1, token=2**16, l1_recipient=L1_RECIPIENT, amount=1,
                 nonce=0, fee=0),
    ):  # fmt: skip
        with pytest.raises(S.MalformedPubdata):
            S.pubdata(tx)


def test_invalid_params_wider_than_the_circuit() -> None:
    S.check_params(ZkParams())
    for params in (ZkParams(account_depth=33), ZkParams(token_depth=17),
                   ZkParams(collection_depth=17), ZkParams(nft_depth=40)):  # fmt: skip
        with pytest.raises(S.UnsupportedParams):
            S.check_params(params)
