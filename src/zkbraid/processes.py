"""Child processes that never outlive their purpose: they die with their parent, they are
stopped with an escalation, and one left behind by a killed parent is found and ended.

Every long-lived child of zkbraid (a node's CometBFT, the devnet's anvil, the launcher's
validators, the devnet's agent and prover) is started with `die_with_parent`, and its process
id is written to a pid file next to its data. A parent killed with SIGKILL runs no code, so the
next start reads the pid file and ends what is still running there (`end_stale`) — but only a
process whose command line is the one recorded, so a recycled pid is never touched.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger("zkbraid.processes")

STOP_GRACE_S = 10.0
"""How long a child is given to exit after SIGTERM before it is sent SIGKILL. CometBFT v0.38
can hang for ever after SIGTERM once its ABCI connections are gone (FACTS.md); nothing of
ours needs longer to save its state."""

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A `preexec_fn` that makes the child get `sig` when its parent dies, even by SIGKILL
    (Linux's PR_SET_PDEATHSIG; elsewhere nothing). The signal follows the parent *thread*
    that started the child: start long-lived children from a thread that lives as long."""

    def preexec() -> None:
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)

    return preexec


def stop(proc: subprocess.Popen[bytes], grace_s: float = STOP_GRACE_S) -> int:
    """Ends `proc`: SIGTERM, then SIGKILL after `grace_s`; returns its exit code."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            log.warning(
                "pid %d did not exit %g s after SIGTERM: sending SIGKILL", proc.pid, grace_s
            )
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
    return proc.returncode


def command_line(pid: int) -> list[str] | None:
    """The arguments of a running process (None: no such process, or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if not raw:
        return None  # a zombie, or a kernel thread
    return raw.rstrip(b"\0").decode(errors="replace").split("\0")


def alive(pid: int) -> bool:
    """The process runs (it exists and is no zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def write_pid(path: Path, pid: int) -> None:
    """Records `pid` in `path` (atomically: a reader never sees half a number)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{pid}\n")
    os.replace(tmp, path)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def remove_pid(path: Path, pid: int) -> None:
    """Removes `path` if it still names `pid` (a newer process may have replaced it)."""
    if read_pid(path) == pid:
        with contextlib.suppress(OSError):
            path.unlink()


def end_stale(
    pid_file: Path,
    matches: Callable[[Sequence[str]], bool],
    what: str,
    grace_s: float = STOP_GRACE_S,
) -> int | None:
    """Ends the process `pid_file` names if it still runs and its command line `matches` (the
    same program on the same data), SIGTERM then SIGKILL after `grace_s`; removes the file.
    Returns the pid it ended (None: nothing was running)."""
    pid = read_pid(pid_file)
    if pid is None or pid == os.getpid():
        return None
    argv = command_line(pid)
    if argv is None or not alive(pid) or not matches(argv):
        with contextlib.suppress(OSError):
            pid_file.unlink()
        return None
    log.warning("%s of an earlier run is still running (pid %d): ending it", what, pid)
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        log.warning("%s (pid %d) ignored SIGTERM for %g s: sending SIGKILL", what, pid, grace_s)
        _signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    with contextlib.suppress(OSError):
        pid_file.unlink()
    return pid


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def argv_has(*fragments: str) -> Callable[[Sequence[str]], bool]:
    """A command-line matcher for `end_stale`: every fragment is one of the arguments, or the
    end of one (a program's path)."""

    def matches(argv: Sequence[str]) -> bool:
        return all(any(a == f or a.endswith("/" + f) for a in argv) for f in fragments)

    return matches
