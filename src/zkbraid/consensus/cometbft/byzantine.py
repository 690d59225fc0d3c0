"""TEST-ONLY: a byzantine proposer, so that tests/consensus can show the other validators refuse
its proposals in ProcessProposal and the chain goes on. Never set on a real node.

A node started with the environment variable `ZKBRAID_TEST_BYZANTINE_PROPOSER` corrupts every
proposal it makes (abci_server.py, PrepareProposal), after its application built an honest one
(the node still checks other proposals honestly, its own included):

- `invalid_tx`: a transaction no chain carries (an envelope of an unknown kind) is appended to
  the block, which the block rules refuse (`MalformedEnvelope`);
- `wrong_root`: the block becomes a ZK block whose marker claims L1 settled a batch with a root
  it never had (a made-up L1 block and state root), which every validator checks against its
  own L1 view (node/l1_view.py) and refuses.

It is read once, when the ABCI application starts, and logged loudly.
"""

from __future__ import annotations

import logging
import os

from zkbraid.ledger.block import ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, read_marker
from zkbraid.sequencer.header import MarkerExtra
from zkbraid.settlement.observation import L1Observation, SettledEvent

log = logging.getLogger("zkbraid.byzantine")

ENV = "ZKBRAID_TEST_BYZANTINE_PROPOSER"
MODES = ("invalid_tx", "wrong_root")

UNKNOWN_KIND_TX = bytes([0x7F]) + b"byzantine"
"""An envelope of a kind no chain carries (ledger/envelope.py `TxKind` ends at 3)."""
FORGED_ROOT = bytes.fromhex("bb" * 32)
FORGED_L1_HASH = bytes.fromhex("ee" * 32)


def mode_from_env() -> str | None:
    """The test-only byzantine mode this process was started with (None: honest).

    Raises ValueError: an unknown mode.
    """
    mode = os.environ.get(ENV) or None
    if mode is not None:
        if mode not in MODES:
            raise ValueError(f"{ENV}={mode!r}: not one of {', '.join(MODES)}")
        log.warning("TEST-ONLY: this node proposes corrupt blocks (%s=%s)", ENV, mode)
    return mode


def corrupt(
    mode: str, txs: list[bytes], l1_height: int, l1_timestamp: int, batch: int
) -> list[bytes]:
    """The corrupt version of an honest proposal `txs` (which may be empty: no block due).
    `l1_height`, `l1_timestamp`, `batch`: the chain's last observed L1 block and its next
    settled batch, so the forged observation is well-formed and only wrong."""
    if mode == "invalid_tx":
        body = txs[1:] if txs else []
        marker = txs[0] if txs else block_marker(ChainKind.FAST)
        return [marker, *body, UNKNOWN_KIND_TX]
    forged = L1Observation(
        height=l1_height + 1,
        block_hash=FORGED_L1_HASH,
        timestamp=l1_timestamp,
        deposits=(),
        settled=(SettledEvent(batch, bytes(32), FORGED_ROOT, 1, bytes(20)),),
    )
    evidence = MarkerExtra.decode(*read_marker(txs[0])).evidence if txs else ()
    zk_body = [t for t in txs[1:] if t[:1] == bytes([TxKind.ZK])]
    return [block_marker(ChainKind.ZK, MarkerExtra(forged, evidence).encode()), *zk_body]
