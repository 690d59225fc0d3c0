"""Hostile input cannot stop a node (issue 21): the HTTP server refuses bodies too large, too
deep, of another content type or from another web origin before parsing them, and every method
of the node's tables answers any parameters with a result or a named error — never an internal
error (-32603), never a change of state.

Property-based (hypothesis, derandomized and without a database, so a run is reproducible),
against an in-process `Node` (no engine running, no HTTP for the methods' fuzz): every method of
its tables is fuzzed, so a new method is fuzzed without a change here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.unit.node.test_app import T0, fast_transfer, run_block, zk_transfer
from zkbraid.api.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, is_submission
from zkbraid.api.server import BodyRefused, RpcServer, nesting_depth, parse_body
from zkbraid.config import HttpSettings, NodeConfig
from zkbraid.market.transactions import Faucet
from zkbraid.node.devnet import devnet
from zkbraid.node.node import Node

EXAMPLES_PER_METHOD = 100
FUZZ = settings(
    max_examples=EXAMPLES_PER_METHOD,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
LIMITS = HttpSettings()

# -- the body parser ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


def nested(value: Any, levels: int) -> Any:
    for i in range(levels):
        value = [value] if i % 2 else {"k": value}
    return value


@FUZZ
@given(json_values, st.integers(0, 40))
def test_the_depth_counted_on_raw_bytes_is_the_parsed_depth(value: Any, extra: int) -> None:
    value = nested(value, extra)
    body = json.dumps(value).encode()
    depth = depth_of(value)
    assert nesting_depth(body, LIMITS.max_depth) == (depth if depth <= LIMITS.max_depth else None)
    if depth <= LIMITS.max_depth:
        assert parse_body(body, LIMITS.max_depth) == value
    else:
        with pytest.raises(BodyRefused, match="deeper than 32"):
            parse_body(body, LIMITS.max_depth)


# Bytes made mostly of what JSON's structure is made of, so the fuzz finds its corners.
json_like_bytes = st.lists(
    st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b",", b":", b"1", b"a", b" ", b"\xff"])
    | st.binary(max_size=3),
    max_size=200,
).map(b"".join)


@settings(FUZZ, max_examples=500)
@given(json_like_bytes)
def test_invalid_any_body_is_parsed_or_refused_never_more(body: bytes) -> None:
    try:
        value = parse_body(body, LIMITS.max_depth)
    except BodyRefused as e:
        assert e.code == PARSE_ERROR
    else:
        assert depth_of(value) <= LIMITS.max_depth
        assert value == json.loads(body)


def test_invalid_unclosed_brackets_are_refused_without_recursing() -> None:
    """The issue's crash: json recursed once per `[` and overflowed the C stack (libraries the
    node imports raise Python's recursion limit to 100,000)."""
    for body in (b"[" * 200_000, b'{"a":' * 100_000, b"[" * 31 + b"]" * 32 + b"]"):
        with pytest.raises(BodyRefused):
            parse_body(body, LIMITS.max_depth)
    assert nesting_depth(b'["[[[[", "\\"[[[", {"a": "]]]]"}]', 32) == 2


# -- the HTTP server ---------------------------------------------------------------------------


def _server(settings: HttpSettings = LIMITS) -> RpcServer:
    def echo(params: list[Any]) -> Any:
        return params

    def broken(params: list[Any]) -> Any:
        raise RuntimeError("a bug")

    return RpcServer({"echo": echo, "broken": broken}, {}, settings=settings)


Client = TestClient[web.Request, web.Application]
Reply = tuple[int, dict[str, str], Any]


def _with_client(server: RpcServer, run: Callable[[Client], Awaitable[None]]) -> None:
    """Runs `run` with a client of `server` served in-process (one event loop for both)."""

    async def main() -> None:
        client = TestClient(TestServer(server.app))
        await client.start_server()
        try:
            await run(client)
        finally:
            await client.close()

    asyncio.run(main())


