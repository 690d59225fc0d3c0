"""What the API may read and submit: a small protocol the node implements, so that api/ imports
nothing from node/ (STYLE.md §4). Reads of state go through `state` (under `lock`, so a block is
never seen half-executed), reads of history through `ledger`, of the mempool through `mempool`;
the only write is `submit`."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from zkbraid.config import ChainParams
from zkbraid.ledger.block import BlockHeader
from zkbraid.ledger.store import ProofJobRecord, TxRecord
from zkbraid.sequencer.admission import Decoded
from zkbraid.sequencer.state import SequencerState
from zkbraid.settlement.observation import DepositEvent


class LedgerView(Protocol):
    """The node's history: blocks, transaction records, proving jobs, accepted proofs."""

    def header(self, height: int) -> BlockHeader | None: ...
    def header_by_hash(self, block_hash: bytes) -> BlockHeader | None: ...
    def headers(self, first: int, last: int) -> list[BlockHeader]: ...
    def block_txs(self, height: int) -> list[TxRecord]: ...
    def tx_counts(self, first: int, last: int) -> dict[int, int]: ...
    def tx(self, tx_hash: bytes) -> TxRecord | None: ...
    def proof_job(self, tx_hash: bytes) -> ProofJobRecord | None: ...
    def proof(self, tx_hash: bytes) -> bytes | None: ...


class MempoolView(Protocol):
    """What the node admitted and has not ordered yet."""

    @property
    def dropped(self) -> Mapping[bytes, str]: ...
    def get(self, tx_hash: bytes) -> Decoded | None: ...
    def zk_nonce(self, account: int) -> int | None: ...
    def fast_nonce(self, address: bytes) -> int | None: ...
    def market_nonce(self, prover: bytes) -> int | None: ...
    def staking_nonce(self, validator: bytes) -> int | None: ...


@dataclass(frozen=True)
class L1Status:
    """Where the node's L1 is and how far it follows it."""

    rpc_url: str
    chain_id: int
    rollup: str
    tip: int
    confirmed: int
    """The newest L1 block at the confirmation depth."""
    unconfirmed: tuple[tuple[int, DepositEvent], ...] = ()
    """Deposits seen above the confirmation depth: (L1 height, deposit)."""


class NodeView(Protocol):
    """A running node, as the API sees it."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...
    @property
    def params(self) -> ChainParams: ...
    @property
    def state(self) -> SequencerState: ...
    @property
    def genesis_app_hash(self) -> bytes: ...
    @property
    def ledger(self) -> LedgerView: ...
    @property
    def mempool(self) -> MempoolView: ...
    @property
    def engine_name(self) -> str: ...
    def submit(self, raw: bytes) -> bytes:
        """Admits an envelope into the mempool; returns its hash (raises the rule's error)."""
        ...

    def pending_count(self) -> int: ...

    def l1_status(self) -> L1Status | None:
        """None: the node does not follow L1."""
        ...
