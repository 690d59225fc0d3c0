"""The devnet's helpers start before their node answers (or while it restarts: under
`braid devnet --validators N` the first validator may be killed as they start): the prover
worker and the submission agent wait for it and say so, instead of exiting."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from zkbraid.proving.worker import ProverWorker
from zkbraid.sdk.client import BraidClient, Wallet


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens once closed


def test_the_prover_worker_waits_for_its_node() -> None:
    lines: list[str] = []
    worker = ProverWorker(
        BraidClient(_dead_url(), timeout=2),
        Wallet.dev(8),
        prover=None,  # type: ignore[arg-type]  # never reached: it never joins
        report=lines.append,
    )
    stop = threading.Event()
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(worker.run(stop)))
    t.start()
    deadline = time.monotonic() + 30
    while not lines and time.monotonic() < deadline:
        time.sleep(0.05)
    assert t.is_alive(), "the worker gave up on its node"
    stop.set()
    t.join(timeout=30)
    assert result and result[0].proofs == 0
    assert len(lines) == 1 and "no zkbraid node answers" in lines[0] and "waiting" in lines[0]


def test_the_agent_waits_for_its_node() -> None:
    argv = ["--rpc", _dead_url(), "agent", "run", "--key", "dev:9"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "zkbraid.cli.main", *argv],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "no zkbraid node answers" in line and "waiting for it" in line
        assert proc.poll() is None, "the agent exited"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
