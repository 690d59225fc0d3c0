"""The bridge's consensus state: the L1 block the chain has seen and every L1 deposit it
observed, pending until a `Deposit` transaction credits it (ARCHITECTURE.md, "settlement and
the bridge"; the Zeko design's pending queue, made consensus state).

A deposit enters when a ZK block's L1 observation names it (settlement/observation.py), in
deposit-id order, exactly once. A `Deposit` transaction must be backed by a pending deposit with
the same recipient and amount, and is admitted only while the deposit's L1 deadline is more than
`BridgeParams.inclusion_margin_s` ahead of the L1 time the chain has seen, so that its batch
reaches L1 before the deposit becomes refundable there (the rollup contract refuses a batch that
includes a refunded deposit). A deposit for an address without a ZK account waits: it is
credited once the address registers, or refunded on L1 after its deadline; it is never credited
twice and never both credited and refunded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Annotated

from zkbraid.errors import BraidError, MalformedInput, NotFound
from zkbraid.ledger.codec import U64, U128, Address, EnumOf, MaybeHash32, Record
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.record_store import RecordStore
from zkbraid.settlement.observation import L1Observation
from zkbraid.zk.params import BRIDGE_TOKEN
from zkbraid.zk.transactions import Deposit

_META = b"m"


def _deposit_key(deposit_id: int) -> bytes:
    return b"d" + deposit_id.to_bytes(8, "big")


@dataclass(frozen=True)
class BridgeParams:
    """The bridge's chain rules."""

    confirmation_depth: int = 2
    """An L1 block is observed once this many blocks follow it: a reorg shallower than this
    never undoes an observed deposit."""
    inclusion_margin_s: int = 600
    """A deposit is credited only while its L1 deadline is more than this many seconds after
    the L1 time the chain has seen (time for its batch to be proven and posted)."""
    agent_share_bps: int = 1_000
    """What the submission agent of a settled batch is paid, as a share of its fees: set aside
    in the market's pool as each fee comes in (like the aggregation bounty), paid when the chain
    observes the batch settled on L1."""

    def __post_init__(self) -> None:
        if self.confirmation_depth < 0 or self.inclusion_margin_s < 0:
            raise ValueError("the confirmation depth and the inclusion margin are not negative")
        if not 0 <= self.agent_share_bps <= 10_000:
            raise ValueError(
                f"agent_share_bps is a share in basis points, got {self.agent_share_bps}"
            )


class InvalidL1Observation(MalformedInput):
    """A block's L1 observation that goes backwards or skips or repeats a deposit."""


class DepositNotBacked(NotFound):
    """A Deposit transaction that no observed L1 deposit backs (unknown id, or another
    recipient or amount)."""


class DepositAlreadyCredited(BraidError):
    """A Deposit transaction for a deposit that is already credited."""

    code = -32011


class DepositTooLate(BraidError):
    """A Deposit transaction whose L1 deposit is about to become refundable on L1."""

    code = -32013


class DepositStatus(IntEnum):
    PENDING = 0
    CREDITED = 1


@dataclass(frozen=True)
class DepositRecord(Record):
    """An observed L1 deposit and how it ended on the ZK chain."""

    deposit_id: U64
    recipient: Address
    amount: U128
    deadline: U64
    observed_height: U64
    """The ledger height of the ZK block that observed it."""
    status: Annotated[DepositStatus, EnumOf(DepositStatus)] = DepositStatus.PENDING
    credited_height: U64 = 0
    credited_by: MaybeHash32 = b""
    """The hash of the Deposit transaction that credited it."""


@dataclass(frozen=True)
class BridgeMeta(Record):
    next_deposit_id: U64 = 0
    l1_height: U64 = 0
    l1_hash: MaybeHash32 = b""
    l1_timestamp: U64 = 0
    next_settled_batch: U64 = 0
    """The rollup's next batch index."""
    settled_txs: U64 = 0
    """How many ZK-chain transactions (in the chain's order) L1 has settled."""
    settled_root: MaybeHash32 = b""
    settled_height: U64 = 0
    """The ledger height of the ZK block that observed the last settlement."""


