"""Arena moves through a real node: N players (dev accounts) move concurrently in an open Arena
(contracts/fast/games/Arena.sol, deployed and joined with examples/arena/arena.py), each move a
signed EIP-1559 `move(direction)` sent with eth_sendRawTransaction (nonces kept locally,
pre-signed), timed from submission to its receipt (the node's long-poll
`braid_waitForTransaction`, which answers with the EVM status and gas used).

Two loads, each run on `braid devnet --no-l1` with the default 100 ms fast blocks and with 20 ms:
- open loop: moves arrive at a fixed rate (default 200/s, spread over the players), the way
  players act independently; throughput and latency p50/p99 at that rate;
- closed loop: each player moves, waits for the receipt, moves again (K moves each): the most
  the node sustains with N players.

Baseline, in the same run and node: plain fast-chain transfers (21,000 gas) in exactly the same
loads (same count, rate, senders and clients), from other dev accounts; the ratios moves/s ÷
transfers/s and p50(moves) ÷ p50(transfers) say what the game's EVM work costs.

Run: .venv/bin/python -m bench.game_moves [--players 24] [--rate 200] [--seconds 6]
     [--moves 30] [--block-ms 100 20]
Goal (issue 14): move latency p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

import aiohttp
from eth_account import Account
from eth_account.signers.local import LocalAccount
from examples.arena.arena import Arena, ArenaConfig, Direction, Signer
from web3 import Web3

from bench.common import AsyncRpc, BenchNode, percentile, report
from bench.fast_node import signed_transfers
from zkbraid.node.devnet import dev_accounts

#: Rounds that never end during a run: no move limit, the longest uint32 of seconds.
BENCH_ARENA = ArenaConfig(
    access_collection=1,
    prize_collection=2,
    moves_per_round=0,
    seconds_per_round=2**32 - 1,
    prizes_per_round=3,
    open=True,
)


@dataclass
class Load:
    """The outcome of one load: latencies (s) and gas of the included transactions, failures."""

    url: str
    latencies: list[float] = field(default_factory=list)
    gas: list[int] = field(default_factory=list)
    reverted: int = 0
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    async def _wait(self, rpc: AsyncRpc, tx_hash: str, t0: float) -> None:
        status = await rpc.call("braid_waitForTransaction", tx_hash, 30_000)
        if status is None or status["status"] != "committed":
            self.errors.append(str(status))
            return
        self.latencies.append(time.perf_counter() - t0)
        result = status["result"]
        self.gas.append(int(result["gasUsed"]))
        if result["status"] != 1:
            self.reverted += 1

    async def closed_loop(self, per_client: list[list[str]]) -> None:
        """Each client sends its transactions one at a time, each after the last's receipt."""

        async def client(raws: list[str]) -> None:
            async with aiohttp.ClientSession() as session:
                rpc = AsyncRpc(session, self.url)
                for raw in raws:
                    t0 = time.perf_counter()
                    try:
                        tx_hash = await rpc.call("eth_sendRawTransaction", raw)
                    except RuntimeError as e:
                        self.errors.append(str(e))
                        return
                    await self._wait(rpc, tx_hash, t0)

        start = time.perf_counter()
        await asyncio.gather(*(client(r) for r in per_client))
        self.elapsed = time.perf_counter() - start

    async def open_loop(self, per_sender: list[list[str]], rate: float) -> None:
        """Transaction i is sent at start + i/rate (senders take turns); receipts are awaited
        on their own connections, so a slow block never holds back the next send."""
        senders = len(per_sender)
        waiters: list[asyncio.Task[None]] = []
        connector = aiohttp.TCPConnector(limit=256)
        async with aiohttp.ClientSession(connector=connector) as session:
            rpc = AsyncRpc(session, self.url)

            async def sender(s: int, raws: list[str]) -> None:
                for k, raw in enumerate(raws):
                    delay = start + (k * senders + s) / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    t0 = time.perf_counter()
                    try:
                        tx_hash = await rpc.call("eth_sendRawTransaction", raw)
                    except RuntimeError as e:
                        self.errors.append(str(e))
                        return
                    waiters.append(asyncio.create_task(self._wait(rpc, tx_hash, t0)))

            start = time.perf_counter()
            await asyncio.gather(*(sender(s, r) for s, r in enumerate(per_sender)))
            await asyncio.gather(*waiters)
            self.elapsed = time.perf_counter() - start

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed else float("nan")

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def presign_moves(arena: Arena, players: list[Signer], count: int) -> list[list[str]]:
    """`count` moves per player, a random walk each (seeded: the same walk every run)."""
    walks = []
    for i, player in enumerate(players):
        rng = random.Random(i)
        walks.append(
            [
                "0x" + arena.signed_move(player, rng.choice(list(Direction))).hex()
                for _ in range(count)
            ]
        )
    return walks


