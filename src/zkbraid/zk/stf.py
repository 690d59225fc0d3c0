"""The ZK chain's state transition function: pure, deterministic, one transaction at a time.

Written like the execution specs (STYLE.md §1): `validate_transaction` makes every check and
writes nothing; `apply_transaction` validates, then mutates, and returns the roots before and
after. A rejected transaction raises a named error (zk/errors.py) and leaves the state untouched,
because nothing is written until every check has passed. The circuits prove exactly these rules.

Each type's checks and state change are its entry of the rule table (zk/rules/): the STF checks
what every type shares (the chain id, the fee's width) and dispatches by type byte.

Fees are not part of the ZK state: the node charges them in ZKPoW from `fee_payer`'s balance in
its own state. The STF only checks that the fee fits its width.

System transactions (Deposit, MoveFromFast, GameMint) are made by the node from events the
validators observed; the node makes sure each event is used at most once, and the rules check
only what the ZK state decides. NftBuy is the one rule that reads the block: its listing's expiry
against the ZK block's time (`time_s`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkbraid.zk.errors import FeeOutOfRange, WrongZkChainId
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules import RULES, BlockTimeRequired, TxContext
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import TxType, ZkTransaction


@dataclass(frozen=True)
class ZkReceipt:
    """What applying one transaction did: the roots around it and the ids it created."""

    tx_hash: bytes
    tx_type: TxType
    old_root: int
    new_root: int
    account_index: int | None = None  # RegisterKey: the new account's index
    nft_id: int | None = None  # NftMint, GameMint: the new NFT's id


def fee_payer(state: ZkState, tx: ZkTransaction) -> bytes:
    """The Ethereum address whose ZKPoW balance pays `tx`'s fee.

    RegisterKey: its `eth_address`; Deposit: its `recipient`, which pays nothing (a deposit's
    fee is 0); MoveFromFast and GameMint: their recipient account's address (fee 0); every other
    type (Withdraw too): the sender account's address.
    Raises `UnknownAccount` if that account does not exist.
    """
    return RULES[tx.TYPE].payer(state, tx)


def validate_transaction(
    state: ZkState,
    tx: ZkTransaction,
    params: ZkParams,
    *,
    pending_nonce: int | None = None,
    time_s: int | None = None,
) -> None:
    """Checks every rule for `tx` against `state`; writes nothing.

    With `pending_nonce` (the mempool's view of the sender's next nonce) the transaction's nonce
    must equal it instead of the stored nonce (a system transaction has no nonce and ignores
    it). `time_s` is the ZK block's time in seconds, which an NftBuy needs
    (`BlockTimeRequired` without it). Raises the named error of the first broken rule.
    """
    if tx.chain_id != params.chain_id:
        raise WrongZkChainId(
            f"transaction is for chain {tx.chain_id}, this is chain {params.chain_id}"
        )
    if tx.fee > params.max_fee:
        raise FeeOutOfRange(f"fee {tx.fee} is above the maximum {params.max_fee}")
    RULES[tx.TYPE].validate(state, tx, params, TxContext(pending_nonce, time_s))


def apply_transaction(
    state: ZkState, tx: ZkTransaction, params: ZkParams, *, time_s: int | None = None
) -> ZkReceipt:
    """Validates `tx`, applies it to `state` and returns its receipt.

    `time_s`: the ZK block's time in seconds (NftBuy's expiry). Raises like
    `validate_transaction`, in which case `state` is unchanged.
    """
    old_root = state.root()
    validate_transaction(state, tx, params, time_s=time_s)
    created = RULES[tx.TYPE].apply(state, tx)
    return ZkReceipt(
        tx_hash=tx.hash,
        tx_type=tx.TYPE,
        old_root=old_root,
        new_root=state.root(),
        account_index=created.account_index,
        nft_id=created.nft_id,
    )


__all__ = [
    "BlockTimeRequired",
    "ZkReceipt",
    "apply_transaction",
    "fee_payer",
    "validate_transaction",
]
