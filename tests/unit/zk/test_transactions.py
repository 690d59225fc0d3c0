"""Encoding, decoding, hashing and signing messages of the ZK chain's transactions."""

from dataclasses import replace

import pytest
import rlp
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.crypto import keccak

from tests.unit.zk.vectors import L1_RECIPIENT, N_ACCOUNTS, new_chain
from zkbraid.crypto.eddsa import PublicKey, Signature, verify
from zkbraid.crypto.field import FIELD_MODULUS, NotAFieldElement
from zkbraid.crypto.personal_sign import eip191_hash
from zkbraid.crypto.poseidon import poseidon
from zkbraid.errors import MalformedInput, OutOfRange
from zkbraid.zk.errors import (
    AmountOutOfRange,
    FeeOutOfRange,
    IdOutOfRange,
    MalformedTransaction,
    NonceOutOfRange,
)
from zkbraid.zk.genesis import dev_eth_address, dev_eth_private_key, dev_l2_key
from zkbraid.zk.transactions import (
    Deposit,
    NftMint,
    NftTransfer,
    RegisterKey,
    Transfer,
    TxType,
    Withdraw,
    ZkTransaction,
    decode_transaction,
    register_key_text,
    sign,
    sign_withdraw,
)

CHAIN = new_chain()


from tests.unit.zk import hybrid_vectors as hv  # noqa: E402


def samples() -> list[ZkTransaction]:
    return [
        CHAIN.register(N_ACCOUNTS, fee=3),
        CHAIN.transfer(0, 1, 10**20, token=1, fee=2**64 - 1),
        CHAIN.nft_mint(0, 2, content_hash=FIELD_MODULUS - 1),
        CHAIN.nft_transfer(2, 3, 0),
        CHAIN.transfer(1, 0, 1, fee=0),  # zero fields encode as empty strings
        CHAIN.deposit(2, 2**128 - 1, deposit_id=2**64 - 1),
        CHAIN.withdraw(3, 10**18, fee=2**64 - 1),
        CHAIN.deposit(0, 1, deposit_id=0),  # token 0, deposit id 0: empty strings
        hv.to_fast(CHAIN, 1, 2**128 - 1),
        hv.from_fast(CHAIN, 2, 7, exit_id=2**64 - 1),
        hv.create(CHAIN, cap=2**32 - 1),
        hv.prize(CHAIN, 3, round_=2**32 - 1, content_hash=FIELD_MODULUS - 1),
        hv.listing(CHAIN, 1, 0, expiry=2**64 - 1),
        hv.cancel(CHAIN, 1, 0),
        hv.buy(CHAIN, 2, 0),
    ]


def _fields(tx: ZkTransaction) -> list[bytes]:
    items: list[bytes] = rlp.decode(tx.encode()[1:])
    return items


def _reencode(tx_type: int, items: list[object]) -> bytes:
    payload: bytes = rlp.encode(items)
    return bytes((tx_type,)) + payload


@pytest.mark.parametrize("tx", samples(), ids=lambda tx: type(tx).__name__)
def test_roundtrip_and_hash(tx: ZkTransaction) -> None:
    data = tx.encode()
    assert data[0] == tx.TYPE
    decoded = decode_transaction(data)
    assert decoded == tx
    assert decoded.encode() == data
    assert tx.hash == keccak(data) == decoded.hash


def test_type_bytes() -> None:
    assert [t.value for t in TxType] == list(range(0x10, 0x1D))
    assert RegisterKey.TYPE == TxType.REGISTER_KEY and Transfer.TYPE == TxType.TRANSFER
    assert NftMint.TYPE == TxType.NFT_MINT and NftTransfer.TYPE == TxType.NFT_TRANSFER
    assert Deposit.TYPE == TxType.DEPOSIT and Withdraw.TYPE == TxType.WITHDRAW


def test_messages_are_documented_poseidon_hashes() -> None:
    t = CHAIN.transfer(0, 1, 1000, token=1, fee=7)
    assert t.message == poseidon([0x11, t.chain_id, 0, 1, 1, 1000, t.nonce, 7])
    m = CHAIN.nft_mint(0, 2, collection_id=0, content_hash=99, fee=5)
    assert m.message == poseidon([0x12, m.chain_id, 0, 0, 2, 99, m.nonce, 5])
    n = CHAIN.nft_transfer(2, 3, 4, fee=6)
    assert n.message == poseidon([0x13, n.chain_id, 2, 3, 4, n.nonce, 6])
    w = CHAIN.withdraw(1, 500, fee=8)
    recipient = int.from_bytes(L1_RECIPIENT, "big")
    assert w.message == poseidon([0x15, w.chain_id, 1, 0, recipient, 500, w.nonce, 8])


