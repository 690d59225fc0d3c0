"""Supervision of a devnet's processes: a child that dies is started again, after a backoff that
doubles with each quick death, until too many deaths in a window make the supervisor give up;
every event is a log line, and the state of every child is kept in `supervisor.json` next to
the network's layout, where `braid_network` (and so `braid status`) reads it.

`braid devnet --validators N` supervises its validators (`<data dir>/supervisor.json`);
`braid node --supervise` one node (`<data dir>/<name>.supervisor.json`).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkbraid import processes

STATE_FILE = "supervisor.json"


@dataclass(frozen=True)
class RestartPolicy:
    """When a child that died is started again.

    A child that exits with code 0 was asked to stop (SIGTERM, Ctrl-C) and stays down; one
    that fails (a code, a signal) is started again. The n-th restart in a row waits
    `backoff_s · 2^(n-1)`, at most `max_backoff_s`; a child that ran `stable_s` is no longer
    "in a row". After `limit` restarts within `window_s` the supervisor gives up on the child
    (0: never restart)."""

    limit: int = 10
    window_s: float = 600.0
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    stable_s: float = 60.0


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    log_path: Path
    pid_path: Path
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    state: str = "starting"
    """starting, up, exited (being handled), restarting (waiting out its backoff), given up,
    stopped"""
    restarts: int = 0
    in_a_row: int = 0
    started_at: float = 0.0
    next_start: float = 0.0
    last_exit: int | None = None
    recent: deque[float] = field(default_factory=deque)

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "pid": self.pid if self.state == "up" else None,
            "restarts": self.restarts,
            "lastExit": self.last_exit,
            "log": str(self.log_path),
        }


class Supervisor:
    """Starts children, and restarts the ones that die by `policy`; `poll()` often."""

    def __init__(
        self,
        state_path: Path,
        policy: RestartPolicy,
        report: Callable[[str], None],
        on_exit: Callable[[Child], str] = lambda _c: "",
    ) -> None:
        """`report`: where the log lines go; `on_exit`: what to add to the line of a child's
        death (e.g. whether the chain goes on)."""
        self.state_path = state_path
        self.policy = policy
        self.report = report
        self.on_exit = on_exit
        self.children: dict[str, Child] = {}

    def add(
        self,
        name: str,
        argv: list[str],
        log_path: Path,
        pid_path: Path,
        matches: Callable[[Sequence[str]], bool],
        env: dict[str, str] | None = None,
    ) -> Child:
        """Ends what an earlier run left running under `pid_path` (when its command line
        `matches`), then starts the child."""
        stale = processes.end_stale(pid_path, matches, name)
        if stale is not None:
            self.report(f"{name}: ended pid {stale}, left running by an earlier run")
        child = Child(name, argv, log_path, pid_path, env)
        self.children[name] = child
        self._spawn(child)
        return child

    def _spawn(self, child: Child) -> None:
        with open(child.log_path, "ab") as logf:
            child.proc = subprocess.Popen(
                child.argv,
                stdout=logf,
                stderr=subprocess.STDOUT,
                env=None if child.env is None else {**os.environ, **child.env},
                preexec_fn=processes.die_with_parent(),
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops them in order
            )
        processes.write_pid(child.pid_path, child.proc.pid)
        child.state = "up"
        child.started_at = time.monotonic()
        self.save()

    def poll(self) -> list[Child]:
        """Notices deaths and starts what waited out its backoff; returns the children that
        died since the last poll."""
        now = time.monotonic()
        died = [
            c
            for c in self.children.values()
            if c.state == "up" and c.proc is not None and c.proc.poll() is not None
        ]
        for child in died:
            child.state = "exited"  # all of them, before any line tells what is left running
        for child in died:
            self._died(child, now)
        for child in self.children.values():
            if child.state == "restarting" and now >= child.next_start:
                child.restarts += 1
                self.report(f"{child.name}: restarting (restart {child.restarts})")
                self._spawn(child)
        return died

    def _died(self, child: Child, now: float) -> None:
        assert child.proc is not None
        child.last_exit = child.proc.returncode
        processes.remove_pid(child.pid_path, child.proc.pid)
        policy = self.policy
        if now - child.started_at >= policy.stable_s:
            child.in_a_row = 0
        while child.recent and now - child.recent[0] > policy.window_s:
            child.recent.popleft()
        what = f"{child.name} exited with code {child.last_exit}"
        extra = self.on_exit(child)
        if child.last_exit == 0:
            # a node stops cleanly only when asked to (SIGTERM, Ctrl-C): an operator's stop
            child.state = "stopped"
            self.report(f"{child.name} stopped{extra}; not restarting it (it was asked to stop)")
        elif policy.limit == 0:
            child.state = "given up"
            self.report(f"{what}{extra}; not restarting it (--restart-limit 0)")
        elif len(child.recent) >= policy.limit:
            child.state = "given up"
            self.report(
                f"{what}{extra}; it was restarted {len(child.recent)} times within"
                f" {policy.window_s:g} s: not restarting it (see {child.log_path})"
            )
        else:
            delay = min(policy.backoff_s * 2**child.in_a_row, policy.max_backoff_s)
            child.in_a_row += 1
            child.recent.append(now)
            child.state = "restarting"
            child.next_start = now + delay
            self.report(f"{what}{extra}; restarting it in {delay:g} s (log {child.log_path})")
        self.save()

    def stop_all(self, grace_s: float = processes.STOP_GRACE_S * 2) -> None:
        """SIGTERM to every child, then waits up to `grace_s` for each before a SIGKILL."""
        running = [c for c in self.children.values() if c.proc is not None]
        for c in running:
            c.state = "stopped"
            if c.proc is not None and c.proc.poll() is None:
                c.proc.terminate()
        for c in running:
            assert c.proc is not None
            processes.stop(c.proc, grace_s)
            processes.remove_pid(c.pid_path, c.proc.pid)
        self.save()

    def up(self) -> list[str]:
        return [c.name for c in self.children.values() if c.state == "up"]

    def save(self) -> None:
        doc = {
            "supervisor": os.getpid(),
            "updatedMs": int(time.time() * 1000),
            "children": {name: c.json() for name, c in self.children.items()},
        }
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, self.state_path)


def read_states(network_dir: Path) -> dict[str, dict[str, Any]]:
    """The state of every supervised node of the network in `network_dir`, by name: the
    launcher's and each `braid node --supervise`'s (only those of supervisors still running)."""
    states: dict[str, dict[str, Any]] = {}
    for path in sorted(network_dir.glob("*" + STATE_FILE)):
        states.update(_read_state(path))
    return states


def _read_state(path: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    pid = doc.get("supervisor")
    if not isinstance(pid, int) or not processes.alive(pid):
        return {}
    children = doc.get("children")
    return children if isinstance(children, dict) else {}
