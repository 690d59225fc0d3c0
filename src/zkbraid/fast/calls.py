"""`eth_call` and `eth_estimateGas`: unsigned message calls run on a block's state, then undone.

The caller gives the gas cap (a node-local RPC limit, not a chain rule) and the ancestors'
hashes that BLOCKHASH sees; nothing here writes to the state database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from eth.abc import (
    BlockHeaderAPI,
    ComputationAPI,
    SignedTransactionAPI,
    StateAPI,
    UnsignedTransactionAPI,
)
from eth.constants import CREATE_CONTRACT_ADDRESS
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address, Hash32
from eth_utils.exceptions import ValidationError

from zkbraid.fast.errors import (
    CallFailed,
    ExecutionReverted,
    InsufficientFunds,
    IntrinsicGasTooLow,
    TipAboveMaxFee,
)
from zkbraid.fast.execution import ExecutionEnv
from zkbraid.fast.txs import floor_data_gas, intrinsic_gas
from zkbraid.fast.vm import vm_error_message


@dataclass(frozen=True)
class CallRequest:
    """A message call for `eth_call` / `eth_estimateGas` (no signature: the sender is trusted)."""

    sender: bytes = b"\x00" * 20
    #: None creates a contract.
    to: bytes | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    value: int = 0
    data: bytes = b""
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] | None = None

    @property
    def pays_fees(self) -> bool:
        return any(
            f is not None
            for f in (self.gas_price, self.max_fee_per_gas, self.max_priority_fee_per_gas)
        )


def call(
    env: ExecutionEnv,
    request: CallRequest,
    header: BlockHeaderAPI,
    ancestors: Sequence[Hash32],
    gas_cap: int,
) -> bytes:
    """The return data of a call in block `header` (`gas_cap` when the request names no gas).

    Raises ExecutionReverted (with the revert data), CallFailed, InsufficientFunds.
    """
    gas = request.gas if request.gas is not None else gas_cap
    state = _call_state(env, request, header, ancestors)
    computation = _run_call(env, request, state, gas)
    _raise_if_failed(computation)
    return bytes(computation.output)


def estimate_gas(
    env: ExecutionEnv,
    request: CallRequest,
    header: BlockHeaderAPI,
    ancestors: Sequence[Hash32],
    gas_cap: int,
) -> int:
    """The least gas (within 1.5%, as geth) with which the call succeeds, at most `gas_cap`.

    Raises ExecutionReverted, CallFailed (fails even with all the gas allowed).
    """
    state = _call_state(env, request, header, ancestors)
    hi = request.gas if request.gas is not None else gas_cap
    if request.pays_fees:
        price = request.max_fee_per_gas or request.gas_price or 0
        if price > 0:
            balance = state.get_balance(Address(request.sender))
            affordable = (balance - request.value) // price if balance > request.value else 0
            hi = min(hi, affordable)
    computation = _run_call(env, request, state, hi)
    if computation.is_error:
        if isinstance(computation.error, Revert):
            _raise_if_failed(computation)
        raise CallFailed(f"gas required exceeds allowance ({hi}): {vm_error_message(computation)}")
    tx = _call_transaction(env, request, state, hi)
    used = env.vm_class.finalize_gas_used(tx, computation)
    consumed = hi - computation.get_gas_remaining()
    # No gas limit below what the call consumed before refunds can succeed.
    lo = max(consumed, used, intrinsic_gas(tx), floor_data_gas(request.data)) - 1
    # Plain transfers and calls without nested CALLs succeed with exactly that; most others with
    # it plus the 1/64 that each CALL withholds (EIP-150).
    for guess in (lo + 1, (lo + 1) * 64 // 63 + 2_300):
        if guess >= hi:
            break
        if not _run_call(env, request, state, guess).is_error:
            hi = guess
            break
        lo = guess
    while hi - lo > 1 and (hi - lo) * 1000 > hi * 15:
        mid = (hi + lo) // 2
        if _run_call(env, request, state, mid).is_error:
            lo = mid
        else:
            hi = mid
    return hi


def _call_state(
    env: ExecutionEnv, request: CallRequest, header: BlockHeaderAPI, ancestors: Sequence[Hash32]
) -> StateAPI:
    """The state of `header` to run calls on (base fee zero when the call pays no fees)."""
    context = header if request.pays_fees else header.copy(base_fee_per_gas=0)
    return env.vm_class.build_state(env.db, context, env.chain_context, tuple(ancestors))


def _call_transaction(
    env: ExecutionEnv, request: CallRequest, state: StateAPI, gas: int
) -> SignedTransactionAPI:
    """The request as a transaction from its sender, of the type its fee fields imply."""
    nonce = state.get_nonce(Address(request.sender))
    to = CREATE_CONTRACT_ADDRESS if request.to is None else Address(request.to)
    builder = env.vm_class.get_transaction_builder()
    chain_id = env.params.chain_id
    unsigned: UnsignedTransactionAPI
    if request.max_fee_per_gas is not None or request.max_priority_fee_per_gas is not None:
        max_fee = request.max_fee_per_gas
        tip = request.max_priority_fee_per_gas
        if max_fee is None:
            max_fee = (tip or 0) + 2 * (state.execution_context.base_fee_per_gas or 0)
        if tip is None:
            tip = 0
        if tip > max_fee:
            raise TipAboveMaxFee(f"max priority fee per gas {tip} is above max fee {max_fee}")
        unsigned = builder.new_unsigned_dynamic_fee_transaction(  # type: ignore[attr-defined]
            chain_id=chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=tip,
            max_fee_per_gas=max_fee,
            gas=gas,
            to=to,
            value=request.value,
            data=request.data,
            access_list=request.access_list or (),
        )
    elif request.access_list is not None:
        unsigned = builder.new_unsigned_access_list_transaction(  # type: ignore[attr-defined]
            chain_id=chain_id,
            nonce=nonce,
            gas_price=request.gas_price or 0,
            gas=gas,
            to=to,
            value=request.value,
            data=request.data,
            access_list=request.access_list,
        )
    else:
        unsigned = builder.create_unsigned_transaction(
            nonce=nonce,
            gas_price=request.gas_price or 0,
            gas=gas,
            to=to,
            value=request.value,
            data=request.data,
        )
    return cast(SignedTransactionAPI, SpoofTransaction(unsigned, from_=Address(request.sender)))


def _run_call(env: ExecutionEnv, request: CallRequest, state: StateAPI, gas: int) -> ComputationAPI:
    """Runs a call on `state` and rolls the state back afterwards.

    Raises IntrinsicGasTooLow, InsufficientFunds, CallFailed (the call is not a valid one).
    """
    tx = _call_transaction(env, request, state, gas)
    state.lock_changes()  # resets the warm sets (EIP-2929); must precede the snapshot
    snapshot = state.snapshot()
    try:
        return state.apply_transaction(tx)
    except ValidationError as exc:
        message = str(exc)
        if "Insufficient gas" in message:
            raise IntrinsicGasTooLow(
                f"gas {gas} is below the intrinsic gas {intrinsic_gas(tx)}"
            ) from exc
        if "balance" in message or "afford" in message:
            raise InsufficientFunds(
                f"insufficient funds for gas * price + value: {message}"
            ) from exc
        raise CallFailed(message) from exc
    finally:
        state.revert(snapshot)


def _raise_if_failed(computation: ComputationAPI) -> None:
    """Raises ExecutionReverted or CallFailed if the computation failed."""
    if not computation.is_error:
        return
    if isinstance(computation.error, Revert):
        raise ExecutionReverted(vm_error_message(computation), bytes(computation.output))
    raise CallFailed(vm_error_message(computation))
