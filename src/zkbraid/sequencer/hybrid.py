"""The hybrid's consensus state: what passes between the ZK chain and the fast chain
(docs/hybrid.md).

    ZK → fast   a committed MoveToFast queues a credit of the fast chain's coin to the owner's
                address; every committed ZK block queues its state root for the fast chain's
                ZkRoots oracle (and roots rise to proven, then settled). The next fast block
                applies both (credits and the oracle's system call) and empties the queues.
    fast → ZK   a fast block's Exit events (FastExit) and Prize events (GameReports) become
                pending exits and prizes; the next ZK block's proposer pays each exit with a
                MoveFromFast out of the escrow and mints each prize with a GameMint. A
                MoveFromFast or GameMint must be backed by a pending record with the same
                fields (`ExitNotBacked`, `PrizeNotBacked`) and settles it once
                (`AlreadySettled`).

An exit or prize that can never be paid (its ZK account does not exist, its winner has no ZK
account) is refused when observed; one whose system transaction the STF refuses (the escrow
holds less than the exit, the round's cap is reached, the reporter is not the collection's
game) is refused by that failure. Either way it is settled: the damage bound holds (the escrow
pays at most what it holds, a round mints at most its cap) and nothing stays pending for ever.
A refused exit's coin stays burnt on the fast chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Annotated

from zkbraid.errors import BraidError, NotFound
from zkbraid.fast.system_contracts import ExitEvent, PrizeEvent, RootStatus, RootUpdate
from zkbraid.ledger.codec import (
    U8,
    U64,
    U128,
    Address,
    EnumOf,
    Hash32,
    ListOf,
    MaybeHash32,
    Record,
    VarBytes,
)
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.record_store import RecordStore
from zkbraid.zk.params import MOVE_TOKEN
from zkbraid.zk.transactions import GameMint, MoveFromFast

_META = b"m"


def _exit_key(exit_id: int) -> bytes:
    return b"e" + exit_id.to_bytes(8, "big")


def _prize_key(report_id: int) -> bytes:
    return b"p" + report_id.to_bytes(8, "big")


class ExitNotBacked(NotFound):
    """A MoveFromFast that no pending fast-chain exit with the same fields backs."""


class PrizeNotBacked(NotFound):
    """A GameMint that no pending game report with the same fields backs."""


class AlreadySettled(BraidError):
    """A MoveFromFast or GameMint of an exit or prize that was already paid, minted or
    refused."""


class Status(IntEnum):
    PENDING = 0
    DONE = 1
    """Paid (an exit) or minted (a prize)."""
    REFUSED = 2


@dataclass(frozen=True)
class ExitRecord(Record):
    """A fast-chain exit (FastExit's Exit event) and how it ended on the ZK chain."""

    exit_id: U64
    sender: Address
    zk_account: U64
    amount: U128
    observed_height: U64
    status: Annotated[Status, EnumOf(Status)] = Status.PENDING
    settled_height: U64 = 0
    settled_by: MaybeHash32 = b""
    """The MoveFromFast that paid it (or whose failure refused it)."""
    reason: Annotated[bytes, VarBytes(256)] = b""


@dataclass(frozen=True)
class PrizeRecord(Record):
    """A game's reported prize (GameReports' Prize event) and how it ended on the ZK chain."""

    report_id: U64
    game: Address
    collection: U64
    round: U64
    winner: Address
    content_hash: Hash32
    observed_height: U64
    status: Annotated[Status, EnumOf(Status)] = Status.PENDING
    settled_height: U64 = 0
    settled_by: MaybeHash32 = b""
    nft_id: U64 = 0
    reason: Annotated[bytes, VarBytes(256)] = b""


@dataclass(frozen=True)
class Credit(Record):
    address: Address
    wei: U128


@dataclass(frozen=True)
class QueuedRoot(Record):
    root: Hash32
    zk_height: U64
    status: U8


@dataclass(frozen=True)
class HybridMeta(Record):
    next_exit_id: U64 = 0
    next_report_id: U64 = 0
    credits: Annotated[list[Credit], ListOf(Credit)] = field(default_factory=list)
    """ZK→fast moves committed since the last fast block, in order."""
    roots: Annotated[list[QueuedRoot], ListOf(QueuedRoot)] = field(default_factory=list)
    """Root updates for the fast chain's oracle, in order."""
    proven_txs: U64 = 0
    """How many ZK-chain transactions (in the chain's order) are proven, contiguously."""
    settled_root: MaybeHash32 = b""
    """The newest settled root the oracle was told of."""


class Hybrid:
    """The queues and records between the two chains, committed by a trie root."""

    def __init__(self, nodes: KVNamespace, records: KVNamespace, live: KVNamespace) -> None:
        self._store = RecordStore(nodes, records, live)
        self._load()

    def _load(self) -> None:
        self.meta = self._store.get(_META, HybridMeta) or HybridMeta()
        self._pending_exits: dict[int, ExitRecord] = {}
        self._pending_prizes: dict[int, PrizeRecord] = {}
        for key in self._store.live_keys():
            if key.startswith(b"e"):
                exit_record = self._store.get(key, ExitRecord)
                if exit_record is not None:
                    self._pending_exits[exit_record.exit_id] = exit_record
            else:
                prize = self._store.get(key, PrizeRecord)
                if prize is not None:
                    self._pending_prizes[prize.report_id] = prize

    def reload(self) -> None:
        """Forgets what was not committed (after the block's writes were discarded)."""
        self._store.reload()
        self._load()

    @property
    def root(self) -> bytes:
        return self._store.flush()

    def _save_meta(self, meta: HybridMeta) -> None:
        self.meta = meta
        self._store.put(meta, _META)

    # -- ZK → fast -------------------------------------------------------------------------

    def queue_credit(self, address: bytes, wei: int) -> None:
        """A committed MoveToFast: the next fast block credits `address`."""
        self._save_meta(replace(self.meta, credits=[*self.meta.credits, Credit(address, wei)]))

    def queue_root(self, root: int, zk_height: int, status: RootStatus) -> None:
        """A ZK root (or its rise to proven or settled) for the fast chain's oracle."""
        queued = QueuedRoot(root.to_bytes(32, "big"), zk_height, int(status))
        self._save_meta(replace(self.meta, roots=[*self.meta.roots, queued]))

    def set_progress(self, proven_txs: int, settled_root: bytes) -> None:
        self._save_meta(replace(self.meta, proven_txs=proven_txs, settled_root=settled_root))

    def has_fast_news(self) -> bool:
        """Whether the next fast block has credits or oracle updates to apply."""
        return bool(self.meta.credits or self.meta.roots)

    def take_for_fast_block(self) -> tuple[list[tuple[bytes, int]], list[RootUpdate]]:
        """The credits and oracle updates the fast block being applied carries; empties both
        queues."""
        credits = [(c.address, c.wei) for c in self.meta.credits]
        updates = [
            RootUpdate(int.from_bytes(r.root, "big"), r.zk_height, RootStatus(r.status))
            for r in self.meta.roots
        ]
        if credits or updates:
            self._save_meta(replace(self.meta, credits=[], roots=[]))
        return credits, updates

    # -- fast → ZK -------------------------------------------------------------------------

    def observe_exit(self, event: ExitEvent, height: int, *, payable: bool) -> ExitRecord:
        """A fast block's Exit: pending, or refused at once when its account cannot be paid."""
        record = ExitRecord(event.exit_id, event.sender, event.zk_account, event.amount, height)
        if not payable:
            record = replace(
                record,
                status=Status.REFUSED,
                settled_height=height,
                reason=f"no ZK account {event.zk_account}".encode(),
            )
        self._store.put(record, _exit_key(event.exit_id))
        if payable:
            self._store.set_live(_exit_key(event.exit_id), True)
            self._pending_exits[event.exit_id] = record
        self._save_meta(
            replace(self.meta, next_exit_id=max(self.meta.next_exit_id, event.exit_id + 1))
        )
        return record

    def observe_prize(self, event: PrizeEvent, height: int, *, mintable: bool) -> PrizeRecord:
        """A fast block's Prize: pending, or refused at once when its winner has no account."""
        record = PrizeRecord(
            event.report_id,
            event.game,
            event.collection,
            event.round,
            event.winner,
            event.content_hash.to_bytes(32, "big"),
            height,
        )
        if not mintable:
            record = replace(
                record,
                status=Status.REFUSED,
                settled_height=height,
                reason=f"winner 0x{event.winner.hex()} has no ZK account".encode(),
            )
        self._store.put(record, _prize_key(event.report_id))
        if mintable:
            self._store.set_live(_prize_key(event.report_id), True)
            self._pending_prizes[event.report_id] = record
        next_id = max(self.meta.next_report_id, event.report_id + 1)
        self._save_meta(replace(self.meta, next_report_id=next_id))
        return record

    def exit(self, exit_id: int) -> ExitRecord | None:
        if not 0 <= exit_id < 2**64:
            return None
        return self._store.get(_exit_key(exit_id), ExitRecord)

    def prize(self, report_id: int) -> PrizeRecord | None:
        if not 0 <= report_id < 2**64:
            return None
        return self._store.get(_prize_key(report_id), PrizeRecord)

    def pending_exits(self) -> list[ExitRecord]:
        return [self._pending_exits[i] for i in sorted(self._pending_exits)]

    def pending_prizes(self) -> list[PrizeRecord]:
        return [self._pending_prizes[i] for i in sorted(self._pending_prizes)]

    def check_exit(self, tx: MoveFromFast) -> ExitRecord:
        """The pending exit that backs `tx`. Raises ExitNotBacked, AlreadySettled."""
        record = self.exit(tx.exit_id)
        if record is None:
            raise ExitNotBacked(f"no fast-chain exit {tx.exit_id} has been observed")
        if record.status is not Status.PENDING:
            raise AlreadySettled(f"fast-chain exit {tx.exit_id} is {record.status.name.lower()}")
        if (record.zk_account, record.amount, MOVE_TOKEN) != (tx.to_index, tx.amount, tx.token):
            raise ExitNotBacked(
                f"fast-chain exit {tx.exit_id} is {record.amount} for account "
                f"{record.zk_account}, not {tx.amount} of token {tx.token} for {tx.to_index}"
            )
        return record

    def check_prize(self, tx: GameMint, winner: bytes | None) -> PrizeRecord:
        """The pending prize that backs `tx` (`winner`: the address of `tx.to_index`).

        Raises PrizeNotBacked, AlreadySettled.
        """
        record = self.prize(tx.report_id)
        if record is None:
            raise PrizeNotBacked(f"no game report {tx.report_id} has been observed")
        if record.status is not Status.PENDING:
            raise AlreadySettled(f"game report {tx.report_id} is {record.status.name.lower()}")
        fields = (record.game, record.collection, record.round, record.winner, record.content_hash)
        claimed = (
            tx.game,
            tx.collection_id,
            tx.round,
            winner,
            tx.content_hash.to_bytes(32, "big"),
        )
        if fields != claimed:
            raise PrizeNotBacked(f"game report {tx.report_id} is not this GameMint's prize")
        return record

    def exit_settled(
        self, record: ExitRecord, tx_hash: bytes, height: int, error: str | None = None
    ) -> None:
        """The exit was paid by `tx_hash` (or refused by its failure, `error`)."""
        done = replace(
            record,
            status=Status.DONE if error is None else Status.REFUSED,
            settled_height=height,
            settled_by=tx_hash,
            reason=(error or "").encode()[:256],
        )
        self._store.put(done, _exit_key(record.exit_id))
        self._store.set_live(_exit_key(record.exit_id), False)
        self._pending_exits.pop(record.exit_id, None)

    def prize_settled(
        self,
        record: PrizeRecord,
        tx_hash: bytes,
        height: int,
        nft_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """The prize was minted as `nft_id` by `tx_hash` (or refused by its failure)."""
        done = replace(
            record,
            status=Status.DONE if error is None else Status.REFUSED,
            settled_height=height,
            settled_by=tx_hash,
            nft_id=nft_id or 0,
            reason=(error or "").encode()[:256],
        )
        self._store.put(done, _prize_key(record.report_id))
        self._store.set_live(_prize_key(record.report_id), False)
        self._pending_prizes.pop(record.report_id, None)
