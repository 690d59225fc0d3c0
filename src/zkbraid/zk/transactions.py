"""The ZK chain's transactions, each declared once: its type byte, its fields and their kinds.

Everything else a type has is derived from its declaration (zk/tx_fields.py): the range checks,
the encoding, the hash, the decoding and, for a type signed with an L2 key, the signed message.

Encoding: one type byte, then the RLP list of the fields in declaration order; integers are
RLP's canonical big-endian (no leading zero bytes, 0 is the empty string), byte fields have
fixed lengths, an L2 key is two items (pk_x, pk_y) and an EdDSA signature three (r8x, r8y, s).
tx hash = keccak256(encoding). The type bytes start at 0x10 so that no Ethereum typed
transaction (0x01–0x04) ever decodes as a ZK-chain one. The hybrid's types (0x16–0x1C) are
described in docs/hybrid.md.

Widths the encoding accepts (the field kinds below): chain id, indices and ids `Id` (U64),
amounts and prices `Amount` (U128), `Nonce` and `Fee` U64, a game collection's `cap` and
`round` U32, a listing's `expiry` U64 seconds; content hashes, L2 keys and signatures field
elements (< r); addresses 20 bytes. The STF then applies the chain's narrower bounds (tree
depths, params.py).

System transactions (`SystemTx`: Deposit, MoveFromFast, GameMint) are made by the proposer from
events the validators observed (an L1 deposit into the bridge, a fast-chain Exit or Prize
event): nobody signs them, they have no nonce and their fee is 0 (`fee`, not encoded). Deposit
and Withdraw move the bridge's token only (`BRIDGE_TOKEN`, token 0: L1 ETH); `l1_recipient` is
where L1 pays a withdrawal once its batch settles.

Signed messages. The EdDSA message M (a field element, signed with the sender's L2 key; the
circuits recompute it) is a Poseidon hash of the type byte and the declared message slots, by
default every field but the signature in declaration order (chain id first; an address enters
as its 160-bit big-endian integer), e.g.

    Transfer     M = poseidon([0x11, chain_id, from_index, to_index, token, amount, nonce, fee])

Two types declare other slots (`MESSAGE`): NftList packs its token and expiry into one slot,

    NftList      M = poseidon([0x1A, chain_id, owner_index, nft_id, token * 2^64 + expiry,
                               price, nonce, fee])

and NftCancel keeps the market's message shape with a 0 slot:

    NftCancel    M = poseidon([0x1B, chain_id, owner_index, nft_id, 0, nonce, fee])

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
from typing import Annotated, ClassVar

from zkbraid.crypto.eddsa import PrivateKey, PublicKey, Signature
from zkbraid.crypto.personal_sign import address_of, personal_sign, recover_signer
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
from zkbraid.zk.tx_fields import (
    EdDsaSignature,
    FieldElement,
    FixedBytes,
    L2Key,
    Pack,
    SignedTx,
    SystemTx,
    TxFamily,
    UInt,
    ZkTx,
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


ZK_FAMILY: TxFamily[TxType] = TxFamily(TxType, MalformedTransaction)
"""The ZK chain's transaction types by type byte (`decode_transaction` dispatches through it)."""

# Field kinds of the ZK chain's transactions
_M = MalformedTransaction
Id = Annotated[int, UInt(ENCODING_ID_BITS, IdOutOfRange, _M)]
"""A chain id, account index, token, NFT, collection, deposit, exit or report id."""
Amount = Annotated[int, UInt(ENCODING_AMOUNT_BITS, AmountOutOfRange, _M)]
Nonce = Annotated[int, UInt(ENCODING_NONCE_BITS, NonceOutOfRange, _M)]
Fee = Annotated[int, UInt(ENCODING_FEE_BITS, FeeOutOfRange, _M)]
Cap = Annotated[int, UInt(CAP_BITS, AmountOutOfRange, _M)]
Round = Annotated[int, UInt(ROUND_BITS, IdOutOfRange, _M)]
Time = Annotated[int, UInt(TIME_BITS, IdOutOfRange, _M)]
Field = Annotated[int, FieldElement(_M)]
Address = Annotated[bytes, FixedBytes(ADDRESS_LENGTH, _M)]
EcdsaSig = Annotated[bytes, FixedBytes(ECDSA_SIGNATURE_LENGTH, _M, " (r ‖ s ‖ v)")]
L2PublicKey = Annotated[PublicKey, L2Key(_M)]
EdDsaSig = Annotated[Signature, EdDsaSignature(_M)]

