"""Fast-chain throughput and latency through a real node: signed EIP-1559 transfers, measured
from submission to inclusion in a committed block (the node's long-poll
`braid_waitForTransaction`), from asyncio clients on keep-alive connections.

Two loads, each against a node with the default 100 ms fast blocks and one with 20 ms blocks:
- open loop: transfers arrive at a fixed rate (default 500/s, spread over many senders), the way
  independent users arrive; latency p50/p99 at that rate;
- closed loop: N clients each send, wait for inclusion, send again: the most the node sustains.

Baseline, measured in the same run: the same transfers through the fast chain's state machine
in-process (check + execute in blocks of 50, no HTTP, no consensus): the ratio says what the node
around py-evm costs.

Run: .venv/bin/python -m bench.fast_node [--rate 500] [--clients 32] [--seconds 8]
Goal (issue 2): ≥ 500 transfers/s with p50 < 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
from eth_account import Account
from eth_account.signers.local import LocalAccount

from bench.common import AsyncRpc, BenchNode, percentile, report
from zkbraid.ledger.kv import memory_store
from zkbraid.node.devnet import DEV_FAST_WEI, dev_accounts

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

    alloc = {bytes.fromhex(a.address[2:]): DEV_FAST_WEI for a in accounts}
    chain = FastChain(memory_store().namespace("fast"), FastParams(genesis_alloc=alloc))
    to = Account.create().address
    raws = [bytes.fromhex(r[2:]) for a in accounts for r in signed_transfers(a, per_account, to)]
    # interleave senders so blocks hold many senders, as under real load
    order = sorted(range(len(raws)), key=lambda i: (i % per_account, i // per_account))
    raws = [raws[i] for i in order]
    start = time.perf_counter()
    ts = int(time.time())
    pending: dict[bytes, int] = {}
    for i in range(0, len(raws), 50):
        txs = []
        for r in raws[i : i + 50]:
            sender = chain.decode_transaction(r).sender
            tx = chain.check_transaction(r, pending_nonce=pending.get(sender))
            pending[sender] = tx.nonce + 1
            txs.append(tx)
        chain.execute_block(txs, timestamp=ts)
    return len(raws) / (time.perf_counter() - start)


class Load:
    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies: list[float] = []
        self.errors: list[str] = []

    async def _one(self, rpc: AsyncRpc, raw: str) -> None:
        t0 = time.perf_counter()
        try:
            h = await rpc.call("eth_sendRawTransaction", raw)
            st = await rpc.call("braid_waitForTransaction", h, 30_000)
        except Exception as e:
            self.errors.append(str(e))
            return
        if st is None or st["status"] != "committed":
            self.errors.append(str(st))
            return
        self.latencies.append(time.perf_counter() - t0)

    async def closed_loop(self, per_client: list[list[str]], seconds: float) -> float:
        async def client(raws: list[str], stop_at: float) -> None:
            async with aiohttp.ClientSession() as session:
                rpc = AsyncRpc(session, self.url)
                for raw in raws:
                    if time.perf_counter() >= stop_at:
                        return
                    await self._one(rpc, raw)

        start = time.perf_counter()
        await asyncio.gather(*(client(r, start + seconds) for r in per_client))
        return time.perf_counter() - start

    async def open_loop(self, per_sender: list[list[str]], rate: float, seconds: float) -> float:
        senders = len(per_sender)
        count = int(rate * seconds)
        waiters: list[asyncio.Task[None]] = []

        async def sender(s: int, raws: list[str], session: aiohttp.ClientSession) -> None:
            for k, raw in enumerate(raws):
                i = k * senders + s
                if i >= count:
                    return
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                # each send waits for the previous one of its sender (nonce order), not for
                # its inclusion: the inclusion wait runs on its own connection
                t0 = time.perf_counter()
                try:
                    h = await AsyncRpc(session, self.url).call("eth_sendRawTransaction", raw)
                except Exception as e:
                    self.errors.append(str(e))
                    return
                waiters.append(asyncio.create_task(self._wait(h, t0)))

        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))
        start = time.perf_counter()
        await asyncio.gather(*(sender(s, r, self._session) for s, r in enumerate(per_sender)))
        await asyncio.gather(*waiters)
        elapsed = time.perf_counter() - start
        await self._session.close()
        return elapsed

    async def _wait(self, tx_hash: str, t0: float) -> None:
        st = await AsyncRpc(self._session, self.url).call(
            "braid_waitForTransaction", tx_hash, 30_000
        )
        if st is None or st["status"] != "committed":
            self.errors.append(str(st))
            return
        self.latencies.append(time.perf_counter() - t0)


def run(args: argparse.Namespace, block_ms: int, presigned: list[list[str]], base: float) -> None:
    with BenchNode("--accounts", str(len(presigned) + 1), "--fast-block-ms", str(block_ms)) as node:
        print(f"node up ({block_ms} ms fast blocks); open loop at {args.rate}/s …", flush=True)
        open_ = Load(node.url)
        elapsed = asyncio.run(open_.open_loop(presigned, args.rate, args.seconds))
        print("closed loop …", flush=True)
        closed = Load(node.url)
        # the closed loop continues each sender's nonces where the open loop stopped
        sent = int(args.rate * args.seconds)
        n = len(presigned)
        rest = [presigned[s][len(range(s, sent, n)) :] for s in range(args.clients)]
        closed_elapsed = asyncio.run(closed.closed_loop(rest, args.seconds))
    o, c = open_.latencies, closed.latencies
    report(
        f"fast chain through the node, {block_ms} ms fast blocks (submit → inclusion)",
        [
            ("open loop offered", f"{args.rate} transfers/s for {args.seconds:.0f} s"),
            ("  committed", f"{len(o)} at {len(o) / elapsed:.0f} transfers/s"),
            ("  latency p50", f"{percentile(o, 50) * 1000:.1f} ms   (goal < 50 ms)"),
            ("  latency p99", f"{percentile(o, 99) * 1000:.1f} ms"),
            ("closed loop clients", str(args.clients)),
            ("  throughput", f"{len(c) / closed_elapsed:.0f} transfers/s   (goal ≥ 500)"),
            ("  latency p50", f"{percentile(c, 50) * 1000:.1f} ms"),
            ("baseline in-process", f"{base:.0f} transfers/s (state machine alone)"),
            ("ratio closed-loop/baseline", f"{len(c) / closed_elapsed / base:.2f}"),
            ("errors", f"{len(open_.errors) + len(closed.errors)}"),
        ],
    )
    for e in (open_.errors + closed.errors)[:3]:
        print("  error:", e[:200])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    # 300/s: above it the Python load generator, sharing 2 cores with the node, saturates first
    ap.add_argument("--rate", type=int, default=300, help="open-loop offered load (tx/s)")
    ap.add_argument("--senders", type=int, default=64, help="accounts sending (64)")
    ap.add_argument("--clients", type=int, default=24, help="closed-loop clients (24)")
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each load (8)")
    ap.add_argument("--block-ms", type=int, nargs="*", default=[100, 20])
    args = ap.parse_args()

    accounts = dev_accounts(args.senders + 1)
    per_sender = int(args.rate * args.seconds / args.senders) + int(args.seconds * 60) + 10
    print(f"pre-signing {per_sender * args.senders} transfers …", flush=True)
    sink = Account.create().address
    presigned = [signed_transfers(a, per_sender, sink) for a in accounts[1:]]
    print("baseline: in-process fast-chain state machine …", flush=True)
    base = baseline_inprocess(accounts[1:9], 100)
    for block_ms in args.block_ms:
        run(args, block_ms, presigned, base)


if __name__ == "__main__":
    main()
