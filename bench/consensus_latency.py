"""Latency under consensus (issue 15, part 6): submit → committed, through CometBFT, beside
CometBFT's own kvstore app with the same settings, measured in the same run.

Systems, each on a fresh chain:
- kvstore: CometBFT's built-in kvstore app (`proxy_app = "kvstore"`), its config written by
  zkbraid's own `tune_config` (consensus/cometbft/settings.py: the same timeouts, throttles,
  mempool, no tx index), on 1 and 4 validators on loopback (bench/cometbft_net.py). A unique
  `k=v` goes in by `broadcast_tx_sync`; it is committed when a NewBlock event carrying it
  arrives on a websocket subscription to the node it was sent to (CometBFT fires it after the
  app's Commit).
- zkbraid under CometBFT: `braid devnet --engine cometbft --no-l1`; fast-chain transfers
  (`eth_sendRawTransaction`) and ZK-chain transfers (`zk_sendRawTransaction`), committed when
  `braid_waitForTransaction` answers "committed". Four validators through
  `braid devnet --validators 4` when the CLI has it (otherwise that part is skipped, saying so).
  With several nodes (kvstore or zkbraid), client k sends to node k mod N and waits there.
- zkbraid under the solo engine: the same transfers through `braid devnet --no-l1`.

Two loads for each:
- sequential: one client sends, waits for the commit, pauses a random 0..--gap-ms, sends
  again: the commit latency of a lone transaction (p50/p99);
- concurrent: --senders clients, each keeping up to --window transactions in flight, for
  --seconds: throughput (committed tx/s, first send to last commit) and latency under load.

The ratio zkbraid-fast p50 / kvstore p50 (sequential) is printed at 1 and 4 validators; the
issue's goal is ≤ 1.2 at four validators.

`--sweep`, instead, tries the latency settings one at a time on kvstore and zkbraid's fast
chain at one validator (sequential load), on top of settings.py: timeout_commit,
timeout_propose, flush_throttle_timeout, peer_gossip_sleep_duration, skip_timeout_commit,
create_empty_blocks (and on kvstore at four validators, where the p2p settings matter).
`--set section.key=value` adds a setting to every CometBFT run (kvstore and zkbraid).

Run: .venv/bin/python -m bench.consensus_latency [--validators 1 4] [--fast-block-ms 100]
     [--samples 100] [--seconds 8] [--sweep]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
from eth_account import Account

from bench.cometbft_net import BraidDevnet, KvstoreNet, Overrides, describe, parse_overrides
from bench.common import AsyncRpc, percentile, report
from bench.fast_node import signed_transfers
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.node.devnet import DEV_VALIDATOR_INDEX, dev_accounts
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.params import ZkParams
from zkbraid.zk.transactions import sign_transfer

ZK_FEE = 10**16
WAIT_MS = 60_000


class TxFailed(Exception):
    """A transaction was refused, dropped or not committed in time."""


class Target:
    """Something transactions are sent to: `submit` returns a ticket, `wait` its commit time
    (perf_counter seconds)."""

    label = ""

    async def open(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def close(self) -> None:
        return None

    async def submit(self, sender: int) -> Any:
        raise NotImplementedError

    async def wait(self, ticket: Any) -> float:
        raise NotImplementedError


class Kvstore(Target):
    """CometBFT's kvstore: broadcast_tx_sync, then the NewBlock event carrying the tx."""

    def __init__(self, urls: list[str], tag: str) -> None:
        self.urls = urls
        self.tag = tag
        self.seq = 0
        self.pending: list[dict[str, asyncio.Future[float]]] = [{} for _ in urls]
        self.readers: list[asyncio.Task[None]] = []

    async def open(self, session: aiohttp.ClientSession) -> None:
        await super().open(session)
        for i, url in enumerate(self.urls):
            ws = await session.ws_connect(url.replace("http", "ws") + "/websocket", max_msg_size=0)
            query = {"query": "tm.event='NewBlock'"}
            await ws.send_json({"jsonrpc": "2.0", "id": 0, "method": "subscribe", "params": query})
            self.readers.append(asyncio.create_task(self._read(ws, self.pending[i])))

    async def _read(
        self, ws: aiohttp.ClientWebSocketResponse, pending: dict[str, asyncio.Future[float]]
    ) -> None:
        async for msg in ws:
            at = time.perf_counter()
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = msg.json().get("result", {}).get("data", {})
            block = data.get("value", {}).get("block") if isinstance(data, dict) else None
            for tx in (block or {}).get("data", {}).get("txs") or []:
                fut = pending.pop(tx, None)
                if fut is not None and not fut.done():
                    fut.set_result(at)

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()

    async def submit(self, sender: int) -> Any:
        self.seq += 1
        node = sender % len(self.urls)
        tx = base64.b64encode(f"{self.tag}-{sender}-{self.seq}={self.seq}".encode()).decode()
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.pending[node][tx] = fut
        body = {"jsonrpc": "2.0", "id": self.seq, "method": "broadcast_tx_sync"}
        async with self.session.post(self.urls[node], json=body | {"params": {"tx": tx}}) as r:
            reply = await r.json()
        result = reply.get("result")
        if result is None or int(result["code"]) != 0:
            self.pending[node].pop(tx, None)
            raise TxFailed(str(reply.get("error") or result))
        return fut

    async def wait(self, ticket: Any) -> float:
        try:
            return float(await asyncio.wait_for(ticket, WAIT_MS / 1000))
        except TimeoutError:
            raise TxFailed("not committed in time") from None


