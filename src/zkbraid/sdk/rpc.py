"""A small JSON-RPC 2.0 client over one keep-alive HTTP session."""

from __future__ import annotations

import itertools
from typing import Any

import requests


class RpcError(Exception):
    """The node answered with a JSON-RPC error; `name` is the node's error class."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    @property
    def name(self) -> str:
        if isinstance(self.data, dict) and isinstance(self.data.get("error"), str):
            return str(self.data["error"])
        return f"RpcError({self.code})"

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


class NodeUnreachable(Exception):
    """No node answers at the URL (nothing listens, or it did not answer in time: a request
    that timed out may still have been carried out)."""


class RpcClient:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def call(self, method: str, *params: Any, timeout: float | None = None) -> Any:
        """Calls one method; returns its result or raises RpcError / NodeUnreachable."""
        body: dict[str, Any] = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "method": method,
            "params": list(params),
        }
        try:
            resp = self._session.post(self.url, json=body, timeout=timeout or self.timeout)
        except requests.ConnectionError as e:
            raise NodeUnreachable(f"no zkbraid node answers at {self.url}") from e
        except requests.Timeout as e:
            raise NodeUnreachable(
                f"the zkbraid node at {self.url} did not answer {method} within"
                f" {timeout or self.timeout:g} s"
            ) from e
        resp.raise_for_status()
        reply = resp.json()
        if "error" in reply:
            err = reply["error"]
            raise RpcError(int(err.get("code", 0)), str(err.get("message", "")), err.get("data"))
        return reply.get("result")

    def close(self) -> None:
        self._session.close()
