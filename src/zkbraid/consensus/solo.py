"""`solo`: the embedded single-process engine.

A task on the node's event loop asks the application for a proposal every few milliseconds while
anything is pending (the application decides whether a block is due and of which chain), then
finalizes and commits it. Everything runs on that one thread, the RPC handlers included: Python
threads would only take turns on the GIL, and a CPU-bound block thread makes every request wait
for hand-offs. The mempool is journaled to disk so that a transaction whose hash was returned
survives a killed process: on restart it is checked again and ordered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol

from zkbraid.consensus.engine import Application, ConsensusEngine
from zkbraid.errors import BraidError

log = logging.getLogger("zkbraid.solo")


class MempoolJournal(Protocol):
    def mempool_add(self, tx_hash: bytes, raw: bytes) -> None: ...
    def mempool_remove(self, tx_hashes: list[bytes]) -> None: ...
    def mempool_all(self) -> list[bytes]: ...


class SoloEngine(ConsensusEngine):
    """Orders blocks in-process for a single validator."""

    def __init__(
        self,
        app: Application,
        lock: threading.RLock,
        journal: MempoolJournal | None = None,
        tick_s: float = 0.002,
        idle_tick_s: float = 0.05,
    ) -> None:
        super().__init__()
        self._app = app
        self._lock = lock
        self._journal = journal
        self._tick_s = tick_s
        self._idle_tick_s = idle_tick_s
        self._mempool: OrderedDict[bytes, bytes] = OrderedDict()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_time_ms = 0
        self.failure: BaseException | None = None

    def start(self) -> None:
        """Starts ordering on the running event loop."""
        if self._journal is not None:
            self._restore()
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="solo-engine")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def broadcast_tx(self, raw: bytes) -> bytes:
        with self._lock:
            tx_hash = self._app.check_tx(raw)
            self._mempool[tx_hash] = raw
            if self._journal is not None:
                self._journal.mempool_add(tx_hash, raw)
        if self._wake is not None:
            self._wake.set()
        return tx_hash

    def pending_count(self) -> int:
        return len(self._mempool)

    def pending_hashes(self) -> list[bytes]:
        with self._lock:
            return list(self._mempool)

    # -- the loop --------------------------------------------------------------------------

    def _restore(self) -> None:
        """Re-admits the journaled mempool of a previous run, dropping what no longer fits."""
        assert self._journal is not None
        dropped: list[bytes] = []
        with self._lock:
            for raw in self._journal.mempool_all():
                try:
                    tx_hash = self._app.check_tx(raw, recheck=True)
                except BraidError as e:
                    log.warning("dropping journaled transaction: %s", e)
                    dropped.append(raw)
                    continue
                self._mempool[tx_hash] = raw
        if dropped:
            from zkbraid.ledger.envelope import payload_hash, unwrap

            self._journal.mempool_remove([payload_hash(unwrap(r)[1]) for r in dropped])
        if self._mempool:
            log.info("restored %d pending transactions", len(self._mempool))

    async def _run(self) -> None:
        assert self._wake is not None
        try:
            while True:
                if self._step():
                    # let the RPC handlers waiting since the block began run first
                    await asyncio.sleep(0)
                    continue
                self._wake.clear()
                timeout = self._tick_s if self._mempool else self._idle_tick_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a failing block is a bug: stop ordering, loudly
            log.exception("the engine stopped")
            self.failure = e

    def _step(self) -> bool:
        with self._lock:
            info = self._app.info()
            height = info.last_height + 1
            now_ms = max(int(time.time() * 1000), self._last_time_ms + 1)
            proposal = self._app.prepare_proposal(height, now_ms, list(self._mempool.values()))
            if not proposal:
                return False
            if not self._app.process_proposal(height, now_ms, proposal):
                raise RuntimeError(f"solo engine: own proposal at height {height} rejected")
            t0 = time.perf_counter()
            block = self._app.finalize_block(height, now_ms, proposal)
            t1 = time.perf_counter()
            self._app.commit()
            t2 = time.perf_counter()
            self._last_time_ms = now_ms
            for result in block.tx_results:
                self._mempool.pop(result.hash, None)
            self._recheck()
            log.debug(
                "block %d: %d txs, finalize %.1f ms, commit %.1f ms, recheck %.1f ms (%d left)",
                height,
                len(proposal) - 1,
                (t1 - t0) * 1000,
                (t2 - t1) * 1000,
                (time.perf_counter() - t2) * 1000,
                len(self._mempool),
            )
        self._notify(block)
        return True

    def _recheck(self) -> None:
        """Checks the remaining mempool against the new state (as CometBFT's recheck does)."""
        dropped: list[bytes] = []
        for tx_hash, raw in list(self._mempool.items()):
            try:
                self._app.check_tx(raw, recheck=True)
            except BraidError as e:
                log.info("dropping 0x%s after recheck: %s", tx_hash.hex(), e)
                del self._mempool[tx_hash]
                dropped.append(tx_hash)
        if dropped and self._journal is not None:
            self._journal.mempool_remove(dropped)
