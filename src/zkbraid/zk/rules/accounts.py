"""The rules of accounts and the bridge: RegisterKey, Transfer, Deposit, Withdraw.

A Deposit is a system transaction: the node makes it from an L1 deposit the validators observed
and makes sure each L1 deposit is credited at most once; the rule checks only what the ZK state
decides (the recipient's account and address, the token, the amount). A Withdraw burns: the
balance goes down and nothing is credited on the ZK chain; L1 pays its `l1_recipient` when its
batch settles.
"""

from __future__ import annotations

from zkbraid.crypto.eddsa import is_valid_public_key
from zkbraid.zk.errors import (
    AccountTreeFull,
    AddressAlreadyRegistered,
    AmountOutOfRange,
    BadECDSASignature,
    DepositRecipientMismatch,
    InvalidL2Key,
    SelfTransfer,
    TokenIdOutOfRange,
)
from zkbraid.zk.params import L1_AMOUNT_BOUND, ZkParams
from zkbraid.zk.rules.base import NOTHING_CREATED, Created, TxContext, WitnessSlots, ZkRule
from zkbraid.zk.rules.checks import (
    check_amount,
    check_bridge_token,
    check_credit,
    check_debit,
    check_eddsa,
    check_nonce,
    increment_nonce,
    move_balance,
    require_account,
    sender_pays,
)
from zkbraid.zk.rules.pubdata import (
    ADDRESS_BYTES,
    DEPOSIT_ID_BYTES,
    FIELD_BYTES,
    PubdataLayout,
    PubField,
    account,
    address,
    amount,
    token,
)
from zkbraid.zk.state import ZkState, address_to_field
from zkbraid.zk.transactions import Deposit, RegisterKey, Transfer, Withdraw

# RegisterKey


def validate_register_key(
    state: ZkState, tx: RegisterKey, params: ZkParams, context: TxContext
) -> None:
    """A new L2 key for an unregistered address, signed by that address."""
    if not is_valid_public_key(tx.public_key):
        raise InvalidL2Key("the L2 public key is off the curve or of small order")
    if state.account_index(tx.eth_address) is not None:
        raise AddressAlreadyRegistered(
            f"address 0x{tx.eth_address.hex()} already has account "
            f"{state.account_index(tx.eth_address)}"
        )
    if state.next_account_index >= params.escrow_index:
        # the last leaf is the fast-chain escrow's
        raise AccountTreeFull(f"the accounts tree is full ({params.escrow_index} accounts)")
    signer = tx.recover_signer()
    if signer is None:
        raise BadECDSASignature("the Ethereum signature is malformed (v, r or s, or high s)")
    if signer != tx.eth_address:
        raise BadECDSASignature(
            f"the registration is signed by 0x{signer.hex()}, not 0x{tx.eth_address.hex()}"
        )


def apply_register_key(state: ZkState, tx: RegisterKey) -> Created:
    return Created(account_index=state.create_account(tx.eth_address, tx.public_key))


def fill_register_key(w: WitnessSlots, tx: RegisterKey, time_s: int | None) -> None:
    w.new_account(tx.public_key, tx.eth_address)


REGISTER_KEY = ZkRule(
    RegisterKey,
    validate=validate_register_key,
    apply=apply_register_key,
    fee_key="register_key",
    payer=lambda state, tx: tx.eth_address,
    pubdata=PubdataLayout(
        header=(PubField("eth_address", ADDRESS_BYTES),),
        wide=(
            PubField("pk_x", FIELD_BYTES, "public_key.x"),
            PubField("pk_y", FIELD_BYTES, "public_key.y"),
        ),
    ),
    fill_witness=fill_register_key,
)

# Transfer


def validate_transfer(state: ZkState, tx: Transfer, params: ZkParams, context: TxContext) -> None:
    """A positive amount of a valid token, between two distinct accounts, covered and signed."""
    if tx.token >= params.max_tokens:
        raise TokenIdOutOfRange(f"token id {tx.token} is not below {params.max_tokens}")
    check_amount(tx.amount, params)
    if tx.from_index == tx.to_index:
        raise SelfTransfer(f"account {tx.from_index} cannot transfer to itself")
    require_account(state, tx.from_index, "sender")
    require_account(state, tx.to_index, "recipient")
    check_nonce(state, tx, params, context)
    check_debit(state, tx.from_index, tx.token, tx.amount)
    check_credit(state, tx.to_index, tx.token, tx.amount, params)
    check_eddsa(state, tx)


def apply_transfer(state: ZkState, tx: Transfer) -> Created:
    move_balance(state, tx.from_index, tx.token, -tx.amount)
    move_balance(state, tx.to_index, tx.token, tx.amount)
    increment_nonce(state, tx.from_index)
    return NOTHING_CREATED


