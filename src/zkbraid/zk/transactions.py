"""The ZK chain's transactions: types, encoding, signing messages and signing builders.

Encoding: one type byte, then the RLP list of the fields in the order below; integers are RLP's
canonical big-endian (no leading zero bytes, 0 is the empty string), byte fields have fixed
lengths. tx hash = keccak256(encoding). The type bytes start at 0x10 so that no Ethereum typed
transaction (0x01–0x04) ever decodes as a ZK-chain one.

    0x10 RegisterKey  [chain_id, eth_address (20), pk_x, pk_y, fee, ecdsa_signature (65)]
    0x11 Transfer     [chain_id, from_index, to_index, token, amount, nonce, fee, r8x, r8y, s]
    0x12 NftMint      [chain_id, minter_index, collection_id, to_index, content_hash, nonce, fee,
                       r8x, r8y, s]
    0x13 NftTransfer  [chain_id, from_index, to_index, nft_id, nonce, fee, r8x, r8y, s]
    0x14 Deposit      [chain_id, deposit_id, to_index, token, recipient (20), amount]
    0x15 Withdraw     [chain_id, from_index, token, l1_recipient (20), amount, nonce, fee,
                       r8x, r8y, s]

and the hybrid's (docs/hybrid.md):

    0x16 MoveToFast       [chain_id, from_index, token, amount, nonce, fee, r8x, r8y, s]
    0x17 MoveFromFast     [chain_id, exit_id, to_index, token, amount]
    0x18 CreateCollection [chain_id, creator_index, collection_id, minter (20), cap, nonce, fee,
                           r8x, r8y, s]
    0x19 GameMint         [chain_id, report_id, collection_id, round, to_index, content_hash,
                           game (20)]
    0x1A NftList          [chain_id, owner_index, nft_id, token, price, expiry, nonce, fee,
                           r8x, r8y, s]
    0x1B NftCancel        [chain_id, owner_index, nft_id, nonce, fee, r8x, r8y, s]
    0x1C NftBuy           [chain_id, buyer_index, nft_id, token, price, nonce, fee, r8x, r8y, s]

MoveFromFast and GameMint are system transactions like Deposit (unsigned, fee 0): the proposer
makes them from the fast chain's Exit and Prize events. cap and round are U32, expiry U64.

Widths accepted by the encoding: chain id, indices and ids (deposit ids too) U64; amount U128;
nonce and fee U64;
pk_x, pk_y, content_hash, r8x, r8y, s field elements (< r). The STF then applies the chain's
narrower bounds (tree depths, params.py).

Deposit is a system transaction: the node makes it from a deposit into the L1 bridge that the
validators observed (`deposit_id` is the bridge's id of it, `recipient` the address the depositor
named, `to_index` that address's account). Nobody signs it, it has no nonce and its fee is 0
(`Deposit.fee`, not encoded). Withdraw is signed like a Transfer; `l1_recipient` is where L1
pays the amount once the withdrawal's batch settles. Both move the bridge's token only
(`BRIDGE_TOKEN`, token 0: L1 ETH).

Signed messages. The EdDSA message M (a field element, signed with the sender's L2 key; the
circuits recompute it) is a Poseidon hash of the type byte, the chain id and every field:

    Transfer     M = poseidon([0x11, chain_id, from_index, to_index, token, amount, nonce, fee])
    NftMint      M = poseidon([0x12, chain_id, minter_index, collection_id, to_index,
                               content_hash, nonce, fee])
    NftTransfer  M = poseidon([0x13, chain_id, from_index, to_index, nft_id, nonce, fee])
    Withdraw     M = poseidon([0x15, chain_id, from_index, token, l1_recipient, amount, nonce,
                               fee])
    MoveToFast   M = poseidon([0x16, chain_id, from_index, token, amount, nonce, fee])
    CreateCollection
                 M = poseidon([0x18, chain_id, creator_index, collection_id, minter, cap, nonce,
                               fee])
    NftList      M = poseidon([0x1A, chain_id, owner_index, nft_id, token * 2^64 + expiry,
                               price, nonce, fee])
    NftCancel    M = poseidon([0x1B, chain_id, owner_index, nft_id, 0, nonce, fee])
    NftBuy       M = poseidon([0x1C, chain_id, buyer_index, nft_id, token, price, nonce, fee])

(an address enters the hash as its 160-bit big-endian integer).

RegisterKey binds an L2 key to an Ethereum address with an EIP-191 `personal_sign` of

    zkbraid: register L2 key
    chain: <chain_id>
    key: 0x<pk_x, 64 hex digits> 0x<pk_y, 64 hex digits>
    fee: <fee>

(lines joined by "\\n", no trailing newline, decimal chain id and fee), as r (32) ‖ s (32) ‖
v (1, 27 or 28) with a low s (EIP-2). The fee is signed because the address pays it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from functools import cached_property
from typing import ClassVar

import rlp
from eth_utils.crypto import keccak

from zkbraid.crypto.eddsa import PrivateKey, PublicKey, Signature
from zkbraid.crypto.field import FIELD_MODULUS, NotAFieldElement
from zkbraid.crypto.personal_sign import (
    address_of,
    personal_sign,
    recover_signer,
)
from zkbraid.crypto.poseidon import poseidon
from zkbraid.errors import OutOfRange
from zkbraid.zk.errors import (
    AmountOutOfRange,
    FeeOutOfRange,
    IdOutOfRange,
    MalformedTransaction,
    NonceOutOfRange,
)
from zkbraid.zk.params import (
    BRIDGE_TOKEN,
    CAP_BITS,
    ENCODING_AMOUNT_BITS,
    ENCODING_FEE_BITS,
    ENCODING_ID_BITS,
    ENCODING_NONCE_BITS,
    MOVE_TOKEN,
    ROUND_BITS,
    TIME_BITS,
)

ADDRESS_LENGTH = 20
ECDSA_SIGNATURE_LENGTH = 65


class TxType(IntEnum):
    REGISTER_KEY = 0x10
    TRANSFER = 0x11
    NFT_MINT = 0x12
    NFT_TRANSFER = 0x13
    DEPOSIT = 0x14
    WITHDRAW = 0x15
    MOVE_TO_FAST = 0x16
    MOVE_FROM_FAST = 0x17
    CREATE_COLLECTION = 0x18
    GAME_MINT = 0x19
    NFT_LIST = 0x1A
    NFT_CANCEL = 0x1B
    NFT_BUY = 0x1C


def _check_uint(value: int, bits: int, what: str, error: type[OutOfRange]) -> None:
    if type(value) is not int or not 0 <= value < (1 << bits):
        raise error(f"{what} must be an integer in [0, 2^{bits}), got {value!r}")


def _check_field(value: int, what: str) -> None:
    if type(value) is not int or not 0 <= value < FIELD_MODULUS:
        raise NotAFieldElement(f"{what} must be a field element (< r), got {value!r}")


def _check_signature(sig: Signature) -> None:
    if not isinstance(sig, Signature):
        raise MalformedTransaction("signature must be an EdDSA Signature")
    _check_field(sig.r8x, "signature R8.x")
    _check_field(sig.r8y, "signature R8.y")
    _check_field(sig.s, "signature S")


def _check_address(value: bytes, what: str) -> None:
    if type(value) is not bytes or len(value) != ADDRESS_LENGTH:
        raise MalformedTransaction(f"{what} must be 20 bytes")


def _address_int(address: bytes) -> int:
    return int.from_bytes(address, "big")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


_UNSIGNED = Signature(0, 0, 0)


class _ZkTx:
    """Behaviour shared by every transaction type: encoding and hash."""

    TYPE: ClassVar[TxType]

    def _fields(self) -> list[bytes]:
        raise NotImplementedError

    def encode(self) -> bytes:
        """The canonical encoding: type byte ‖ RLP list of the fields."""
        payload: bytes = rlp.encode(self._fields())
        return bytes((self.TYPE,)) + payload

    @cached_property
    def hash(self) -> bytes:
        """keccak256 of the encoding."""
        return bytes(keccak(self.encode()))


@dataclass(frozen=True)
class RegisterKey(_ZkTx):
    """Binds the L2 key `public_key` to `eth_address`, creating the next account."""

    TYPE: ClassVar[TxType] = TxType.REGISTER_KEY
    chain_id: int
    eth_address: bytes
    public_key: PublicKey
    fee: int
    ecdsa_signature: bytes

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_address(self.eth_address, "eth_address")
        _check_field(self.public_key.x, "public key x")
        _check_field(self.public_key.y, "public key y")
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        sig = self.ecdsa_signature
        if type(sig) is not bytes or len(sig) != ECDSA_SIGNATURE_LENGTH:
            raise MalformedTransaction("ecdsa_signature must be 65 bytes (r ‖ s ‖ v)")

    def _fields(self) -> list[bytes]:
        return [
            _int_bytes(self.chain_id),
            self.eth_address,
            _int_bytes(self.public_key.x),
            _int_bytes(self.public_key.y),
            _int_bytes(self.fee),
            self.ecdsa_signature,
        ]

    @property
    def signing_text(self) -> str:
        """The EIP-191 personal message the Ethereum key signs."""
        return register_key_text(self.chain_id, self.public_key, self.fee)

    def recover_signer(self) -> bytes | None:
        """The address that made `ecdsa_signature` over `signing_text`, or None if it is invalid.

        Refuses v other than 27/28, r or s outside [1, n), and high s (EIP-2).
        """
        return recover_signer(self.signing_text, self.ecdsa_signature)


@dataclass(frozen=True)
class Transfer(_ZkTx):
    """Moves `amount` of `token` from account `from_index` to account `to_index`."""

    TYPE: ClassVar[TxType] = TxType.TRANSFER
    chain_id: int
    from_index: int
    to_index: int
    token: int
    amount: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.from_index, ENCODING_ID_BITS, "from_index", IdOutOfRange)
        _check_uint(self.to_index, ENCODING_ID_BITS, "to_index", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_uint(self.amount, ENCODING_AMOUNT_BITS, "amount", AmountOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.from_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x11, chain_id, from_index, to_index, token, amount, nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.from_index,
                self.to_index,
                self.token,
                self.amount,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        ints = (
            self.chain_id,
            self.from_index,
            self.to_index,
            self.token,
            self.amount,
            self.nonce,
            self.fee,
        )
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


@dataclass(frozen=True)
class NftMint(_ZkTx):
    """The collection's minter (account `minter_index`) mints the next NFT id to `to_index`."""

    TYPE: ClassVar[TxType] = TxType.NFT_MINT
    chain_id: int
    minter_index: int
    collection_id: int
    to_index: int
    content_hash: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.minter_index, ENCODING_ID_BITS, "minter_index", IdOutOfRange)
        _check_uint(self.collection_id, ENCODING_ID_BITS, "collection_id", IdOutOfRange)
        _check_uint(self.to_index, ENCODING_ID_BITS, "to_index", IdOutOfRange)
        _check_field(self.content_hash, "content_hash")
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.minter_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x12, chain_id, minter_index, collection_id, to_index, content_hash,
        nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.minter_index,
                self.collection_id,
                self.to_index,
                self.content_hash,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        ints = (
            self.chain_id,
            self.minter_index,
            self.collection_id,
            self.to_index,
            self.content_hash,
            self.nonce,
            self.fee,
        )
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


