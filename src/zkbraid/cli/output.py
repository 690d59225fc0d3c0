"""How the `braid` command talks to people: short progress lines on stderr, results on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

_TTY = sys.stderr.isatty()
_DIM, _GREEN, _RED, _RESET = (
    ("\033[2m", "\033[32m", "\033[31m", "\033[0m") if _TTY else ("", "", "", "")
)


def progress(message: str) -> None:
    print(f"{_DIM}… {message}{_RESET}", file=sys.stderr, flush=True)


def ok(message: str) -> None:
    print(f"{_GREEN}✓{_RESET} {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    print(f"{_RED}error:{_RESET} {message}", file=sys.stderr, flush=True)


def result(obj: Any, as_json: bool) -> None:
    """Prints a result: JSON when asked (for scripts), else `key: value` lines."""
    if as_json or not isinstance(obj, dict):
        print(json.dumps(obj, indent=2))
        return
    width = max((len(k) for k in obj), default=0)
    for key, value in obj.items():
        shown = json.dumps(value) if isinstance(value, (dict, list)) else value
        print(f"{key:<{width}}  {shown}")


def show(found: Any, missing: str, as_json: bool) -> int:
    """Prints what a lookup found (exit code 0), or says what is missing (exit code 1)."""
    if found is None:
        fail(missing)
        return 1
    result(found, as_json)
    return 0
