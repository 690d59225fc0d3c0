#!/usr/bin/env bash
# Installs CometBFT for the `cometbft` consensus engine (README, "Consensus: solo and CometBFT"):
# `go install` of the pinned release into build/go/ (binary, module cache and build cache all
# inside the project, nothing in $HOME), then the Python protobuf bindings of its ABCI 2.0 types,
# generated from the release's own .proto files in that module cache (never hand-written) into
# the git-ignored package src/zkbraid/consensus/cometbft/proto/.
# Called by scripts/install.sh --with-cometbft (scripts/test.sh passes it). Idempotent: the
# binary is kept while `cometbft version` prints the pinned release, the bindings while the
# hash of the .proto sources they were made from is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

COMETBFT_VERSION=0.38.19
GO_DIR=$PWD/build/go
export GOBIN=$GO_DIR/bin
export GOPATH=$GO_DIR/path
export GOMODCACHE=$GOPATH/pkg/mod
export GOCACHE=$GO_DIR/cache
# A writable module cache, so `rm -rf build` works without `go clean -modcache`.
export GOFLAGS="-modcacherw ${GOFLAGS:-}"

if ! command -v go >/dev/null; then
  echo "install: Go is required for CometBFT (the solo engine needs none)" >&2
  exit 1
fi

if [ "$("$GOBIN/cometbft" version 2>/dev/null || true)" != "$COMETBFT_VERSION" ]; then
  echo "==> zkbraid install: CometBFT $COMETBFT_VERSION (go install into build/go/, ~1 min)"
  go install "github.com/cometbft/cometbft/cmd/cometbft@v$COMETBFT_VERSION"
fi
# `go install` of an installed binary leaves the module cache as it was; a cache wiped by hand
# is refilled by `go mod download` of the same release.
PROTO_ROOT=$GOMODCACHE/github.com/cometbft/cometbft@v$COMETBFT_VERSION/proto
if [ ! -d "$PROTO_ROOT" ]; then
  (cd "$GO_DIR" && go mod download "github.com/cometbft/cometbft@v$COMETBFT_VERSION")
fi
# gogoproto at the version CometBFT's go.mod requires (go install downloaded it)
GOGOPROTO_VERSION=$(awk '$1 == "github.com/cosmos/gogoproto" {print $2}' "$PROTO_ROOT/../go.mod")
GOGOPROTO_ROOT=$GOMODCACHE/github.com/cosmos/gogoproto@$GOGOPROTO_VERSION
if [ ! -d "$GOGOPROTO_ROOT" ]; then
  (cd "$GO_DIR" && go mod download "github.com/cosmos/gogoproto@$GOGOPROTO_VERSION")
fi

.venv/bin/python -m zkbraid.consensus.cometbft.protogen \
  --cometbft-proto "$PROTO_ROOT" --gogoproto "$GOGOPROTO_ROOT"
