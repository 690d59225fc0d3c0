"""The root of every named rejection in zkbraid.

Rules raise a subclass of `BraidError` where they live (STYLE.md §2); the API turns it into a
JSON-RPC error whose `code` is the class's `code` and whose `data.error` is the class name, and the
CLI prints its message. A rejected input never changes state.
"""

from typing import ClassVar


class BraidError(Exception):
    """A named rejection of user input or a broken rule; carries its JSON-RPC error code."""

    code: ClassVar[int] = -32000

    @property
    def name(self) -> str:
        return type(self).__name__


class MalformedInput(BraidError):
    """The bytes or parameters could not be decoded into what was expected."""

    code = -32602


class WrongChainId(BraidError):
    """A transaction signed for another chain."""

    code = -32001


class InvalidSignature(BraidError):
    """A missing, malformed or wrong signature."""

    code = -32002


class NonceError(BraidError):
    """A replayed (too low) or gapped (too high) nonce."""

    code = -32003


class InsufficientFunds(BraidError):
    """A balance, allowance or fee that does not cover what the transaction needs."""

    code = -32004


class NotFound(BraidError):
    """A referenced object (account, NFT, collection, block, transaction) does not exist."""

    code = -32005


class Unauthorized(BraidError):
    """The sender is not allowed to do this (not the owner, not the minter)."""

    code = -32006


class OutOfRange(BraidError):
    """A value outside its fixed-width type or configured bound."""

    code = -32007
