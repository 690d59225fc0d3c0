"""Shared test configuration.

`ZKBRAID_NO_SKIPS=1` (scripts/test.sh sets it) turns every skipped test into a failed run: a
cross-check skipped for a missing tool (node, npm, chromium) is a check that did not happen,
and CI must say so rather than pass. The run lists each skipped test with its reason.
"""

import os

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


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _no_skips() and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not (_no_skips() and _skipped):
        return
    terminalreporter.section(f"{NO_SKIPS}=1: skipped tests fail the run", sep="=", red=True)
    for nodeid, reason in _skipped:
        terminalreporter.line(f"SKIPPED {nodeid}: {reason}", red=True)
    terminalreporter.line(
        f"{len(_skipped)} skipped: install what they need (scripts/install.sh --with-browser) "
        "or fix their cause; a skipped cross-check is a check that did not run"
    )
