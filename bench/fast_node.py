"""Fast-chain throughput and latency through a real node: signed EIP-1559 transfers, submit →
inclusion (long-poll), with N closed-loop client threads over keep-alive HTTP.

Baseline, measured in the same run: the same transfers through the fast chain's state machine
in-process (check + execute in blocks of 50, no HTTP, no consensus): the ratio says what the node
around py-evm costs.

Run: .venv/bin/python -m bench.fast_node [--threads 32] [--seconds 10] [--fast-block-ms 100]
Goal (issue 2): ≥ 500 transfers/s with p50 < 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import threading
import time

from eth_account import Account
from eth_account.signers.local import LocalAccount

from bench.common import BenchNode, percentile, report
from zkbraid.ledger.kv import memory_store
from zkbraid.node.devnet import DEV_FAST_WEI, dev_accounts
from zkbraid.sdk.rpc import RpcClient

CHAIN_ID = 0x7A6C
GWEI = 10**9


def signed_transfers(acct: LocalAccount, n: int, to: str) -> list[str]:
    return [
        acct.sign_transaction(
            {
                "to": to,
                "value": 1,
                "gas": 21000,
                "maxFeePerGas": 10 * GWEI,
                "maxPriorityFeePerGas": 1,
                "nonce": nonce,
                "chainId": CHAIN_ID,
            }
        ).raw_transaction.to_0x_hex()
        for nonce in range(n)
    ]


def baseline_inprocess(accounts: list[LocalAccount], per_account: int) -> float:
    """Transfers/s of check_transaction + execute_block in blocks of 50, in this process."""
    from zkbraid.fast.chain import FastChain
    from zkbraid.fast.params import FastParams

    params = FastParams(
        genesis_alloc={bytes.fromhex(a.address[2:]): DEV_FAST_WEI for a in accounts}
    )
    chain = FastChain(memory_store().namespace("fast"), params)
    to = Account.create().address
    raws = [bytes.fromhex(r[2:]) for a in accounts for r in signed_transfers(a, per_account, to)]
    # interleave senders so blocks hold many senders, as under real load
    order = sorted(range(len(raws)), key=lambda i: (i % per_account, i // per_account))
    raws = [raws[i] for i in order]
    start = time.perf_counter()
    ts = int(time.time())
    for i in range(0, len(raws), 50):
        txs = [chain.check_transaction(r) for r in raws[i : i + 50]]
        chain.execute_block(txs, timestamp=ts)
    return len(raws) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fast-block-ms", type=int, default=100)
    args = ap.parse_args()

    accounts = dev_accounts(args.threads + 1)
    print(f"pre-signing transfers for {args.threads} senders …", flush=True)
    per_thread = int(args.seconds * 200) + 100
    sink = Account.create().address
    presigned = [signed_transfers(a, per_thread, sink) for a in accounts[1:]]

    print("baseline: in-process fast-chain state machine …", flush=True)
    base = baseline_inprocess(accounts[1:9], 100)

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with BenchNode(
        "--accounts", str(args.threads + 1), "--fast-block-ms", str(args.fast_block_ms)
    ) as node:
        print(f"node up at {node.url}; loading for {args.seconds:.0f} s …", flush=True)
        stop_at = time.perf_counter() + args.seconds

        def worker(raws: list[str]) -> None:
            rpc = RpcClient(node.url)
            mine: list[float] = []
            for raw in raws:
                if time.perf_counter() >= stop_at:
                    break
                t0 = time.perf_counter()
                try:
                    h = rpc.call("eth_sendRawTransaction", raw)
                    st = rpc.call("braid_waitForTransaction", h, 30_000)
                except Exception as e:
                    with lock:
                        errors.append(str(e))
                    break
                if st is None or st["status"] != "committed":
                    with lock:
                        errors.append(str(st))
                    break
                mine.append(time.perf_counter() - t0)
            with lock:
                latencies.extend(mine)

        t_start = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(p,)) for p in presigned]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t_start
    tps = len(latencies) / elapsed
    report(
        "fast chain through the node (submit → inclusion)",
        [
            ("client threads", str(args.threads)),
            ("fast block interval", f"{args.fast_block_ms} ms"),
            ("transfers committed", str(len(latencies))),
            ("throughput", f"{tps:.0f} transfers/s   (goal ≥ 500)"),
            ("latency p50", f"{percentile(latencies, 50) * 1000:.1f} ms   (goal < 50 ms)"),
            ("latency p99", f"{percentile(latencies, 99) * 1000:.1f} ms"),
            ("baseline in-process", f"{base:.0f} transfers/s (state machine alone)"),
            ("ratio node/baseline", f"{tps / base:.2f}"),
            ("errors", str(len(errors)) + (f" (first: {errors[0]})" if errors else "")),
        ],
    )


if __name__ == "__main__":
    main()
