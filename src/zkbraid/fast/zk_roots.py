"""The ZK roots the ledger writes into the fast chain's `ZkRoots` system contract
(docs/hybrid.md): a root's status and one update. A fast block's record keeps its updates
(fast/db.py) and the block's system call makes them (fast/system_contracts.py), so both import
them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

#: The BN254 scalar field's order r: ZK roots and content hashes are below it.
SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617


class RootStatus(IntEnum):
    """A ZK root's status in `ZkRoots` (it only rises)."""

    UNKNOWN = 0
    COMMITTED = 1
    PROVEN = 2
    SETTLED = 3


@dataclass(frozen=True)
class RootUpdate:
    """One entry of `ZkRoots.update`: a ZK state root, its ZK height and its new status."""

    root: int
    zk_height: int
    status: int

    def problem(self) -> str | None:
        """What makes this update malformed (out of its ABI types or the field), if anything."""
        if not isinstance(self.root, int) or not 0 < self.root < SNARK_SCALAR_FIELD:
            return f"root {self.root!r} is not in (0, r)"
        if not isinstance(self.zk_height, int) or not 0 <= self.zk_height < 2**64:
            return f"ZK height {self.zk_height!r} of root 0x{self.root:064x} is not a uint64"
        if not isinstance(self.status, int) or not (
            RootStatus.COMMITTED <= self.status <= RootStatus.SETTLED
        ):
            return f"status {self.status!r} of root 0x{self.root:064x} is not 1, 2 or 3"
        return None
