"""The block transition's named rejections."""

from __future__ import annotations

from zkbraid.errors import BraidError, MalformedInput, NotFound, Unauthorized


class InvalidBlock(MalformedInput):
    """A block that breaks the block rules, or whose header differs from what it computes to
    (EELS's InvalidBlock): a validator refuses it and stays where it was.

    `reason` names the rule or the header field it broke (`header.REASONS`), for vectors and
    logs; None where no finer name is given."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class AlreadyKnown(BraidError):
    """The transaction is already pending or already ordered."""

    code = -32010


class FaucetDisabled(Unauthorized):
    """The faucet exists on devnets only."""


class UnknownProofJob(NotFound):
    """A proof submitted for something that is not a committed ZK-chain transaction."""


class AlreadyProven(BraidError):
    """A proof submitted for a transaction that is already proven."""

    code = -32011


class ProvingUnavailable(BraidError):
    """The chain's genesis names no verifying key, so no proof can be accepted on it (a node
    always has its chain's key: it refuses to start without it)."""

    code = -32012


class MissingVerifyingKey(BraidError):
    """The chain's genesis names a verifying key and the node has none."""


class UnexpectedVerifyingKey(BraidError):
    """The node was given a verifying key for a chain whose genesis names none."""


class ProposerOnly(Unauthorized):
    """A transaction only the block proposer makes (a Deposit, from an observed L1 deposit)."""
