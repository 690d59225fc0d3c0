"""Runs every benchmark of bench/ in turn with its defaults (on demand; never part of the tests).

`make bench` runs this; each benchmark also runs alone: `.venv/bin/python -m bench.<name> --help`.
"""

import sys

from bench import (
    crypto,
    fast_node,
    market_sim,
    proving,
    settlement_gas,
    settlement_latency,
    zk_node,
)


def main() -> None:
    benches = (crypto, fast_node, zk_node, proving, market_sim, settlement_gas, settlement_latency)
    for bench in benches:
        sys.argv = [sys.argv[0]]
        bench.main()


if __name__ == "__main__":
    main()