def test_deposit_encoding_and_fee() -> None:
    tx = Deposit(0x7A6B, deposit_id=9, to_index=2, token=0, recipient=L1_RECIPIENT, amount=300)
    assert _fields(tx) == [b"\x7a\x6b", b"\x09", b"\x02", b"", L1_RECIPIENT, b"\x01\x2c"]
    assert tx.fee == 0  # a system transaction: no fee, no nonce, no signature
    assert not hasattr(tx, "nonce") and not hasattr(tx, "signature")


def test_withdraw_encoding_and_signature() -> None:
    key = dev_l2_key(1)
    tx = sign_withdraw(
        key, chain_id=0x7A6B, from_index=1, l1_recipient=L1_RECIPIENT, amount=300, nonce=4, fee=2
    )
    assert tx.token == 0 and tx.sender == 1
    items = _fields(tx)
    assert items[:7] == [b"\x7a\x6b", b"\x01", b"", L1_RECIPIENT, b"\x01\x2c", b"\x04", b"\x02"]
    assert verify(tx.message, tx.signature, key.public_key)
    assert sign(key, replace(tx, signature=Signature(0, 0, 0))) == tx


def test_register_key_text_is_a_personal_sign_message() -> None:
    pk = PublicKey(1, 2)
    text = register_key_text(0x7A6B, pk, 5)
    assert text == (f"zkbraid: register L2 key\nchain: 31339\nkey: 0x{1:064x} 0x{2:064x}\nfee: 5")
    # A wallet's personal_sign (eth_account here) produces a signature we accept.
    eth_key = dev_eth_private_key(N_ACCOUNTS)
    signed = Account.sign_message(encode_defunct(text=text), private_key=eth_key)
    tx = RegisterKey(0x7A6B, dev_eth_address(N_ACCOUNTS), pk, 5, bytes(signed.signature))
    assert tx.recover_signer() == dev_eth_address(N_ACCOUNTS)
    assert eip191_hash(text) == bytes(signed.message_hash)


def test_sign_replaces_signature() -> None:
    tx = CHAIN.transfer(0, 1, 1)
    unsigned = replace(tx, signature=Signature(0, 0, 0))
    assert sign(dev_l2_key(0), unsigned) == tx


# Malformed encodings


def test_invalid_empty() -> None:
    with pytest.raises(MalformedTransaction, match="empty"):
        decode_transaction(b"")


@pytest.mark.parametrize("type_byte", [0x00, 0x01, 0x02, 0x0F, 0x1D, 0xC0, 0xFF])
def test_invalid_unknown_type(type_byte: int) -> None:
    data = bytes((type_byte,)) + samples()[1].encode()[1:]
    with pytest.raises(MalformedTransaction, match="unknown transaction type"):
        decode_transaction(data)


@pytest.mark.parametrize(
    "payload",
    [b"", b"\xc5\x01", b"\xf8\x02\x01\x01", b"\xc2\x81\x05", b"\xc3\xb8\x01\x00"],
    ids=["nothing", "truncated", "long-list-prefix", "non-canonical-byte", "long-string-prefix"],
)
def test_invalid_bad_rlp(payload: bytes) -> None:
    with pytest.raises(MalformedTransaction, match="bad RLP"):
        decode_transaction(bytes((TxType.TRANSFER,)) + payload)


@pytest.mark.parametrize("tx", samples(), ids=lambda tx: type(tx).__name__)
def test_invalid_trailing_bytes(tx: ZkTransaction) -> None:
    with pytest.raises(MalformedTransaction, match="bad RLP"):
        decode_transaction(tx.encode() + b"\x00")


def test_invalid_not_a_list() -> None:
    with pytest.raises(MalformedTransaction, match="RLP list"):
        decode_transaction(bytes((TxType.TRANSFER,)) + rlp.encode(b"abc"))


def test_invalid_nested_list() -> None:
    items: list[object] = list(_fields(samples()[1]))
    items[3] = [b"\x01"]
    with pytest.raises(MalformedTransaction, match="not lists"):
        decode_transaction(_reencode(TxType.TRANSFER, items))


@pytest.mark.parametrize("tx", samples(), ids=lambda tx: type(tx).__name__)
def test_invalid_field_count(tx: ZkTransaction) -> None:
    items = _fields(tx)
    for wrong in (items[:-1], [*items, b"\x01"], []):
        with pytest.raises(MalformedTransaction, match="fields, got"):
            decode_transaction(_reencode(tx.TYPE, list(wrong)))


@pytest.mark.parametrize("position", range(10))
def test_invalid_non_canonical_integer(position: int) -> None:
    items = _fields(samples()[1])
    items[position] = b"\x00" + items[position]
    with pytest.raises(MalformedTransaction, match="non-canonical"):
        decode_transaction(_reencode(TxType.TRANSFER, list(items)))


