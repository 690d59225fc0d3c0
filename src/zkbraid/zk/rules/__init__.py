"""The ZK chain's rule table: one `ZkRule` per transaction type, by type byte.

The STF (zk/stf.py), the fee schedule (market/fees.py), the public data (proving/statement.py)
and the witness (proving/witness.py) dispatch through `RULES`; a type's entry is in the module
of its family (accounts, nfts, hybrid, market). tests/unit/zk/test_rules.py fails when a type
byte has no declaration or no rule.
"""

from __future__ import annotations

from typing import Any

from zkbraid.zk.rules.accounts import DEPOSIT, REGISTER_KEY, TRANSFER, WITHDRAW
from zkbraid.zk.rules.base import BlockTimeRequired, Created, TxContext, WitnessSlots, ZkRule
from zkbraid.zk.rules.hybrid import MOVE_FROM_FAST, MOVE_TO_FAST
from zkbraid.zk.rules.market import NFT_BUY, NFT_CANCEL, NFT_LIST
from zkbraid.zk.rules.nfts import CREATE_COLLECTION, GAME_MINT, NFT_MINT, NFT_TRANSFER
from zkbraid.zk.transactions import TxType, ZkTransaction


def _table(*rules: ZkRule[Any]) -> dict[TxType, ZkRule[Any]]:
    table: dict[TxType, ZkRule[Any]] = {}
    for rule in rules:
        tx_type = rule.tx_type.TYPE
        if tx_type in table:
            raise TypeError(f"two rules for {tx_type.name}")
        table[tx_type] = rule
    return dict(sorted(table.items()))


RULES: dict[TxType, ZkRule[Any]] = _table(
    REGISTER_KEY,
    TRANSFER,
    NFT_MINT,
    NFT_TRANSFER,
    DEPOSIT,
    WITHDRAW,
    MOVE_TO_FAST,
    MOVE_FROM_FAST,
    CREATE_COLLECTION,
    GAME_MINT,
    NFT_LIST,
    NFT_CANCEL,
    NFT_BUY,
)
"""Every type's rule, in type-byte order."""


def rule_of(tx: ZkTransaction) -> ZkRule[Any]:
    """The rule of `tx`'s type."""
    return RULES[tx.TYPE]


__all__ = [
    "RULES",
    "BlockTimeRequired",
    "Created",
    "TxContext",
    "WitnessSlots",
    "ZkRule",
    "rule_of",
]
