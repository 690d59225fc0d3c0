"""What one node's Ethereum JSON-RPC allows a request to cost: node-local settings, not chain rules.

Two nodes with different limits agree on every block; only the answers to oversized queries differ.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RpcLimits:
    """Bounds and suggestions of the fast chain's JSON-RPC, with their defaults."""

    #: Widest block range one `eth_getLogs` call may scan.
    max_log_block_range: int = 2_000
    #: Most logs one `eth_getLogs` call may return.
    max_log_results: int = 10_000
    #: Gas given to `eth_call` / cap for `eth_estimateGas` when the caller gives none.
    rpc_gas_cap: int = 50_000_000
    #: Most blocks one `eth_feeHistory` call may cover.
    max_fee_history_blocks: int = 1_024
    #: Tip that `eth_maxPriorityFeePerGas` suggests (and `eth_gasPrice` adds to the base fee):
    #: the fast chain has no tip auction, so wallets need not pay one.
    suggested_priority_fee: int = 0

    def __post_init__(self) -> None:
        positive = (
            "max_log_block_range",
            "max_log_results",
            "rpc_gas_cap",
            "max_fee_history_blocks",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.suggested_priority_fee < 0:
            raise ValueError("suggested_priority_fee must not be negative")


#: The limits of a node that configures none.
DEFAULT_LIMITS = RpcLimits()
