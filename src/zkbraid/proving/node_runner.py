"""A long-lived node process running js/snarkjs_runner.cjs: circom's witness generator and
snarkjs, one JSON line per request.

Starting node and loading snarkjs costs about half a second, so a prover keeps one process and
sends it every job. The witness comes from circom's own generator (the circuit's wasm), which
stops on the first failed assertion: that is reported as `CircuitRejected` and no proof is made.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

from zkbraid.proving.artifacts import CIRCUITS_DIR
from zkbraid.proving.errors import CircuitRejected, ToolError
from zkbraid.proving.tools import runner_command

_TEMPLATE_LINE = re.compile(r"Error in template (\w+) line: (\d+)")


class NodeRunner:
    """One `snarkjs_runner.cjs serve` process; thread-safe, restarted if it dies."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            try:
                self._process = subprocess.Popen(
                    [*runner_command(), "serve"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    bufsize=1,
                )
            except OSError as exc:
                raise ToolError(f"cannot start node for snarkjs: {exc}") from None
        return self._process

    def call(self, cmd: str, *args: str | Path) -> Any:
        """Runs one command of the runner and returns its result.

        Raises `CircuitRejected` when the circuit refused the input (with the template and line
        of the failed assertion) and `ToolError` for any other failure.
        """
        request = json.dumps({"cmd": cmd, "args": [str(a) for a in args]})
        with self._lock:
            process = self._ensure()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(request + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except OSError as exc:
                raise ToolError(f"the snarkjs runner died: {exc}") from None
            if not line:
                process.kill()
                raise ToolError(f"the snarkjs runner exited during {cmd}")
        reply = json.loads(line)
        if "error" in reply:
            message = str(reply["error"])
            if reply.get("refused"):
                raise CircuitRejected(describe_assertion(message))
            raise ToolError(f"snarkjs {cmd} failed: {message}")
        return reply["ok"]

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                assert self._process.stdin is not None
                self._process.stdin.close()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None

    def __enter__(self) -> NodeRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def describe_assertion(message: str) -> str:
    """A failed-assertion message of the witness generator, naming the rule that failed.

    circom reports the failing templates innermost first; the outermost one is the main
    template `ZkTx`, whose line in circuits/zk_tx.circom is the rule (its comment says which).
    """
    frames = _TEMPLATE_LINE.findall(message)
    if not frames:
        return f"the circuit refused the witness: {message.strip()}"
    chain = " <- ".join(f"{template}:{line}" for template, line in frames)
    template, line = frames[-1]
    rule = ""
    if template.startswith("ZkTx"):
        source = CIRCUITS_DIR / "zk_tx.circom"
        try:
            text = source.read_text().splitlines()[int(line) - 1].strip()
        except (OSError, IndexError):
            text = ""
        rule = f" circuits/zk_tx.circom:{line}: {text}" if text else ""
    return f"the circuit refused the witness ({chain}).{rule}"


__all__ = ["NodeRunner", "describe_assertion"]
