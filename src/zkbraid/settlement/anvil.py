"""A local L1: anvil (npm `@foundry-rs/anvil-linux-amd64`, pinned in package.json), started as a
child process on a free port for devnets and tests. In production the node talks to any
Ethereum JSON-RPC endpoint instead."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from zkbraid import ports, processes
from zkbraid.proving.artifacts import NODE_MODULES

ANVIL = NODE_MODULES / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
DEV_MNEMONIC = "test test test test test test test test test test test junk"


class AnvilMissing(RuntimeError):
    """The anvil binary is not installed (scripts/install.sh runs `npm ci`)."""


def free_port() -> int:
    """A free port below the ephemeral range (zkbraid/ports.py)."""
    return ports.free_port()


class Anvil:
    """An anvil process: `with Anvil() as l1: l1.url`."""

    def __init__(
        self,
        *,
        port: int | None = None,
        chain_id: int = 31337,
        block_time_s: float | None = None,
        log_path: Path | None = None,
        state_path: Path | None = None,
        pid_path: Path | None = None,
    ) -> None:
        """`block_time_s`: mine a block every so many seconds (None: one block a transaction);
        `state_path`: keep the chain in this file across restarts; `pid_path`: where its process
        id is kept, so an anvil left running by a killed devnet is ended at the next start."""
        self.port = port or free_port()
        self.chain_id = chain_id
        self.block_time_s = block_time_s
        self.log_path = log_path
        self.state_path = state_path
        self.pid_path = pid_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 20.0) -> None:
        """Starts anvil and waits until it answers.

        Raises AnvilMissing, RuntimeError (it exited or did not answer in time).
        """
        if not ANVIL.exists():
            raise AnvilMissing(f"{ANVIL} is missing: run scripts/install.sh (npm ci)")
        if self.pid_path is not None:
            processes.end_stale(
                self.pid_path,
                processes.argv_has("anvil", "--port", str(self.port)),
                f"anvil on port {self.port}",
            )
        self._wait_for_port(timeout_s)
        cmd = [
            str(ANVIL),
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--mnemonic",
            DEV_MNEMONIC,
            "--silent",
        ]
        if self.block_time_s is not None:
            cmd += ["--block-time", str(self.block_time_s)]
        if self.state_path is not None:
            # loaded at start, dumped every second and at exit (a killed devnet loses at most 1 s)
            cmd += ["--state", str(self.state_path), "--state-interval", "1"]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        # SIGTERM when the devnet dies, even by SIGKILL: anvil saves its chain on the way out
        self.proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=processes.die_with_parent()
        )
        if self.pid_path is not None:
            processes.write_pid(self.pid_path, self.proc.pid)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"anvil exited with code {self.proc.returncode}")
            try:
                body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}
                if requests.post(self.url, json=body, timeout=1).ok:
                    if self.proc.poll() is not None:
                        raise RuntimeError(f"anvil exited with code {self.proc.returncode}")
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"anvil did not answer on {self.url} within {timeout_s} s")

    def _wait_for_port(self, timeout_s: float) -> None:
        """Waits for the port to be free: an anvil of a killed node may still be saving its
        chain; another L1 answering here would be taken for ours.

        Raises RuntimeError: the port stays in use.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            with socket.socket() as probe:
                # connections closing in TIME_WAIT do not hold the port; a listener does
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", self.port))
                    return
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"port {self.port} is in use: choose another L1 port"
                        ) from None
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM (anvil saves its chain), SIGKILL after processes.STOP_GRACE_S."""
        if self.proc is not None:
            processes.stop(self.proc)
            if self.pid_path is not None:
                processes.remove_pid(self.pid_path, self.proc.pid)
        self.proc = None

    def __enter__(self) -> Anvil:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = ["ANVIL", "Anvil", "AnvilMissing", "free_port"]