UNSIGNED = Signature(0, 0, 0)


@ZK_FAMILY.declare
@dataclass(frozen=True)
class RegisterKey(ZkTx):
    """Binds the L2 key `public_key` to `eth_address`, creating the next account; signed by
    `eth_address` (`ecdsa_signature` over `signing_text`, module docstring)."""

    TYPE: ClassVar[TxType] = TxType.REGISTER_KEY
    chain_id: Id
    eth_address: Address
    public_key: L2PublicKey
    fee: Fee
    ecdsa_signature: EcdsaSig

    @property
    def signing_text(self) -> str:
        """The EIP-191 personal message the Ethereum key signs."""
        return register_key_text(self.chain_id, self.public_key, self.fee)

    def recover_signer(self) -> bytes | None:
        """The address that made `ecdsa_signature` over `signing_text`, or None if it is invalid.

        Refuses v other than 27/28, r or s outside [1, n), and high s (EIP-2).
        """
        return recover_signer(self.signing_text, self.ecdsa_signature)


@ZK_FAMILY.declare
@dataclass(frozen=True)
class Transfer(SignedTx):
    """Moves `amount` of `token` from account `from_index` to account `to_index`."""

    TYPE: ClassVar[TxType] = TxType.TRANSFER
    SENDER: ClassVar[str] = "from_index"
    chain_id: Id
    from_index: Id
    to_index: Id
    token: Id
    amount: Amount
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class NftMint(SignedTx):
    """The collection's minter (account `minter_index`) mints the next NFT id to `to_index`."""

    TYPE: ClassVar[TxType] = TxType.NFT_MINT
    SENDER: ClassVar[str] = "minter_index"
    chain_id: Id
    minter_index: Id
    collection_id: Id
    to_index: Id
    content_hash: Field
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class NftTransfer(SignedTx):
    """Moves NFT `nft_id` from account `from_index` (its owner) to account `to_index`."""

    TYPE: ClassVar[TxType] = TxType.NFT_TRANSFER
    SENDER: ClassVar[str] = "from_index"
    chain_id: Id
    from_index: Id
    to_index: Id
    nft_id: Id
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class Deposit(SystemTx):
    """Credits `amount` of the bridge's token, deposited on L1 as deposit `deposit_id` for the
    address `recipient`, to account `to_index` (the account bound to `recipient`).

    A system transaction: the node makes it from an L1 deposit the validators observed; the STF
    takes it as given (module docstring).
    """

    TYPE: ClassVar[TxType] = TxType.DEPOSIT
    chain_id: Id
    deposit_id: Id
    to_index: Id
    token: Id
    recipient: Address
    amount: Amount


@ZK_FAMILY.declare
@dataclass(frozen=True)
class Withdraw(SignedTx):
    """Burns `amount` of the bridge's token from account `from_index`; L1 pays it to
    `l1_recipient` when the withdrawal's batch settles."""

    TYPE: ClassVar[TxType] = TxType.WITHDRAW
    SENDER: ClassVar[str] = "from_index"
    chain_id: Id
    from_index: Id
    token: Id
    l1_recipient: Address
    amount: Amount
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class MoveToFast(SignedTx):
    """Moves `amount` of `token` from account `from_index` into the fast-chain escrow; the fast
    chain credits the account's Ethereum address in its next block (docs/hybrid.md)."""

    TYPE: ClassVar[TxType] = TxType.MOVE_TO_FAST
    SENDER: ClassVar[str] = "from_index"
    chain_id: Id
    from_index: Id
    token: Id
    amount: Amount
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class MoveFromFast(SystemTx):
    """Pays `amount` of `token` out of the fast-chain escrow to account `to_index`, for the
    fast chain's exit `exit_id` (docs/hybrid.md); made from an Exit event of the fast chain's
    FastExit contract."""

    TYPE: ClassVar[TxType] = TxType.MOVE_FROM_FAST
    chain_id: Id
    exit_id: Id
    to_index: Id
    token: Id
    amount: Amount