def run(args: argparse.Namespace, block_ms: int, accounts: list[LocalAccount]) -> None:
    n = args.players
    host, players = Signer(accounts[0]), [Signer(a) for a in accounts[1 : n + 1]]
    senders = accounts[n + 1 : 2 * n + 1]
    per_open = -(-int(args.rate * args.seconds) // n)  # each sender's share, rounded up
    per_total = per_open + args.moves
    with BenchNode(
        "--no-l1", "--accounts", str(2 * n + 1), "--fast-block-ms", str(block_ms)
    ) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        arena = Arena.deploy(w3, host, BENCH_ARENA)
        for player in players:
            arena.join(player)
        print(
            f"node up ({block_ms} ms fast blocks), arena {arena.address}, {n} players joined;"
            f" pre-signing {2 * n * per_total} moves and transfers …",
            flush=True,
        )
        moves = presign_moves(arena, players, per_total)
        sink = Account.create().address
        transfers = [signed_transfers(a, per_total, sink) for a in senders]
        # Open loop: each list's first transactions; the closed loop goes on with the next nonces.
        count = int(args.rate * args.seconds)
        loads: dict[str, Load] = {}
        for name, raws in [("transfers", transfers), ("moves", moves)]:
            print(f"open loop, {name} at {args.rate}/s …", flush=True)
            load = Load(node.url)
            asyncio.run(load.open_loop(first_of(raws, count), args.rate))
            loads["open " + name] = load
        for name, raws in [("transfers", transfers), ("moves", moves)]:
            print(f"closed loop, {name}: {n} clients × {args.moves} …", flush=True)
            load = Load(node.url)
            sent = [len(r) for r in first_of(raws, count)]
            asyncio.run(
                load.closed_loop([r[k : k + args.moves] for r, k in zip(raws, sent, strict=True)])
            )
            loads["closed " + name] = load
        scores = arena.scores()
    ot, om = loads["open transfers"], loads["open moves"]
    ct, cm = loads["closed transfers"], loads["closed moves"]
    gas = statistics.median(om.gas + cm.gas) if om.gas + cm.gas else float("nan")
    rows = [
        ("open loop offered", f"{args.rate}/s for {args.seconds:.0f} s ({count} of each)"),
        ("  transfers", f"{ot.rate:6.0f}/s  p50 {ot.p(50):6.1f} ms  p99 {ot.p(99):6.1f} ms"),
        ("  moves", f"{om.rate:6.0f}/s  p50 {om.p(50):6.1f} ms  p99 {om.p(99):6.1f} ms"),
        ("  moves/transfers", f"{om.rate / ot.rate:.2f} (rate)  {om.p(50) / ot.p(50):.2f} (p50)"),
        ("closed loop", f"{n} clients × {args.moves} each"),
        ("  transfers", f"{ct.rate:6.0f}/s  p50 {ct.p(50):6.1f} ms  p99 {ct.p(99):6.1f} ms"),
        ("  moves", f"{cm.rate:6.0f}/s  p50 {cm.p(50):6.1f} ms  p99 {cm.p(99):6.1f} ms"),
        ("  moves/transfers", f"{cm.rate / ct.rate:.2f} (rate)  {cm.p(50) / ct.p(50):.2f} (p50)"),
        ("move p50 goal", f"< 50 ms: open {om.p(50):.1f} ms, closed {cm.p(50):.1f} ms"),
        ("gas a move (median)", f"{gas:.0f}"),
        ("points scored", f"{sum(scores.values())} by {sum(1 for s in scores.values() if s)}"),
        (
            "reverted / errors",
            f"{sum(x.reverted for x in loads.values())} / "
            f"{sum(len(x.errors) for x in loads.values())}",
        ),
    ]
    report(f"Arena moves through the node, {block_ms} ms fast blocks (submit → receipt)", rows)
    for e in [e for x in loads.values() for e in x.errors][:3]:
        print("  error:", e[:200])


def first_of(per_sender: list[list[str]], count: int) -> list[list[str]]:
    """Each sender's part of the first `count` transactions when senders take turns (sender s
    sends numbers s, s + n, s + 2n, …)."""
    n = len(per_sender)
    return [raws[: len(range(s, count, n))] for s, raws in enumerate(per_sender)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--players", type=int, default=24, help="players, and transfer senders (24)")
    # 200/s: a move is ~43k gas of py-evm work; the load generator shares the 2 cores
    ap.add_argument("--rate", type=int, default=200, help="open-loop offered load (tx/s)")
    ap.add_argument("--seconds", type=float, default=6.0, help="length of the open loop (6)")
    ap.add_argument("--moves", type=int, default=30, help="closed-loop moves per player (30)")
    ap.add_argument("--block-ms", type=int, nargs="*", default=[100, 20])
    args = ap.parse_args()
    print(f"deriving {2 * args.players + 1} dev accounts …", flush=True)
    accounts = dev_accounts(2 * args.players + 1)
    for block_ms in args.block_ms:
        run(args, block_ms, accounts)


if __name__ == "__main__":
    main()
