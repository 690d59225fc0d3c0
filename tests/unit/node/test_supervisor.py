"""The supervisor of a devnet's processes (node/supervisor.py): a child that fails is started
again after a doubling backoff, up to its limit; a clean exit (an operator's stop) is not; every
event is reported; the state file tells `braid_network` each child's state and restarts."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from zkbraid import processes
from zkbraid.node.supervisor import STATE_FILE, RestartPolicy, Supervisor, read_states

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def _exits(code: int) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.exit({code})"]


def _poll_until(sup: Supervisor, check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        sup.poll()
        time.sleep(0.02)


def _sup(tmp_path: Path, policy: RestartPolicy, lines: list[str]) -> Supervisor:
    return Supervisor(tmp_path / STATE_FILE, policy, lines.append, lambda c: " (note)")


def test_a_killed_child_is_restarted_and_reported(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = _sup(tmp_path, RestartPolicy(backoff_s=0.05), lines)
    try:
        child = sup.add(
            "v1", SLEEPER, tmp_path / "v1.log", tmp_path / "v1.pid", processes.argv_has("x")
        )
        first = child.pid
        assert first is not None and processes.read_pid(tmp_path / "v1.pid") == first
        assert read_states(tmp_path)["v1"]["state"] == "up"
        child.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        _poll_until(sup, lambda: child.restarts == 1 and child.state == "up")
        assert child.pid != first and processes.read_pid(tmp_path / "v1.pid") == child.pid
        assert lines[0] == (
            f"v1 exited with code -9 (note); restarting it in 0.05 s (log {tmp_path / 'v1.log'})"
        )
        assert lines[1] == "v1: restarting (restart 1)"
        state = read_states(tmp_path)["v1"]
        assert state == {
            "state": "up",
            "pid": child.pid,
            "restarts": 1,
            "lastExit": -9,
            "log": str(tmp_path / "v1.log"),
        }
    finally:
        sup.stop_all(grace_s=5)
    assert read_states(tmp_path)["v1"]["state"] == "stopped"
    assert not (tmp_path / "v1.pid").exists()


def test_backoff_doubles_and_the_supervisor_gives_up_at_its_limit(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = _sup(tmp_path, RestartPolicy(limit=3, backoff_s=0.01, max_backoff_s=0.03), lines)
    child = sup.add("v2", _exits(3), tmp_path / "v2.log", tmp_path / "v2.pid", lambda a: False)
    _poll_until(sup, lambda: child.state == "given up")
    assert child.restarts == 3
    delays = [
        line.split("restarting it in ")[1].split(" s")[0] for line in lines if "it in " in line
    ]
    assert delays == ["0.01", "0.02", "0.03"]  # doubling, capped
    assert lines[-1].startswith("v2 exited with code 3 (note); it was restarted 3 times within")
    assert read_states(tmp_path)["v2"]["state"] == "given up"
    sup.poll()
    assert child.restarts == 3  # for good


def test_a_clean_exit_is_an_operators_stop(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = _sup(tmp_path, RestartPolicy(backoff_s=0.01), lines)
    child = sup.add("v3", _exits(0), tmp_path / "v3.log", tmp_path / "v3.pid", lambda a: False)
    _poll_until(sup, lambda: child.state == "stopped")
    assert lines == ["v3 stopped (note); not restarting it (it was asked to stop)"]


def test_limit_zero_never_restarts(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = _sup(tmp_path, RestartPolicy(limit=0), lines)
    child = sup.add("v0", _exits(1), tmp_path / "v0.log", tmp_path / "v0.pid", lambda a: False)
    _poll_until(sup, lambda: child.state == "given up")
    assert lines == ["v0 exited with code 1 (note); not restarting it (--restart-limit 0)"]
    assert child.restarts == 0


def test_a_process_an_earlier_run_left_is_ended_first(tmp_path: Path) -> None:
    marker = str(tmp_path / "marker")
    stale = subprocess.Popen([*SLEEPER, marker])
    deadline = time.monotonic() + 30
    while processes.command_line(stale.pid) != [*SLEEPER, marker]:  # exec'd
        assert time.monotonic() < deadline
        time.sleep(0.01)
    processes.write_pid(tmp_path / "v1.pid", stale.pid)
    lines: list[str] = []
    sup = _sup(tmp_path, RestartPolicy(), lines)
    try:
        sup.add(
            "v1",
            [*SLEEPER, marker],
            tmp_path / "v1.log",
            tmp_path / "v1.pid",
            processes.argv_has(marker),
        )
        assert stale.wait(timeout=15) == -signal.SIGTERM
        assert lines == [f"v1: ended pid {stale.pid}, left running by an earlier run"]
    finally:
        sup.stop_all(grace_s=5)


def test_states_of_a_supervisor_that_is_gone_are_not_shown(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text(
        '{"supervisor": 999999999, "children": {"v0": {"state": "up"}}}'
    )
    assert read_states(tmp_path) == {}
    (tmp_path / ("v1." + STATE_FILE)).write_text("not json")
    assert read_states(tmp_path) == {}


def test_children_that_die_together_are_told_together(tmp_path: Path) -> None:
    """Two validators killed at once: each line tells what is left with both gone."""
    lines: list[str] = []
    sup = Supervisor(
        tmp_path / STATE_FILE,
        RestartPolicy(limit=0),
        lines.append,
        lambda c: f" ({len(sup.up())} up)",
    )
    try:
        kids = [
            sup.add(n, SLEEPER, tmp_path / f"{n}.log", tmp_path / f"{n}.pid", lambda a: False)
            for n in ("v0", "v1", "v2", "v3")
        ]
        for c in kids[:2]:
            c.proc.kill()  # type: ignore[union-attr]
            c.proc.wait()  # type: ignore[union-attr]
        sup.poll()
        assert [line.split(";")[0] for line in lines] == [
            "v0 exited with code -9 (2 up)",
            "v1 exited with code -9 (2 up)",
        ]
    finally:
        sup.stop_all(grace_s=5)


def test_the_launchers_lines_say_whether_the_chain_goes_on() -> None:
    """CometBFT commits with more than two thirds of the power: three of four equal validators
    go on, two halt (no node answers here: equal powers, as at the devnet's genesis)."""
    from zkbraid.cli.network import quorum_note
    from zkbraid.node.network import layout

    spec = layout(4, 1)  # ports nothing listens on
    assert quorum_note(spec, ["v0", "v1", "v3"]) == (
        " (3 of 4 validators run, 75% of the power: the chain goes on)"
    )
    assert quorum_note(spec, ["v0", "v3"]) == (
        " (2 of 4 validators run, 50% of the power: two thirds or less, the chain has halted"
        " until validators return)"
    )
