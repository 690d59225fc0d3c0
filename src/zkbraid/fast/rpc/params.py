"""Parsing of JSON-RPC parameters: hex quantities and data, addresses, block tags, call objects.

Every function raises `InvalidRpcParams` (a `MalformedInput`) with a message naming the parameter.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from zkbraid.errors import MalformedInput
from zkbraid.fast.calls import CallRequest

Params = list[Any]

#: Tags that name the head block: a fast block is final once the ledger commits it, and the node
#: keeps no pending EVM block.
HEAD_TAGS = ("latest", "pending", "safe", "finalized")
BLOCK_NUMBER_BITS = 63
"""Block numbers are int64 (geth's `rpc.BlockNumber`), as the fast chain's store keeps them."""
U64_BITS = 64
"""Gas, indices and counts (geth's `hexutil.Uint64`)."""
WORD_BITS = 256
"""Values, fee caps and storage slots."""
MAX_REWARD_PERCENTILES = 100
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")


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


def parse_quantity(value: Any, name: str, bits: int = WORD_BITS) -> int:
    """A hex quantity ("0x1a", or "0X1A") below 2^`bits`; JSON integers are accepted too."""
    if isinstance(value, bool):
        raise InvalidRpcParams(f"{name} must be a hex quantity")
    if isinstance(value, int):
        if value < 0:
            raise InvalidRpcParams(f"{name} must not be negative")
        number = value
    else:
        if not isinstance(value, str) or value[:2] not in ("0x", "0X"):
            raise InvalidRpcParams(
                f"{name} must be a 0x-prefixed hex quantity, got {_shown(value)}"
            )
        digits = value[2:]
        if not _HEX_DIGITS.fullmatch(digits):
            raise InvalidRpcParams(f"{name} is not a hex quantity: {_shown(value)}")
        if len(digits.lstrip("0")) * 4 > bits + 3:
            raise InvalidRpcParams(f"{name} does not fit in {bits} bits")
        number = int(digits, 16)
    if number >> bits:
        raise InvalidRpcParams(f"{name} does not fit in {bits} bits")
    return number


def parse_data(value: Any, name: str, length: int | None = None) -> bytes:
    """0x-prefixed hex bytes, optionally of an exact length. Strict, as geth: `0x` or `0X`, then
    an even number of hex digits and nothing else (no whitespace)."""
    if not isinstance(value, str) or value[:2] not in ("0x", "0X"):
        raise InvalidRpcParams(f"{name} must be 0x-prefixed hex data")
    digits = value[2:]
    if digits and not _HEX_DIGITS.fullmatch(digits):
        raise InvalidRpcParams(f"{name} is not valid hex data: only hex digits may follow 0x")
    if len(digits) % 2:
        raise InvalidRpcParams(f"{name} is not valid hex data: an odd number of hex digits")
    if length is not None and len(digits) != 2 * length:
        raise InvalidRpcParams(f"{name} must be {length} bytes, got {len(digits) // 2}")
    return bytes.fromhex(digits)


def _shown(value: Any) -> str:
    """A parameter in an error message, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


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
    return parse_quantity(tag, name, BLOCK_NUMBER_BITS)


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

    def optional_quantity(key: str, bits: int = WORD_BITS) -> int | None:
        value = obj.get(key)
        return None if value is None else parse_quantity(value, key, bits)

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
        gas=optional_quantity("gas", U64_BITS),
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
    if isinstance(value, list) and len(value) > MAX_REWARD_PERCENTILES:
        raise InvalidRpcParams(f"rewardPercentiles holds at most {MAX_REWARD_PERCENTILES} numbers")
    if not isinstance(value, list) or not all(
        isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 100 for p in value
    ):
        raise InvalidRpcParams("rewardPercentiles must be numbers between 0 and 100")
    if any(a > b for a, b in pairwise(value)):
        raise InvalidRpcParams("rewardPercentiles must be in ascending order")
    return [float(p) for p in value]
