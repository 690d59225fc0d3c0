"""JSON-RPC 2.0 plumbing: errors, parameter parsing helpers and request dispatch."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from zkbraid.errors import BraidError, MalformedInput

log = logging.getLogger("zkbraid.rpc")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603

Params = list[Any]
SyncMethod = Callable[[Params], Any]
AsyncMethod = Callable[[Params], Awaitable[Any]]
M = TypeVar("M", bound=Callable[..., Any])

U64_BITS = 64
"""The default width of a numeric parameter: heights, indices, ids, nonces, tokens."""
SQLITE_BITS = 63
"""The width of what the ledger's SQLite store keys by (a signed 64-bit INTEGER): heights."""
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_DECIMAL_DIGITS = re.compile(r"[0-9]+")


def submits(method: M) -> M:
    """Marks a method that hands a transaction to the consensus engine. Under an engine whose
    submission waits on another process (CometBFT's `broadcast_tx_sync`, a few milliseconds of
    HTTP), the server runs such methods on worker threads, so the event loop keeps serving
    other requests meanwhile (api/server.py)."""
    method.submits = True  # type: ignore[attr-defined]
    return method


def is_submission(method: Callable[..., Any]) -> bool:
    return bool(getattr(method, "submits", False))


class InvalidParams(MalformedInput):
    """Parameters of the wrong number, type or format."""


def error_object(e: BraidError) -> dict[str, Any]:
    obj: dict[str, Any] = {"code": e.code, "message": str(e), "data": {"error": e.name}}
    extra = getattr(e, "rpc_data", None)
    if extra is not None:
        obj["data"] = extra
    return obj


def param(params: Params, index: int, name: str, default: Any = ...) -> Any:
    """The `index`-th positional parameter, or a clear error naming it."""
    if not isinstance(params, list):
        raise InvalidParams("params must be an array")
    if index < len(params):
        return params[index]
    if default is ...:
        raise InvalidParams(f"missing parameter {index}: {name}")
    return default


def hex_bytes(value: Any, name: str, length: int | None = None) -> bytes:
    """Decodes 0x-prefixed hex, optionally of an exact byte length. Strict, as geth: `0x` or
    `0X`, then an even number of hex digits and nothing else (no whitespace, no sign)."""
    if not isinstance(value, str) or value[:2] not in ("0x", "0X"):
        raise InvalidParams(f"{name} must be a 0x-prefixed hex string")
    digits = value[2:]
    if digits and not _HEX_DIGITS.fullmatch(digits):
        raise InvalidParams(f"{name} is not valid hex: only hex digits may follow 0x")
    if len(digits) % 2:
        raise InvalidParams(f"{name} is not valid hex: an odd number of hex digits")
    if length is not None and len(digits) != 2 * length:
        raise InvalidParams(f"{name} must be {length} bytes, got {len(digits) // 2}")
    return bytes.fromhex(digits)


def quantity(value: Any, name: str, bits: int = U64_BITS) -> int:
    """An unsigned integer below 2^`bits`, given as a JSON integer, a 0x hex string or a decimal
    string (digits only: no sign, whitespace or underscores)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidParams(f"{name} must be an integer")
    number: int
    if isinstance(value, str):
        hexadecimal = value[:2] in ("0x", "0X")
        digits = value[2:] if hexadecimal else value
        pattern = _HEX_DIGITS if hexadecimal else _DECIMAL_DIGITS
        if not pattern.fullmatch(digits):
            raise InvalidParams(f"{name} is not a number: {_shown(value)}")
        if len(digits.lstrip("0")) > bits:  # longer than any `bits`-bit number, in either base
            raise InvalidParams(f"{name} must be below 2^{bits}")
        number = int(digits, 16 if hexadecimal else 10)
    else:
        number = value
    if number < 0:
        raise InvalidParams(f"{name} must not be negative")
    if number >> bits:
        raise InvalidParams(f"{name} must be below 2^{bits}")
    return number


def boolean(value: Any, name: str) -> bool:
    """A JSON true or false."""
    if not isinstance(value, bool):
        raise InvalidParams(f"{name} must be true or false")
    return value


def _shown(value: str) -> str:
    """A parameter in an error message, cut short."""
    return repr(value) if len(value) <= 80 else repr(value[:80]) + "…"


def camel(name: str) -> str:
    """A Python field name as the API spells it: `exit_id` -> `exitId`."""
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def hexq(n: int) -> str:
    return hex(n)


def hexb(b: bytes) -> str:
    return "0x" + b.hex()
