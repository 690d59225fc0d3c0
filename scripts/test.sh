#!/usr/bin/env bash
# The test command: lint, type-check, then every test (unit and integration with real node processes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --with-browser --with-cometbft
echo "==> ruff"
.venv/bin/ruff check src tests bench examples
.venv/bin/ruff format --check src tests bench examples
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
# A skipped test fails the run (tests/conftest.py): every cross-check must actually run here.
export ZKBRAID_NO_SKIPS=1
.venv/bin/pytest -q "$@"
