# The two commands of the README. `make devnet` installs everything (pinned) and starts a local
# devnet; `make test` runs lint, type checks and the whole test suite.
.PHONY: install devnet test bench

install:
	@scripts/install.sh

devnet: install
	.venv/bin/braid devnet

test:
	@scripts/test.sh

bench: install
	.venv/bin/python -m bench.run_all