class Braid(Target):
    """A zkbraid node: a pre-signed transaction of the sender's, then braid_waitForTransaction
    on the node it was sent to."""

    def __init__(self, urls: list[str], method: str, raws: list[list[str]]) -> None:
        self.urls = urls
        self.method = method
        self.raws = raws
        self.next = [0] * len(raws)

    async def submit(self, sender: int) -> Any:
        k = self.next[sender]
        if k >= len(self.raws[sender]):
            raise TxFailed("out of pre-signed transactions")
        self.next[sender] += 1
        url = self.urls[sender % len(self.urls)]
        try:
            h = await AsyncRpc(self.session, url).call(self.method, self.raws[sender][k])
        except RuntimeError as e:
            raise TxFailed(str(e)) from None
        return url, h

    async def wait(self, ticket: Any) -> float:
        url, h = ticket
        try:
            st = await AsyncRpc(self.session, url).call("braid_waitForTransaction", h, WAIT_MS)
        except RuntimeError as e:
            raise TxFailed(str(e)) from None
        if st is None or st["status"] != "committed":
            raise TxFailed(str(st))
        return time.perf_counter()


@dataclass
class Result:
    label: str
    sequential: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    load_elapsed: float = float("nan")
    errors: list[str] = field(default_factory=list)

    def p(self, which: str, q: float) -> float:
        return percentile(getattr(self, which), q) * 1000

    @property
    def tps(self) -> float:
        return len(self.load) / self.load_elapsed if self.load else float("nan")


async def sequential(target: Target, sender: int, samples: int, gap_ms: float, out: Result) -> None:
    rng = random.Random(1)
    for _ in range(samples):
        await asyncio.sleep(rng.uniform(0, gap_ms) / 1000)
        t0 = time.perf_counter()
        try:
            done = await target.wait(await target.submit(sender))
        except TxFailed as e:
            out.errors.append(str(e))
            continue
        out.sequential.append(done - t0)


async def concurrent(
    target: Target, senders: list[int], window: int, seconds: float, out: Result
) -> None:
    start = time.perf_counter()
    stop_at = start + seconds
    last = [start]

    async def sender(s: int) -> None:
        q: asyncio.Queue[tuple[Any, float] | None] = asyncio.Queue(maxsize=max(1, window - 1))

        async def waiter() -> None:
            while (item := await q.get()) is not None:
                ticket, t0 = item
                try:
                    done = await target.wait(ticket)
                except TxFailed as e:
                    out.errors.append(str(e))
                    continue
                out.load.append(done - t0)
                last[0] = max(last[0], done)

        task = asyncio.create_task(waiter())
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                ticket = await target.submit(s)
            except TxFailed as e:
                out.errors.append(str(e))
                if "pre-signed" in str(e):
                    break
                await asyncio.sleep(0.05)
                continue
            await q.put((ticket, t0))
        await q.put(None)
        await task

    await asyncio.gather(*(sender(s) for s in senders))
    out.load_elapsed = last[0] - start