async def _post(client: Client, body: Any, headers: dict[str, str] | None = None) -> Reply:
    """POSTs `body` as application/json (unless `headers` say otherwise): status, headers, JSON."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    resp = await client.post("/", data=body, headers=sent)
    reply = await resp.json(content_type=None)
    return resp.status, dict(resp.headers), reply


def _post_one(server: RpcServer, body: Any, headers: dict[str, str] | None = None) -> Reply:
    out: list[Reply] = []

    async def run(client: Client) -> None:
        out.append(await _post(client, body, headers))

    _with_client(server, run)
    return out[0]


def _request(method: str = "echo", params: Any = (1,)) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)})


def test_a_request_is_answered() -> None:
    status, _, reply = _post_one(_server(), _request())
    assert status == 200 and reply == {"jsonrpc": "2.0", "id": 7, "result": [1]}


def test_invalid_deep_nesting_is_a_parse_error_naming_the_limit() -> None:
    async def run(client: Client) -> None:
        status, _, reply = await _post(client, "[" * 200_000)
        assert status == 200 and reply["error"]["code"] == PARSE_ERROR
        assert "deeper than 32 levels" in reply["error"]["message"]
        assert (await _post(client, _request()))[2]["result"] == [1]

    _with_client(_server(), run)


def test_invalid_body_over_the_size_limit_is_refused_unread() -> None:
    async def run(client: Client) -> None:
        status, _, reply = await _post(client, " " * 1001)
        assert status == 413 and reply["error"]["code"] == INVALID_REQUEST
        assert "limit of 1000 bytes" in reply["error"]["message"]

        async def parts() -> AsyncIterator[bytes]:  # chunked: no Content-Length
            for _ in range(20):
                yield b" " * 100

        status, _, reply = await _post(client, parts())
        assert status == 413 and "limit of 1000 bytes" in reply["error"]["message"]

    _with_client(_server(HttpSettings(max_body_bytes=1000)), run)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_invalid_content_type_is_refused(content_type: str) -> None:
    status, _, reply = _post_one(_server(), _request(), {"Content-Type": content_type})
    assert status == 415 and "must be application/json" in reply["error"]["message"]


def test_invalid_batches_over_the_limit_and_bad_json() -> None:
    async def run(client: Client) -> None:
        ok = (await _post(client, "[" + ",".join([_request()] * 3) + "]"))[2]
        assert [r["result"] for r in ok] == [[1]] * 3
        over = (await _post(client, "[" + ",".join([_request()] * 4) + "]"))[2]
        assert over["error"]["code"] == INVALID_REQUEST
        assert "limit of 3" in over["error"]["message"]
        for body in (b"[NaN]", b"\xff\xfe[]", b"1" * 5000, b'{"a":1', b"", b"[]"):
            reply = (await _post(client, body))[2]
            assert reply["error"]["code"] in (PARSE_ERROR, INVALID_REQUEST), body[:20]

    _with_client(_server(HttpSettings(max_batch=3)), run)


def test_an_internal_error_is_one_requests_alone() -> None:
    replies = _post_one(_server(), f"[{_request('broken')}, {_request()}]")[2]
    assert replies[0]["error"]["code"] == INTERNAL_ERROR and replies[1]["result"] == [1]


def test_invalid_cross_origin_requests_without_the_operators_leave() -> None:
    async def run(client: Client) -> None:
        evil = {"Origin": "http://evil.example"}
        status, headers, _ = await _post(client, _request(), evil)
        assert status == 403 and "Access-Control-Allow-Origin" not in headers
        resp = await client.options("/", headers={**evil, "Access-Control-Request-Method": "POST"})
        assert resp.status == 403 and "Access-Control-Allow-Origin" not in resp.headers

    _with_client(_server(), run)


def test_same_origin_pages_and_allowed_origins_have_access() -> None:
    async def run(client: Client) -> None:
        own = {"Origin": f"http://{client.host}:{client.port}"}  # the node's /prover/ page
        status, _, reply = await _post(client, _request(), own)
        assert status == 200 and reply["result"] == [1]
        allowed = {"Origin": "http://localhost:3000"}
        resp = await client.options("/", headers=allowed)
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "Content-Type" in resp.headers["Access-Control-Allow-Headers"]
        status, headers, reply = await _post(client, _request(), allowed)
        assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        resp = await client.options("/", headers={"Origin": "http://localhost:3001"})
        assert resp.status == 403

    _with_client(_server(HttpSettings(cors_origins=("http://localhost:3000",))), run)


def test_invalid_host_names_but_the_listed_ones_dns_rebinding() -> None:
    """A page of rebind.example, its name resolved to 127.0.0.1, is same-origin to the browser:
    refused by its Host header."""

    async def run(client: Client) -> None:
        for host in ("rebind.example", "rebind.example:8645", "localhost.rebind.example", "::"):
            rebound = {"Host": host, "Origin": f"http://{host}"}
            status, _, reply = await _post(client, _request(), rebound)
            assert status == 403 and "BRAID_RPC_HOSTS" in reply["error"]["message"], host
        for host in ("localhost:8645", "LOCALHOST", "127.0.0.1:1", "[::1]:8645", "node0"):
            status, _, reply = await _post(client, _request(), {"Host": host})
            assert status == 200 and reply["result"] == [1], host

    _with_client(_server(HttpSettings(hosts=("localhost", "node0"))), run)


def test_cors_origins_from_the_environment() -> None:
    env = {"BRAID_CORS_ORIGINS": "http://a.example, https://b.example:8443"}
    env["BRAID_RPC_HOSTS"] = "Node0, rpc.example"
    with_env = HttpSettings().with_env(env)
    assert with_env.cors_origins == ("http://a.example", "https://b.example:8443")
    assert with_env.hosts == ("localhost", "node0", "rpc.example")
    assert HttpSettings().with_env({}) == HttpSettings()
    for bad in ("a.example", "ftp://a.example", "http://a.example/path", "http://"):
        with pytest.raises(ValueError, match="CORS origin"):
            HttpSettings(cors_origins=(bad,))


# -- every method of the node ------------------------------------------------------------------


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """An in-process node (no engine running, no HTTP) with a ZK and a fast block."""
    net = devnet(4, verifying_key_hash=None)
    data = tmp_path_factory.mktemp("hostile")
    n = Node(net.params, NodeConfig(data_dir=str(Path(data))), net.zk_genesis)
    z, f = zk_transfer(net, 0, 1, 5, 0), fast_transfer(net, 0, 0)
    n.app.check_tx(z)
    n.app.check_tx(f)
    run_block(n.app, T0, [z, f])
    run_block(n.app, T0 + 1, [f])
    assert n.state.height == 2
    yield n
    n.store.close()


BOUNDARIES = [0, 1, 255, 2**31, 2**53, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**256 - 1, 2**256]
BOUNDARIES += [2**300, -1, -(2**64)]


def _hex_variants(raw: bytes) -> st.SearchStrategy[str]:
    text = raw.hex()
    return st.sampled_from(
        ["0x" + text, "0X" + text.upper(), "0x" + text + "0", "0x " + text, "0x" + text + "\n"]
        + (["0x" + text[:2] + " " + text[2:], "0x-" + text, text] if text else [])
    )


hex_strings = st.one_of(
    st.sampled_from([0, 1, 2, 19, 20, 21, 31, 32, 33, 35, 65, 96]).flatmap(
        lambda n: st.binary(min_size=n, max_size=n)
    ),
    st.binary(max_size=8).map(lambda b: bytes([b[0] % 4]) + b[1:] if b else b),
).flatmap(_hex_variants)
numbers = st.sampled_from(BOUNDARIES) | st.integers()
quantities = numbers.map(lambda n: hex(n) if n >= 0 else str(n)) | numbers.map(str)
tags = st.sampled_from(["latest", "pending", "earliest", "safe", "finalized", "0x", "", "0x1.5"])
scalars = st.one_of(numbers, quantities, hex_strings, tags)
OBJECT_KEYS = [
    "from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "data",
    "input", "nonce", "accessList", "blockHash", "blockNumber", "fromBlock", "toBlock",
    "address", "topics", "storageKeys", "requireCanonical",
]  # fmt: skip
objects = st.dictionaries(
    st.sampled_from(OBJECT_KEYS),
    scalars | st.lists(scalars | st.lists(scalars, max_size=2), max_size=3),
    max_size=5,
)
parameters = st.one_of(
    # mostly what a parameter looks like, at every position and arity
    st.lists(st.one_of(scalars, objects, st.lists(scalars, max_size=3), json_values), max_size=4),
    json_values,  # not an array: a named error too
)


def _state(node: Node) -> Any:
    """What no refused request may change: heights, roots, hashes, the pending count."""
    return node.rpc.sync_methods["braid_status"]([])


def _call(node: Node, loop: asyncio.AbstractEventLoop, method: str, params: Any) -> Any:
    request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    reply = loop.run_until_complete(node.rpc.call(request))
    assert reply is not None
    return reply


def _fuzz(node: Node, loop: asyncio.AbstractEventLoop, method: str) -> Callable[[], None]:
    """A property of `method`: any parameters get a result or a named error, and a refusal (or
    a read) changes nothing."""
    submits = is_submission({**node.rpc.sync_methods, **node.rpc.async_methods}[method])

    @FUZZ
    @given(params=parameters)
    def fuzz(params: Any) -> None:
        note(f"{method}({json.dumps(params)[:300]})")
        before = _state(node)
        reply = _call(node, loop, method, params)
        if "error" in reply:
            assert reply["error"]["code"] != INTERNAL_ERROR, reply["error"]
            assert _state(node) == before
        elif not submits:
            assert _state(node) == before

    return fuzz


def test_every_method_answers_any_parameters_with_a_result_or_a_named_error(
    node: Node, monkeypatch: pytest.MonkeyPatch, subtests: pytest.Subtests
) -> None:
    monkeypatch.setattr("zkbraid.node.node.MAX_WAIT_MS", 5)  # braid_waitForTransaction
    methods = sorted({**node.rpc.sync_methods, **node.rpc.async_methods})
    assert len(methods) > 70 and "eth_getLogs" in methods and "braid_sendEnvelope" in methods
    loop = asyncio.new_event_loop()
    try:
        for method in methods:
            with subtests.test(method=method):
                _fuzz(node, loop, method)()
    finally:
        loop.close()


FAUCET = "0x" + Faucet(address=b"\x11" * 20, salt=b"\x22" * 16).encode().hex()
SIGNED_FAST = "0x02f86b827a6c80018502540be40082520894000000000000000000000000000000000000dead01"


@pytest.mark.parametrize(
    ("method", "params", "fragment"),
    [
        # numbers beyond what their store takes: a SQLite INTEGER, a packed 64-bit key
        ("braid_getBlock", [2**300], "height must be below 2^63"),
        ("braid_getBlock", [hex(2**63)], "height must be below 2^63"),
        ("braid_getBlocks", [2**300], "first must be below 2^63"),
        ("braid_getBatch", [2**64], "batch must be below 2^64"),
        ("braid_getAggregationJob", ["18446744073709551616"], "batch must be below 2^64"),
        ("braid_getDeposit", [2**64], "id must be below 2^64"),
        ("braid_getValidatorSet", [2**64], "nonce must be below 2^64"),
        ("zk_getNft", [-1], "nftId must not be negative"),
        ("eth_getBlockByNumber", [hex(2**63)], "block does not fit in 63 bits"),
        ("eth_getLogs", [{"fromBlock": hex(2**64)}], "fromBlock does not fit in 63 bits"),
        ("eth_call", [{"gas": hex(2**64)}], "gas does not fit in 64 bits"),
        ("eth_getTransactionByBlockNumberAndIndex", ["0x1", hex(2**64)], "index does not fit"),
        ("eth_feeHistory", [hex(2**64), "latest"], "blockCount does not fit in 64 bits"),
        # numbers and hex in one spelling only
        ("braid_getBlock", [" 1"], "height is not a number"),
        ("braid_getBlock", ["1_0"], "height is not a number"),
        ("braid_getBlock", [1.5], "height must be an integer"),
        ("braid_getBlock", [1, "yes"], "withTransactions must be true or false"),
        ("braid_getBlockByHash", ["0x" + "11" * 35], "hash must be 32 bytes, got 35"),
        ("braid_getTransaction", ["0x" + "1" * 63], "odd number of hex digits"),
        ("eth_sendRawTransaction", [SIGNED_FAST[:10] + " " + SIGNED_FAST[10:]], "not valid hex"),
        ("eth_sendRawTransaction", [SIGNED_FAST + "\n"], "not valid hex"),
        ("zk_sendRawTransaction", ["0x 10"], "not valid hex"),
        ("eth_getBalance", ["0x" + "11" * 20, "0x"], "not a hex quantity"),
        # lists a request may not make long
        ("eth_feeHistory", ["0x1", "latest", list(range(101))], "at most 100"),
        ("zk_getAccount", [0, list(range(65))], "at most 64 token ids"),
        # each submit method takes its own transactions only
        ("zk_submitProof", [FAUCET], "not a proof submission"),
        ("braid_sendMarketTx", [FAUCET], "not a market transaction"),
        ("braid_sendStakingTx", [FAUCET], "not a staking transaction"),
        ("braid_sendEnvelope", ["0x0000"], "BLOCK_MARKER is not a transaction a user submits"),
        ("braid_sendEnvelope", ["0x09"], "unknown transaction kind"),
        ("eth_sendRawTransaction", ["0x03" + FAUCET[2:]], "MalformedTransaction"),
    ],
)
def test_invalid_params_are_named(
    node: Node, method: str, params: list[Any], fragment: str
) -> None:
    loop = asyncio.new_event_loop()
    try:
        before = _state(node)
        error = _call(node, loop, method, params)["error"]
    finally:
        loop.close()
    assert error["code"] == -32602, error
    assert fragment in error["message"] or fragment == error["data"]["error"], error
    assert _state(node) == before


def test_heights_near_the_stores_bound_read_nothing(node: Node) -> None:
    blocks = node.rpc.sync_methods["braid_getBlocks"]
    assert blocks([2**63 - 1, 1000]) == [] and len(blocks([0, 1000])) == 2
    assert node.rpc.sync_methods["braid_getBlock"]([2**63 - 1]) is None