def fill_transfer(w: WitnessSlots, tx: Transfer, time_s: int | None) -> None:
    # A is debited, B credited.
    w.set(accountB=tx.to_index, token=tx.token, amount=tx.amount)
    w.signature(tx)
    w.account_a(tx.from_index, w.balance_slot("a", tx.from_index, tx.token, -tx.amount))
    w.account_b(tx.to_index, w.balance_slot("b", tx.to_index, tx.token, tx.amount))


TRANSFER = ZkRule(
    Transfer,
    validate=validate_transfer,
    apply=apply_transfer,
    fee_key="transfer",
    payer=sender_pays,
    pubdata=PubdataLayout(
        header=(account("from_index"), account("to_index"), token()), wide=(amount(),)
    ),
    fill_witness=fill_transfer,
    second_account=lambda state, tx: tx.to_index,
)

# Deposit


def validate_deposit(state: ZkState, tx: Deposit, params: ZkParams, context: TxContext) -> None:
    """A positive amount of the bridge's token, to the account bound to the named address.

    A deposit for an address with no ZK account cannot be credited: it raises
    `DepositRecipientMismatch`, and the node leaves the L1 deposit pending until the address
    registers or its L1 deadline passes and L1 refunds it (circuits/README.md).
    """
    check_bridge_token(tx.token, "deposit")
    check_amount(tx.amount, params)
    require_account(state, tx.to_index, "recipient")
    bound = state.account_eth_address(tx.to_index)
    if bound != tx.recipient:
        owner = state.account_index(tx.recipient)
        holder = "has no ZK account" if owner is None else f"is account {owner}"
        raise DepositRecipientMismatch(
            f"the deposit is for 0x{tx.recipient.hex()}, which {holder}; account "
            f"{tx.to_index} is bound to 0x{bound.hex() if bound else ''}"
        )
    check_credit(state, tx.to_index, tx.token, tx.amount, params)


def apply_deposit(state: ZkState, tx: Deposit) -> Created:
    move_balance(state, tx.to_index, tx.token, tx.amount)
    return NOTHING_CREATED


def fill_deposit(w: WitnessSlots, tx: Deposit, time_s: int | None) -> None:
    # Account A is the credited account: its balance rises, its nonce stays (unsigned).
    w.set(eventId=tx.deposit_id, token=tx.token, amount=tx.amount)
    a_balance = w.balance_slot("a", tx.to_index, tx.token, tx.amount)
    w.account_a(tx.to_index, a_balance, nonce_step=0)


DEPOSIT = ZkRule(
    Deposit,
    validate=validate_deposit,
    apply=apply_deposit,
    fee_key=None,
    # the recipient pays nothing (a deposit's fee is 0)
    payer=lambda state, tx: tx.recipient,
    # what L1 matches against the deposit it stored (id, recipient, amount)
    pubdata=PubdataLayout(
        header=(PubField("deposit_id", DEPOSIT_ID_BYTES), account("to_index"), token()),
        wide=(address("recipient"), amount()),
    ),
    fill_witness=fill_deposit,
)

# Withdraw


def validate_withdraw(state: ZkState, tx: Withdraw, params: ZkParams, context: TxContext) -> None:
    """A positive amount of the bridge's token, covered by the sender's balance and signed."""
    check_bridge_token(tx.token, "withdrawal")
    check_amount(tx.amount, params)
    if tx.amount >= L1_AMOUNT_BOUND:
        # the rollup contract pays amounts below 2**96 only: a larger withdrawal, once proven,
        # would make its batch unacceptable on L1 for ever
        raise AmountOutOfRange(f"a withdrawal is below 2**96 wei (what L1 pays), got {tx.amount}")
    require_account(state, tx.from_index, "sender")
    check_nonce(state, tx, params, context)
    check_debit(state, tx.from_index, tx.token, tx.amount)
    check_eddsa(state, tx)


def apply_withdraw(state: ZkState, tx: Withdraw) -> Created:
    move_balance(state, tx.from_index, tx.token, -tx.amount)
    increment_nonce(state, tx.from_index)
    return NOTHING_CREATED


def fill_withdraw(w: WitnessSlots, tx: Withdraw, time_s: int | None) -> None:
    # Account A is the sender, debited and its nonce bumped; nothing is credited on L2.
    w.set(l1Address=address_to_field(tx.l1_recipient), token=tx.token, amount=tx.amount)
    w.signature(tx)
    w.account_a(tx.from_index, w.balance_slot("a", tx.from_index, tx.token, -tx.amount))


WITHDRAW = ZkRule(
    Withdraw,
    validate=validate_withdraw,
    apply=apply_withdraw,
    fee_key="withdraw",
    payer=sender_pays,
    # what L1 pays out (recipient and amount)
    pubdata=PubdataLayout(
        header=(account("from_index"), token()), wide=(address("l1_recipient"), amount())
    ),
    fill_witness=fill_withdraw,
)
