"""The rules of a block's header and shape, checked before its body is applied, and the header
a block computes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from rlp.sedes import CountableList

from zkbraid.config import ChainParams
from zkbraid.errors import BraidError
from zkbraid.ledger.block import ZERO_HASH, BlockHeader, ChainKind, tx_root
from zkbraid.ledger.codec import Maybe, Record, sedes_of
from zkbraid.ledger.envelope import MARKER_V1, TxKind, read_marker, unwrap
from zkbraid.sequencer.block import Block
from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.sequencer.receipts import TxReceipt
from zkbraid.sequencer.state import SequencerState
from zkbraid.settlement.observation import L1Observation
from zkbraid.staking.evidence import MAX_EVIDENCE, Evidence

ALLOWED_KINDS = {
    ChainKind.ZK: frozenset({TxKind.ZK}),
    ChainKind.FAST: frozenset({TxKind.FAST, TxKind.SEQUENCER}),
}
"""What each chain's blocks carry: ZK blocks ZK-chain transactions only; fast blocks the fast
chain's and the sequencer's own (faucet, proofs, the market's transactions)."""


@dataclass(frozen=True)
class _MarkerV1(Record):
    observation: Annotated[L1Observation | None, Maybe(sedes_of(L1Observation))]
    evidence: Annotated[
        tuple[Evidence, ...], CountableList(sedes_of(Evidence), max_length=MAX_EVIDENCE)
    ]


@dataclass(frozen=True)
class MarkerExtra:
    """What a block's chain marker carries after its chain (ledger/envelope.py): the L1
    observation of a ZK block (settlement/observation.py) and the misbehaviour evidence the
    engine's block carries (staking/evidence.py), in the engine's order.

    Encoded in the first form (an observation's RLP, or nothing) when there is no evidence, so
    blocks without evidence are what they always were; else `MARKER_V1` ‖
    RLP([[observation] or [], [evidence …]]).
    """

    observation: L1Observation | None = None
    evidence: tuple[Evidence, ...] = ()

    def encode(self) -> bytes:
        if not self.evidence:
            return b"" if self.observation is None else self.observation.encode()
        return bytes([MARKER_V1]) + _MarkerV1(self.observation, self.evidence).encode()

    @classmethod
    def decode(cls, chain: ChainKind, extra: bytes) -> MarkerExtra:
        """Raises InvalidBlock (or CorruptRecord): not a canonical extra of this chain."""
        if not extra:
            return cls()
        if extra[0] == MARKER_V1:
            v1 = _MarkerV1.decode(extra[1:])
            if not v1.evidence:
                raise InvalidBlock("a versioned marker without evidence is not canonical")
            if chain is not ChainKind.ZK and v1.observation is not None:
                raise InvalidBlock("a fast block's marker carries no L1 observation")
            return cls(v1.observation, v1.evidence)
        if chain is not ChainKind.ZK:
            raise InvalidBlock("a fast block's marker carries no L1 observation")
        return cls(L1Observation.decode(extra))


def validate_block(
    state: SequencerState, params: ChainParams, block: Block
) -> tuple[ChainKind, MarkerExtra]:
    """The chain of `block` and what its marker carries (a ZK block's L1 observation, either
    chain's evidence), once it follows the state's head: the next height, a later time, a chain
    marker first (with a well-formed observation that moves L1 forward, if any), no more
    transactions than its chain allows, each of a kind its chain carries.

    Raises InvalidBlock.
    """
    if not block.txs:
        # An empty proposal is no block at all (node/app.py: the engine's empty blocks); a
        # block, even one with no transactions, is its chain marker and its body.
        raise InvalidBlock(
            "a block starts with its chain marker (an empty proposal is no block)", "marker"
        )
    try:
        chain, raw_extra = read_marker(block.txs[0])
        extra = MarkerExtra.decode(chain, raw_extra)
    except BraidError as e:
        raise InvalidBlock(str(e), "marker") from None
    try:
        if extra.observation is not None:
            state.bridge.check_observation(extra.observation)
    except BraidError as e:
        raise InvalidBlock(str(e), "observation") from None
    if block.height != state.height + 1:
        raise InvalidBlock(f"height {block.height} does not follow {state.height}", "height")
    if state.head is not None and block.time_ms <= state.head.timestamp_ms:
        raise InvalidBlock(
            f"block time {block.time_ms} does not advance past {state.head.timestamp_ms}", "time"
        )
    timing = params.timing
    limit = timing.zk_max_txs if chain is ChainKind.ZK else timing.fast_max_txs
    if len(block.body) > limit:
        raise InvalidBlock(
            f"{len(block.body)} transactions exceed the limit of {limit}", "tx_count"
        )
    for raw in block.body:
        try:
            kind, _ = unwrap(raw)
        except BraidError as e:
            raise InvalidBlock(str(e), "tx_kind") from None
        if kind not in ALLOWED_KINDS[chain]:
            raise InvalidBlock(f"a {chain.name} block cannot carry a {kind.name} tx", "tx_chain")
    return chain, extra


def make_header(
    state: SequencerState, chain: ChainKind, block: Block, receipts: list[TxReceipt]
) -> BlockHeader:
    """The header of `block` over the state after it (the state's head is still its parent)."""
    chain_head = state.chain_heads[chain]
    return BlockHeader(
        height=block.height,
        chain=chain,
        chain_height=1 if chain_head is None else chain_head.chain_height + 1,
        parent_hash=ZERO_HASH if state.head is None else state.head.hash,
        chain_parent_hash=ZERO_HASH if chain_head is None else chain_head.hash,
        timestamp_ms=block.time_ms,
        tx_root=tx_root([r.hash for r in receipts]),
        state_root=state.zk_root() if chain is ChainKind.ZK else state.fast.state_root,
        app_hash=state.app_hash(),
    )


_FIELDS = (
    ("height", "height"),
    ("chain", "chain"),
    ("chain_height", "chain height"),
    ("parent_hash", "parent hash"),
    ("chain_parent_hash", "chain parent hash"),
    ("timestamp_ms", "time"),
    ("tx_root", "transaction root"),
    ("state_root", "state root"),
    ("app_hash", "app hash"),
)


REASONS = (
    "marker",
    "observation",
    "height",
    "time",
    "tx_count",
    "tx_kind",
    "tx_chain",
    *(name for name, _ in _FIELDS),
)
"""The `InvalidBlock.reason` of each block rule, then of each header field a given header may
differ in."""


def check_header(claimed: BlockHeader, computed: BlockHeader) -> None:
    """Raises InvalidBlock naming the first field where a block's given header differs from
    the one it computes to."""
    for name, label in _FIELDS:
        want, got = getattr(claimed, name), getattr(computed, name)
        if want != got:
            show = (lambda v: "0x" + v.hex()) if isinstance(want, bytes) else str
            raise InvalidBlock(
                f"block {claimed.height}: its {label} is {show(want)}, the block computes to "
                f"{show(got)}",
                name,
            )
