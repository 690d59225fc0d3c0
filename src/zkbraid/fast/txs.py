"""Fast-chain transactions: decoding, the checks that need no state, and signer recovery.

Supported: legacy transactions with EIP-155 replay protection, EIP-2930 (type 1) and EIP-1559
(type 2). Blob (type 3) and set-code (type 4) transactions are refused: the fast chain has no
blobs, and EIP-7702 delegation is not offered yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import rlp
from coincurve import PublicKey
from eth.abc import SignedTransactionAPI, TransactionBuilderAPI
from eth.constants import CREATE_CONTRACT_ADDRESS, SECPK1_N
from eth.exceptions import UnrecognizedTransactionType
from eth.vm.forks.berlin.transactions import AccessListTransaction
from eth.vm.forks.london.transactions import DynamicFeeTransaction
from eth.vm.forks.prague.constants import STANDARD_TOKEN_COST, TOTAL_COST_FLOOR_PER_TOKEN
from eth.vm.forks.prague.transactions import PragueLegacyTransaction
from eth.vm.forks.shanghai.constants import INITCODE_WORD_COST, MAX_INITCODE_SIZE
from eth_hash.auto import keccak
from eth_typing import Address
from eth_utils.exceptions import ValidationError

from zkbraid.fast.errors import (
    GasLimitExceeded,
    IntrinsicGasTooLow,
    InvalidSignature,
    MalformedTransaction,
    TipAboveMaxFee,
    UnprotectedTransaction,
    WrongChainId,
)
from zkbraid.fast.params import FastParams

LEGACY_TX_TYPE = 0
ACCESS_LIST_TX_TYPE = 1
DYNAMIC_FEE_TX_TYPE = 2
SUPPORTED_TX_TYPES = (LEGACY_TX_TYPE, ACCESS_LIST_TX_TYPE, DYNAMIC_FEE_TX_TYPE)

#: EIP-2681: a nonce must stay below 2^64 - 1.
MAX_NONCE = 2**64 - 1
#: Gas of a plain transaction (EIP-7623's floor starts here too).
TX_BASE_GAS = 21_000

_DECODE_ERRORS = (
    rlp.exceptions.RLPException,
    ValidationError,
    UnrecognizedTransactionType,
    ValueError,
    TypeError,
    IndexError,
)


@dataclass(frozen=True)
class FastTx:
    """A decoded, signature-checked fast-chain transaction (made by `FastChain.decode_transaction`
    or `check_transaction`); `execute_block` trusts these and re-checks only state rules."""

    hash: bytes
    sender: bytes
    nonce: int
    raw: bytes
    transaction: SignedTransactionAPI
    type: int
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    #: None for a contract creation.
    to: bytes | None
    value: int

    @property
    def max_cost(self) -> int:
        """The most this transaction can take from its sender: value + gas * max fee."""
        return self.value + self.gas * self.max_fee_per_gas


def intrinsic_gas(tx: SignedTransactionAPI) -> int:
    """Gas a transaction pays before running: Berlin's intrinsic gas plus EIP-3860's initcode cost
    (py-evm charges the latter inside the computation; geth charges it up front)."""
    gas: int = tx.intrinsic_gas
    if tx.to == CREATE_CONTRACT_ADDRESS:
        gas += INITCODE_WORD_COST * ((len(tx.data) + 31) // 32)
    return gas


def floor_data_gas(data: bytes) -> int:
    """EIP-7623's minimum gas for a transaction carrying `data` (Prague)."""
    zeros = data.count(0)
    tokens = zeros + (len(data) - zeros) * STANDARD_TOKEN_COST
    return TX_BASE_GAS + TOTAL_COST_FLOOR_PER_TOKEN * tokens


