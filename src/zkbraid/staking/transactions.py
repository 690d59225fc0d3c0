"""The staking transactions: a validator bonds ZKPoW for voting power and unbonds it.

They extend the sequencer transactions (market/transactions.py 0x01–0x02, market/market_txs.py
0x03–0x06) the same way: one type byte, then an RLP list of byte strings (integers big-endian,
no leading zero bytes, zero as the empty string). Each is signed with EIP-191 personal_sign by
the validator's Ethereum key over a readable text that says what it authorises, and carries the
validator's next staking nonce, so a captured one cannot be replayed.

    0x07 Bond    [validator (20), consensus_key (32), amount, nonce, signature (65)]
    0x08 Unbond  [validator (20), amount, nonce, signature (65)]

`validator` is the Ethereum address that bonds (its ZKPoW is debited) and signs; `consensus_key`
is the ed25519 public key it votes with in CometBFT (staking/keys.py). The rules are in
staking/state.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp

from zkbraid.crypto.personal_sign import address_of, personal_sign, recover_signer
from zkbraid.errors import InvalidSignature
from zkbraid.market.fees import ONE_ZKPOW, ZKPOW_DECIMALS
from zkbraid.market.transactions import MalformedSequencerTx

BOND = 0x07
UNBOND = 0x08
STAKING_TX_TYPES = frozenset({BOND, UNBOND})

AMOUNT_BITS = 128
NONCE_BITS = 64


class BadStakingSignature(InvalidSignature):
    """A staking transaction not signed by the validator it names (or a malformed signature)."""


def zkpow_text(amount: int) -> str:
    """An amount as a person reads it: `1000 ZKPoW`, `0.25 ZKPoW`."""
    whole, frac = divmod(amount, ONE_ZKPOW)
    text = str(whole)
    if frac:
        text += "." + f"{frac:0{ZKPOW_DECIMALS}d}".rstrip("0")
    return f"{text} ZKPoW"


def bond_text(validator: bytes, consensus_key: bytes, amount: int, nonce: int) -> str:
    """What a validator signs to bond `amount` (base units) with `consensus_key`."""
    return (
        f"zkbraid: bond {zkpow_text(amount)} to validator 0x{validator.hex()}\n"
        f"consensus key: 0x{consensus_key.hex()}\n"
        f"amount: {amount} base units\n"
        f"nonce: {nonce}"
    )


def unbond_text(validator: bytes, amount: int, nonce: int) -> str:
    """What a validator signs to unbond `amount` (base units)."""
    return (
        f"zkbraid: unbond {zkpow_text(amount)} from validator 0x{validator.hex()}\n"
        f"amount: {amount} base units\n"
        f"nonce: {nonce}"
    )


def _check(text: str, signature: bytes, validator: bytes, what: str) -> None:
    signer = recover_signer(text, signature)
    if signer is None:
        raise BadStakingSignature(f"malformed or unrecoverable {what} signature")
    if signer != validator:
        raise BadStakingSignature(f"the {what} is not signed by 0x{validator.hex()}")


@dataclass(frozen=True)
class Bond:
    """Bonds `amount` of the validator's ZKPoW: its voting power rises in the same block."""

    validator: bytes
    consensus_key: bytes
    amount: int
    nonce: int
    signature: bytes

    def encode(self) -> bytes:
        fields = [self.validator, self.consensus_key, self.amount, self.nonce, self.signature]
        return bytes([BOND]) + bytes(rlp.encode(fields))

    def check_signature(self) -> None:
        """Raises BadStakingSignature unless `validator` signed this bond."""
        text = bond_text(self.validator, self.consensus_key, self.amount, self.nonce)
        _check(text, self.signature, self.validator, "bond")


@dataclass(frozen=True)
class Unbond:
    """Unbonds `amount`: it keeps voting (and can be slashed) for the unbonding period, then
    leaves the validator's power and returns to its ZKPoW balance."""

    validator: bytes
    amount: int
    nonce: int
    signature: bytes

    def encode(self) -> bytes:
        fields = [self.validator, self.amount, self.nonce, self.signature]
        return bytes([UNBOND]) + bytes(rlp.encode(fields))

    def check_signature(self) -> None:
        """Raises BadStakingSignature unless `validator` signed this unbond."""
        text = unbond_text(self.validator, self.amount, self.nonce)
        _check(text, self.signature, self.validator, "unbond")


StakingTx = Bond | Unbond


def sign_bond(eth_private_key: bytes, consensus_key: bytes, amount: int, nonce: int) -> Bond:
    """A bond of `amount` by the validator with this Ethereum key, at its staking nonce."""
    validator = address_of(eth_private_key)
    text = bond_text(validator, consensus_key, amount, nonce)
    return Bond(validator, consensus_key, amount, nonce, personal_sign(eth_private_key, text))


def sign_unbond(eth_private_key: bytes, amount: int, nonce: int) -> Unbond:
    """An unbond of `amount` by the validator with this Ethereum key, at its staking nonce."""
    validator = address_of(eth_private_key)
    text = unbond_text(validator, amount, nonce)
    return Unbond(validator, amount, nonce, personal_sign(eth_private_key, text))


# -- decoding --------------------------------------------------------------------------------


def _fields(payload: bytes, n: int, what: str) -> list[bytes]:
    try:
        items = rlp.decode(payload)
    except rlp.DecodingError as e:
        raise MalformedSequencerTx(f"bad RLP in {what}: {e}") from None
    if (
        not isinstance(items, list)
        or len(items) != n
        or not all(isinstance(i, bytes) for i in items)
    ):
        raise MalformedSequencerTx(f"a {what} has exactly {n} byte-string fields")
    return items


def _bytes(item: bytes, size: int, what: str) -> bytes:
    if len(item) != size:
        raise MalformedSequencerTx(f"{what} must be {size} bytes")
    return item


def _uint(item: bytes, bits: int, what: str) -> int:
    if item[:1] == b"\x00":
        raise MalformedSequencerTx(f"{what} has a leading zero byte (not canonical)")
    value = int.from_bytes(item, "big")
    if value >= 2**bits:
        raise MalformedSequencerTx(f"{what} must fit in {bits} bits")
    return value


def decode_staking_tx(payload: bytes) -> StakingTx:
    """Decodes a staking transaction (types 0x07–0x08).

    Raises MalformedSequencerTx: another type, bad RLP, wrong field count, sizes or integers.
    """
    if not payload or payload[0] not in STAKING_TX_TYPES:
        what = f"0x{payload[0]:02x}" if payload else "empty"
        raise MalformedSequencerTx(f"not a staking transaction ({what})")
    kind, body = payload[0], payload[1:]
    if kind == BOND:
        validator, key, amount, nonce, sig = _fields(body, 5, "bond")
        return Bond(
            _bytes(validator, 20, "the validator address"),
            _bytes(key, 32, "the consensus key"),
            _uint(amount, AMOUNT_BITS, "the amount"),
            _uint(nonce, NONCE_BITS, "the nonce"),
            _bytes(sig, 65, "the signature"),
        )
    validator, amount, nonce, sig = _fields(body, 4, "unbond")
    return Unbond(
        _bytes(validator, 20, "the validator address"),
        _uint(amount, AMOUNT_BITS, "the amount"),
        _uint(nonce, NONCE_BITS, "the nonce"),
        _bytes(sig, 65, "the signature"),
    )