def measure(
    target: Target,
    label: str,
    *,
    seq_sender: int,
    samples: int,
    gap_ms: float,
    load_senders: list[int] | None,
    window: int,
    seconds: float,
) -> Result:
    """Runs the sequential load, then (if `load_senders`) the concurrent one, against `target`."""
    out = Result(label)

    async def run() -> None:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            await target.open(session)
            try:
                await sequential(target, seq_sender, samples, gap_ms, out)
                if load_senders:
                    await concurrent(target, load_senders, window, seconds, out)
            finally:
                await target.close()

    asyncio.run(run())
    return out


# -- what is sent ----------------------------------------------------------------------------


@dataclass
class Presigned:
    """Transfers signed once, reused on every fresh chain (each starts from nonce 0)."""

    seq_sender: int
    load_senders: list[int]
    fast: list[list[str]]
    zk: list[list[str]]

    @property
    def accounts(self) -> int:
        return max(self.seq_sender, *self.load_senders) + 1


def presign(senders: int, fast_per_sender: int, zk_per_sender: int) -> Presigned:
    # dev:9, 8, 7, 6 are the genesis validators of devnets of up to four: left alone
    validators = range(DEV_VALIDATOR_INDEX - 3, DEV_VALIDATOR_INDEX + 1)
    indices = [i for i in range(senders + 6) if i not in validators][: senders + 1]
    seq_sender, load_senders = indices[0], indices[1 : senders + 1]
    n = max(indices) + 1
    accounts = dev_accounts(n)
    sink = Account.create().address
    chain_id = ZkParams().chain_id
    fast: list[list[str]] = [[] for _ in range(n)]
    zk: list[list[str]] = [[] for _ in range(n)]
    for s in indices:
        fast[s] = signed_transfers(accounts[s], fast_per_sender, sink)
        zk[s] = [
            "0x"
            + sign_transfer(
                dev_l2_key(s),
                chain_id=chain_id,
                from_index=s,
                to_index=seq_sender if s != seq_sender else load_senders[0],
                token=0,
                amount=1,
                nonce=k,
                fee=ZK_FEE,
            )
            .encode()
            .hex()
            for k in range(zk_per_sender)
        ]
    return Presigned(seq_sender, load_senders, fast, zk)


# -- the runs --------------------------------------------------------------------------------


@dataclass
class Plan:
    samples: int
    zk_samples: int
    gap_ms: float
    seconds: float
    zk_seconds: float
    window: int
    zk_window: int
    fast_block_ms: int
    zk_block_ms: int


def run_kvstore(
    plan: Plan, pre: Presigned, validators: int, overrides: Overrides, load: bool = True
) -> Result:
    label = f"kvstore, {validators} validator{'s' if validators > 1 else ''}"
    print(f"{label}{' + ' + describe(overrides) if overrides else ''} …", flush=True)
    with KvstoreNet(validators, plan.fast_block_ms, overrides) as net:
        return measure(
            Kvstore(net.rpc_urls, f"b{time.time_ns()}"),
            label,
            seq_sender=pre.seq_sender,
            samples=plan.samples,
            gap_ms=plan.gap_ms,
            load_senders=pre.load_senders if load else None,
            window=plan.window,
            seconds=plan.seconds,
        )


def devnet_has_validators() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "zkbraid.cli.main", "devnet", "--help"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "--validators" in out


