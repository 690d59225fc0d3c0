"""The RPC server runs `@submits` methods on worker threads when the engine's submission blocks
(CometBFT), and every method on the event loop's thread otherwise (api/server.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from tests.unit.api.conftest import new_world
from zkbraid.api import braid_methods, market_methods, staking_methods, zk_methods
from zkbraid.api.jsonrpc import Params, is_submission, submits
from zkbraid.api.server import RpcServer
from zkbraid.fast.rpc.methods import EthApi


def _server(offload: bool) -> tuple[RpcServer, dict[str, str]]:
    seen: dict[str, str] = {}

    @submits
    def send(params: Params) -> str:
        seen["send"] = threading.current_thread().name
        return "sent"

    def read(params: Params) -> str:
        seen["read"] = threading.current_thread().name
        return "read"

    server = RpcServer({"send": send, "read": read}, {}, offload_submissions=offload)
    return server, seen


def _call(server: RpcServer, method: str) -> Any:
    reply = asyncio.run(server.call({"jsonrpc": "2.0", "id": 1, "method": method}))
    assert reply is not None
    return reply["result"]


def test_submissions_run_on_worker_threads_only_when_offloaded() -> None:
    main = threading.current_thread().name
    server, seen = _server(offload=True)
    assert _call(server, "send") == "sent" and _call(server, "read") == "read"
    assert seen["send"] != main and seen["read"] == main
    server, seen = _server(offload=False)
    assert _call(server, "send") == "sent" and seen["send"] == main


SUBMITTING = {
    "zk_sendRawTransaction",
    "zk_submitProof",
    "braid_faucet",
    "braid_sendEnvelope",
    "braid_sendMarketTx",
    "braid_sendStakingTx",
}


def test_the_api_marks_exactly_the_methods_that_submit(tmp_path: Path) -> None:
    view = new_world(tmp_path).view
    built = {
        **braid_methods.build(view),
        **zk_methods.build(view),
        **market_methods.build(view),
        **staking_methods.build(view),
    }
    assert {name for name, fn in built.items() if is_submission(fn)} == SUBMITTING
    assert is_submission(EthApi.eth_sendRawTransaction)
    assert not is_submission(EthApi.eth_call)
