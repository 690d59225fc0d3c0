"""Admission of a fast transaction: the rules that check a decoded transaction against a state.

The stateless rules (encoding, chain id, signature, intrinsic gas) are `txs.decode_transaction`'s.
These read the sender's account: the node runs them against the head state when it admits a
transaction to its mempool, and `execution` runs them again against the block's state.
"""

from __future__ import annotations

from eth.abc import StateAPI
from eth.constants import EMPTY_SHA3
from eth_typing import Address

from zkbraid.fast.errors import (
    FeeTooLow,
    InsufficientFunds,
    NonceTooHigh,
    NonceTooLow,
    SenderNotEOA,
)
from zkbraid.fast.txs import FastTx
from zkbraid.fast.vm import FastAccountDB


def check_against_state(
    ftx: FastTx,
    accounts: FastAccountDB | StateAPI,
    base_fee: int,
    pending_nonce: int | None = None,
) -> None:
    """Checks a transaction's fee, sender, nonce and balance against `accounts`.

    With `pending_nonce` (the sender's next nonce counting pending transactions) the nonce must
    equal it; without, it must equal the sender's nonce in `accounts`.
    Raises FeeTooLow, SenderNotEOA, NonceTooLow, NonceTooHigh, InsufficientFunds.
    """
    if ftx.max_fee_per_gas < base_fee:
        raise FeeTooLow(f"max fee per gas {ftx.max_fee_per_gas} is below the base fee {base_fee}")
    sender = Address(ftx.sender)
    if accounts.get_code_hash(sender) != EMPTY_SHA3:
        raise SenderNotEOA(f"sender 0x{ftx.sender.hex()} is a contract (EIP-3607)")
    state_nonce = accounts.get_nonce(sender)
    if ftx.nonce < state_nonce:
        raise NonceTooLow(f"nonce {ftx.nonce} already used: the account's nonce is {state_nonce}")
    expected = state_nonce if pending_nonce is None else max(pending_nonce, state_nonce)
    if ftx.nonce < expected:
        raise NonceTooLow(
            f"nonce {ftx.nonce} already used by a pending transaction: next nonce is {expected}"
        )
    if ftx.nonce > expected:
        raise NonceTooHigh(f"nonce {ftx.nonce} leaves a gap: next nonce is {expected}")
    balance = accounts.get_balance(sender)
    if balance < ftx.max_cost:
        raise InsufficientFunds(
            f"balance {balance} wei does not cover value + gas * max fee = {ftx.max_cost} wei"
        )