def run_braid(
    plan: Plan,
    pre: Presigned,
    engine: str,
    validators: int,
    overrides: Overrides,
    chains: tuple[str, ...] = ("fast", "zk"),
    load: bool = True,
) -> list[Result]:
    """Both chains' loads on one fresh devnet (the ZK chain after the fast one)."""
    args = ["--no-l1", "--engine", engine, "--accounts", str(pre.accounts)]
    args += ["--fast-block-ms", str(plan.fast_block_ms), "--zk-block-ms", str(plan.zk_block_ms)]
    name = f"zkbraid {engine}, {validators} validator{'s' if validators > 1 else ''}"
    print(f"{name}{' + ' + describe(overrides) if overrides else ''} …", flush=True)
    results = []
    with BraidDevnet(*args, validators=validators, overrides=overrides) as node:
        for chain in chains:
            fast = chain == "fast"
            target = Braid(
                node.urls,
                "eth_sendRawTransaction" if fast else "zk_sendRawTransaction",
                pre.fast if fast else pre.zk,
            )
            results.append(
                measure(
                    target,
                    f"{name}: {'fast' if fast else 'ZK'} transfers",
                    seq_sender=pre.seq_sender,
                    samples=plan.samples if fast else plan.zk_samples,
                    gap_ms=plan.gap_ms,
                    load_senders=pre.load_senders if load else None,
                    window=plan.window if fast else plan.zk_window,
                    seconds=plan.seconds if fast else plan.zk_seconds,
                )
            )
    return results


def table(title: str, results: list[Result]) -> None:
    rows = [("", f"{'sequential (ms)':>17}   {'concurrent load (ms)':>24}")]
    rows.append(("", f"{'p50':>8} {'p99':>8}   {'tx/s':>6} {'p50':>8} {'p99':>8}  errors"))
    for r in results:
        load = (
            f"{r.tps:>6.0f} {r.p('load', 50):>8.1f} {r.p('load', 99):>8.1f}"
            if r.load
            else f"{'-':>6} {'-':>8} {'-':>8}"
        )
        rows.append(
            (
                r.label,
                f"{r.p('sequential', 50):>8.1f} {r.p('sequential', 99):>8.1f}   {load}"
                f"  {len(r.errors)}",
            )
        )
    report(title, rows)
    for r in results:
        for e in r.errors[:2]:
            print(f"  error ({r.label}): {e[:160]}")


SWEEP: list[tuple[str, ...]] = [
    (),
    ("consensus.timeout_commit=0ms",),
    ("fast_block_ms=20",),
    ("consensus.skip_timeout_commit=true",),
    ("fast_block_ms=20", "consensus.skip_timeout_commit=true"),
    ("consensus.create_empty_blocks=false",),
    ("consensus.timeout_propose=200ms",),
    ("p2p.flush_throttle_timeout=1ms",),
    ("consensus.peer_gossip_sleep_duration=1ms",),
    ("p2p.flush_throttle_timeout=1ms", "consensus.peer_gossip_sleep_duration=1ms"),
]
"""One setting at a time on top of settings.py (the first: settings.py as it is).
`fast_block_ms=N` is the devnet's --fast-block-ms, which is also its timeout_commit (and so the
kvstore's)."""


