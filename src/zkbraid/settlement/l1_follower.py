"""The L1 follower: follows L1 block by block, keeps the hashes it saw, collects the bridge's
`Deposited` events of each block, and on a reorg drops what it derived from the orphaned blocks
and re-reads the new ones. It is the node's view of L1 (node/l1_view.py): what the proposer puts
in a ZK block's L1 observation, and what every validator checks an observation against.

Only blocks at the confirmation depth (`BridgeParams.confirmation_depth`) are ever observed by
the chain, so a reorg shallower than the depth changes nothing in consensus: a deposit reorged
out before its confirmation is never credited. Deeper reorgs cannot be undone by the ZK chain;
production L1s should be followed with a depth beyond their finality.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak
from web3 import Web3
from web3.types import FilterParams

from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.settlement.observation import DepositEvent, L1Observation, SettledEvent

log = logging.getLogger("zkbraid.l1")

DEPOSITED_TOPIC = bytes(keccak(b"Deposited(uint256,address,uint256,uint256)"))
SETTLED_TOPIC = bytes(
    keccak(b"BatchSettled(uint256,bytes32,bytes32,bytes32,uint256,bytes32,bytes32,uint64,address)")
)


@dataclass(frozen=True)
class SeenBlock:
    """An L1 block as the follower saw it, with the bridge's deposits in it."""

    height: int
    block_hash: bytes
    parent_hash: bytes
    timestamp: int
    deposits: tuple[DepositEvent, ...] = ()
    settled: tuple[SettledEvent, ...] = ()


@dataclass(frozen=True)
class Reorg:
    """L1 replaced its blocks above `common_height` (`depth` of the ones the follower saw)."""

    common_height: int
    depth: int
    dropped_deposits: tuple[int, ...]


def _hash_of(block: Any) -> bytes | None:
    return None if block is None else bytes(block["hash"])


def settled_from_log(entry: Any) -> SettledEvent:
    """The SettledEvent of a `BatchSettled(uint256 indexed batchIndex, bytes32 newRoot, bytes32
    dataHash, bytes32 previousRoot, uint256 txCount, bytes32 fastStateRoot, bytes32
    ledgerAppHash, uint64 ledgerHeight, address indexed submitter)` log."""
    topics = entry["topics"]
    data = bytes(entry["data"])
    return SettledEvent(
        batch_index=int.from_bytes(bytes(topics[1]), "big"),
        previous_root=data[64:96],
        new_root=data[0:32],
        tx_count=int.from_bytes(data[96:128], "big"),
        submitter=bytes(topics[2])[12:],
    )


def deposit_from_log(entry: Any) -> DepositEvent:
    """The DepositEvent of a `Deposited(uint256 indexed id, address indexed recipient,
    uint256 amount, uint256 deadline)` log."""
    topics = entry["topics"]
    data = bytes(entry["data"])
    return DepositEvent(
        deposit_id=int.from_bytes(bytes(topics[1]), "big"),
        recipient=bytes(topics[2])[12:],
        amount=int.from_bytes(data[:32], "big"),
        deadline=int.from_bytes(data[32:64], "big"),
    )


CHECK_POLL_WAIT_S = 1.0
"""How long a validator judging a proposal waits for the follower's poll in progress before it
judges by what it has seen (an L1 that does not answer must not stall consensus)."""


