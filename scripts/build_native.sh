#!/usr/bin/env bash
# Builds zkbraid's native prover (native/prover/, the Python module zkbraid_native) with maturin
# (pinned in requirements.lock) and `cargo --locked` (the crates of native/prover/Cargo.lock),
# and installs it into .venv. A stamp keyed by the hash of the crate's sources, Cargo.lock, the
# rustc version and the flags skips a second run. A cold build takes about two minutes (110 s
# on 2 cores from an empty cargo cache, 60 s with the crates fetched). Called by
# scripts/install.sh; ZKBRAID_NATIVE_FORCE=1 rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null || ! command -v rustc >/dev/null; then
  echo "install: the native prover needs Rust (cargo and rustc 1.85 or later): install it" \
    "with your system's packages or rustup, then run scripts/install.sh again" >&2
  exit 1
fi

# ark-ff's assembly multiplication needs BMI2 and ADX (about 30% faster proofs); enable them only
# where this CPU has both, since a binary built with them dies with SIGILL on a CPU without.
flags=""
if grep -qw bmi2 /proc/cpuinfo 2>/dev/null && grep -qw adx /proc/cpuinfo 2>/dev/null; then
  flags="-C target-feature=+bmi2,+adx"
fi

stamp=.venv/.zkbraid-native
want=$( (cd native/prover && find src -type f -print0 | sort -z | xargs -0 cat; cat Cargo.toml Cargo.lock zkbraid_native.pyi) \
  | { cat; rustc --version; echo "$flags"; } | sha256sum | cut -d' ' -f1)
if [ -z "${ZKBRAID_NATIVE_FORCE:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
  && .venv/bin/python -c 'import zkbraid_native' 2>/dev/null; then
  exit 0
fi

echo "==> zkbraid install: native prover (native/prover, Rust; about two minutes the first time)${flags:+, with $flags}"
started=$(date +%s)
rm -rf build/native/wheels
RUSTFLAGS="${RUSTFLAGS:-} $flags" .venv/bin/maturin build --release --locked \
  --manifest-path native/prover/Cargo.toml --interpreter .venv/bin/python \
  --out build/native/wheels
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall \
  build/native/wheels/zkbraid_native-*.whl
echo "$want" > "$stamp"
echo "==> zkbraid install: native prover built in $(( $(date +%s) - started )) s"