def decode_transaction(
    raw: bytes, builder: type[TransactionBuilderAPI], params: FastParams
) -> FastTx:
    """Decodes a raw signed transaction and checks everything that needs no state.

    Raises MalformedTransaction, UnprotectedTransaction, WrongChainId, InvalidSignature,
    TipAboveMaxFee, GasLimitExceeded, IntrinsicGasTooLow.
    """
    if not raw:
        raise MalformedTransaction("empty transaction")
    if len(raw) > params.max_tx_size:
        raise MalformedTransaction(
            f"transaction of {len(raw)} bytes exceeds the maximum of {params.max_tx_size}"
        )
    first = raw[0]
    if first < 0x80:
        tx_type = first
        if tx_type not in SUPPORTED_TX_TYPES:
            raise MalformedTransaction(
                f"unsupported transaction type {tx_type} (supported: 0 legacy, "
                "1 EIP-2930, 2 EIP-1559)"
            )
    elif first >= 0xC0:
        tx_type = LEGACY_TX_TYPE
    else:
        raise MalformedTransaction("a transaction is an RLP list or a typed envelope")
    payload = _payload_items(raw, tx_type)
    tx = None if payload is None else _decode_common(payload, tx_type, builder)
    if tx is None:
        try:
            tx = builder.decode(raw)
        except _DECODE_ERRORS as exc:
            raise MalformedTransaction(f"undecodable transaction: {exc}") from exc

    # Chain id and replay protection.
    if tx_type == LEGACY_TX_TYPE:
        v = tx.v  # type: ignore[attr-defined]  # legacy transactions carry v
        if v in (27, 28):
            raise UnprotectedTransaction(
                "legacy transaction without EIP-155 replay protection (v is 27 or 28); "
                f"sign it for chain id {params.chain_id}"
            )
        if v < 35:
            raise InvalidSignature(f"invalid signature v value {v}")
        chain_id = (v - 35) // 2
    else:
        chain_id = tx.chain_id
    if chain_id != params.chain_id:
        raise WrongChainId(
            f"transaction signed for chain id {chain_id}, this chain is {params.chain_id}"
        )

    # Signature values (EIP-2: s in the lower half of the curve order).
    r: int = tx.r
    s: int = tx.s
    if not (0 < r < SECPK1_N and 0 < s <= SECPK1_N // 2):
        raise InvalidSignature("signature r or s out of range (EIP-2 requires a low s)")

    # Fields that need no state. (py-evm's legacy `validate` also rejects gas below the
    # intrinsic gas, with a bare ValidationError: the check below gives it its own name.)
    try:
        tx.validate()
    except ValidationError as exc:
        if "Insufficient gas" not in str(exc):
            raise MalformedTransaction(f"invalid transaction field: {exc}") from exc
    nonce: int = tx.nonce
    if nonce >= MAX_NONCE:
        raise MalformedTransaction(f"nonce {nonce} is at or above the EIP-2681 limit 2^64-1")
    max_fee: int = tx.max_fee_per_gas
    tip: int = tx.max_priority_fee_per_gas
    if tip > max_fee:
        raise TipAboveMaxFee(f"max priority fee per gas {tip} is above max fee per gas {max_fee}")
    gas: int = tx.gas
    if gas > params.block_gas_limit:
        raise GasLimitExceeded(
            f"transaction gas {gas} exceeds the block gas limit {params.block_gas_limit}"
        )
    data: bytes = tx.data
    if tx.to == CREATE_CONTRACT_ADDRESS and len(data) > MAX_INITCODE_SIZE:
        raise MalformedTransaction(
            f"init code of {len(data)} bytes exceeds the EIP-3860 limit {MAX_INITCODE_SIZE}"
        )
    needed = max(intrinsic_gas(tx), floor_data_gas(data))
    if gas < needed:
        raise IntrinsicGasTooLow(f"gas {gas} is below the intrinsic gas {needed}")

    # The signer, recovered once here; py-evm's `tx.sender` is primed with it.
    recovery_id = tx.y_parity if tx_type != LEGACY_TX_TYPE else (tx.v - 35) % 2  # type: ignore[attr-defined]
    if recovery_id not in (0, 1):
        raise InvalidSignature(f"signature y parity must be 0 or 1, got {recovery_id}")
    sender = recover_sender(signing_hash(raw, tx_type, chain_id, payload), r, s, recovery_id)
    vars(tx)["sender"] = Address(sender)

    to = None if tx.to == CREATE_CONTRACT_ADDRESS else bytes(tx.to)
    return FastTx(
        hash=keccak(raw),
        sender=sender,
        nonce=nonce,
        raw=bytes(raw),
        transaction=tx,
        type=tx_type,
        gas=gas,
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=tip,
        to=to,
        value=tx.value,
    )


@dataclass(frozen=True)
class _Layout:
    """Where a transaction type keeps its fields (py-evm's `fields`, in RLP order)."""

    cls: type[Any]
    size: int
    to: int
    data: int
    access_list: int | None


_LAYOUTS = {
    LEGACY_TX_TYPE: _Layout(PragueLegacyTransaction, 9, to=3, data=5, access_list=None),
    ACCESS_LIST_TX_TYPE: _Layout(AccessListTransaction, 11, to=4, data=6, access_list=7),
    DYNAMIC_FEE_TX_TYPE: _Layout(DynamicFeeTransaction, 12, to=5, data=7, access_list=8),
}


def _payload_items(raw: bytes, tx_type: int) -> list[Any] | None:
    """The items of the transaction's RLP payload, or None if it is not a canonical RLP list."""
    try:
        item = rlp.decode(raw if tx_type == LEGACY_TX_TYPE else raw[1:])  # strict: canonical
    except rlp.DecodingError:
        return None
    return None if isinstance(item, bytes) else cast(list[Any], item)


def _decode_common(
    items: list[Any], tx_type: int, builder: type[TransactionBuilderAPI]
) -> SignedTransactionAPI | None:
    """The py-evm transaction `builder.decode(raw)` gives, built from the payload's `items`.

    Five times faster than pyrlp's sedes, for the common shapes only (no access list entries,
    canonical integers): returns None for anything else, which then goes through
    `builder.decode` and its errors.
    """
    layout = _LAYOUTS[tx_type]
    if len(items) != layout.size:
        return None
    fields: list[Any] = []
    for index, field in enumerate(items):
        if index == layout.access_list:
            if field != []:
                return None
            fields.append(())
        elif not isinstance(field, bytes):
            return None
        elif index == layout.to:
            if len(field) not in (0, 20):
                return None
            fields.append(field)
        elif index == layout.data:
            fields.append(field)
        elif field[:1] == b"\x00":  # an integer with a leading zero is not canonical
            return None
        else:
            fields.append(int.from_bytes(field, "big"))
    inner = layout.cls(*fields)
    if tx_type == LEGACY_TX_TYPE:
        return cast(SignedTransactionAPI, inner)
    typed_transaction = cast(Any, builder).typed_transaction
    return cast(SignedTransactionAPI, typed_transaction(tx_type, inner))


def signing_hash(raw: bytes, tx_type: int, chain_id: int, items: list[Any] | None = None) -> bytes:
    """The hash a transaction's signature signs, from its validated raw bytes.

    That is the payload without (v|y_parity, r, s), with EIP-155's (chain id, 0, 0) for legacy
    ones; `items` are the payload's decoded items, when the caller has them.
    """
    if items is None:
        items = _list_items(rlp.decode(raw if tx_type == LEGACY_TX_TYPE else raw[1:]))
    # The items are decoded bytes and lists: encoding them as they are (no sedes inference)
    # keeps admission as fast as it was with a home-made encoder.
    if tx_type == LEGACY_TX_TYPE:
        unsigned = [*items[:6], _uint(chain_id), b"", b""]
        return keccak(rlp.encode(unsigned, infer_serializer=False))
    return keccak(raw[:1] + rlp.encode(items[:-3], infer_serializer=False))


def _list_items(item: Any) -> list[Any]:
    if isinstance(item, bytes):
        raise MalformedTransaction("a transaction payload is an RLP list")
    return list(item)


def _uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def recover_sender(message_hash: bytes, r: int, s: int, recovery_id: int) -> bytes:
    """The address whose key made the signature (r, s, recovery_id) over `message_hash`.

    Raises InvalidSignature.
    """
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((recovery_id,))
    try:
        public_key = PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except (ValueError, TypeError) as exc:
        raise InvalidSignature(f"cannot recover the signer: {exc}") from exc
    return keccak(public_key.format(compressed=False)[1:])[12:]
