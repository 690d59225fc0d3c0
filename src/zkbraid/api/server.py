"""The node's HTTP server: JSON-RPC 2.0 on POST / (single and batch requests), health on GET.

Method handlers are plain functions over the node, run on the event loop's thread (as the
solo engine is, see consensus/solo.py); long waits are async methods (long-polling waiters).
With `offload_submissions` (the CometBFT engine, whose submission is a blocking HTTP call to
CometBFT's RPC), methods marked `@submits` (api/jsonrpc.py) run on worker threads instead, so
concurrent submissions overlap and reads are not held up behind them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from zkbraid.api.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    AsyncMethod,
    SyncMethod,
    error_object,
    is_submission,
)
from zkbraid.errors import BraidError

log = logging.getLogger("zkbraid.rpc")


class RpcServer:
    def __init__(
        self,
        sync_methods: dict[str, SyncMethod],
        async_methods: dict[str, AsyncMethod],
        *,
        offload_submissions: bool = False,
    ) -> None:
        self.sync_methods = sync_methods
        self.offload_submissions = offload_submissions
        self.async_methods = async_methods
        self.app = web.Application(client_max_size=4 * 1024 * 1024)
        self.app.router.add_post("/", self._handle_http)
        self.app.router.add_get("/health", self._health)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def _handle_http(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _json({"jsonrpc": "2.0", "id": None, "error": _err(PARSE_ERROR, "parse error")})
        if isinstance(payload, list):
            if not payload:
                return _json(
                    {"jsonrpc": "2.0", "id": None, "error": _err(INVALID_REQUEST, "empty batch")}
                )
            replies = await asyncio.gather(*(self.call(p) for p in payload))
            return _json([r for r in replies if r is not None])
        reply = await self.call(payload)
        return _json(reply if reply is not None else {})

    async def call(self, req: Any) -> dict[str, Any] | None:
        """Runs one JSON-RPC request object and returns its response object."""
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return {"jsonrpc": "2.0", "id": None, "error": _err(INVALID_REQUEST, "bad request")}
        rid = req.get("id")
        method = req["method"]
        params = req.get("params", [])
        if params is None:
            params = []
        try:
            if method in self.async_methods:
                result = await self.async_methods[method](params)
            elif method in self.sync_methods:
                handler = self.sync_methods[method]
                if self.offload_submissions and is_submission(handler):
                    result = await asyncio.to_thread(handler, params)
                else:
                    result = handler(params)
            else:
                return {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "error": _err(METHOD_NOT_FOUND, f"method {method} not found"),
                }
        except BraidError as e:
            return {"jsonrpc": "2.0", "id": rid, "error": error_object(e)}
        except Exception as e:
            log.exception("internal error in %s", method)
            return {"jsonrpc": "2.0", "id": rid, "error": _err(INTERNAL_ERROR, f"internal: {e}")}
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    def shutdown(self) -> None:
        """Nothing to release: handlers hold no threads."""


def _err(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def _json(obj: Any) -> web.Response:
    return web.Response(body=json.dumps(obj).encode(), content_type="application/json")
