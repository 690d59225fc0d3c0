"""Every named rejection of the fast chain (STYLE.md §2), each in one of the shared families.

`WrongChainId`, `InvalidSignature` and `InsufficientFunds` are the shared classes themselves: the
fast chain raises them with its own messages.
"""

from __future__ import annotations

from typing import ClassVar

from zkbraid.errors import (
    BraidError,
    InsufficientFunds,
    InvalidSignature,
    MalformedInput,
    NonceError,
    NotFound,
    OutOfRange,
    Unauthorized,
    WrongChainId,
)

__all__ = [
    "BlockNotFound",
    "CallFailed",
    "ExecutionReverted",
    "FeeTooLow",
    "GasLimitExceeded",
    "InsufficientFunds",
    "IntrinsicGasTooLow",
    "InvalidBlock",
    "InvalidSignature",
    "LogQueryTooLarge",
    "MalformedTransaction",
    "NonceTooHigh",
    "NonceTooLow",
    "SenderNotEOA",
    "TipAboveMaxFee",
    "UnprotectedTransaction",
    "WrongChainId",
]


class MalformedTransaction(MalformedInput):
    """Raw bytes that are not a well-formed transaction of a supported type, or too large."""


class UnprotectedTransaction(WrongChainId):
    """A legacy transaction signed without EIP-155 replay protection (valid on every chain)."""


class NonceTooLow(NonceError):
    """The nonce was already used (a replay), by the chain or by a pending transaction."""


class NonceTooHigh(NonceError):
    """The nonce leaves a gap after the sender's next nonce."""


class SenderNotEOA(Unauthorized):
    """The sender's address holds contract code, so no key may sign for it (EIP-3607)."""


class IntrinsicGasTooLow(OutOfRange):
    """The gas limit does not cover the transaction's intrinsic gas (or the EIP-7623 floor)."""


class GasLimitExceeded(OutOfRange):
    """The transaction asks for more gas than a block holds, or than is left in the block."""


class FeeTooLow(InsufficientFunds):
    """The maximum fee per gas is below the block's base fee."""


class TipAboveMaxFee(MalformedInput):
    """The maximum priority fee per gas is above the maximum fee per gas (EIP-1559)."""


class InvalidBlock(BraidError):
    """The node asked for a block the rules forbid (timestamp before its parent, bad credit)."""


class BlockNotFound(NotFound):
    """No block with this number or hash."""


class LogQueryTooLarge(OutOfRange):
    """An `eth_getLogs` query spans too many blocks or matches too many logs."""


class CallFailed(BraidError):
    """An `eth_call` / `eth_estimateGas` that failed without reverting (out of gas, bad opcode)."""


class ExecutionReverted(BraidError):
    """An `eth_call` / `eth_estimateGas` that reverted; `data` is the revert data.

    JSON-RPC error code 3 with the revert data as hex in the error's `data` field, as geth
    answers and where web3.py looks for the revert reason (`rpc_data`, used by the API layer).
    """

    code: ClassVar[int] = 3

    def __init__(self, message: str, data: bytes) -> None:
        super().__init__(message)
        self.data = data
        self.rpc_data = "0x" + data.hex()
