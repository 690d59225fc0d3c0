"""JSON-RPC 2.0 plumbing: errors, parameter parsing helpers and request dispatch."""

from __future__ import annotations

import logging
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
    """Decodes a 0x-prefixed hex string, optionally of an exact byte length."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise InvalidParams(f"{name} must be a 0x-prefixed hex string")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidParams(f"{name} is not valid hex") from None
    if length is not None and len(raw) != length:
        raise InvalidParams(f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def quantity(value: Any, name: str) -> int:
    """An unsigned integer given as a 0x hex quantity or a JSON number."""
    if isinstance(value, bool):
        raise InvalidParams(f"{name} must be a number")
    if isinstance(value, int):
        if value < 0:
            raise InvalidParams(f"{name} must not be negative")
        return value
    if isinstance(value, str):
        try:
            n = int(value, 16) if value.startswith("0x") else int(value, 10)
        except ValueError:
            raise InvalidParams(f"{name} is not a number: {value!r}") from None
        if n < 0:
            raise InvalidParams(f"{name} must not be negative")
        return n
    raise InvalidParams(f"{name} must be a number")


def camel(name: str) -> str:
    """A Python field name as the API spells it: `exit_id` -> `exitId`."""
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def hexq(n: int) -> str:
    return hex(n)


def hexb(b: bytes) -> str:
    return "0x" + b.hex()
