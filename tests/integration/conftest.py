"""Integration fixtures: real `braid devnet` node processes on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from zkbraid import ports
from zkbraid.proving.artifacts import OWNERSHIP, CircuitKeys
from zkbraid.proving.build import build_dev_keys

ROOT = Path(__file__).resolve().parents[2]
BRAID = [sys.executable, "-m", "zkbraid.cli.main"]


def free_port() -> int:
    """A free port below the ephemeral range (zkbraid/ports.py)."""
    return ports.free_port()


class NodeProcess:
    """A `braid devnet` process with its data dir; restartable, killable."""

    def __init__(self, data_dir: Path, extra: list[str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.l1_port = free_port()
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"{data_dir.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        cmd = [
            *BRAID,
            "devnet",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--l1-port",
            str(self.l1_port),
            *([] if "--agent" in self.extra else ["--no-agent"]),
            *[e for e in self.extra if e != "--agent"],
        ]
        logf = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node exited early:\n{self.log.read_text()[-4000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"node did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None


def until(what: str, check: Callable[[], Any], timeout: float = 120.0) -> Any:
    """Polls `check` until it returns something truthy, and returns that (AssertionError on
    timeout, naming `what`)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def market_node(data_dir: Path, market: dict[str, int]) -> NodeProcess:
    """A started devnet node with fast blocks every 20 ms, ZK blocks every 300 ms and these
    proving-market parameters (`braid devnet --market NAME=VALUE`)."""
    extra = ["--fast-block-ms", "20", "--zk-block-ms", "300"]
    for name, value in market.items():
        extra += ["--market", f"{name}={value}"]
    node = NodeProcess(data_dir, extra)
    node.start()
    return node


@pytest.fixture(scope="session", autouse=True)
def proving_keys() -> CircuitKeys:
    """The circuits' development keys, built (about six minutes on a fresh machine, then
    cached under build/circuits/) before any node starts, since nodes load them at start: the
    transaction circuit's and the ownership circuit's."""
    build_dev_keys(circuit=OWNERSHIP)
    return build_dev_keys()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """One devnet node shared by a test module (fast blocks every 20 ms, ZK every 300 ms)."""
    n = NodeProcess(
        tmp_path_factory.mktemp("node") / "data",
        ["--fast-block-ms", "20", "--zk-block-ms", "300"],
    )
    n.start()
    yield n
    n.stop()
