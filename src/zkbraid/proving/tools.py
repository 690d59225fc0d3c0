"""Running the external tools of the proving stack: node with circom2 and snarkjs (npm, pinned).

Long steps report progress: a heartbeat line every `HEARTBEAT_SECONDS` while the tool runs, so a
several-minute key build never looks hung.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from zkbraid.proving.artifacts import NODE_MODULES, SNARKJS_RUNNER
from zkbraid.proving.errors import ToolError

Progress = Callable[[str], None]
HEARTBEAT_SECONDS = 20.0


def stderr_progress(message: str) -> None:
    """The default progress sink: one line on stderr."""
    print(f"[zkbraid proving] {message}", file=sys.stderr, flush=True)


def quiet(message: str) -> None:
    """A progress sink that drops everything."""


def node_binary() -> str:
    """The `node` executable (raises `ToolError` if it is not on PATH)."""
    node = shutil.which("node")
    if node is None:
        raise ToolError("node is not installed or not on PATH (Node.js 18+ is required)")
    return node


def circom_cli() -> Path:
    return _npm_file("circom2", "cli.js")


def snarkjs_cli() -> Path:
    return _npm_file("snarkjs", "build", "cli.cjs")


def _npm_file(*parts: str) -> Path:
    path = NODE_MODULES.joinpath(*parts)
    if not path.is_file():
        raise ToolError(f"{path} is missing: install the npm packages (scripts/install.sh)")
    return path


def run_tool(
    args: Sequence[str | Path],
    *,
    what: str,
    progress: Progress = quiet,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs a tool to completion, with heartbeats on `progress` while it runs.

    Raises `ToolError` with the tool's output when it fails or times out.
    """
    started = time.monotonic()
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            progress(f"  … {what}: {time.monotonic() - started:.0f} s")

    ticker = threading.Thread(target=heartbeat, daemon=True)
    ticker.start()
    try:
        result = subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolError(f"{what} did not finish within {timeout} s") from None
    except OSError as exc:
        raise ToolError(f"{what} could not start: {exc}") from None
    finally:
        done.set()
        ticker.join()
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise ToolError(f"{what} failed (exit {result.returncode}):\n{output[-4000:]}")
    return result


def snarkjs(
    *args: str | Path, what: str, progress: Progress = quiet, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the snarkjs command line (`node node_modules/snarkjs/build/cli.cjs …`)."""
    return run_tool(
        [node_binary(), snarkjs_cli(), *args], what=what, progress=progress, timeout=timeout
    )


def runner_command() -> list[str]:
    """The command of zkbraid's snarkjs bridge (js/snarkjs_runner.cjs)."""
    return [node_binary(), str(SNARKJS_RUNNER)]


__all__ = [
    "HEARTBEAT_SECONDS",
    "Progress",
    "circom_cli",
    "node_binary",
    "quiet",
    "run_tool",
    "runner_command",
    "snarkjs",
    "snarkjs_cli",
    "stderr_progress",
]
