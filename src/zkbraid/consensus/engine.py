"""The ordering engine's interface, shaped like ABCI 2.0.

The node's application is driven through the same five calls whichever engine orders the blocks:
`solo` (one process, this package) or CometBFT (many validators, a later issue). Nothing above
this interface may assume a single node: the application learns of blocks only through
prepare/process/finalize/commit, and learns of transactions only through check_tx.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class AppInfo:
    last_height: int
    last_app_hash: bytes


@dataclass(frozen=True)
class TxResult:
    """The outcome of one transaction of a finalized block (ABCI ExecTxResult)."""

    hash: bytes
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class ValidatorUpdate:
    """A change of the validator set that a block makes (ABCI ValidatorUpdate): the validator's
    CometBFT ed25519 public key and its new voting power (0 removes it from the set)."""

    consensus_key: bytes
    """32 bytes: the ed25519 public key the validator votes with."""
    power: int


@dataclass(frozen=True)
class Misbehavior:
    """Misbehaviour the engine has evidence of (ABCI Misbehavior), handed to the application
    with the block that carries the evidence."""

    kind: str
    """"duplicate_vote" or "light_client_attack"."""
    validator: bytes
    """The offender's 20-byte CometBFT address (sha256 of its ed25519 public key, first 20)."""
    height: int
    """The height of the offence."""
    time_ms: int
    """The block time of the offence (ms since the epoch)."""
    total_voting_power: int
    """The set's total voting power at the offence."""


@dataclass(frozen=True)
class FinalizedBlock:
    height: int
    block_hash: bytes
    app_hash: bytes
    tx_results: list[TxResult] = field(default_factory=list)
    validator_updates: list[ValidatorUpdate] = field(default_factory=list)
    """The set's changes the block made (staking/state.py), for the engine to apply."""


class Application(Protocol):
    """What an engine drives. Calls never overlap: the engine serialises them."""

    def info(self) -> AppInfo:
        """The last committed height and app hash (the engine replays from there)."""
        ...

    def check_tx(self, raw: bytes, *, recheck: bool = False) -> bytes:
        """Admits a transaction to the mempool; returns its hash.

        Raises BraidError (a named rejection) when the transaction is not admissible.
        """
        ...

    def prepare_proposal(
        self,
        height: int,
        time_ms: int,
        candidates: list[bytes],
        *,
        misbehavior: Sequence[Misbehavior] = (),
        vote_extensions: Sequence[tuple[bytes, bytes]] = (),
    ) -> list[bytes]:
        """The proposer's block: an ordered subset of the candidates (empty: no block is due).
        `misbehavior`: the evidence the engine's block carries, which the proposal must carry
        too (in its chain marker), so that replaying the braided blocks reproduces it.
        `vote_extensions`: (CometBFT address, extension) of each vote of the last commit (ABCI
        `local_last_commit`); their signatures enter the block as an Attest. An engine without
        votes (solo) gives none: the proposer then puts only its own signatures on chain."""
        ...

    def extend_vote(self, height: int) -> bytes:
        """This validator's vote extension at `height` (ABCI ExtendVote): its signatures of
        the pending batches' attestation digests (empty: nothing to sign, or no key)."""
        ...

    def verify_vote_extension(
        self, height: int, validator_consensus_address: bytes, extension: bytes
    ) -> bool:
        """Whether another validator's vote extension at `height` is acceptable (ABCI
        VerifyVoteExtension): it decodes, and each signature is that validator's over a
        pending batch's digest."""
        ...

    def process_proposal(
        self,
        height: int,
        time_ms: int,
        txs: list[bytes],
        *,
        misbehavior: Sequence[Misbehavior] = (),
    ) -> bool:
        """Whether a proposed block is acceptable to this validator (its evidence must be the
        engine's `misbehavior`)."""
        ...

    def finalize_block(
        self,
        height: int,
        time_ms: int,
        txs: list[bytes],
        *,
        misbehavior: Sequence[Misbehavior] = (),
    ) -> FinalizedBlock:
        """Executes a decided block; its results, validator updates and app hash (not yet
        durable)."""
        ...

    def commit(self) -> None:
        """Makes the last finalized block durable."""
        ...


CommitListener = Callable[[FinalizedBlock], None]


class ConsensusEngine(abc.ABC):
    """Orders transactions into blocks and drives an `Application`."""

    thread_safe_broadcast = False
    """Whether `broadcast_tx` may be called from any thread (and may block on I/O): the node's
    API then runs submissions on worker threads. The solo engine's runs on its event loop."""

    def __init__(self) -> None:
        self._listeners: list[CommitListener] = []

    def on_commit(self, listener: CommitListener) -> None:
        """Registers a callback run (on the engine's thread) after every committed block."""
        self._listeners.append(listener)

    def _notify(self, block: FinalizedBlock) -> None:
        for listener in self._listeners:
            listener(block)

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    @abc.abstractmethod
    def broadcast_tx(self, raw: bytes) -> bytes:
        """Checks a transaction and adds it to the mempool; returns its hash.

        Raises BraidError: the application rejected it.
        """

    @abc.abstractmethod
    def pending_count(self) -> int:
        """Transactions admitted and not yet ordered."""
