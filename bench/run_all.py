"""Runs every benchmark of bench/ in turn with its defaults (on demand; never part of the tests).

`make bench` runs this; each benchmark also runs alone: `.venv/bin/python -m bench.<name> --help`.
"""

import sys

from bench import (
    consensus_latency,
    crypto,
    fast_node,
    game_moves,
    hybrid_moves,
    market_sim,
    ownership_proof,
    proving,
    recovery,
    settlement_gas,
    settlement_latency,
    zk_node,
)


def main() -> None:
    benches = (
        crypto,
        fast_node,
        zk_node,
        proving,
        market_sim,
        settlement_gas,
        settlement_latency,
        hybrid_moves,
        game_moves,
        ownership_proof,
        consensus_latency,
        recovery,
    )
    for bench in benches:
        sys.argv = [sys.argv[0]]
        bench.main()


if __name__ == "__main__":
    main()