class Bridge:
    """Observed L1 deposits and the L1 block last seen, committed by a trie root."""

    def __init__(
        self, params: BridgeParams, nodes: KVNamespace, records: KVNamespace, live: KVNamespace
    ) -> None:
        self.params = params
        self._store = RecordStore(nodes, records, live)
        self._load()

    def _load(self) -> None:
        self.meta = self._store.get(_META, BridgeMeta) or BridgeMeta()
        self._pending: dict[int, DepositRecord] = {}
        for key in self._store.live_keys():
            record = self._store.get(key, DepositRecord)
            if record is not None:
                self._pending[record.deposit_id] = record

    def reload(self) -> None:
        """Forgets what was not committed (after the block's writes were discarded)."""
        self._store.reload()
        self._load()

    @property
    def root(self) -> bytes:
        return self._store.flush()

    # -- observations ------------------------------------------------------------------------

    def check_observation(self, obs: L1Observation) -> None:
        """An observation must move L1 forward and list the next deposits in id order.

        Raises InvalidL1Observation.
        """
        m = self.meta
        if m.l1_hash and obs.height <= m.l1_height:
            raise InvalidL1Observation(
                f"L1 block {obs.height} is not after the chain's L1 block {m.l1_height}"
            )
        if obs.timestamp < m.l1_timestamp:
            raise InvalidL1Observation("L1 time goes backwards")
        for i, d in enumerate(obs.deposits):
            if d.deposit_id != m.next_deposit_id + i:
                raise InvalidL1Observation(
                    f"deposit {d.deposit_id} is not the next one ({m.next_deposit_id + i})"
                )
        for i, b in enumerate(obs.settled):
            if b.batch_index != m.next_settled_batch + i:
                raise InvalidL1Observation(
                    f"settled batch {b.batch_index} is not the next one"
                    f" ({m.next_settled_batch + i})"
                )

    def observe(self, obs: L1Observation, height: int) -> None:
        """Records the observation of ZK block `height`: its deposits become pending.

        Raises InvalidL1Observation, before changing anything.
        """
        self.check_observation(obs)
        for d in obs.deposits:
            record = DepositRecord(d.deposit_id, d.recipient, d.amount, d.deadline, height)
            self._store.put(record, _deposit_key(d.deposit_id))
            self._store.set_live(_deposit_key(d.deposit_id), True)
            self._pending[d.deposit_id] = record
        self.meta = replace(
            self.meta,
            next_deposit_id=self.meta.next_deposit_id + len(obs.deposits),
            l1_height=obs.height,
            l1_hash=obs.block_hash,
            l1_timestamp=obs.timestamp,
        )
        self._store.put(self.meta, _META)

    # -- settlement --------------------------------------------------------------------------

    def settled(self, tx_count: int, new_root: bytes, height: int) -> None:
        """L1 settled the next `tx_count` ZK-chain transactions, up to state root `new_root`
        (sequencer/settlement.py checks them against the chain first)."""
        self.meta = replace(
            self.meta,
            next_settled_batch=self.meta.next_settled_batch + 1,
            settled_txs=self.meta.settled_txs + tx_count,
            settled_root=new_root,
            settled_height=height,
        )
        self._store.put(self.meta, _META)

    # -- deposits ----------------------------------------------------------------------------

    def deposit(self, deposit_id: int) -> DepositRecord | None:
        return self._store.get(_deposit_key(deposit_id), DepositRecord)

    def pending(self) -> list[DepositRecord]:
        """The observed deposits not yet credited, in id order."""
        return [self._pending[i] for i in sorted(self._pending)]

    def creditable(self, record: DepositRecord) -> bool:
        """Whether a Deposit of this pending deposit may still be included (its L1 deadline is
        far enough ahead of the L1 time seen)."""
        return record.deadline > self.meta.l1_timestamp + self.params.inclusion_margin_s

    def check_deposit(self, tx: Deposit) -> DepositRecord:
        """The pending deposit that backs `tx`.

        Raises DepositNotBacked, DepositAlreadyCredited, DepositTooLate.
        """
        record = self.deposit(tx.deposit_id)
        if record is None:
            raise DepositNotBacked(f"no L1 deposit {tx.deposit_id} has been observed")
        if record.recipient != tx.recipient or record.amount != tx.amount:
            raise DepositNotBacked(
                f"L1 deposit {tx.deposit_id} is {record.amount} for 0x{record.recipient.hex()},"
                f" not {tx.amount} for 0x{tx.recipient.hex()}"
            )
        if tx.token != BRIDGE_TOKEN:
            raise DepositNotBacked(f"L1 deposits credit token {BRIDGE_TOKEN}, not {tx.token}")
        if record.status is DepositStatus.CREDITED:
            raise DepositAlreadyCredited(f"L1 deposit {tx.deposit_id} is already credited")
        if not self.creditable(record):
            raise DepositTooLate(
                f"L1 deposit {tx.deposit_id} becomes refundable at {record.deadline}, within"
                f" {self.params.inclusion_margin_s} s of the L1 time seen"
                f" ({self.meta.l1_timestamp})"
            )
        return record

    def credited(self, record: DepositRecord, tx_hash: bytes, height: int) -> None:
        """Marks a deposit credited by transaction `tx_hash` in block `height`."""
        done = replace(
            record, status=DepositStatus.CREDITED, credited_height=height, credited_by=tx_hash
        )
        self._store.put(done, _deposit_key(record.deposit_id))
        self._store.set_live(_deposit_key(record.deposit_id), False)
        self._pending.pop(record.deposit_id, None)