class L1Follower:
    """Follows an L1 node over JSON-RPC (thread-safe: `poll` runs beside the reads)."""

    def __init__(
        self, rpc_url: str, bridge: bytes, confirmation_depth: int, start_height: int = 0
    ) -> None:
        """`bridge`: the address of the bridge (the rollup contract); `start_height`: the L1
        block the bridge was deployed in (nothing before it is read)."""
        self._w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        self._bridge = Web3.to_checksum_address(bridge)
        self.depth = confirmation_depth
        self._start = start_height
        self._blocks: dict[int, SeenBlock] = {}
        self._tip = start_height - 1
        self._lock = threading.Lock()
        """Guards the seen blocks; never held while L1 is read."""
        self._poll_lock = threading.Lock()
        """One poll at a time (the follower's thread, a validator catching up in `check`)."""
        self.reorgs: list[Reorg] = []
        self.reachable = True
        """Whether the last poll reached L1 (a validator judging a proposal does not wait on
        an L1 that did not answer)."""

    # -- following ---------------------------------------------------------------------------

    def _fetch(self, height: int) -> SeenBlock | None:
        block = self._w3.eth.get_block(height)
        if block is None:
            return None
        block_hash = bytes(block["hash"])  # type: ignore[arg-type]
        query: FilterParams = {
            "blockHash": block["hash"],  # type: ignore[typeddict-item]
            "address": self._bridge,
            "topics": [["0x" + DEPOSITED_TOPIC.hex(), "0x" + SETTLED_TOPIC.hex()]],
        }
        logs = self._w3.eth.get_logs(query)
        deposits = sorted(
            (deposit_from_log(e) for e in logs if bytes(e["topics"][0]) == DEPOSITED_TOPIC),
            key=lambda d: d.deposit_id,
        )
        settled = sorted(
            (settled_from_log(e) for e in logs if bytes(e["topics"][0]) == SETTLED_TOPIC),
            key=lambda s: s.batch_index,
        )
        return SeenBlock(
            height,
            block_hash,
            bytes(block["parentHash"]),
            int(block["timestamp"]),
            tuple(deposits),
            tuple(settled),
        )

    def poll(self, wait_s: float | None = None) -> int:
        """Reads the L1 blocks since the last poll (re-reading replaced ones after a reorg);
        returns how many blocks it took. One poll runs at a time; `wait_s`: give up (0) when
        another poll holds it longer. L1 is read without holding the data lock, so the node's
        reads (`observation`, `check`, status) never wait on an L1 that does not answer."""
        if not self._poll_lock.acquire(timeout=-1 if wait_s is None else wait_s):
            return 0
        try:
            taken = self._poll()
        except Exception:
            self.reachable = False
            raise
        finally:
            self._poll_lock.release()
        self.reachable = True
        return taken

    def _poll(self) -> int:
        head = self._w3.eth.block_number
        self._check_tip(head)
        taken = 0
        height = self._tip + 1
        while height <= head:
            seen = self._fetch(height)
            if seen is None:
                break
            with self._lock:
                parent = self._blocks.get(height - 1)
                replaced = parent is not None and seen.parent_hash != parent.block_hash
                if not replaced:
                    self._blocks[height] = seen
                    self._tip = height
            if replaced:
                self._rewind(height - 1)
                height = self._tip + 1
                continue
            height += 1
            taken += 1
        return taken

    def _check_tip(self, head: int) -> None:
        """A reorg that replaced the tip (or shortened the chain) without a longer chain."""
        if self._tip < self._start:
            return
        if head < self._tip:
            self._rewind(head)
        tip = self._blocks.get(self._tip)
        if tip is None:
            return
        current = self._w3.eth.get_block(self._tip)
        if _hash_of(current) != tip.block_hash:
            self._rewind(self._tip)

    def _rewind(self, height: int) -> None:
        """Drops the seen blocks down to the newest one at or below `height` that L1 still has
        (L1 read first; the seen blocks change under the data lock)."""
        k = min(height, self._tip)
        while k >= self._start:
            seen = self._blocks.get(k)
            current = self._w3.eth.get_block(k)
            if (
                seen is not None
                and current is not None
                and bytes(current["hash"]) == seen.block_hash
            ):  # type: ignore[arg-type]
                break
            k -= 1
        with self._lock:
            dropped = [
                self._blocks.pop(h) for h in range(k + 1, self._tip + 1) if h in self._blocks
            ]
            self._tip = k
        reorg = Reorg(k, len(dropped), tuple(d.deposit_id for b in dropped for d in b.deposits))
        log.warning(
            "L1 reorg: %d blocks above %d replaced, deposits %s dropped",
            reorg.depth,
            k,
            list(reorg.dropped_deposits),
        )
        self.reorgs.append(reorg)

    def run(self, stop: threading.Event, interval_s: float = 0.25) -> None:
        """Polls until `stop` is set (the node's L1 thread); errors are logged and retried."""
        while not stop.is_set():
            try:
                self.poll()
            except Exception as e:
                log.warning("L1 poll failed: %s", e)
            stop.wait(interval_s)

    # -- reads (node/l1_view.py's L1View) ----------------------------------------------------

    @property
    def tip(self) -> int:
        return self._tip

    def confirmed_height(self) -> int:
        return self._tip - self.depth

    def _settled(self, after: int, upto: int, next_batch: int) -> tuple[SettledEvent, ...]:
        found = [
            s
            for h in range(max(after + 1, self._start), upto + 1)
            for s in self._blocks[h].settled
            if s.batch_index >= next_batch
        ]
        return tuple(sorted(found, key=lambda s: s.batch_index))

    def _deposits(self, after: int, upto: int, next_id: int) -> tuple[DepositEvent, ...]:
        found = [
            d
            for h in range(max(after + 1, self._start), upto + 1)
            for d in self._blocks[h].deposits
            if d.deposit_id >= next_id
        ]
        return tuple(sorted(found, key=lambda d: d.deposit_id))

    def observation(
        self, after_height: int, next_deposit_id: int, next_batch: int = 0
    ) -> L1Observation | None:
        with self._lock:
            confirmed = self.confirmed_height()
            if confirmed <= after_height or confirmed not in self._blocks:
                return None
            block = self._blocks[confirmed]
            deposits = self._deposits(after_height, confirmed, next_deposit_id)
            settled = self._settled(after_height, confirmed, next_batch)
            return L1Observation(block.height, block.block_hash, block.timestamp, deposits, settled)

    def check(
        self,
        observation: L1Observation,
        after_height: int,
        next_deposit_id: int,
        next_batch: int = 0,
    ) -> None:
        with self._lock:
            behind = observation.height > self.confirmed_height()
        if behind and self.reachable:
            # Another validator's follower polled L1 more recently than this one (each polls
            # every interval, at its own phase): catch up before refusing its proposal, or
            # every new L1 block would cost a consensus round.
            try:
                self.poll(wait_s=CHECK_POLL_WAIT_S)
            except Exception as e:  # L1 unreachable: judge by what was seen
                log.warning("L1 poll before a check failed: %s", e)
        with self._lock:
            seen = self._blocks.get(observation.height)
            if seen is None or observation.height > self.confirmed_height():
                raise InvalidBlock(
                    f"this node has not seen L1 block {observation.height} at the confirmation"
                    f" depth {self.depth} (its L1 tip is {self._tip})"
                )
            if seen.block_hash != observation.block_hash or seen.timestamp != observation.timestamp:
                raise InvalidBlock(
                    f"L1 block {observation.height} is 0x{seen.block_hash.hex()} here, not"
                    f" 0x{observation.block_hash.hex()}"
                )
            expected = self._deposits(after_height, observation.height, next_deposit_id)
            if expected != observation.deposits:
                listed = [d.deposit_id for d in observation.deposits]
                raise InvalidBlock(
                    f"the observation lists deposits {listed}, this node saw"
                    f" {[d.deposit_id for d in expected]} up to L1 block {observation.height}"
                )
            settled = self._settled(after_height, observation.height, next_batch)
            if settled != observation.settled:
                raise InvalidBlock(
                    f"the observation lists settled batches"
                    f" {[s.batch_index for s in observation.settled]}, this node saw"
                    f" {[s.batch_index for s in settled]} up to L1 block {observation.height}"
                )

    def unconfirmed_deposits(self) -> list[tuple[int, DepositEvent]]:
        """Deposits seen above the confirmation depth: (L1 height, deposit), for status."""
        with self._lock:
            confirmed = self.confirmed_height()
            return [
                (h, d)
                for h in range(max(confirmed + 1, self._start), self._tip + 1)
                if h in self._blocks
                for d in self._blocks[h].deposits
            ]
