"""Replaying another node's blocks: every block of a source store after this node's head goes
through the same block transition, its header checked field by field, and is committed here.
Two nodes that agree on the genesis and run the same code end with the same app hash at every
height, or the first block where they differ is named (`InvalidBlock`)."""

from __future__ import annotations

from collections.abc import Callable

from zkbraid.ledger.store import LedgerStore
from zkbraid.node.app import GENESIS_KEY, BraidApp
from zkbraid.sequencer.errors import InvalidBlock


def replay(
    source: LedgerStore,
    app: BraidApp,
    *,
    to_height: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Applies the source's blocks after the app's head (up to `to_height`); returns how many.
    `progress(height, last)` is called after each block.

    Raises InvalidBlock: another genesis, or a block that does not compute to its header.
    """
    theirs = source.meta(GENESIS_KEY)
    if theirs is None or bytes.fromhex(theirs) != app.genesis_app_hash:
        raise InvalidBlock(
            f"the source's genesis app hash {theirs} is not this chain's "
            f"{app.genesis_app_hash.hex()}: other chain parameters or genesis"
        )
    head = source.head()
    last = 0 if head is None else head.height
    if to_height is not None:
        last = min(last, to_height)
    applied = 0
    for height in range(app.info().last_height + 1, last + 1):
        header, marker = source.header(height), source.marker(height)
        if header is None or marker is None:
            raise InvalidBlock(f"the source has no block {height}")
        app.apply_block(header, marker, [r.raw for r in source.block_txs(height)])
        applied += 1
        if progress is not None:
            progress(height, last)
    return applied
