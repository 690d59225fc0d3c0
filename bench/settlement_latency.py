"""Seconds from submission to `settled` on the devnet: `braid devnet --prover` (its L1, its
agent, one CLI prover), transfers sent one after another, each followed until its status is
`proven` and then `settled` (the batch posted to L1, verified there, and observed back at the
confirmation depth).

Baseline, measured in the same run: submission to `proven` of the same transfers, so the ratio
says what settlement adds to proving (bundling, posting, L1 blocks, the confirmation depth).

Run: .venv/bin/python -m bench.settlement_latency [--txs 4] [--batch-size 1]
"""

from __future__ import annotations

import argparse
import time

from bench.common import BenchNode, percentile, report
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.settlement.anvil import free_port


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--txs", type=int, default=4, help="transfers to follow (4)")
    ap.add_argument("--batch-size", type=int, default=1, help="the market's batch size (1)")
    args = ap.parse_args()
    extra = ["--prover", "--fast-block-ms", "20", "--zk-block-ms", "300"]
    extra += [f"--market=batch_size={args.batch_size}", "--l1-port", str(free_port())]
    proven: list[float] = []
    settled: list[float] = []
    with BenchNode(*extra) as node:
        client = BraidClient(node.url)
        print(f"node up with its L1, agent and prover; following {args.txs} transfers …")
        for i in range(args.txs):
            t0 = time.monotonic()
            tx = client.send_transfer(Wallet.dev(1 + i % 5), 7, 1)
            seen_proven = None
            while True:
                status = (client.transaction(tx) or {}).get("status")
                now = time.monotonic()
                if seen_proven is None and status in ("proven", "settled"):
                    seen_proven = now - t0
                if status == "settled":
                    break
                if now - t0 > 300:
                    raise SystemExit(f"transfer {i} not settled within 300 s")
                time.sleep(0.05)
            proven.append(seen_proven or now - t0)
            settled.append(now - t0)
            p, t = proven[-1], settled[-1]
            print(f"  transfer {i}: proven after {p:.1f} s, settled after {t:.1f} s")
    report(
        f"submission → settled on the devnet (batches of {args.batch_size}, one prover)",
        [
            ("transfers", str(args.txs)),
            ("settled p50", f"{percentile(settled, 50):.1f} s"),
            ("settled max", f"{max(settled):.1f} s"),
            ("baseline: proven p50", f"{percentile(proven, 50):.1f} s"),
            ("ratio settled/proven", f"{percentile(settled, 50) / percentile(proven, 50):.2f}"),
        ],
    )


if __name__ == "__main__":
    main()
