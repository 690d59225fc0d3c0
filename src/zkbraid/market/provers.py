"""The prover registry: who may prove, and who is active (issue 4, rule 1).

A prover registers once with its Ethereum key (`RegisterProver`); its address is where it is
paid and fined. It is *active* while its last heartbeat is younger than the heartbeat window
(`MarketParams.heartbeat_window_*`, a period that passes when both its blocks and its
milliseconds have), and it goes inactive by a transaction (`DeactivateProver`) or by silence. A
registration and an accepted proof or bundle count as heartbeats. Only active provers are
assigned work and only active provers are fined (ARCHITECTURE.md, "the life of a ZK-chain
transaction", step 3).

A prover is *assignable* while its heartbeat is also younger than the window less a deadline,
so that it stays active through the deadline of any job it is given: a prover cannot take a
job and then lapse out of its fine by falling silent. A prover that missed a deadline is *benched*
(not assignable) until its next heartbeat, if `MarketParams.bench_after_miss`: a crashed prover
then costs one deadline per job it held, not one per deadline until its window lapses.

Activity is evaluated at each block's step (`expire`), as of that block's height and time;
between two blocks it is what the last step found. The registry is the in-memory view; the
market (book.py) stores the records it marks dirty.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from zkbraid.market.errors import AlreadyRegistered, MarketNonceMismatch, UnknownProver
from zkbraid.market.params import MarketParams, period_passed
from zkbraid.market.records import ProverRecord


class ProverRegistry:
    """Every registered prover, with the active and assignable ones in heartbeat order."""

    def __init__(self, params: MarketParams) -> None:
        self._params = params
        self._records: dict[bytes, ProverRecord] = {}
        # Live provers in order of their last heartbeat, oldest first. Heartbeats arrive in
        # block order, so the order is also that of (seen_height, seen_ms), and the provers a
        # period has passed for are always a prefix: each step pops from the front only.
        self._active: OrderedDict[bytes, None] = OrderedDict()
        self._assignable: OrderedDict[bytes, None] = OrderedDict()
        self.dirty: set[bytes] = set()
        """Addresses whose records changed since the market last persisted them."""

    @classmethod
    def load(
        cls, params: MarketParams, records: Iterable[ProverRecord], height: int, time_ms: int
    ) -> ProverRegistry:
        """The registry of these records as the step of block (`height`, `time_ms`) left it."""
        registry = cls(params)
        ordered = sorted(records, key=lambda r: (r.seen_height, r.seen_ms, r.address))
        for r in ordered:
            registry._records[r.address] = r
            if r.live and not registry._lapsed(r, height, time_ms):
                registry._active[r.address] = None
                if not r.benched and not registry._unassignable(r, height, time_ms):
                    registry._assignable[r.address] = None
        return registry

    # -- views ---------------------------------------------------------------------------------

    def get(self, address: bytes) -> ProverRecord | None:
        return self._records.get(address)

    def require(self, address: bytes) -> ProverRecord:
        """Raises UnknownProver for an address that never registered."""
        record = self._records.get(address)
        if record is None:
            raise UnknownProver(f"0x{address.hex()} is not a registered prover")
        return record

    def records(self) -> list[ProverRecord]:
        """Every registered prover, by address."""
        return [self._records[a] for a in sorted(self._records)]

    def is_active(self, address: bytes) -> bool:
        return address in self._active

    def is_assignable(self, address: bytes) -> bool:
        return address in self._assignable

    @property
    def active_count(self) -> int:
        return len(self._active)

    def active(self) -> list[bytes]:
        """Active provers, by address."""
        return sorted(self._active)

    # -- rules ---------------------------------------------------------------------------------

    def _lapsed(self, r: ProverRecord, height: int, time_ms: int) -> bool:
        p = self._params
        return period_passed(
            p.heartbeat_window_blocks,
            p.heartbeat_window_ms,
            r.seen_height,
            r.seen_ms,
            height,
            time_ms,
        )

    def _unassignable(self, r: ProverRecord, height: int, time_ms: int) -> bool:
        p = self._params
        return period_passed(
            p.heartbeat_window_blocks - p.deadline_blocks,
            p.heartbeat_window_ms - p.deadline_ms,
            r.seen_height,
            r.seen_ms,
            height,
            time_ms,
        )

    def check_register(self, address: bytes) -> None:
        """Raises AlreadyRegistered."""
        if address in self._records:
            raise AlreadyRegistered(f"0x{address.hex()} is already a registered prover")

    def register(self, address: bytes, public_key: bytes, height: int, time_ms: int) -> None:
        """Registers a prover, active from now. Raises AlreadyRegistered."""
        self.check_register(address)
        self._records[address] = ProverRecord(address, public_key, height, height, time_ms)
        self._refresh(address)

    def check_nonce(self, address: bytes, nonce: int, pending_nonce: int | None = None) -> None:
        """Raises UnknownProver, or MarketNonceMismatch unless `nonce` is the next one (after
        `pending_nonce`, the next nonce once the pending transactions are in, if given)."""
        record = self.require(address)
        expected = record.nonce if pending_nonce is None else pending_nonce
        if nonce != expected:
            raise MarketNonceMismatch(
                f"prover 0x{address.hex()} market nonce is {expected}, the transaction has {nonce}"
            )

    def heartbeat(self, address: bytes, nonce: int, height: int, time_ms: int) -> None:
        """Records a heartbeat: the prover is (again) active from now.

        Raises UnknownProver, MarketNonceMismatch.
        """
        self.check_nonce(address, nonce)
        record = self._records[address]
        record.nonce += 1
        record.live = True
        record.benched = False
        self._touch(record, height, time_ms)

    def seen(self, address: bytes, height: int, time_ms: int) -> None:
        """An accepted proof or bundle of a live prover counts as its heartbeat."""
        record = self._records.get(address)
        if record is not None and record.live:
            self._touch(record, height, time_ms)

    def deactivate(self, address: bytes, nonce: int) -> None:
        """The prover goes inactive at once. Raises UnknownProver, MarketNonceMismatch."""
        self.check_nonce(address, nonce)
        record = self._records[address]
        record.nonce += 1
        record.live = False
        self._active.pop(address, None)
        self._assignable.pop(address, None)
        self.dirty.add(address)

    def expire(self, height: int, time_ms: int) -> tuple[list[bytes], list[bytes]]:
        """The step of a block: provers whose heartbeat is now too old to be assigned, and
        provers whose heartbeat window passed (now inactive), each list by address."""
        unassignable: list[bytes] = []
        while self._assignable:
            front = next(iter(self._assignable))
            if not self._unassignable(self._records[front], height, time_ms):
                break
            del self._assignable[front]
            unassignable.append(front)
        lapsed: list[bytes] = []
        while self._active:
            front = next(iter(self._active))
            if not self._lapsed(self._records[front], height, time_ms):
                break
            del self._active[front]
            lapsed.append(front)
        return sorted(unassignable), sorted(lapsed)

    def bench(self, address: bytes) -> None:
        """No new job for this prover until its next heartbeat (it missed a deadline)."""
        record = self.require(address)
        record.benched = True
        self._assignable.pop(address, None)
        self.dirty.add(address)

    def record_done(self, address: bytes, paid: int) -> None:
        record = self.require(address)
        record.jobs_done += 1
        record.earned += paid
        self.dirty.add(address)

    def record_fine(self, address: bytes, amount: int) -> None:
        record = self.require(address)
        record.fines += 1
        record.fined += amount
        self.dirty.add(address)

    def _touch(self, record: ProverRecord, height: int, time_ms: int) -> None:
        record.seen_height, record.seen_ms = height, time_ms
        self._refresh(record.address)

    def _refresh(self, address: bytes) -> None:
        queues = [self._active]
        if not self._records[address].benched:
            queues.append(self._assignable)
        for queue in queues:
            queue[address] = None
            queue.move_to_end(address)
        self.dirty.add(address)
