"""The node's HTTP server: JSON-RPC 2.0 on POST / (single and batch requests), health on GET.

Method handlers are plain functions over the node, run on the event loop's thread (as the
solo engine is, see consensus/solo.py); long waits are async methods (long-polling waiters).
With `offload_submissions` (the CometBFT engine, whose submission is a blocking HTTP call to
CometBFT's RPC), methods marked `@submits` (api/jsonrpc.py) run on worker threads instead, so
concurrent submissions overlap and reads are not held up behind them.

Hostile input (issue 21): a body is checked before it is parsed, in this order, each refusal
changing nothing (`HttpSettings` holds the limits, README "API limits and CORS"):

- a Host header that is neither an IP address nor a listed name (`hosts`, default localhost)
  is refused (HTTP 403): DNS rebinding would make another site's page same-origin;
- a browser page of another origin than the node's own is refused (HTTP 403) unless the
  operator listed it (`cors_origins`), which also answers its OPTIONS preflights;
- the body must be `application/json` (HTTP 415): a page may POST `text/plain` to a node on
  localhost without a preflight, never `application/json`;
- at most `max_body_bytes` (HTTP 413, -32600);
- nested at most `max_depth` deep, counted on the raw bytes (-32700): json's parser recurses
  once per level, and libraries the node imports raise Python's recursion limit far beyond
  what the C stack holds, so a body of nested brackets would kill the process;
- then parsed (-32700; NaN and Infinity are no JSON), and a batch holds at most `max_batch`
  requests (-32600).

A method's unexpected exception is an internal error (-32603) of that request alone, logged
with its traceback: it never takes the node down.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

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
from zkbraid.config import CORS_ENV, HOSTS_ENV, HttpSettings
from zkbraid.errors import BraidError

log = logging.getLogger("zkbraid.rpc")

JSON = "application/json"
# A backslash and the character it escapes, then a JSON string without escapes: stripped in
# this order, both are linear (a string pattern with escapes in it would rescan the rest of a
# body from every quote of an unterminated string).
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
# Every byte but brackets, to delete, and the brackets as two kinds: what is left of a body is
# its nesting.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PARENS = bytes.maketrans(b"[]{}", b"()()")
PARSE_ON_LOOP_BYTES = 64 * 1024
"""Bodies up to this size are checked and parsed on the event loop's thread (well under a
millisecond); larger ones on a worker thread."""


def nesting_depth(body: bytes, limit: int) -> int | None:
    """How deep the arrays and objects of a UTF-8 JSON body nest outside its strings, counted
    on the raw bytes without parsing; None when deeper than `limit` or when its brackets do not
    pair, so that no parse of the body recurses more than `limit` levels before it fails.
    Linear in the body's size, and every step runs in C."""
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", body)).translate(_PARENS, _NOT_BRACKETS)
    # Each pass removes the innermost pairs: a text of paired brackets is empty after as many
    # passes as it nests deep. An unclosed bracket stays, and json would recurse into it.
    for depth in range(limit + 1):
        if not brackets:
            return depth
        inner_removed = brackets.replace(b"()", b"")
        if len(inner_removed) == len(brackets):
            return None
        brackets = inner_removed
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class BodyRefused(Exception):
    """A body refused before any request in it runs, with its JSON-RPC error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_body(body: bytes, max_depth: int) -> Any:
    """The JSON value of a request body: UTF-8, nested at most `max_depth` deep (checked before
    it is parsed), no NaN or Infinity. Raises BodyRefused (-32700)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BodyRefused(PARSE_ERROR, f"parse error: the body is not UTF-8 ({e})") from None
    if nesting_depth(body, max_depth) is None:
        raise BodyRefused(
            PARSE_ERROR,
            f"parse error: arrays and objects nest deeper than {max_depth} levels,"
            " or their brackets do not pair",
        )
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, an int of > 4300 digits
        raise BodyRefused(PARSE_ERROR, f"parse error: {e}") from None