@dataclass(frozen=True)
class NftTransfer(_ZkTx):
    """Moves NFT `nft_id` from account `from_index` (its owner) to account `to_index`."""

    TYPE: ClassVar[TxType] = TxType.NFT_TRANSFER
    chain_id: int
    from_index: int
    to_index: int
    nft_id: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.from_index, ENCODING_ID_BITS, "from_index", IdOutOfRange)
        _check_uint(self.to_index, ENCODING_ID_BITS, "to_index", IdOutOfRange)
        _check_uint(self.nft_id, ENCODING_ID_BITS, "nft_id", IdOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.from_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x13, chain_id, from_index, to_index, nft_id, nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.from_index,
                self.to_index,
                self.nft_id,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        ints = (self.chain_id, self.from_index, self.to_index, self.nft_id, self.nonce, self.fee)
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


@dataclass(frozen=True)
class Deposit(_ZkTx):
    """Credits `amount` of the bridge's token, deposited on L1 as deposit `deposit_id` for the
    address `recipient`, to account `to_index` (the account bound to `recipient`).

    A system transaction: unsigned, no nonce, fee 0. The node makes it from an L1 deposit the
    validators observed; the STF takes it as given (module docstring).
    """

    TYPE: ClassVar[TxType] = TxType.DEPOSIT
    chain_id: int
    deposit_id: int
    to_index: int
    token: int
    recipient: bytes
    amount: int

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.deposit_id, ENCODING_ID_BITS, "deposit_id", IdOutOfRange)
        _check_uint(self.to_index, ENCODING_ID_BITS, "to_index", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_address(self.recipient, "recipient")
        _check_uint(self.amount, ENCODING_AMOUNT_BITS, "amount", AmountOutOfRange)

    @property
    def fee(self) -> int:
        """Always 0: a deposit is paid for on L1, and nobody on the ZK chain signs it."""
        return 0

    def _fields(self) -> list[bytes]:
        return [
            _int_bytes(self.chain_id),
            _int_bytes(self.deposit_id),
            _int_bytes(self.to_index),
            _int_bytes(self.token),
            self.recipient,
            _int_bytes(self.amount),
        ]


@dataclass(frozen=True)
class Withdraw(_ZkTx):
    """Burns `amount` of the bridge's token from account `from_index`; L1 pays it to
    `l1_recipient` when the withdrawal's batch settles."""

    TYPE: ClassVar[TxType] = TxType.WITHDRAW
    chain_id: int
    from_index: int
    token: int
    l1_recipient: bytes
    amount: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.from_index, ENCODING_ID_BITS, "from_index", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_address(self.l1_recipient, "l1_recipient")
        _check_uint(self.amount, ENCODING_AMOUNT_BITS, "amount", AmountOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.from_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x15, chain_id, from_index, token, l1_recipient, amount, nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.from_index,
                self.token,
                _address_int(self.l1_recipient),
                self.amount,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        return [
            _int_bytes(self.chain_id),
            _int_bytes(self.from_index),
            _int_bytes(self.token),
            self.l1_recipient,
            _int_bytes(self.amount),
            _int_bytes(self.nonce),
            _int_bytes(self.fee),
            *(_int_bytes(v) for v in _sig_ints(self.signature)),
        ]


@dataclass(frozen=True)
class MoveToFast(_ZkTx):
    """Moves `amount` of `token` from account `from_index` into the fast-chain escrow; the fast
    chain credits the account's Ethereum address in its next block (docs/hybrid.md)."""

    TYPE: ClassVar[TxType] = TxType.MOVE_TO_FAST
    chain_id: int
    from_index: int
    token: int
    amount: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.from_index, ENCODING_ID_BITS, "from_index", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_uint(self.amount, ENCODING_AMOUNT_BITS, "amount", AmountOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.from_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x16, chain_id, from_index, token, amount, nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.from_index,
                self.token,
                self.amount,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        ints = (self.chain_id, self.from_index, self.token, self.amount, self.nonce, self.fee)
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


@dataclass(frozen=True)
class MoveFromFast(_ZkTx):
    """Pays `amount` of `token` out of the fast-chain escrow to account `to_index`, for the
    fast chain's exit `exit_id` (docs/hybrid.md).

    A system transaction like Deposit: unsigned, no nonce, fee 0; the proposer makes it from an
    Exit event of the fast chain's FastExit contract.
    """

    TYPE: ClassVar[TxType] = TxType.MOVE_FROM_FAST
    chain_id: int
    exit_id: int
    to_index: int
    token: int
    amount: int

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.exit_id, ENCODING_ID_BITS, "exit_id", IdOutOfRange)
        _check_uint(self.to_index, ENCODING_ID_BITS, "to_index", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_uint(self.amount, ENCODING_AMOUNT_BITS, "amount", AmountOutOfRange)

    @property
    def fee(self) -> int:
        """Always 0: the exit was paid for on the fast chain."""
        return 0

    def _fields(self) -> list[bytes]:
        ints = (self.chain_id, self.exit_id, self.to_index, self.token, self.amount)
        return [_int_bytes(v) for v in ints]


@dataclass(frozen=True)
class CreateCollection(_ZkTx):
    """Registers game collection `collection_id`, minted by the fast-chain contract `minter`'s
    reports, at most `cap` NFTs a round (docs/hybrid.md)."""

    TYPE: ClassVar[TxType] = TxType.CREATE_COLLECTION
    chain_id: int
    creator_index: int
    collection_id: int
    minter: bytes
    cap: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.creator_index, ENCODING_ID_BITS, "creator_index", IdOutOfRange)
        _check_uint(self.collection_id, ENCODING_ID_BITS, "collection_id", IdOutOfRange)
        _check_address(self.minter, "minter")
        _check_uint(self.cap, CAP_BITS, "cap", AmountOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.creator_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x18, chain_id, creator_index, collection_id, minter, cap, nonce,
        fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.creator_index,
                self.collection_id,
                _address_int(self.minter),
                self.cap,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        return [
            _int_bytes(self.chain_id),
            _int_bytes(self.creator_index),
            _int_bytes(self.collection_id),
            self.minter,
            *(_int_bytes(v) for v in (self.cap, self.nonce, self.fee)),
            *(_int_bytes(v) for v in _sig_ints(self.signature)),
        ]


@dataclass(frozen=True)
class GameMint(_ZkTx):
    """Mints the next NFT id of game collection `collection_id` to account `to_index`, for the
    prize `report_id` that the game contract `game` reported for `round` (docs/hybrid.md).

    A system transaction: unsigned, no nonce, fee 0; the proposer makes it from a Prize event of
    the fast chain's GameReports contract. The collection's cap bounds it per round.
    """

    TYPE: ClassVar[TxType] = TxType.GAME_MINT
    chain_id: int
    report_id: int
    collection_id: int
    round: int
    to_index: int
    content_hash: int
    game: bytes

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.report_id, ENCODING_ID_BITS, "report_id", IdOutOfRange)
        _check_uint(self.collection_id, ENCODING_ID_BITS, "collection_id", IdOutOfRange)
        _check_uint(self.round, ROUND_BITS, "round", IdOutOfRange)
        _check_uint(self.to_index, ENCODING_ID_BITS, "to_index", IdOutOfRange)
        _check_field(self.content_hash, "content_hash")
        _check_address(self.game, "game")

    @property
    def fee(self) -> int:
        """Always 0: the report was paid for on the fast chain."""
        return 0

    def _fields(self) -> list[bytes]:
        ints = (self.chain_id, self.report_id, self.collection_id, self.round, self.to_index)
        return [*(_int_bytes(v) for v in ints), _int_bytes(self.content_hash), self.game]


@dataclass(frozen=True)
class NftList(_ZkTx):
    """Lists NFT `nft_id` of account `owner_index` for `price` of `token` until `expiry`
    (unix seconds, inclusive); a new listing replaces the old one."""

    TYPE: ClassVar[TxType] = TxType.NFT_LIST
    chain_id: int
    owner_index: int
    nft_id: int
    token: int
    price: int
    expiry: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.owner_index, ENCODING_ID_BITS, "owner_index", IdOutOfRange)
        _check_uint(self.nft_id, ENCODING_ID_BITS, "nft_id", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_uint(self.price, ENCODING_AMOUNT_BITS, "price", AmountOutOfRange)
        _check_uint(self.expiry, TIME_BITS, "expiry", IdOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.owner_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x1A, chain_id, owner_index, nft_id, token * 2^64 + expiry, price,
        nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.owner_index,
                self.nft_id,
                (self.token << TIME_BITS) + self.expiry,
                self.price,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        ints = (
            self.chain_id,
            self.owner_index,
            self.nft_id,
            self.token,
            self.price,
            self.expiry,
            self.nonce,
            self.fee,
        )
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


@dataclass(frozen=True)
class NftCancel(_ZkTx):
    """Withdraws the listing of NFT `nft_id` by its owner `owner_index`."""

    TYPE: ClassVar[TxType] = TxType.NFT_CANCEL
    chain_id: int
    owner_index: int
    nft_id: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.owner_index, ENCODING_ID_BITS, "owner_index", IdOutOfRange)
        _check_uint(self.nft_id, ENCODING_ID_BITS, "nft_id", IdOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.owner_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x1B, chain_id, owner_index, nft_id, 0, nonce, fee])."""
        return poseidon(
            [int(self.TYPE), self.chain_id, self.owner_index, self.nft_id, 0, self.nonce, self.fee]
        )

    def _fields(self) -> list[bytes]:
        ints = (self.chain_id, self.owner_index, self.nft_id, self.nonce, self.fee)
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


@dataclass(frozen=True)
class NftBuy(_ZkTx):
    """Buys listed NFT `nft_id` for account `buyer_index`, paying exactly the listing's `price`
    of `token` to its owner, before the listing's expiry."""

    TYPE: ClassVar[TxType] = TxType.NFT_BUY
    chain_id: int
    buyer_index: int
    nft_id: int
    token: int
    price: int
    nonce: int
    fee: int
    signature: Signature = _UNSIGNED

    def __post_init__(self) -> None:
        _check_uint(self.chain_id, ENCODING_ID_BITS, "chain_id", IdOutOfRange)
        _check_uint(self.buyer_index, ENCODING_ID_BITS, "buyer_index", IdOutOfRange)
        _check_uint(self.nft_id, ENCODING_ID_BITS, "nft_id", IdOutOfRange)
        _check_uint(self.token, ENCODING_ID_BITS, "token", IdOutOfRange)
        _check_uint(self.price, ENCODING_AMOUNT_BITS, "price", AmountOutOfRange)
        _check_uint(self.nonce, ENCODING_NONCE_BITS, "nonce", NonceOutOfRange)
        _check_uint(self.fee, ENCODING_FEE_BITS, "fee", FeeOutOfRange)
        _check_signature(self.signature)

    @property
    def sender(self) -> int:
        return self.buyer_index

    @cached_property
    def message(self) -> int:
        """M = poseidon([0x1C, chain_id, buyer_index, nft_id, token, price, nonce, fee])."""
        return poseidon(
            [
                int(self.TYPE),
                self.chain_id,
                self.buyer_index,
                self.nft_id,
                self.token,
                self.price,
                self.nonce,
                self.fee,
            ]
        )

    def _fields(self) -> list[bytes]:
        ints = (
            self.chain_id,
            self.buyer_index,
            self.nft_id,
            self.token,
            self.price,
            self.nonce,
            self.fee,
        )
        return [_int_bytes(v) for v in (*ints, *_sig_ints(self.signature))]


ZkTransaction = (
    RegisterKey
    | Transfer
    | NftMint
    | NftTransfer
    | Deposit
    | Withdraw
    | MoveToFast
    | MoveFromFast
    | CreateCollection
    | GameMint
    | NftList
    | NftCancel
    | NftBuy
)
SignedByL2Key = (
    Transfer
    | NftMint
    | NftTransfer
    | Withdraw
    | MoveToFast
    | CreateCollection
    | NftList
    | NftCancel
    | NftBuy
)
SystemTransaction = Deposit | MoveFromFast | GameMint


def _sig_ints(sig: Signature) -> tuple[int, int, int]:
    return (sig.r8x, sig.r8y, sig.s)


# Decoding

TRANSFER_FIELDS = ("chain_id", "from_index", "to_index", "token", "amount", "nonce", "fee")
NFT_MINT_FIELDS = (
    "chain_id",
    "minter_index",
    "collection_id",
    "to_index",
    "content_hash",
    "nonce",
    "fee",
)
NFT_TRANSFER_FIELDS = ("chain_id", "from_index", "to_index", "nft_id", "nonce", "fee")
DEPOSIT_FIELDS = ("chain_id", "deposit_id", "to_index", "token", "recipient", "amount")
WITHDRAW_FIELDS = (
    "chain_id",
    "from_index",
    "token",
    "l1_recipient",
    "amount",
    "nonce",
    "fee",
)

MOVE_TO_FAST_FIELDS = ("chain_id", "from_index", "token", "amount", "nonce", "fee")
MOVE_FROM_FAST_FIELDS = ("chain_id", "exit_id", "to_index", "token", "amount")
CREATE_COLLECTION_FIELDS = ("chain_id", "creator_index", "collection_id")
CREATE_COLLECTION_TAIL = ("cap", "nonce", "fee")
GAME_MINT_FIELDS = ("chain_id", "report_id", "collection_id", "round", "to_index", "content_hash")
NFT_LIST_FIELDS = (
    "chain_id",
    "owner_index",
    "nft_id",
    "token",
    "price",
    "expiry",
    "nonce",
    "fee",
)
NFT_CANCEL_FIELDS = ("chain_id", "owner_index", "nft_id", "nonce", "fee")
NFT_BUY_FIELDS = ("chain_id", "buyer_index", "nft_id", "token", "price", "nonce", "fee")

_FIELD_COUNTS = {
    TxType.REGISTER_KEY: 6,
    TxType.TRANSFER: 10,
    TxType.NFT_MINT: 10,
    TxType.NFT_TRANSFER: 9,
    TxType.DEPOSIT: 6,
    TxType.WITHDRAW: 10,
    TxType.MOVE_TO_FAST: 9,
    TxType.MOVE_FROM_FAST: 5,
    TxType.CREATE_COLLECTION: 10,
    TxType.GAME_MINT: 7,
    TxType.NFT_LIST: 11,
    TxType.NFT_CANCEL: 8,
    TxType.NFT_BUY: 10,
}


def _uint(item: bytes, what: str) -> int:
    if item[:1] == b"\x00":
        raise MalformedTransaction(f"{what}: non-canonical integer (leading zero bytes)")
    if len(item) > 32:
        raise MalformedTransaction(f"{what}: integer longer than 32 bytes")
    return int.from_bytes(item, "big")


def _uints(items: list[bytes], names: tuple[str, ...]) -> list[int]:
    return [_uint(item, name) for item, name in zip(items, names, strict=False)]


def _address(item: bytes, what: str) -> bytes:
    if len(item) != ADDRESS_LENGTH:
        raise MalformedTransaction(f"{what} must be 20 bytes, got {len(item)}")
    return item


def _signature(items: list[bytes]) -> Signature:
    r8x, r8y, s = (
        _uint(item, what) for item, what in zip(items, ("R8.x", "R8.y", "S"), strict=True)
    )
    return Signature(r8x, r8y, s)


def decode_transaction(data: bytes) -> ZkTransaction:
    """Decodes a transaction from its canonical encoding.

    Raises `MalformedTransaction` for an unknown type, bad or non-canonical RLP, a wrong number
    of fields, non-canonical integers, trailing bytes or wrong byte lengths, and an `OutOfRange`
    subclass (`AmountOutOfRange`, `FeeOutOfRange`, `NonceOutOfRange`, `IdOutOfRange`,
    `NotAFieldElement`) for a value too wide for its field.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedTransaction("a transaction is bytes")
    data = bytes(data)
    if not data:
        raise MalformedTransaction("empty transaction")
    try:
        tx_type = TxType(data[0])
    except ValueError:
        raise MalformedTransaction(f"unknown transaction type 0x{data[0]:02x}") from None
    try:
        decoded = rlp.decode(data[1:], strict=True)
    except rlp.exceptions.DecodingError as exc:
        raise MalformedTransaction(f"bad RLP: {exc}") from None
    if not isinstance(decoded, list):
        raise MalformedTransaction("the payload must be an RLP list")
    if not all(isinstance(item, bytes) for item in decoded):
        raise MalformedTransaction("fields must be RLP strings, not lists")
    items: list[bytes] = decoded
    expected = _FIELD_COUNTS[tx_type]
    if len(items) != expected:
        raise MalformedTransaction(f"{tx_type.name} has {expected} fields, got {len(items)}")
    tx: ZkTransaction
    if tx_type is TxType.REGISTER_KEY:
        chain_id, address, pk_x, pk_y, fee, ecdsa = items
        if len(address) != ADDRESS_LENGTH:
            raise MalformedTransaction(f"eth_address must be 20 bytes, got {len(address)}")
        if len(ecdsa) != ECDSA_SIGNATURE_LENGTH:
            raise MalformedTransaction(f"ecdsa_signature must be 65 bytes, got {len(ecdsa)}")
        tx = RegisterKey(
            chain_id=_uint(chain_id, "chain_id"),
            eth_address=address,
            public_key=PublicKey(_uint(pk_x, "pk_x"), _uint(pk_y, "pk_y")),
            fee=_uint(fee, "fee"),
            ecdsa_signature=ecdsa,
        )
    elif tx_type is TxType.TRANSFER:
        v = _uints(items, TRANSFER_FIELDS)
        tx = Transfer(v[0], v[1], v[2], v[3], v[4], v[5], v[6], _signature(items[7:]))
    elif tx_type is TxType.NFT_MINT:
        v = _uints(items, NFT_MINT_FIELDS)
        tx = NftMint(v[0], v[1], v[2], v[3], v[4], v[5], v[6], _signature(items[7:]))
    elif tx_type is TxType.NFT_TRANSFER:
        v = _uints(items, NFT_TRANSFER_FIELDS)
        tx = NftTransfer(v[0], v[1], v[2], v[3], v[4], v[5], _signature(items[6:]))
    elif tx_type is TxType.DEPOSIT:
        v = _uints(items[:4], DEPOSIT_FIELDS)
        recipient = _address(items[4], "recipient")
        tx = Deposit(v[0], v[1], v[2], v[3], recipient, _uint(items[5], "amount"))
    elif tx_type is TxType.WITHDRAW:
        v = _uints(items[:3], WITHDRAW_FIELDS) + _uints(items[4:7], WITHDRAW_FIELDS[4:])
        l1_recipient = _address(items[3], "l1_recipient")
        tx = Withdraw(v[0], v[1], v[2], l1_recipient, v[3], v[4], v[5], _signature(items[7:]))
    elif tx_type is TxType.MOVE_TO_FAST:
        v = _uints(items, MOVE_TO_FAST_FIELDS)
        tx = MoveToFast(v[0], v[1], v[2], v[3], v[4], v[5], _signature(items[6:]))
    elif tx_type is TxType.MOVE_FROM_FAST:
        v = _uints(items, MOVE_FROM_FAST_FIELDS)
        tx = MoveFromFast(v[0], v[1], v[2], v[3], v[4])
    elif tx_type is TxType.CREATE_COLLECTION:
        v = _uints(items[:3], CREATE_COLLECTION_FIELDS) + _uints(items[4:7], CREATE_COLLECTION_TAIL)
        minter = _address(items[3], "minter")
        tx = CreateCollection(v[0], v[1], v[2], minter, v[3], v[4], v[5], _signature(items[7:]))
    elif tx_type is TxType.GAME_MINT:
        v = _uints(items[:6], GAME_MINT_FIELDS)
        tx = GameMint(v[0], v[1], v[2], v[3], v[4], v[5], _address(items[6], "game"))
    elif tx_type is TxType.NFT_LIST:
        v = _uints(items, NFT_LIST_FIELDS)
        tx = NftList(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], _signature(items[8:]))
    elif tx_type is TxType.NFT_CANCEL:
        v = _uints(items, NFT_CANCEL_FIELDS)
        tx = NftCancel(v[0], v[1], v[2], v[3], v[4], _signature(items[5:]))
    else:
        v = _uints(items, NFT_BUY_FIELDS)
        tx = NftBuy(v[0], v[1], v[2], v[3], v[4], v[5], v[6], _signature(items[7:]))
    return tx


# Signing (for the SDK and tests)


def register_key_text(chain_id: int, public_key: PublicKey, fee: int) -> str:
    """The text an Ethereum key signs (EIP-191 personal_sign) to register `public_key`."""
    return (
        "zkbraid: register L2 key\n"
        f"chain: {chain_id}\n"
        f"key: 0x{public_key.x:064x} 0x{public_key.y:064x}\n"
        f"fee: {fee}"
    )


def sign_register_key(
    eth_private_key: bytes, public_key: PublicKey, *, chain_id: int, fee: int
) -> RegisterKey:
    """A RegisterKey binding `public_key` to the address of `eth_private_key`."""
    return RegisterKey(
        chain_id=chain_id,
        eth_address=address_of(eth_private_key),
        public_key=public_key,
        fee=fee,
        ecdsa_signature=personal_sign(
            eth_private_key, register_key_text(chain_id, public_key, fee)
        ),
    )


def sign_transfer(
    key: PrivateKey,
    *,
    chain_id: int,
    from_index: int,
    to_index: int,
    token: int,
    amount: int,
    nonce: int,
    fee: int,
) -> Transfer:
    """A Transfer signed with the sender's L2 key."""
    tx = Transfer(chain_id, from_index, to_index, token, amount, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_nft_mint(
    key: PrivateKey,
    *,
    chain_id: int,
    minter_index: int,
    collection_id: int,
    to_index: int,
    content_hash: int,
    nonce: int,
    fee: int,
) -> NftMint:
    """An NftMint signed with the minter account's L2 key."""
    tx = NftMint(chain_id, minter_index, collection_id, to_index, content_hash, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_nft_transfer(
    key: PrivateKey,
    *,
    chain_id: int,
    from_index: int,
    to_index: int,
    nft_id: int,
    nonce: int,
    fee: int,
) -> NftTransfer:
    """An NftTransfer signed with the owner's L2 key."""
    tx = NftTransfer(chain_id, from_index, to_index, nft_id, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_withdraw(
    key: PrivateKey,
    *,
    chain_id: int,
    from_index: int,
    l1_recipient: bytes,
    amount: int,
    nonce: int,
    fee: int,
    token: int = BRIDGE_TOKEN,
) -> Withdraw:
    """A Withdraw signed with the owner's L2 key."""
    tx = Withdraw(chain_id, from_index, token, l1_recipient, amount, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_move_to_fast(
    key: PrivateKey,
    *,
    chain_id: int,
    from_index: int,
    amount: int,
    nonce: int,
    fee: int,
    token: int = MOVE_TOKEN,
) -> MoveToFast:
    """A MoveToFast signed with the owner's L2 key."""
    tx = MoveToFast(chain_id, from_index, token, amount, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_create_collection(
    key: PrivateKey,
    *,
    chain_id: int,
    creator_index: int,
    collection_id: int,
    minter: bytes,
    cap: int,
    nonce: int,
    fee: int,
) -> CreateCollection:
    """A CreateCollection signed with the creator's L2 key."""
    tx = CreateCollection(chain_id, creator_index, collection_id, minter, cap, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_nft_list(
    key: PrivateKey,
    *,
    chain_id: int,
    owner_index: int,
    nft_id: int,
    token: int,
    price: int,
    expiry: int,
    nonce: int,
    fee: int,
) -> NftList:
    """An NftList signed with the owner's L2 key."""
    tx = NftList(chain_id, owner_index, nft_id, token, price, expiry, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_nft_cancel(
    key: PrivateKey, *, chain_id: int, owner_index: int, nft_id: int, nonce: int, fee: int
) -> NftCancel:
    """An NftCancel signed with the owner's L2 key."""
    tx = NftCancel(chain_id, owner_index, nft_id, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign_nft_buy(
    key: PrivateKey,
    *,
    chain_id: int,
    buyer_index: int,
    nft_id: int,
    token: int,
    price: int,
    nonce: int,
    fee: int,
) -> NftBuy:
    """An NftBuy signed with the buyer's L2 key."""
    tx = NftBuy(chain_id, buyer_index, nft_id, token, price, nonce, fee)
    return replace(tx, signature=key.sign(tx.message))


def sign(key: PrivateKey, tx: SignedByL2Key) -> SignedByL2Key:
    """`tx` with its signature replaced by `key`'s signature of its message."""
    return replace(tx, signature=key.sign(tx.message))
