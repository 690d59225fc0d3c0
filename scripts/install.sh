#!/usr/bin/env bash
# Installs everything zkbraid needs, pinned: a Python 3.11 virtual environment in .venv with the
# exact packages of requirements.lock, zkbraid itself (editable), the npm packages of
# package-lock.json, with --with-browser Debian's chromium (see below) when /usr/bin/chromium
# is missing, and with --with-cometbft CometBFT and its protobuf bindings
# (scripts/install_cometbft.sh: the `cometbft` engine; the solo engine needs none of it).
# zkbraid's native prover (native/prover/, Rust) is built by scripts/build_native.sh (needs
# cargo; cached by the hash of its sources). --with-groth16py adds groth16py 0.2.0, GPL-3.0 and
# not part of the default install, for bench/proving's comparison only.
# Idempotent: a stamp keyed by the hash of the lock files skips a second run.
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

# Debian's chromium, for the browser prover's headless test (tests/browser): only with
# --with-browser (scripts/test.sh passes it; `make devnet` does not need a browser). Pinned to the
# exact build `apt-cache policy chromium` offered when this was written (bookworm-security, the
# build with the current security fixes). Debian's security archive keeps only its newest build,
# so when a new one replaces the pin, the install takes apt's candidate and says so: update the
# pin then. ZKBRAID_CHROMIUM_VERSION=V insists on version V (no fallback); =none skips it.
PINNED_CHROMIUM=156.0.8078.114-1~deb12u1
install_chromium() {
  local version=${ZKBRAID_CHROMIUM_VERSION:-$PINNED_CHROMIUM}
  [ -x /usr/bin/chromium ] || [ "$version" = none ] && return 0
  echo "==> zkbraid install: chromium $version (Debian, for the browser prover's test)"
  if ! command -v apt-get >/dev/null; then
    echo "install: /usr/bin/chromium is missing and apt-get is not available: install Debian's" \
      "chromium by hand, or set ZKBRAID_CHROMIUM_VERSION=none to skip the browser test" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "install: /usr/bin/chromium is missing; installing it needs root: run" \
      "'sudo apt-get install chromium=$version', or set ZKBRAID_CHROMIUM_VERSION=none" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "chromium=$version" >/dev/null; then
    return 0
  fi
  if [ -n "${ZKBRAID_CHROMIUM_VERSION:-}" ]; then
    echo "install: apt could not install chromium=$version; it offers:" >&2
    apt-cache policy chromium >&2
    exit 1
  fi
  local candidate
  candidate=$(apt-cache policy chromium | awk '/Candidate:/ {print $2}')
  echo "install: WARNING: the pinned chromium $version is no longer offered; installing apt's" \
    "candidate $candidate (update PINNED_CHROMIUM in scripts/install.sh)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "chromium=$candidate" >/dev/null
}
WITH_COMETBFT=0
WITH_GROTH16PY=0
for arg in "$@"; do
  case $arg in
    --with-browser) install_chromium ;;
    --with-cometbft) WITH_COMETBFT=1 ;;
    --with-groth16py) WITH_GROTH16PY=1 ;;
    *) echo "install: unknown option $arg (--with-browser, --with-cometbft, --with-groth16py)" >&2
       exit 1 ;;
  esac
done
install_cometbft() {
  if [ "$WITH_COMETBFT" = 1 ]; then scripts/install_cometbft.sh; fi
}
# The steps with their own stamps: after the venv, every run.
install_extras() {
  scripts/build_native.sh
  install_cometbft
  if [ "$WITH_GROTH16PY" = 1 ]; then
    echo "==> zkbraid install: groth16py 0.2.0 (GPL-3.0; bench/proving's comparison only)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check groth16py==0.2.0
  fi
}

stamp=.venv/.zkbraid-installed
want=$(cat requirements.lock package-lock.json pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules ]; then
  install_extras
  exit 0
fi

echo "==> zkbraid install: Python venv (.venv) with pinned packages"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .

echo "==> zkbraid install: npm packages (package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

echo "$want" > "$stamp"
install_extras
echo "==> zkbraid install: done"
