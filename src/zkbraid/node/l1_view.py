"""What a node knows of L1, for proposing and checking ZK blocks' L1 observations
(settlement/observation.py): the settlement's L1 follower implements it; a node without L1
(unit tests) has none and neither proposes nor checks observations.

The check is the validator's own, outside the block transition: a block is refused when its
observation names an L1 block this node has not seen at the confirmation depth, or deposits other
than those the bridge emitted in the L1 blocks since the chain's last observation.
"""

from __future__ import annotations

from typing import Protocol

from zkbraid.settlement.observation import L1Observation


class L1View(Protocol):
    def observation(
        self, after_height: int, next_deposit_id: int, next_batch: int = 0
    ) -> L1Observation | None:
        """The newest L1 block at the confirmation depth, if it is after `after_height`, with
        the deposits from id `next_deposit_id` on and the settled batches from `next_batch` on
        made up to it (None: nothing new)."""
        ...

    def check(
        self,
        observation: L1Observation,
        after_height: int,
        next_deposit_id: int,
        next_batch: int = 0,
    ) -> None:
        """Raises InvalidBlock unless this node saw exactly this L1 block at the confirmation
        depth and exactly these deposits and settled batches since `after_height`."""
        ...
