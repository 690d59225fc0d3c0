"""The rules of moves between the chains (docs/hybrid.md): MoveToFast, MoveFromFast.

A MoveToFast debits into the fast-chain escrow; a MoveFromFast (a system transaction, like
Deposit, made from a fast-chain exit) pays out of it and never more than it holds. In the
witness, account B is the escrow (the accounts tree's last leaf).
"""

from __future__ import annotations

from zkbraid.zk.errors import BalanceOverflow, EscrowInsufficient
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules.base import NOTHING_CREATED, Created, TxContext, WitnessSlots, ZkRule
from zkbraid.zk.rules.checks import (
    check_amount,
    check_credit,
    check_debit,
    check_eddsa,
    check_move_token,
    check_nonce,
    increment_nonce,
    move_balance,
    recipient_pays,
    require_account,
    sender_pays,
)
from zkbraid.zk.rules.pubdata import EXIT_ID_BYTES, PubdataLayout, PubField, account, amount, token
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import MoveFromFast, MoveToFast

# MoveToFast


def validate_move_to_fast(
    state: ZkState, tx: MoveToFast, params: ZkParams, context: TxContext
) -> None:
    """A positive amount of the fast chain's coin (token 0), covered by the sender and signed."""
    check_move_token(tx.token)
    check_amount(tx.amount, params)
    require_account(state, tx.from_index, "sender")
    check_nonce(state, tx, params, context)
    check_debit(state, tx.from_index, tx.token, tx.amount)
    if state.escrow_balance(tx.token) + tx.amount > params.max_amount:
        raise BalanceOverflow(f"the escrow of token {tx.token} would pass {params.max_amount}")
    check_eddsa(state, tx)


def apply_move_to_fast(state: ZkState, tx: MoveToFast) -> Created:
    move_balance(state, tx.from_index, tx.token, -tx.amount)
    state.set_escrow_balance(tx.token, state.escrow_balance(tx.token) + tx.amount)
    increment_nonce(state, tx.from_index)
    return NOTHING_CREATED


def fill_move_to_fast(w: WitnessSlots, tx: MoveToFast, time_s: int | None) -> None:
    # A is debited, B is the escrow and is credited.
    escrow = w.params.escrow_index
    w.set(accountB=escrow, token=tx.token, amount=tx.amount)
    w.signature(tx)
    w.account_a(tx.from_index, w.balance_slot("a", tx.from_index, tx.token, -tx.amount))
    w.account_b(escrow, w.balance_slot("b", escrow, tx.token, tx.amount))


MOVE_TO_FAST = ZkRule(
    MoveToFast,
    validate=validate_move_to_fast,
    apply=apply_move_to_fast,
    fee_key="move_to_fast",
    payer=sender_pays,
    pubdata=PubdataLayout(header=(account("from_index"), token()), wide=(amount(),)),
    fill_witness=fill_move_to_fast,
    second_account=lambda state, tx: state.params.escrow_index,
)

# MoveFromFast


def validate_move_from_fast(
    state: ZkState, tx: MoveFromFast, params: ZkParams, context: TxContext
) -> None:
    """A positive amount of token 0 to an existing account, covered by the escrow.

    The damage bound (docs/hybrid.md): whatever exits the fast chain reports, the escrow pays at
    most what it holds (`EscrowInsufficient`), and the circuit cannot prove more.
    """
    check_move_token(tx.token)
    check_amount(tx.amount, params)
    require_account(state, tx.to_index, "recipient")
    escrow = state.escrow_balance(tx.token)
    if escrow < tx.amount:
        raise EscrowInsufficient(
            f"the fast-chain escrow holds {escrow} of token {tx.token}; exit {tx.exit_id} "
            f"asks for {tx.amount}"
        )
    check_credit(state, tx.to_index, tx.token, tx.amount, params)


def apply_move_from_fast(state: ZkState, tx: MoveFromFast) -> Created:
    move_balance(state, tx.to_index, tx.token, tx.amount)
    state.set_escrow_balance(tx.token, state.escrow_balance(tx.token) - tx.amount)
    return NOTHING_CREATED


def fill_move_from_fast(w: WitnessSlots, tx: MoveFromFast, time_s: int | None) -> None:
    # A is credited (unsigned, its nonce stays), B is the escrow and is debited.
    escrow = w.params.escrow_index
    w.set(accountB=escrow, eventId=tx.exit_id, token=tx.token, amount=tx.amount)
    a_balance = w.balance_slot("a", tx.to_index, tx.token, tx.amount)
    w.account_a(tx.to_index, a_balance, nonce_step=0)
    w.account_b(escrow, w.balance_slot("b", escrow, tx.token, -tx.amount))


MOVE_FROM_FAST = ZkRule(
    MoveFromFast,
    validate=validate_move_from_fast,
    apply=apply_move_from_fast,
    fee_key=None,
    payer=recipient_pays,
    pubdata=PubdataLayout(
        header=(PubField("exit_id", EXIT_ID_BYTES), account("to_index"), token()),
        wide=(amount(),),
    ),
    fill_witness=fill_move_from_fast,
    second_account=lambda state, tx: state.params.escrow_index,
)
