"""The fast chain's state transition: a block of root updates, credits and transactions executed
on its parent.

`execute_block` reads like the execution specs' `state_transition`: it checks the block's own
fields (timestamp, root updates, credits), makes the system call that writes the ZK roots
(`ZkRoots.update`, as EIP-4788's beacon-root call), applies the credits, then each transaction in
order, builds every root (state, transactions, receipts) and checks the header against the
chain's rules. Nothing here reads a clock or does I/O beyond writing the new state's trie nodes
to the state database, so the same inputs give the same block on every node; `FastChain` stores
the block and moves its head.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import rlp
from eth.abc import BlockHeaderAPI, StateAPI
from eth.constants import EMPTY_SHA3, POST_MERGE_NONCE
from eth.vm.chain_context import ChainContext
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.message import Message
from eth_hash.auto import keccak
from eth_typing import Address, BlockNumber, Hash32
from eth_utils.exceptions import ValidationError
from rlp.sedes import List

from zkbraid.errors import BraidError
from zkbraid.fast.admission import check_against_state
from zkbraid.fast.db import CREDITS, ROOT_UPDATES, BlockRecord, StateDB
from zkbraid.fast.errors import GasLimitExceeded, InvalidBlock
from zkbraid.fast.params import UINT256_MAX, FastParams
from zkbraid.fast.receipts import LogEntry, encode_receipt, logs_bloom
from zkbraid.fast.system_contracts import (
    SYSTEM_ADDRESS,
    SYSTEM_CALL_GAS,
    ZK_ROOTS,
    RootUpdate,
    encode_root_updates,
    load_system_artifact,
)
from zkbraid.fast.txs import FastTx, floor_data_gas
from zkbraid.fast.vm import FastComputation, FastVM, vm_error_message
from zkbraid.ledger.trie import ordered_trie_root

logger = logging.getLogger(__name__)

#: Precompiled contracts of the fork: a transfer to one always runs the EVM.
PRECOMPILES = frozenset(FastComputation.get_precompiles())


@dataclass(frozen=True)
class ExecutionEnv:
    """What executing blocks and calls needs beside its inputs: rules, VM and state database."""

    params: FastParams
    vm_class: type[FastVM]
    db: StateDB
    chain_context: ChainContext
    #: Apply plain transfers (to an address without code) without running the EVM; the result
    #: is the same (tests compare both paths and stock py-evm).
    fast_transfers: bool = True


@dataclass(frozen=True)
class TxOutcome:
    """What became of one transaction given to `execute_block`."""

    hash: bytes
    #: False when the transaction was left out of the block (then `error` says why).
    included: bool
    #: EIP-658 status of an included transaction: 1 success, 0 reverted/failed.
    status: int | None
    gas_used: int
    error: str | None = None
    #: Name of the error class (`NonceTooLow`, ...) for a transaction left out.
    error_name: str | None = None


@dataclass(frozen=True)
class ExecutedBlock:
    """A block `execute_block` built: what the block store keeps, and each transaction's fate."""

    record: BlockRecord
    outcomes: tuple[TxOutcome, ...]


