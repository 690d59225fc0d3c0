"""`eth_feeHistory`'s rewards: the effective tips paid at percentiles of a block's gas (as geth)."""

from __future__ import annotations

from collections.abc import Sequence

from eth.abc import ReceiptAPI, SignedTransactionAPI


def block_rewards(
    txs: Sequence[SignedTransactionAPI],
    receipts: Sequence[ReceiptAPI],
    base_fee: int,
    percentiles: Sequence[float],
) -> list[int]:
    """The effective tip at each percentile of the gas used by a block's transactions."""
    if not txs:
        return [0] * len(percentiles)
    tips: list[tuple[int, int]] = []
    previous = 0
    for tx, receipt in zip(txs, receipts, strict=True):
        tip = min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)
        tips.append((tip, receipt.gas_used - previous))
        previous = receipt.gas_used
    tips.sort()
    total = sum(gas for _, gas in tips)
    out: list[int] = []
    index, cumulative = 0, tips[0][1]
    for p in percentiles:
        threshold = total * p / 100
        while cumulative < threshold and index < len(tips) - 1:
            index += 1
            cumulative += tips[index][1]
        out.append(tips[index][0])
    return out
