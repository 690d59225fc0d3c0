"""Parsing of JSON-RPC parameters: hex quantities and data, addresses, block tags, call objects.

Every function raises `InvalidRpcParams` (a `MalformedInput`) with a message naming the parameter.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from zkbraid.errors import MalformedInput
from zkbraid.fast.calls import CallRequest

Params = list[Any]

#: Tags that name the head block: a fast block is final once the ledger commits it, and the node
#: keeps no pending EVM block.
HEAD_TAGS = ("latest", "pending", "safe", "finalized")


class InvalidRpcParams(MalformedInput):
    """JSON-RPC parameters of the wrong number, type or format."""


def param(params: Params, index: int, name: str, default: Any = ...) -> Any:
    """The positional parameter `index`, or `default` when it is absent or null."""
    if not isinstance(params, list):
        raise InvalidRpcParams("params must be an array")
    if index < len(params) and params[index] is not None:
        return params[index]
    if default is ...:
        raise InvalidRpcParams(f"missing parameter {index}: {name}")
    return default


def parse_quantity(value: Any, name: str) -> int:
    """A hex quantity ("0x1a") below 2^256; JSON numbers are accepted too."""
    if isinstance(value, bool):
        raise InvalidRpcParams(f"{name} must be a hex quantity")
    if isinstance(value, int):
        if value < 0:
            raise InvalidRpcParams(f"{name} must not be negative")
        return value
    if not isinstance(value, str) or not value.startswith(("0x", "0X")) or len(value) < 3:
        raise InvalidRpcParams(f"{name} must be a 0x-prefixed hex quantity, got {value!r}")
    try:
        number = int(value[2:], 16)
    except ValueError:
        raise InvalidRpcParams(f"{name} is not a hex quantity: {value!r}") from None
    if number >= 2**256:
        raise InvalidRpcParams(f"{name} does not fit in 256 bits")
    return number


def parse_data(value: Any, name: str, length: int | None = None) -> bytes:
    """0x-prefixed hex bytes, optionally of an exact length."""
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InvalidRpcParams(f"{name} must be 0x-prefixed hex data")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidRpcParams(f"{name} is not valid hex data") from None
    if length is not None and len(raw) != length:
        raise InvalidRpcParams(f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def parse_address(value: Any, name: str) -> bytes:
    """A 20-byte address as 0x-prefixed hex."""
    return parse_data(value, name, 20)


def parse_hash(value: Any, name: str) -> bytes:
    """A 32-byte hash as 0x-prefixed hex."""
    return parse_data(value, name, 32)


def parse_bool(value: Any, name: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise InvalidRpcParams(f"{name} must be true or false")
    return value


def parse_block_number(tag: Any, head: int, name: str = "block") -> int:
    """The number a block tag or quantity names (not checked to exist)."""
    if isinstance(tag, str) and tag in HEAD_TAGS:
        return head
    if tag == "earliest":
        return 0
    return parse_quantity(tag, name)


def parse_access_list(value: Any) -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    """An EIP-2930 access list: [{address, storageKeys}, ...]."""
    if not isinstance(value, list):
        raise InvalidRpcParams("accessList must be an array")
    out = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("storageKeys", []), list):
            raise InvalidRpcParams("accessList entries are {address, storageKeys} objects")
        address = parse_address(entry.get("address"), "accessList.address")
        keys = tuple(
            int.from_bytes(parse_hash(k, "accessList.storageKeys"), "big")
            for k in entry.get("storageKeys", [])
        )
        out.append((address, keys))
    return tuple(out)


def parse_call_request(obj: Any) -> CallRequest:
    """The transaction object of `eth_call` / `eth_estimateGas`."""
    if not isinstance(obj, dict):
        raise InvalidRpcParams("the call parameter must be a transaction object")

    def optional_quantity(key: str) -> int | None:
        value = obj.get(key)
        return None if value is None else parse_quantity(value, key)

    data = obj.get("input")
    other = obj.get("data")
    if data is not None and other is not None and data != other:
        raise InvalidRpcParams('both "data" and "input" are set and they differ')
    payload = parse_data(data if data is not None else other, "input") if (data or other) else b""
    access_list = None
    if obj.get("accessList") is not None:
        access_list = parse_access_list(obj["accessList"])
    if obj.get("gasPrice") is not None and (
        obj.get("maxFeePerGas") is not None or obj.get("maxPriorityFeePerGas") is not None
    ):
        raise InvalidRpcParams("gasPrice cannot be given with maxFeePerGas/maxPriorityFeePerGas")
    sender = obj.get("from")
    to = obj.get("to")
    return CallRequest(
        sender=b"\x00" * 20 if sender is None else parse_address(sender, "from"),
        to=None if to is None else parse_address(to, "to"),
        gas=optional_quantity("gas"),
        gas_price=optional_quantity("gasPrice"),
        max_fee_per_gas=optional_quantity("maxFeePerGas"),
        max_priority_fee_per_gas=optional_quantity("maxPriorityFeePerGas"),
        value=optional_quantity("value") or 0,
        data=payload,
        access_list=access_list,
    )


def parse_reward_percentiles(value: Any) -> list[float] | None:
    """`eth_feeHistory`'s reward percentiles: ascending numbers in [0, 100], or None."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 100 for p in value
    ):
        raise InvalidRpcParams("rewardPercentiles must be numbers between 0 and 100")
    if any(a > b for a, b in pairwise(value)):
        raise InvalidRpcParams("rewardPercentiles must be in ascending order")
    return [float(p) for p in value]