def execute_block(
    env: ExecutionEnv,
    parent: BlockHeaderAPI,
    ancestors: Sequence[Hash32],
    txs: Sequence[FastTx],
    timestamp: int,
    credits: Sequence[tuple[bytes, int]] = (),
    *,
    root_updates: Sequence[RootUpdate] = (),
) -> ExecutedBlock:
    """The block after `parent`: `root_updates` written to ZkRoots by a system call first, then
    `credits` applied, then `txs` in order, and every root.

    `ancestors` are the hashes of `parent` and its ancestors (BLOCKHASH). A transaction no longer
    valid against the block's state (nonce taken, funds gone, block full, base fee risen) is left
    out and reported, never failing the block. Raises InvalidBlock for a timestamp before the
    parent's, a malformed credit or root update, or root updates ZkRoots refuses (a status
    lowered) or that no ZkRoots is deployed to take.
    """
    if timestamp < parent.timestamp:
        raise InvalidBlock(f"timestamp {timestamp} is before the parent block's {parent.timestamp}")
    if timestamp >= 2**64:
        raise InvalidBlock(f"timestamp {timestamp} does not fit in 64 bits")
    credit_list = validated_credits(credits)
    update_list = validated_root_updates(root_updates)

    vm_class = env.vm_class
    base_fee = vm_class.expected_base_fee(parent)
    gas_limit = env.params.block_gas_limit
    context_header = PragueBlockHeader(
        difficulty=0,
        block_number=BlockNumber(parent.block_number + 1),
        gas_limit=gas_limit,
        timestamp=timestamp,
        coinbase=Address(env.params.fee_recipient),
        parent_hash=parent.hash,
        state_root=parent.state_root,
        # PREVRANDAO: deterministic and predictable; games must not draw randomness from it.
        mix_hash=Hash32(keccak(parent.mix_hash + parent.hash)),
        base_fee_per_gas=base_fee,
        nonce=POST_MERGE_NONCE,
    )
    state = vm_class.build_state(env.db, context_header, env.chain_context, tuple(ancestors))

    if update_list:
        apply_root_updates(state, update_list)
    for address, wei in credit_list:
        if state.get_balance(Address(address)) + wei > UINT256_MAX:
            raise InvalidBlock(f"a credit takes 0x{address.hex()} beyond 2^256 wei")
        state.delta_balance(Address(address), wei)

    outcomes: list[TxOutcome] = []
    included: list[FastTx] = []
    receipts: list[bytes] = []
    gas_used = 0
    bloom = 0
    for ftx in txs:
        try:
            if gas_used + ftx.gas > gas_limit:
                raise GasLimitExceeded(
                    f"transaction gas {ftx.gas} exceeds the {gas_limit - gas_used} left "
                    "in the block"
                )
            check_against_state(ftx, state, base_fee)
        except BraidError as exc:
            outcomes.append(TxOutcome(ftx.hash, False, None, 0, str(exc), exc.name))
            continue
        state.lock_changes()
        snapshot = state.snapshot()
        try:
            tx_gas, success, logs, error = _apply_transaction(env, state, ftx, base_fee)
        except ValidationError as exc:
            state.revert(snapshot)
            outcomes.append(TxOutcome(ftx.hash, False, None, 0, str(exc), "ValidationError"))
            continue
        except Exception as exc:  # a py-evm failure must not halt the chain: leave it out
            logger.exception("fast tx 0x%s failed inside py-evm", ftx.hash.hex())
            state.revert(snapshot)
            outcomes.append(TxOutcome(ftx.hash, False, None, 0, repr(exc), "InternalError"))
            continue
        state.commit(snapshot)
        gas_used += tx_gas
        receipt_bloom = logs_bloom(logs)
        bloom |= receipt_bloom
        receipts.append(encode_receipt(ftx.type, success, gas_used, receipt_bloom, logs))
        included.append(ftx)
        outcomes.append(TxOutcome(ftx.hash, True, int(success), tx_gas, error))

    state.persist()
    encoded_receipts = tuple(receipts)
    raw_txs = tuple(f.raw for f in included)
    header = context_header.copy(
        state_root=state.state_root,
        transaction_root=ordered_trie_root(raw_txs),
        receipt_root=ordered_trie_root(encoded_receipts),
        bloom=bloom,
        gas_used=gas_used,
        extra_data=block_commitment(credit_list, update_list),
    )
    try:
        vm_class.validate_header(header, parent)
    except ValidationError as exc:
        raise InvalidBlock(f"built an invalid header: {exc}") from exc
    record = BlockRecord(
        header=header,
        raw_transactions=raw_txs,
        senders=tuple(f.sender for f in included),
        receipts=encoded_receipts,
        credits=tuple(credit_list),
        root_updates=tuple(update_list),
    )
    return ExecutedBlock(record, tuple(outcomes))


def _apply_transaction(
    env: ExecutionEnv, state: StateAPI, ftx: FastTx, base_fee: int
) -> tuple[int, bool, Sequence[LogEntry], str | None]:
    """Runs a checked transaction on `state`: (gas used, success, logs, error message)."""
    if is_plain_transfer(env, state, ftx):
        return apply_plain_transfer(state, ftx, base_fee), True, (), None
    computation = state.apply_transaction(ftx.transaction)
    gas_used = env.vm_class.finalize_gas_used(ftx.transaction, computation)
    success = not computation.is_error
    error = None if success else vm_error_message(computation)
    return gas_used, success, computation.get_log_entries(), error


def is_plain_transfer(env: ExecutionEnv, state: StateAPI, ftx: FastTx) -> bool:
    """A call to an address without code that is not a precompile: no EVM code runs."""
    to = ftx.to
    return (
        env.fast_transfers
        and to is not None
        and to not in PRECOMPILES
        and state.get_code_hash(Address(to)) == EMPTY_SHA3
    )