def test_invalid_zero_as_zero_byte() -> None:
    items = _fields(samples()[4])  # fee 0, encoded as b""
    items[6] = b"\x00"
    with pytest.raises(MalformedTransaction, match="non-canonical"):
        decode_transaction(_reencode(TxType.TRANSFER, list(items)))


def test_invalid_integer_too_long() -> None:
    items = _fields(samples()[2])
    items[4] = b"\x01" * 33  # content_hash
    with pytest.raises(MalformedTransaction, match="longer than 32 bytes"):
        decode_transaction(_reencode(TxType.NFT_MINT, list(items)))


@pytest.mark.parametrize(
    ("tx_index", "position", "value", "error"),
    [
        (1, 0, 2**64, IdOutOfRange),  # chain_id
        (1, 1, 2**64, IdOutOfRange),  # from_index
        (1, 2, 2**64, IdOutOfRange),  # to_index
        (1, 3, 2**64, IdOutOfRange),  # token
        (1, 4, 2**128, AmountOutOfRange),
        (1, 5, 2**64, NonceOutOfRange),
        (1, 6, 2**64, FeeOutOfRange),
        (1, 7, FIELD_MODULUS, NotAFieldElement),  # R8.x
        (1, 9, FIELD_MODULUS, NotAFieldElement),  # S
        (2, 2, 2**64, IdOutOfRange),  # collection_id
        (2, 4, FIELD_MODULUS, NotAFieldElement),  # content_hash
        (3, 3, 2**64, IdOutOfRange),  # nft_id
        (0, 2, FIELD_MODULUS, NotAFieldElement),  # pk_x
        (0, 4, 2**64, FeeOutOfRange),
        (5, 1, 2**64, IdOutOfRange),  # deposit_id
        (5, 2, 2**64, IdOutOfRange),  # to_index
        (5, 3, 2**64, IdOutOfRange),  # token
        (5, 5, 2**128, AmountOutOfRange),
        (6, 1, 2**64, IdOutOfRange),  # from_index
        (6, 4, 2**128, AmountOutOfRange),
        (6, 5, 2**64, NonceOutOfRange),
        (6, 6, 2**64, FeeOutOfRange),
        (6, 9, FIELD_MODULUS, NotAFieldElement),  # S
    ],
)
def test_invalid_value_out_of_range(
    tx_index: int, position: int, value: int, error: type[OutOfRange]
) -> None:
    tx = samples()[tx_index]
    items = _fields(tx)
    items[position] = value.to_bytes((value.bit_length() + 7) // 8, "big")
    with pytest.raises(error):
        decode_transaction(_reencode(tx.TYPE, list(items)))
    assert issubclass(error, OutOfRange)


@pytest.mark.parametrize(("position", "length"), [(1, 19), (1, 21), (1, 0), (5, 64), (5, 66)])
def test_invalid_byte_lengths(position: int, length: int) -> None:
    items = _fields(samples()[0])
    items[position] = b"\x11" * length
    with pytest.raises(MalformedTransaction, match="must be"):
        decode_transaction(_reencode(TxType.REGISTER_KEY, list(items)))


@pytest.mark.parametrize(
    ("tx_index", "position"), [(5, 4), (6, 3)], ids=["deposit-recipient", "withdraw-l1-recipient"]
)
@pytest.mark.parametrize("length", [0, 19, 21, 32])
def test_invalid_address_lengths(tx_index: int, position: int, length: int) -> None:
    tx = samples()[tx_index]
    items = _fields(tx)
    items[position] = b"\x11" * length
    with pytest.raises(MalformedTransaction, match="must be 20 bytes"):
        decode_transaction(_reencode(tx.TYPE, list(items)))


def test_malformed_is_malformed_input() -> None:
    assert issubclass(MalformedTransaction, MalformedInput)


def test_constructors_check_widths() -> None:
    with pytest.raises(AmountOutOfRange):
        Transfer(1, 0, 1, 0, 2**128, 0, 0)
    with pytest.raises(IdOutOfRange):
        NftTransfer(1, -1, 1, 0, 0, 0)
    with pytest.raises(MalformedTransaction):
        RegisterKey(1, b"\x00" * 19, PublicKey(1, 2), 0, b"\x00" * 65)
    with pytest.raises(MalformedTransaction):
        Deposit(1, 0, 1, 0, b"\x00" * 21, 5)
    with pytest.raises(AmountOutOfRange):
        Deposit(1, 0, 1, 0, L1_RECIPIENT, 2**128)
    with pytest.raises(IdOutOfRange):
        Deposit(1, 2**64, 1, 0, L1_RECIPIENT, 5)
    with pytest.raises(MalformedTransaction):
        Withdraw(1, 0, 0, L1_RECIPIENT[:19], 5, 0, 0)
    with pytest.raises(NonceOutOfRange):
        Withdraw(1, 0, 0, L1_RECIPIENT, 5, 2**64, 0)
