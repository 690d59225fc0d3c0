"""Proving-market simulation (issue 4): the real market state machine, synthetic provers.

Blocks come every 100 ms of simulated time (the fast chain's interval under load), each with its
hash, as the node makes them; every 2 s one of them carries the ZK-chain transactions that arrived
since (a ZK block). Every block's proofs, bundles, heartbeats and deactivations go through the
market exactly as the node will feed them, signed market transactions included (market/state.py),
and the market's step assigns, fines and reassigns (market/step.py).

Synthetic provers: 70% command-line workers (the native prover, median 1.1 s a proof) and 30%
browsers (snarkjs in headless Chromium, median 7.0 s), log-normal around those medians (the figures
measured here for the transaction circuit: bench/proving.py, web/prover/README.md);
each notices an assignment 0.1–1 s after its block (polling), fetches the witness (0.2 s), proves
its jobs one after another and submits; 1% of jobs are silently abandoned (a crash, a closed tab).
Each prover heartbeats every 20 s. An aggregation job takes a prover 0.3 s (it bundles proofs).

Two scenarios on the same workload (seeded, so they differ only in the dropouts):
- baseline: every prover stays;
- dropout: after each quarter of the run, provers leave — to 50%, then 10%, then 5% of them —
  half by a DeactivateProver transaction (their jobs go back unfined), half by crashing mid-job
  (their jobs are fined at the deadline, or released unfined if their heartbeat lapses first).

Reported per quarter: active provers, time from commitment to proof (p50/p99 of transactions
committed in it), fines, the bounty paid per transaction (in fees), the pool, the backlog; then the
dropout run's time to proof as a ratio of the baseline's, quarter by quarter.

Run: .venv/bin/python -m bench.market_sim [--provers 100 1000] [--duration 240] [--seed 1]
(about a minute on 2 cores with the defaults)
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import time
from dataclasses import dataclass, field

from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from bench.common import percentile, report
from zkbraid.ledger.kv import memory_store
from zkbraid.market.errors import JobClosed, NotAssignee
from zkbraid.market.market_txs import (
    BundleEntry,
    MarketTx,
    sign_bundle,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.params import MarketParams
from zkbraid.market.receipts import ProverReceipt
from zkbraid.market.records import JobKind
from zkbraid.market.state import Market
from zkbraid.market.zkpow import ZkpowLedger

BLOCK_MS = 100
ZK_BLOCK_EVERY = 20  # a ZK block every 2 s (BlockTiming.zk_block_interval_ms)
FEE = 10**16  # 0.01 ZKPoW, a transfer's fee (FeeSchedule.transfer)
ONE_ZKPOW = 10**18
HEARTBEAT_MS = 20_000
ABANDON = 0.01
# the native prover at 2 threads, a Transfer (bench/proving.py; groth16py's was 3,600)
DEFAULT_CLI_PROOF_MS = 1_100.0
CLI_PROOF_MS = DEFAULT_CLI_PROOF_MS  # --cli-proof-ms sets it
BROWSER_PROOF_MS = 7_000.0  # snarkjs in a Web Worker, headless Chromium (web/prover/README.md)
DRAIN_MS = 60_000  # after the last transaction, to let the backlog clear
PHASES = 4
REMAINING = (1.0, 0.5, 0.10, 0.05)  # share of provers left in each quarter (dropout scenario)


def proof_bytes(tx_hash: bytes) -> bytes:
    return (tx_hash * 8)[:256]


@dataclass
class SimProver:
    index: int
    key: bytes
    address: bytes
    median_ms: float
    leaves_at: float = math.inf
    leaves_cleanly: bool = True
    nonce: int = 0
    free_at: float = 0.0
    next_heartbeat: float = 0.0
    gone: bool = False


@dataclass
class PhaseStats:
    committed: int = 0
    time_to_proof: list[float] = field(default_factory=list)
    fines: int = 0
    fined: int = 0
    payouts: list[int] = field(default_factory=list)
    released: int = 0
    late: int = 0
    active_end: int = 0
    pool_end: int = 0
    backlog_end: int = 0
    unproven: int = 0
    bundles: int = 0


class Simulation:
    def __init__(
        self,
        n_provers: int,
        duration_ms: int,
        rate_per_prover: float,
        seed: int,
        dropout: bool,
        params: MarketParams,
    ) -> None:
        self.params = params
        store = memory_store()
        self.store = store
        self.zkpow = ZkpowLedger(store.namespace("z.trie"), store.namespace("z"))
        self.market = Market(
            self.params,
            self.zkpow,
            store.namespace("m.trie"),
            store.namespace("m"),
            store.namespace("m.live"),
        )
        # Separate streams, so that both scenarios get the same provers and transactions.
        setup = random.Random(seed)  # provers' kinds, heartbeat phases, departures
        self.rng = random.Random(seed + 1)  # transaction arrivals
        self.fate = random.Random(seed + 2)  # proving times and abandonment
        self.duration_ms = duration_ms
        self.rate = rate_per_prover * n_provers  # transactions a second
        self.provers: list[SimProver] = []
        for i in range(n_provers):
            key = bytes(keccak(b"sim prover %d" % i))
            address = bytes(PrivateKey(key).public_key.to_canonical_address())
            median = CLI_PROOF_MS if setup.random() < 0.7 else BROWSER_PROOF_MS
            p = SimProver(i, key, address, median)
            p.next_heartbeat = setup.uniform(0, HEARTBEAT_MS)
            self.provers.append(p)
        self.by_address = {p.address: p for p in self.provers}
        if dropout:
            order = list(range(n_provers))
            setup.shuffle(order)
            quarter = duration_ms / PHASES
            for phase in range(1, PHASES):
                keep = round(n_provers * REMAINING[phase])
                for i in order[keep : round(n_provers * REMAINING[phase - 1])]:
                    p = self.provers[i]
                    p.leaves_at = phase * quarter + setup.uniform(0, quarter / 4)
                    p.leaves_cleanly = setup.random() < 0.5
        self.height = 0
        self.time_ms = 0
        self.block_hash = b"\x00" * 32
        self.zk_root = 1
        self.results: list[tuple[float, int, bytes]] = []  # heap of (ready at, prover, job)
        self.pending_txs: list[MarketTx] = []
        self.committed_at: dict[bytes, tuple[int, int]] = {}  # tx -> (time, phase)
        self.phases = [PhaseStats() for _ in range(PHASES + 1)]  # the last: the drain
        self.tx_count = 0
        self.market_s = 0.0  # in the market's calls (signature checks included)
        self.ledger_s = 0.0  # in the ZKPoW ledger's root and the store's commit

    def phase(self, t: float) -> int:
        return min(PHASES, int(t * PHASES // self.duration_ms))

    def run(self) -> list[PhaseStats]:
        self.block(txs=[sign_register(p.key) for p in self.provers])
        for p in self.provers:
            p.next_heartbeat += self.time_ms
        end = self.duration_ms + DRAIN_MS
        previous_phase = 0
        while self.time_ms < end:
            self.block()
            ph = self.phase(self.time_ms)
            if ph != previous_phase:
                self.close_phase(previous_phase)
                previous_phase = ph
        self.close_phase(previous_phase)
        for _, ph in self.committed_at.values():
            self.phases[ph].unproven += 1
        return self.phases

    def close_phase(self, ph: int) -> None:
        s = self.phases[ph]
        s.active_end = self.market.active_count
        s.pool_end = self.market.pool
        s.backlog_end = sum(1 for j in self.market.open_jobs() if j.assignee is None)

    def block(self, txs: list[MarketTx] | None = None) -> None:
        self.height += 1
        self.time_ms += BLOCK_MS
        t = self.time_ms
        ph = self.phase(t)
        stats = self.phases[ph]
        market = self.market
        started = time.perf_counter()
        # ZK-chain transactions of a ZK block
        if self.height % ZK_BLOCK_EVERY == 0 and t <= self.duration_ms:
            lam = self.rate * BLOCK_MS * ZK_BLOCK_EVERY / 1000
            for _ in range(_poisson(self.rng, lam)):
                tx_hash = bytes(keccak(b"sim tx %d" % self.tx_count))
                self.tx_count += 1
                market.job_committed(tx_hash, FEE, self.zk_root, self.zk_root + 1, self.height, t)
                self.zk_root += 1
                self.committed_at[tx_hash] = (t, ph)
                stats.committed += 1
        self.market_s += time.perf_counter() - started
        # proofs and bundles that are ready
        while self.results and self.results[0][0] <= t:
            _, i, job_id = heapq.heappop(self.results)
            self.submit(self.provers[i], job_id, stats)
        # provers' own transactions: heartbeats and departures
        for p in self.provers:
            if p.gone:
                continue
            if p.leaves_at <= t:
                p.gone = True
                if p.leaves_cleanly:
                    self.pending_txs.append(sign_deactivate(p.key, p.nonce))
                    p.nonce += 1
                continue
            if p.next_heartbeat <= t:
                self.pending_txs.append(sign_heartbeat(p.key, p.nonce))
                p.nonce += 1
                p.next_heartbeat += HEARTBEAT_MS
        started = time.perf_counter()
        for tx in (txs or []) + self.pending_txs:
            receipt = market.apply(tx, self.height, t)
            if isinstance(receipt, ProverReceipt):
                stats.released += len(receipt.released)
        self.pending_txs = []
        out = market.on_block(self.height, self.block_hash, t)
        market_root = market.root
        flushed = time.perf_counter()
        self.market_s += flushed - started
        self.block_hash = bytes(
            keccak(self.height.to_bytes(8, "big") + market_root + self.zkpow.root)
        )
        self.store.write_buffer()
        self.ledger_s += time.perf_counter() - flushed
        for _, _, amount in out.fined:
            stats.fines += 1
            stats.fined += amount
        stats.released += len(out.released)
        for job_id, address, _ in out.assigned:
            self.take(self.by_address[address], job_id, t)

    def take(self, p: SimProver, job_id: bytes, t: float) -> None:
        """The prover notices its assignment, then proves it after whatever it is proving."""
        if p.gone:
            return
        job = self.market.job(job_id)
        assert job is not None
        start = max(t + self.fate.uniform(100, 1_000), p.free_at)
        if job.kind is JobKind.AGGREGATE:
            work = 300.0
        else:
            work = 200 + p.median_ms * math.exp(self.fate.gauss(0, 0.25))
        finish = start + work
        p.free_at = finish
        if self.fate.random() < ABANDON or finish >= p.leaves_at:
            return  # abandoned, or the prover is gone before it finishes
        heapq.heappush(self.results, (finish + 50, p.index, job_id))

    def submit(self, p: SimProver, job_id: bytes, stats: PhaseStats) -> None:
        market = self.market
        job = market.job(job_id)
        assert job is not None
        started = time.perf_counter()
        try:
            if job.kind is JobKind.TX:
                market.check_submission(job_id, p.address)
                paid = market.proof_accepted(
                    job_id, p.address, bytes(keccak(proof_bytes(job_id))), self.height,
                    self.time_ms,
                )  # fmt: skip
                self.market_s += time.perf_counter() - started
                committed, ph = self.committed_at.pop(job_id)
                self.phases[ph].time_to_proof.append((self.time_ms - committed) / 1000)
                stats.payouts.append(paid)
            else:
                batch = market.batch(job.seq)
                assert batch is not None
                entries = []
                for seq in range(batch.start, batch.start + batch.count):
                    tx_hash = market.tx_at(seq)
                    tx_job = market.job(tx_hash) if tx_hash else None
                    assert tx_hash is not None and tx_job is not None
                    entries.append(
                        BundleEntry(tx_hash, tx_job.old_root, tx_job.new_root, proof_bytes(tx_hash))
                    )
                bundle = sign_bundle(p.key, job.seq, entries)
                started = time.perf_counter()
                market.apply(bundle, self.height, self.time_ms)
                self.market_s += time.perf_counter() - started
                stats.bundles += 1
        except (NotAssignee, JobClosed):
            self.market_s += time.perf_counter() - started
            stats.late += 1  # reassigned meanwhile: refused, as the node would at check_tx


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _fmt_zkpow(amount: int) -> str:
    return f"{amount / ONE_ZKPOW:.3f}"


def _summary(name: str, stats: list[PhaseStats], duration_ms: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    quarter = duration_ms / PHASES / 1000
    for ph, s in enumerate(stats):
        label = (
            f"q{ph + 1} {ph * quarter:.0f}-{(ph + 1) * quarter:.0f}s" if ph < PHASES else "drain"
        )
        bounty = (
            f"bounty/fee mean {sum(s.payouts) / len(s.payouts) / FEE:.2f} "
            f"p90 {percentile([float(x) for x in s.payouts], 90) / FEE:.2f}"
            if s.payouts
            else "no payouts"
        )
        ttp = (
            f"ttp p50 {percentile(s.time_to_proof, 50):.1f}s p99 "
            f"{percentile(s.time_to_proof, 99):.1f}s"
            if s.time_to_proof
            else "ttp -"
        )
        rows.append(
            (
                f"{name} {label}",
                f"active {s.active_end:>4}  txs {s.committed:>5}  {ttp}  "
                f"fines {s.fines} ({_fmt_zkpow(s.fined)} ZKPoW)  released {s.released}  {bounty}  "
                f"pool {_fmt_zkpow(s.pool_end)}  backlog {s.backlog_end}  unproven {s.unproven}  "
                f"late {s.late}  bundles {s.bundles}",
            )
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--provers", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--duration", type=int, default=240, help="seconds of transactions (simulated)")
    ap.add_argument(
        "--rate-per-prover", type=float, default=0.05,
        help="ZK-chain transactions a second per prover (0.05: 50 tx/s for 1,000 provers,"
        " about a fifth of their capacity at the measured proving times)",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--cli-proof-ms", type=float, default=DEFAULT_CLI_PROOF_MS,
        help=f"the command-line provers' median proof time ({DEFAULT_CLI_PROOF_MS:.0f}: the native"
        " prover, bench/proving.py; 3600 was groth16py's)",
    )  # fmt: skip
    ap.add_argument(
        "--without-bench", action="store_true",
        help="also run the dropout scenario with bench_after_miss off, to see what the rule buys",
    )  # fmt: skip
    args = ap.parse_args()
    global CLI_PROOF_MS
    CLI_PROOF_MS = args.cli_proof_ms
    print(f"command-line provers' median proof: {CLI_PROOF_MS:.0f} ms")
    duration_ms = args.duration * 1000
    scenarios = [("baseline", False, MarketParams()), ("dropout", True, MarketParams())]
    if args.without_bench:
        scenarios.append(("no-bench", True, MarketParams(bench_after_miss=False)))
    for n in args.provers:
        runs: dict[str, list[PhaseStats]] = {}
        for name, dropout, params in scenarios:
            started = time.perf_counter()
            sim = Simulation(n, duration_ms, args.rate_per_prover, args.seed, dropout, params)
            runs[name] = sim.run()
            wall = time.perf_counter() - started
            rows = _summary(name, runs[name], duration_ms)
            rows.append(
                (
                    f"{name} cost",
                    f"{sim.height} blocks, {sim.tx_count} txs, {wall:.1f} s wall; the market "
                    f"{sim.market_s / sim.height * 1000:.2f} ms a block (signature checks "
                    f"included), ZKPoW root and store {sim.ledger_s / sim.height * 1000:.2f} ms",
                )
            )
            report(f"market_sim: {n} provers, {sim.rate:.0f} tx/s, {name}", rows)
        for name in runs:
            if name == "baseline":
                continue
            ratios: list[tuple[str, str]] = []
            for ph in range(PHASES):
                base, drop = runs["baseline"][ph], runs[name][ph]
                if base.time_to_proof and drop.time_to_proof:
                    r50 = percentile(drop.time_to_proof, 50) / percentile(base.time_to_proof, 50)
                    r99 = percentile(drop.time_to_proof, 99) / percentile(base.time_to_proof, 99)
                    ratios.append(
                        (
                            f"q{ph + 1} ({REMAINING[ph]:.0%} of provers)",
                            f"ttp p50 ×{r50:.2f}  p99 ×{r99:.2f}  "
                            f"fines {drop.fines} vs {base.fines}",
                        )
                    )
            report(f"market_sim: {n} provers, {name} vs baseline (same run, same workload)", ratios)


if __name__ == "__main__":
    main()
