"""Shared pieces of the benchmarks: a node process on a free port, percentiles, reporting."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import Any

import requests


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


class BenchNode:
    """A `braid devnet` subprocess in a temporary data dir, for the duration of a `with`."""

    def __init__(self, *extra: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="braid-bench-")
        self._extra = list(extra)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BenchNode:
        log = open(os.path.join(self._tmp.name, "node.log"), "wb")
        cmd = [sys.executable, "-m", "zkbraid.cli.main", "devnet", "--log-level", "warning"]
        cmd += ["--data-dir", os.path.join(self._tmp.name, "data"), "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd + self._extra, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("bench node did not start")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._tmp.cleanup()


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n== {title}")
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


class AsyncRpc:
    """A JSON-RPC client on one aiohttp keep-alive connection: cheap enough that one process
    can load the node without becoming the bottleneck (Python threads would queue on the GIL)."""

    def __init__(self, session: Any, url: str) -> None:
        self._session = session
        self._url = url
        self._id = 0

    async def call(self, method: str, *params: Any) -> Any:
        self._id += 1
        body = {"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}
        async with self._session.post(self._url, json=body) as resp:
            reply = await resp.json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]
