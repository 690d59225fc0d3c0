"""Shared test configuration.

`ZKBRAID_NO_SKIPS=1` (scripts/test.sh sets it) turns every skipped test into a failed run: a
cross-check skipped for a missing tool (node, npm, chromium) is a check that did not happen,
and CI must say so rather than pass. The run lists each skipped test with its reason.

Tests leave nothing running: pytest is made a child subreaper (Linux's PR_SET_CHILD_SUBREAPER),
so every process a test starts stays its descendant even when its parent dies (a node's
CometBFT, the devnet's anvil, a launcher's validators, node.js runners, chromium). At the end of
the session any such process still alive, after a grace for those already stopping, fails the
run; it is listed and killed, so a leak never outlives the run.
"""

import contextlib
import ctypes
import os
import signal
import time
from pathlib import Path

import pytest

NO_SKIPS = "ZKBRAID_NO_SKIPS"

_skipped: list[tuple[str, str]] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def _no_skips() -> bool:
    return os.environ.get(NO_SKIPS) == "1"


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # An xfail is reported as skipped too; it is an expected failure, not a missing check.
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append((report.nodeid, _reason(report)))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped:
        _skipped.append((report.nodeid, _reason(report)))


_PR_SET_CHILD_SUBREAPER = 36
LEFTOVER_GRACE_S = float(os.environ.get("ZKBRAID_LEFTOVER_GRACE_S", "30"))
"""How long processes still stopping at the end of the session get before they count as left
behind (a node given SIGTERM by its test's last teardown may still be saving its state)."""

_leftovers: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _descendants() -> dict[int, str]:
    """Every live (non-zombie) descendant of this process: pid -> its command line."""
    children: dict[int, list[int]] = {}
    cmdlines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        cmdlines[pid] = cmd.replace(b"\0", b" ").decode(errors="replace").strip()
    found: dict[int, str] = {}
    stack = [os.getpid()]
    while stack:
        for child in children.get(stack.pop(), []):
            if child in cmdlines:
                found[child] = cmdlines[child]
                stack.append(child)
    return found


def _check_leftovers() -> list[str]:
    """The processes the tests left running (killed on the way), after LEFTOVER_GRACE_S."""
    if not Path("/proc/self/stat").exists():
        return []
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    left = _descendants()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _descendants()
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return [f"pid {pid}: {cmd[:300]}" for pid, cmd in sorted(left.items())]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _leftovers.extend(_check_leftovers())
    if _leftovers:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if _no_skips() and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _leftovers:
        terminalreporter.section("processes the tests left running", sep="=", red=True)
        for line in _leftovers:
            terminalreporter.line(line, red=True)
        terminalreporter.line(
            f"{len(_leftovers)} left running (now killed): every process a test starts must be"
            " ended by its test or fixture"
        )
    if not (_no_skips() and _skipped):
        return
    terminalreporter.section(f"{NO_SKIPS}=1: skipped tests fail the run", sep="=", red=True)
    for nodeid, reason in _skipped:
        terminalreporter.line(f"SKIPPED {nodeid}: {reason}", red=True)
    terminalreporter.line(
        f"{len(_skipped)} skipped: install what they need (scripts/install.sh --with-browser) "
        "or fix their cause; a skipped cross-check is a check that did not run"
    )
