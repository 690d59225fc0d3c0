"""ZK-chain fees: every ZK-chain transaction pays at least its type's minimum in ZKPoW, from the
balance of the Ethereum address bound to its sender (ARCHITECTURE.md, "the life of a ZK-chain
transaction", step 1). The fee goes into the proving market's pool (market/state.py)."""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.errors import InsufficientFunds
from zkbraid.zk.rules import RULES
from zkbraid.zk.transactions import ZkTransaction

ZKPOW_DECIMALS = 18
ONE_ZKPOW = 10**ZKPOW_DECIMALS


class FeeTooLow(InsufficientFunds):
    """The ZKPoW fee offered is below the fee schedule for this transaction type."""


@dataclass(frozen=True)
class FeeSchedule:
    """Minimum ZKPoW fee of each ZK-chain transaction type (in ZKPoW base units), one field
    per signed type, named by the type's rule (`ZkRule.fee_key`)."""

    register_key: int = ONE_ZKPOW // 100
    transfer: int = ONE_ZKPOW // 100
    nft_mint: int = ONE_ZKPOW // 50
    nft_transfer: int = ONE_ZKPOW // 100
    withdraw: int = ONE_ZKPOW // 100
    move_to_fast: int = ONE_ZKPOW // 100
    create_collection: int = ONE_ZKPOW // 10
    nft_list: int = ONE_ZKPOW // 100
    nft_cancel: int = ONE_ZKPOW // 100
    nft_buy: int = ONE_ZKPOW // 100

    def minimum(self, tx: ZkTransaction) -> int:
        """The schedule's minimum fee for `tx`'s type: the field its rule names (zk/rules/);
        0 for a system transaction (Deposit, MoveFromFast, GameMint: paid for on L1 or the
        fast chain, nobody on the ZK chain signs them)."""
        key = RULES[tx.TYPE].fee_key
        if key is None:
            return 0
        fee: int = getattr(self, key)
        return fee

    def check(self, tx: ZkTransaction) -> None:
        """Raises FeeTooLow when `tx` offers less than its type's minimum."""
        need = self.minimum(tx)
        if tx.fee < need:
            raise FeeTooLow(f"fee {tx.fee} is below the minimum {need} for {type(tx).__name__}")
