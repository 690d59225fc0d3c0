"""Hostile input cannot stop a node (issue 21): a real `braid devnet` process survives bodies
that crashed it or that it should never have parsed, and still answers.

Before the fix, ~200 KB of `[` killed the process with SIGSEGV (json's recursion overflowed the
C stack), and a `text/plain` body, which any web page may POST to localhost without a CORS
preflight, was parsed and run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.integration.conftest import NodeProcess

ALLOWED = "http://localhost:3000"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def hostile_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A devnet node whose operator lets pages of ALLOWED call it (BRAID_CORS_ORIGINS)."""
    node = NodeProcess(tmp_path_factory.mktemp("hostile") / "data")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BRAID_CORS_ORIGINS", ALLOWED)
        node.start()
    yield node
    node.stop()


def _status(node: NodeProcess) -> dict[str, Any]:
    reply = requests.post(
        node.url, json={"jsonrpc": "2.0", "id": 1, "method": "braid_status"}, timeout=10
    ).json()
    result: dict[str, Any] = reply["result"]
    return result


def _alive(node: NodeProcess) -> dict[str, Any]:
    assert node.proc is not None and node.proc.poll() is None, "the node died"
    assert requests.get(node.url + "/health", timeout=10).json() == {"ok": True}
    return _status(node)


def test_invalid_deep_nesting_is_refused_and_the_node_lives(hostile_node: NodeProcess) -> None:
    before = _alive(hostile_node)
    for body in (b"[" * 200_000, b'{"a":' * 100_000, b"[" * 100 + b"]" * 100):
        reply = requests.post(hostile_node.url, data=body, headers=JSON, timeout=30).json()
        assert reply["error"]["code"] == -32700
        assert "deeper than 32 levels" in reply["error"]["message"]
    assert _alive(hostile_node) == before


def test_invalid_ten_megabytes_are_refused_unparsed(hostile_node: NodeProcess) -> None:
    body = b"[" + b"1," * (5 * 1024 * 1024) + b"1]"
    resp = requests.post(hostile_node.url, data=body, headers=JSON, timeout=60)
    assert resp.status_code == 413
    assert "exceeds the limit of 4194304 bytes" in resp.json()["error"]["message"]
    _alive(hostile_node)


def test_invalid_text_plain_is_not_run(hostile_node: NodeProcess) -> None:
    """What a web page may send to localhost without a preflight: refused, nothing admitted."""
    before = _alive(hostile_node)
    request = '{"jsonrpc": "2.0", "id": 1, "method": "braid_faucet", "params": ["0x' + "11" * 20
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        resp = requests.post(
            hostile_node.url,
            data=request + '"]}',
            headers={"Content-Type": content_type, "Origin": "http://evil.example"},
            timeout=10,
        )
        assert resp.status_code in (403, 415)
        resp = requests.post(
            hostile_node.url, data=request + '"]}', headers={"Content-Type": content_type}
        )
        assert resp.status_code == 415
        assert "Content-Type must be application/json" in resp.json()["error"]["message"]
    assert _alive(hostile_node)["pending"] == before["pending"]


def test_cross_origin_access_is_the_operators_choice(hostile_node: NodeProcess) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    evil = requests.options(
        hostile_node.url, headers={"Origin": "http://evil.example", **preflight}, timeout=10
    )
    assert evil.status_code == 403 and "Access-Control-Allow-Origin" not in evil.headers
    resp = requests.post(
        hostile_node.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "braid_status"},
        headers={"Origin": "http://evil.example"},
        timeout=10,
    )
    assert resp.status_code == 403 and "BRAID_CORS_ORIGINS" in resp.json()["error"]["message"]

    allowed = requests.options(hostile_node.url, headers={"Origin": ALLOWED, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    resp = requests.post(
        hostile_node.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "braid_status"},
        headers={"Origin": ALLOWED},
        timeout=10,
    )
    assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED and "result" in resp.json()
    # the node's own pages (/prover/) are same-origin
    own = requests.post(
        hostile_node.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "braid_status"},
        headers={"Origin": hostile_node.url},
        timeout=10,
    )
    assert "result" in own.json()
    # DNS rebinding: a page of rebind.example, resolved to the node, is same-origin to the browser
    rebound = requests.post(
        hostile_node.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "braid_status"},
        headers={"Host": f"rebind.example:{hostile_node.port}"},
        timeout=10,
    )
    assert rebound.status_code == 403 and "BRAID_RPC_HOSTS" in rebound.json()["error"]["message"]
    _alive(hostile_node)