def apply_plain_transfer(state: StateAPI, ftx: FastTx, base_fee: int) -> int:
    """Applies a plain transfer's net state changes without an EVM message; returns the gas used.

    The same changes as py-evm's path (tests compare every root with it). The caller has checked
    nonce, balance (value + gas * max fee) and the base fee. The gas used is the intrinsic gas or
    EIP-7623's calldata floor, whichever is higher.
    """
    tx = ftx.transaction
    sender, to = Address(ftx.sender), Address(cast(bytes, ftx.to))
    price = min(ftx.max_fee_per_gas, base_fee + ftx.max_priority_fee_per_gas)
    gas_used = max(tx.intrinsic_gas, floor_data_gas(tx.data))
    # py-evm buys all the gas, moves the value, touches the recipient, refunds the unused gas,
    # pays the tip and clears touched empty accounts (EIP-161); only the net changes matter to
    # the state, so each account is written once or twice here.
    value = ftx.value if to != sender else 0
    state.delta_balance(sender, -(value + gas_used * price))
    state.increment_nonce(sender)
    if value:
        state.delta_balance(to, value)
    else:
        state.touch_account(to)
    coinbase = state.coinbase
    state.delta_balance(coinbase, gas_used * (price - base_fee))
    for account in (coinbase, to):
        if state.account_exists(account) and state.account_is_empty(account):
            state.delete_account(account)
    return gas_used


def validated_credits(credits: Sequence[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
    """The block's credits as (20-byte address, wei) pairs. Raises InvalidBlock."""
    checked: list[tuple[bytes, int]] = []
    total = 0
    for address, wei in credits:
        if not isinstance(address, bytes) or len(address) != 20:
            raise InvalidBlock(f"credit to a malformed address {address!r}")
        if not isinstance(wei, int) or not 0 < wei <= UINT256_MAX:
            raise InvalidBlock(f"credit of {wei!r} wei is out of range (0, 2^256)")
        total += wei
        checked.append((bytes(address), wei))
    if total > UINT256_MAX:
        raise InvalidBlock("credits of one block sum beyond 2^256 wei")
    return checked


def validated_root_updates(updates: Sequence[RootUpdate]) -> list[RootUpdate]:
    """The block's root updates, each within its ABI types and the field. Raises InvalidBlock."""
    checked: list[RootUpdate] = []
    for update in updates:
        if not isinstance(update, RootUpdate):
            raise InvalidBlock(f"a root update must be a RootUpdate, not {update!r}")
        problem = update.problem()
        if problem is not None:
            raise InvalidBlock(f"malformed root update: {problem}")
        checked.append(RootUpdate(update.root, update.zk_height, int(update.status)))
    return checked


def apply_root_updates(state: StateAPI, updates: Sequence[RootUpdate]) -> None:
    """The system call `ZkRoots.update(updates)` from SYSTEM_ADDRESS, on `state`.

    As EIP-4788's beacon-root call: a message, not a transaction (no nonce, no fee, no receipt),
    with SYSTEM_CALL_GAS gas that the block does not count; the sender is never touched. Raises
    InvalidBlock if ZkRoots has no code or the call fails (ZkRoots's error named).
    """
    code = state.get_code(Address(ZK_ROOTS))
    if not code:
        raise InvalidBlock("the block has root updates but no ZkRoots contract is deployed")
    message = Message(
        gas=SYSTEM_CALL_GAS,
        to=Address(ZK_ROOTS),
        sender=Address(SYSTEM_ADDRESS),
        value=0,
        data=encode_root_updates(updates),
        code=code,
    )
    context = state.get_transaction_context_class()(gas_price=0, origin=Address(SYSTEM_ADDRESS))
    # apply_message reverts the state itself when the computation fails.
    computation = state.computation_class.apply_message(state, message, context)
    # The transactions after it start with cold access sets (EIP-2929) and no transient storage.
    state.clear_transient_storage()
    state.lock_changes()
    if computation.is_error:
        name = load_system_artifact("ZkRoots").error_name(bytes(computation.output))
        reason = name or vm_error_message(computation)
        raise InvalidBlock(f"the ZkRoots system call failed: {reason}")


def credits_commitment(credits: Sequence[tuple[bytes, int]]) -> bytes:
    """extra_data of a block with credits: keccak of their RLP (the block hash commits to them)."""
    if not credits:
        return b""
    return keccak(rlp.encode(credits, sedes=CREDITS))


#: Both of a block's inputs beside its transactions: [credits, root updates].
_CREDITS_AND_ROOTS = List([CREDITS, ROOT_UPDATES])


def block_commitment(credits: Sequence[tuple[bytes, int]], updates: Sequence[RootUpdate]) -> bytes:
    """extra_data of a block: what `credits_commitment` gives when it has no root updates (so
    such blocks hash as before root updates existed), else keccak of the RLP of
    [credits, [[root, zk height, status], ...]]."""
    if not updates:
        return credits_commitment(credits)
    rows = [(u.root, u.zk_height, u.status) for u in updates]
    return keccak(rlp.encode([list(credits), rows], sedes=_CREDITS_AND_ROOTS))