class RpcServer:
    def __init__(
        self,
        sync_methods: dict[str, SyncMethod],
        async_methods: dict[str, AsyncMethod],
        *,
        offload_submissions: bool = False,
        settings: HttpSettings | None = None,
    ) -> None:
        self.sync_methods = sync_methods
        self.offload_submissions = offload_submissions
        self.async_methods = async_methods
        self.settings = settings or HttpSettings()
        self.app = web.Application(client_max_size=self.settings.max_body_bytes)
        self.app.router.add_post("/", self._handle_http)
        self.app.router.add_get("/health", self._health)
        self.app.router.add_route("OPTIONS", "/", self._preflight)
        self.app.router.add_route("OPTIONS", "/health", self._preflight)

    # -- origins ---------------------------------------------------------------------------

    def _access(self, request: web.Request) -> tuple[str | None, dict[str, str]]:
        """Why a request may not call the node (None: it may), and the CORS headers its
        response carries. The Host must be an IP address or a listed name: a page whose own
        name resolves to the node (DNS rebinding) is otherwise same-origin to the browser. No
        Origin header: no browser's cross-origin call (curl, web3.py). The node's own pages
        are same-origin: their Origin names the host they were loaded from."""
        host = request.headers.get("Host")
        if host is not None and not self._serves(host):
            return (
                f"this node does not answer to the host name in {host[:100]!r}: the node's"
                f" operator may allow it ({HOSTS_ENV})"
            ), {}
        origin = request.headers.get("Origin")
        if origin is None:
            return None, {}
        allowed = self.settings.cors_origins
        if "*" in allowed or origin in allowed:
            return None, {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if origin != "null" and urlsplit(origin).netloc.lower() == (host or "").lower():
            return None, {"Vary": "Origin"}
        return (
            f"requests from the web origin {origin[:100]!r} are not allowed: the node's operator"
            f" may allow it ({CORS_ENV})"
        ), {"Vary": "Origin"}

    def _serves(self, host: str) -> bool:
        """Whether a Host header names this node: an IP address, or a name the settings list."""
        try:
            name = urlsplit("//" + host).hostname
        except ValueError:
            return False
        if not name:
            return False
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            hosts = self.settings.hosts
            return "*" in hosts or name in hosts

    async def _preflight(self, request: web.Request) -> web.Response:
        refused, headers = self._access(request)
        if refused is None and "Access-Control-Allow-Origin" not in headers:
            refused = "a preflight is answered for the origins the operator lists only"
        if refused is not None:
            return _error(INVALID_REQUEST, refused, {"Vary": "Origin"}, status=403)
        headers.update(
            {
                "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600",
            }
        )
        return web.Response(status=204, headers=headers)

    # -- requests --------------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        refused, headers = self._access(request)
        if refused is not None:
            return _error(INVALID_REQUEST, refused, headers, status=403)
        return web.json_response({"ok": True}, headers=headers)

    async def _handle_http(self, request: web.Request) -> web.Response:
        refused, headers = self._access(request)
        if refused is not None:
            return _error(INVALID_REQUEST, refused, headers, status=403)
        limits = self.settings
        if request.content_type != JSON:
            shown = request.headers.get("Content-Type", "none")
            message = f"Content-Type must be {JSON}, got {shown}"
            return _error(INVALID_REQUEST, message, headers, status=415)
        length = request.content_length
        if length is not None and length > limits.max_body_bytes:
            return _too_large(length, limits.max_body_bytes, headers)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:  # chunked, without a Content-Length
            return _too_large(None, limits.max_body_bytes, headers)
        try:
            if len(body) <= PARSE_ON_LOOP_BYTES:
                payload = parse_body(body, limits.max_depth)
            else:  # up to a few tenths of a second: let the loop serve others meanwhile
                payload = await asyncio.to_thread(parse_body, body, limits.max_depth)
        except BodyRefused as e:
            return _error(e.code, str(e), headers)
        if isinstance(payload, list):
            if not payload:
                return _error(INVALID_REQUEST, "empty batch", headers)
            if len(payload) > limits.max_batch:
                message = (
                    f"a batch of {len(payload)} requests exceeds the limit of {limits.max_batch}"
                )
                return _error(INVALID_REQUEST, message, headers)
            replies = await asyncio.gather(*(self.call(p) for p in payload))
            return _json([r for r in replies if r is not None], headers)
        reply = await self.call(payload)
        return _json(reply if reply is not None else {}, headers)

    async def call(self, req: Any) -> dict[str, Any] | None:
        """Runs one JSON-RPC request object and returns its response object."""
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return {"jsonrpc": "2.0", "id": None, "error": _err(INVALID_REQUEST, "bad request")}
        rid = req.get("id")
        if not (rid is None or (isinstance(rid, str | int | float) and not isinstance(rid, bool))):
            message = "id must be a string, a number or null"
            return {"jsonrpc": "2.0", "id": None, "error": _err(INVALID_REQUEST, message)}
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
                    "error": _err(METHOD_NOT_FOUND, f"method {method[:100]!r} not found"),
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


def _json(obj: Any, headers: dict[str, str] | None = None, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(obj).encode(), content_type=JSON, headers=headers, status=status
    )


def _error(code: int, message: str, headers: dict[str, str], *, status: int = 200) -> web.Response:
    """A JSON-RPC error of the whole body (no request in it was run)."""
    return _json({"jsonrpc": "2.0", "id": None, "error": _err(code, message)}, headers, status)


def _too_large(size: int | None, limit: int, headers: dict[str, str]) -> web.Response:
    shown = "the request body" if size is None else f"a request body of {size} bytes"
    message = f"{shown} exceeds the limit of {limit} bytes"
    # The body is not read; the connection closes rather than drain it.
    return _error(INVALID_REQUEST, message, {**headers, "Connection": "close"}, status=413)
