"""Child processes (zkbraid/processes.py): stopping escalates to SIGKILL, a process an earlier
run left behind is ended only when its command line is the recorded one, a child dies with its
parent; and the test session's own check that nothing is left running (tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from zkbraid import processes

# a process that ignores SIGTERM, as a hung CometBFT does
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)",
]


def _stubborn(*tag: str) -> subprocess.Popen[bytes]:
    code = "import signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('ready', flush=True)\ntime.sleep(600)\n"
    proc = subprocess.Popen([sys.executable, "-c", code, *tag], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


def test_stop_escalates_to_sigkill_after_the_grace() -> None:
    proc = _stubborn()
    t0 = time.monotonic()
    code = processes.stop(proc, grace_s=0.5)
    assert code == -signal.SIGKILL
    assert time.monotonic() - t0 >= 0.5


def test_stop_of_a_process_that_obeys_sigterm() -> None:
    proc = subprocess.Popen(["sleep", "600"])
    assert processes.stop(proc, grace_s=10) == -signal.SIGTERM


def test_end_stale_ends_the_recorded_process_even_when_it_ignores_sigterm(tmp_path: Path) -> None:
    proc = _stubborn("start", "--home", str(tmp_path))
    pid_file = tmp_path / "x.pid"
    processes.write_pid(pid_file, proc.pid)
    ended = processes.end_stale(
        pid_file, processes.argv_has("start", "--home", str(tmp_path)), "x", grace_s=0.3
    )
    assert ended == proc.pid
    assert proc.wait(timeout=10) == -signal.SIGKILL
    assert not pid_file.exists()


def test_end_stale_leaves_another_program_alone(tmp_path: Path) -> None:
    """A pid file whose pid now belongs to something else (a recycled pid) ends nothing."""
    proc = subprocess.Popen(["sleep", "600"])
    try:
        pid_file = tmp_path / "x.pid"
        processes.write_pid(pid_file, proc.pid)
        assert processes.end_stale(pid_file, processes.argv_has("cometbft"), "x") is None
        assert proc.poll() is None
        assert not pid_file.exists()  # it named nothing of ours
    finally:
        processes.stop(proc)


def test_end_stale_without_a_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    assert processes.end_stale(pid_file, processes.argv_has("x"), "x") is None
    proc = subprocess.Popen(["true"])
    proc.wait()
    processes.write_pid(pid_file, proc.pid)
    assert processes.end_stale(pid_file, processes.argv_has("true"), "x") is None
    pid_file.write_text("garbage\n")
    assert processes.end_stale(pid_file, processes.argv_has("x"), "x") is None


def test_remove_pid_keeps_a_newer_processes_file(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    processes.write_pid(pid_file, 123)
    processes.remove_pid(pid_file, 456)
    assert processes.read_pid(pid_file) == 123
    processes.remove_pid(pid_file, 123)
    assert not pid_file.exists()


def test_a_child_dies_with_its_parent_even_by_sigkill(tmp_path: Path) -> None:
    """The parent starts a child with die_with_parent(SIGKILL) and is killed with SIGKILL."""
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import signal, subprocess, sys, time
                from zkbraid import processes
                child = subprocess.Popen({STUBBORN!r},
                    preexec_fn=processes.die_with_parent(signal.SIGKILL))
                open({str(pid_file)!r}, "w").write(str(child.pid))
                time.sleep(600)
                """
            ),
        ]
    )
    deadline = time.monotonic() + 30
    while processes.read_pid(pid_file) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child = processes.read_pid(pid_file)
    assert child is not None and processes.alive(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while processes.alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes.alive(child)


def test_the_session_fails_when_a_test_leaves_a_process_running(tmp_path: Path) -> None:
    """A test whose child's child outlives it (orphaned, in its own session) fails the run,
    which names and kills it."""
    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "conftest.py", tmp_path / "conftest.py")
    marker = f"zkbraid-leak-{os.getpid()}"
    (tmp_path / "test_leak.py").write_text(
        textwrap.dedent(
            f"""
            import subprocess, sys

            def test_leaks():
                sleeper = [sys.executable, "-c", "import time; time.sleep(600)", "{marker}"]
                code = f"import subprocess; subprocess.Popen({{sleeper!r}}, start_new_session=True)"
                subprocess.run([sys.executable, "-c", code], check=True)
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "ZKBRAID_LEFTOVER_GRACE_S": "1"},
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "processes the tests left running" in run.stdout
    assert marker in run.stdout
    leaked = subprocess.run(["pgrep", "-f", marker], capture_output=True)
    assert leaked.returncode == 1, "the leaked process was not killed"
