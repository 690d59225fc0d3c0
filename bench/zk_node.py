"""ZK-chain throughput through a real node: signed transfers from many accounts, submitted as
fast as the clients can (each sender's nonces in sequence), until every one is committed.

Baseline, measured in the same run: the same transfers through the ZK state transition function
in-process (validate + apply, no HTTP, no consensus, no fees).

Run: .venv/bin/python -m bench.zk_node [--senders 16] [--per-sender 150] [--zk-block-ms 2000]
Goal (issue 2): ≥ 200 ZK-chain transfers/s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp

from bench.common import AsyncRpc, BenchNode, percentile, report
from zkbraid.ledger.kv import memory_store
from zkbraid.zk import stf
from zkbraid.zk.genesis import dev_l2_key, devnet_genesis
from zkbraid.zk.params import ZkParams
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import Transfer, sign_transfer

FEE = 10**16


def transfers(senders: int, per_sender: int, chain_id: int) -> list[list[Transfer]]:
    return [
        [
            sign_transfer(
                dev_l2_key(s),
                chain_id=chain_id,
                from_index=s,
                to_index=(s + 1) % senders,
                token=0,
                amount=1,
                nonce=n,
                fee=FEE,
            )
            for n in range(per_sender)
        ]
        for s in range(senders)
    ]


def baseline_inprocess(txs: list[list[Transfer]]) -> float:
    params = ZkParams()
    state = ZkState.genesis(memory_store().namespace("zk"), params, devnet_genesis(len(txs)))
    flat = [t for round_ in zip(*txs, strict=True) for t in round_]
    start = time.perf_counter()
    for tx in flat:
        stf.apply_transaction(state, tx, params)
    return len(flat) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--senders", type=int, default=16)
    ap.add_argument("--per-sender", type=int, default=150)
    ap.add_argument("--zk-block-ms", type=int, default=2000)
    ap.add_argument("--zk-max-txs", type=int, default=500)
    args = ap.parse_args()

    print(f"signing {args.senders * args.per_sender} transfers …", flush=True)
    signed = transfers(args.senders, args.per_sender, ZkParams().chain_id)
    print("baseline: in-process ZK state transition …", flush=True)
    base = baseline_inprocess([s[: min(50, args.per_sender)] for s in signed])

    latencies: list[float] = []
    errors: list[str] = []
    with BenchNode(
        "--accounts",
        str(max(10, args.senders)),
        "--zk-block-ms",
        str(args.zk_block_ms),
        "--zk-max-txs",
        str(args.zk_max_txs),
    ) as node:
        print(f"node up at {node.url}; submitting …", flush=True)

        async def sender(txs: list[Transfer], session: aiohttp.ClientSession) -> None:
            rpc = AsyncRpc(session, node.url)
            sent: list[tuple[str, float]] = []
            for tx in txs:
                try:
                    h = await rpc.call("zk_sendRawTransaction", "0x" + tx.encode().hex())
                except Exception as e:
                    errors.append(str(e))
                    return
                sent.append((h, time.perf_counter()))
            for h, t0 in sent:
                st = await rpc.call("braid_waitForTransaction", h, 60_000)
                if st is None or st["status"] != "committed":
                    errors.append(str(st))
                    continue
                latencies.append(time.perf_counter() - t0)

        async def load() -> float:
            start = time.perf_counter()
            async with aiohttp.ClientSession() as session:
                await asyncio.gather(*(sender(s, session) for s in signed))
            return time.perf_counter() - start

        elapsed = asyncio.run(load())
    tps = len(latencies) / elapsed
    report(
        "ZK chain through the node (submit → committed)",
        [
            ("senders", str(args.senders)),
            ("ZK block", f"every {args.zk_block_ms} ms or {args.zk_max_txs} txs"),
            ("transfers committed", str(len(latencies))),
            ("throughput", f"{tps:.0f} transfers/s   (goal ≥ 200)"),
            ("latency p50", f"{percentile(latencies, 50) * 1000:.0f} ms"),
            ("latency p99", f"{percentile(latencies, 99) * 1000:.0f} ms"),
            ("baseline in-process", f"{base:.0f} transfers/s (STF alone)"),
            ("ratio node/baseline", f"{tps / base:.2f}"),
            ("errors", str(len(errors)) + (f" (first: {errors[0]})" if errors else "")),
        ],
    )


if __name__ == "__main__":
    main()
