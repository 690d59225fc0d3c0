"""Settlement as the chain sees it (ARCHITECTURE.md, step 5): a ZK block's L1 observation lists
the rollup's `BatchSettled` events, and the chain records, in its committed state, how far L1
has settled it and pays each batch's submission agent.

A settled batch must be the chain's next transactions exactly: its previous root is the old root
of the first unsettled transaction and its new root the new root of the transaction `tx_count`
later. The rollup contract verified the proofs and the root chain, so a mismatch means L1 and
this chain disagree: the block is invalid. The agent (its L1 address is its ZKPoW account) is
paid the settlement reserve of every market batch whose last transaction the settlement reaches:
`BridgeParams.agent_share_bps` of its fees, set aside in the pool as each fee came in.
"""

from __future__ import annotations

from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.sequencer.state import SequencerState
from zkbraid.settlement.observation import SettledEvent


def apply_settlement(state: SequencerState, event: SettledEvent, height: int) -> int:
    """Records that L1 settled the next `event.tx_count` transactions; returns the agent's pay.

    Raises InvalidBlock: the settled batch is not this chain's next transactions.
    """
    market, bridge = state.market, state.bridge
    first = bridge.meta.settled_txs
    if event.tx_count == 0:
        raise InvalidBlock(f"L1 batch {event.batch_index} settles no transaction")
    hashes = [market.tx_at(seq) for seq in range(first, first + event.tx_count)]
    jobs = [market.job(h) if h is not None else None for h in hashes]
    if any(j is None for j in jobs):
        raise InvalidBlock(
            f"L1 batch {event.batch_index} settles transactions {first}.."
            f"{first + event.tx_count - 1}, past the chain's last"
        )
    settled = [j for j in jobs if j is not None]
    if settled[0].old_root != event.previous_root or settled[-1].new_root != event.new_root:
        raise InvalidBlock(
            f"L1 batch {event.batch_index} goes from 0x{event.previous_root.hex()} to"
            f" 0x{event.new_root.hex()}, not along this chain's transactions {first}.."
        )
    bridge.settled(event.tx_count, event.new_root, height)
    paid = 0
    end = first + event.tx_count
    for index in sorted({j.batch for j in settled}):
        batch = market.batch(index)
        if batch is None or not batch.closed or not first < batch.start + batch.count <= end:
            continue  # its last transaction is not settled yet (or by this event)
        paid += market.pay_settlement(index, event.submitter)
    return paid
