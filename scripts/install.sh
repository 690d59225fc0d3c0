#!/usr/bin/env bash
# Installs everything zkbraid needs, pinned: a Python 3.11 virtual environment in .venv with the
# exact packages of requirements.lock, zkbraid itself (editable), and the npm packages of
# package-lock.json. Idempotent: a stamp keyed by the hash of the lock files skips a second run.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { echo "install: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

stamp=.venv/.zkbraid-installed
want=$(cat requirements.lock package-lock.json pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules ]; then
  exit 0
fi

echo "==> zkbraid install: Python venv (.venv) with pinned packages"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .

echo "==> zkbraid install: npm packages (package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

echo "$want" > "$stamp"
echo "==> zkbraid install: done"