@ZK_FAMILY.declare
@dataclass(frozen=True)
class CreateCollection(SignedTx):
    """Registers game collection `collection_id`, minted by the fast-chain contract `minter`'s
    reports, at most `cap` NFTs a round (docs/hybrid.md)."""

    TYPE: ClassVar[TxType] = TxType.CREATE_COLLECTION
    SENDER: ClassVar[str] = "creator_index"
    chain_id: Id
    creator_index: Id
    collection_id: Id
    minter: Address
    cap: Cap
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class GameMint(SystemTx):
    """Mints the next NFT id of game collection `collection_id` to account `to_index`, for the
    prize `report_id` that the game contract `game` reported for `round` (docs/hybrid.md).

    Made from a Prize event of the fast chain's GameReports contract; the collection's cap
    bounds it per round.
    """

    TYPE: ClassVar[TxType] = TxType.GAME_MINT
    chain_id: Id
    report_id: Id
    collection_id: Id
    round: Round
    to_index: Id
    content_hash: Field
    game: Address


@ZK_FAMILY.declare
@dataclass(frozen=True)
class NftList(SignedTx):
    """Lists NFT `nft_id` of account `owner_index` for `price` of `token` until `expiry`
    (unix seconds, inclusive); a new listing replaces the old one."""

    TYPE: ClassVar[TxType] = TxType.NFT_LIST
    SENDER: ClassVar[str] = "owner_index"
    # token and expiry share a slot, so the message has the market's shape (NftBuy's)
    MESSAGE: ClassVar = (
        "chain_id", "owner_index", "nft_id", Pack("token", "expiry", TIME_BITS), "price",
        "nonce", "fee",
    )  # fmt: skip
    chain_id: Id
    owner_index: Id
    nft_id: Id
    token: Id
    price: Amount
    expiry: Time
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class NftCancel(SignedTx):
    """Withdraws the listing of NFT `nft_id` by its owner `owner_index`."""

    TYPE: ClassVar[TxType] = TxType.NFT_CANCEL
    SENDER: ClassVar[str] = "owner_index"
    # a 0 slot where NftList and NftBuy sign their token
    MESSAGE: ClassVar = ("chain_id", "owner_index", "nft_id", 0, "nonce", "fee")
    chain_id: Id
    owner_index: Id
    nft_id: Id
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


@ZK_FAMILY.declare
@dataclass(frozen=True)
class NftBuy(SignedTx):
    """Buys listed NFT `nft_id` for account `buyer_index`, paying exactly the listing's `price`
    of `token` to its owner, before the listing's expiry."""

    TYPE: ClassVar[TxType] = TxType.NFT_BUY
    SENDER: ClassVar[str] = "buyer_index"
    chain_id: Id
    buyer_index: Id
    nft_id: Id
    token: Id
    price: Amount
    nonce: Nonce
    fee: Fee
    signature: EdDsaSig = UNSIGNED


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


def decode_transaction(data: bytes) -> ZkTransaction:
    """Decodes a transaction from its canonical encoding (dispatching by type byte).

    Raises `MalformedTransaction` for an unknown type, bad or non-canonical RLP, a wrong number
    of fields, non-canonical integers, trailing bytes or wrong byte lengths, and an `OutOfRange`
    subclass (`AmountOutOfRange`, `FeeOutOfRange`, `NonceOutOfRange`, `IdOutOfRange`,
    `NotAFieldElement`) for a value too wide for its field.
    """
    tx: ZkTransaction = ZK_FAMILY.decode(data)  # type: ignore[assignment]
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