def sweep(plan: Plan, pre: Presigned, four: bool) -> None:
    runs: list[tuple[str, Callable[[Plan, Overrides], Result]]] = [
        ("kvstore, 1 validator", lambda p, o: run_kvstore(p, pre, 1, o, load=False)),
        (
            "zkbraid fast, 1 validator",
            lambda p, o: run_braid(p, pre, "cometbft", 1, o, ("fast",), load=False)[0],
        ),
    ]
    if four:
        runs.append(("kvstore, 4 validators", lambda p, o: run_kvstore(p, pre, 4, o, load=False)))
    for name, run in runs:
        rows = []
        for items in SWEEP:
            block_ms = [int(i.split("=")[1]) for i in items if i.startswith("fast_block_ms=")]
            variant = replace(plan, fast_block_ms=block_ms[0]) if block_ms else plan
            sets = [i for i in items if not i.startswith("fast_block_ms=")]
            setting = " ".join(items) or f"settings.py (fast_block_ms={plan.fast_block_ms})"
            try:
                r = run(variant, parse_overrides(sets))
            except RuntimeError as e:
                rows.append((setting, f"failed: {str(e)[:200]}"))
                continue
            rows.append(
                (
                    setting,
                    f"p50 {r.p('sequential', 50):7.1f} ms   p99 {r.p('sequential', 99):7.1f} ms"
                    f"   errors {len(r.errors)}",
                )
            )
        report(f"sweep: {name} (sequential, {plan.samples} samples)", rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--validators", type=int, nargs="*", default=[1, 4])
    ap.add_argument("--fast-block-ms", type=int, default=100, help="and timeout_commit (100)")
    ap.add_argument("--zk-block-ms", type=int, default=2000, help="the devnet's (2000)")
    ap.add_argument("--samples", type=int, default=100, help="sequential fast/kvstore txs")
    ap.add_argument("--zk-samples", type=int, default=15, help="sequential ZK txs")
    ap.add_argument("--gap-ms", type=float, default=200, help="sequential pause, 0..this")
    ap.add_argument("--senders", type=int, default=16, help="concurrent clients (16)")
    ap.add_argument("--window", type=int, default=16, help="in flight per client (16)")
    ap.add_argument("--zk-window", type=int, default=64, help="ZK in flight per client (64)")
    ap.add_argument("--seconds", type=float, default=8.0, help="concurrent load's length")
    ap.add_argument("--zk-seconds", type=float, default=10.0, help="ZK load's length")
    ap.add_argument("--no-solo", action="store_true", help="skip the solo engine")
    ap.add_argument("--sweep", action="store_true", help="instead, try the latency settings")
    ap.add_argument("--set", action="append", default=[], help="section.key=value on all")
    args = ap.parse_args()

    if not COMETBFT.exists():
        print(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft (skipping)")
        return
    plan = Plan(
        samples=args.samples,
        zk_samples=args.zk_samples,
        gap_ms=args.gap_ms,
        seconds=args.seconds,
        zk_seconds=args.zk_seconds,
        window=args.window,
        zk_window=args.zk_window,
        fast_block_ms=args.fast_block_ms,
        zk_block_ms=args.zk_block_ms,
    )
    # enough for the load at ~1,500 tx/s (fast) and ~300 tx/s (ZK), plus the sequential runs
    fast_n = int(1500 * args.seconds / args.senders) + args.samples + 50
    zk_n = int(300 * args.zk_seconds / args.senders) + args.zk_samples + 50
    print(f"pre-signing {fast_n} fast and {zk_n} ZK transfers for each of {args.senders + 1}…")
    pre = presign(args.senders, fast_n, zk_n)
    overrides = parse_overrides(args.set)
    if args.sweep:
        sweep(plan, pre, 4 in args.validators)
        return
    multi = devnet_has_validators()
    ratios: list[tuple[str, str]] = []
    for v in args.validators:
        results = [run_kvstore(plan, pre, v, overrides)]
        if v == 1 or multi:
            results += run_braid(plan, pre, "cometbft", v, overrides)
        if v == 1 and not args.no_solo:
            results += run_braid(plan, pre, "solo", 1, {})
        title = (
            f"{v} validator{'s' if v > 1 else ''}: submit → committed "
            f"(timeout_commit = fast block interval {args.fast_block_ms} ms, settings.py"
            f"{' + ' + describe(overrides) if overrides else ''})"
        )
        table(title, results)
        if len(results) > 1:
            kv, fast = results[0], results[1]
            ratio = fast.p("sequential", 50) / kv.p("sequential", 50)
            load = fast.p("load", 50) / kv.p("load", 50)
            goal = "   (goal ≤ 1.2)" if v == 4 else ""
            ratios.append(
                (
                    f"{v} validator{'s' if v > 1 else ''}",
                    f"{ratio:.2f}{goal}   under load {load:.2f}",
                )
            )
        else:
            msg = "skipped: `braid devnet --validators` does not exist yet"
            print(f"  zkbraid with {v} validators {msg}")
            ratios.append((f"{v} validators", msg))
    report("ratio zkbraid-fast p50 / kvstore p50 (sequential)", ratios)


if __name__ == "__main__":
    main()
