"""Recovery figures (issue 21, part 6): how long a network of four validators takes to go on
when one is killed, and how fast a restarted validator catches up, on a quiet machine and with
CPU hogs beside it, measured in the same run.

The network is `braid devnet --validators 4 --restart-limit 0 --no-l1 --no-agent` (the launcher
does not restart a node that dies: this bench does) in a temporary data dir, on a free port
range. A steady light load of fast-chain transfers (--rate tx/s, dev account 0, sent to v0 and
not waited on) runs throughout, so the chain makes blocks: an empty CometBFT proposal is no
braided block, and a quiet chain would idle.

1. Kill → next block. `--kills` times: the braided height (`braid_status`) and the CometBFT
   height (its RPC's /status) of v0 are read, one of v1..v3 (in turn) is sent SIGKILL (its pid
   from `<data dir>/vK.pid`, or the process this bench started), and v0 is polled every ~10 ms
   until both heights have grown, and at least --watch-s after the kill: the longest wait
   between two braided blocks in that time is reported too (the proposer's turns that the
   dead validator misses each cost CometBFT's timeout_propose). The baseline, measured the
   same way just before, is a random instant with all four up: the time to the next block when
   nothing happened. The killed validator is then started again and waited for until it has
   caught up (the "short outage" rows of the catch-up table).
2. Catch-up. For each B of --behind: a validator is killed, the three others make B braided
   blocks under the load, and it is started again (`braid node --network <data dir>/network.json
   --name vK`, output appended to `<data dir>/vK.log`). Measured from its start: until its API
   answers (/health), until its braided height reaches v0's at the moment it was started, and
   until it votes again (its precommit in the last commit of v0's latest block: a node caught
   up by CometBFT's block sync votes only once it has switched to consensus; the next kill
   waits for it, or it would halt the chain). Catch-up blocks/s = blocks behind / (caught up −
   API up), the node's sync once it serves.
3. With --load, all of it again with --hogs busy-loop processes (`nice -n --hog-nice`) running
   beside the network; the tables put quiet and loaded side by side with the ratio loaded/quiet.

Times are polled, so each is late by up to one poll (~10 ms for blocks, ~50 ms for catch-up);
nothing here asserts on them. Every process the bench starts (the launcher, the nodes it starts
again, the hogs) is stopped at the end, on Ctrl-C and on an error too.

Run: .venv/bin/python -m bench.recovery [--kills 5] [--behind 50 150] [--rate 20] [--load]
     [--hogs 2] [--hog-nice 0] [--l1] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.common import percentile, report
from zkbraid import processes
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.node.devnet import dev_accounts
from zkbraid.node.network import (
    NETWORK_FILE,
    NetworkSpec,
    free_base_port,
)

LOAD_ACCOUNT = 0
"""The dev account the steady load sends from (the validators' operators are 9, 8, 7, 6)."""
SINK = "0x000000000000000000000000000000000000dEaD"
READY_LINE = b"Ctrl-C stops the network"
"""What the launcher prints once every validator serves its API (cli/network.py)."""
BLOCK_ID_FLAG_COMMIT = 2
"""A commit signature for the block (CometBFT's BlockIDFlagCommit)."""
BLOCK_POLL_S = 0.01
CATCH_UP_POLL_S = 0.05


class RecoveryTimeout(Exception):
    """A node did not start, a block did not come or a node did not catch up in time."""


# -- the network ---------------------------------------------------------------------------------


class Devnet:
    """`braid devnet --validators N --restart-limit 0` in `root`, plus the nodes this bench
    starts again after killing them; `close()` ends them all."""

    def __init__(self, root: Path, validators: int, fast_block_ms: int, l1: bool) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.launcher_log = root / "launcher.log"
        self.port = free_base_port(validators)
        self.argv = [
            sys.executable,
            "-m",
            "zkbraid.cli.main",
            "devnet",
            "--validators",
            str(validators),
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--restart-limit",
            "0",
            "--no-agent",
            "--fast-block-ms",
            str(fast_block_ms),
            "--log-level",
            "warning",
            *([] if l1 else ["--no-l1"]),
        ]
        self.launcher: subprocess.Popen[bytes] | None = None
        self.own: dict[str, subprocess.Popen[bytes]] = {}
        """Nodes this bench started again (the launcher's own are in its pid files)."""
        self.http = requests.Session()
        self.spec: NetworkSpec | None = None

    def start(self, timeout_s: float) -> None:
        with open(self.launcher_log, "ab") as log:
            self.launcher = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=processes.die_with_parent(),
            )
        deadline = time.monotonic() + timeout_s
        while READY_LINE not in self.launcher_log.read_bytes():
            if self.launcher.poll() is not None:
                raise RuntimeError(f"the launcher exited:\n{tail(self.launcher_log)}")
            if time.monotonic() > deadline:
                raise RecoveryTimeout(f"the network did not start:\n{tail(self.launcher_log)}")
            time.sleep(0.3)
        self.spec = NetworkSpec.load(self.data_dir / NETWORK_FILE)

    @property
    def names(self) -> list[str]:
        assert self.spec is not None
        return list(self.spec.names)

    def _node(self, name: str) -> Any:
        assert self.spec is not None
        return self.spec.node(name)

    def url(self, name: str) -> str:
        return str(self._node(name).url)

    def up(self, name: str) -> bool:
        try:
            return self.http.get(self._node(name).url + "/health", timeout=2).ok
        except requests.RequestException:
            return False

    def height(self, name: str) -> int:
        """The node's braided height (`braid_status`)."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "braid_status", "params": []}
        reply = self.http.post(self._node(name).url, json=body, timeout=5).json()
        return int(reply["result"]["height"])

    def cometbft_height(self, name: str) -> int:
        url = f"http://127.0.0.1:{self._node(name).rpc_port}/status"
        reply = self.http.get(url, timeout=5).json()
        return int(reply["result"]["sync_info"]["latest_block_height"])

    def validator_address(self, name: str) -> str:
        """The node's CometBFT validator address (hex, as its RPC spells it)."""
        url = f"http://127.0.0.1:{self._node(name).rpc_port}/status"
        reply = self.http.get(url, timeout=5).json()
        return str(reply["result"]["validator_info"]["address"])

    def signed_last_block(self, observer: str, address: str) -> bool:
        """`address`'s precommit is in the last commit of `observer`'s latest block (the
        canonical commit, with the votes that came during timeout_commit): it votes."""
        url = f"http://127.0.0.1:{self._node(observer).rpc_port}/block"
        reply = self.http.get(url, timeout=5).json()
        signatures = reply["result"]["block"]["last_commit"]["signatures"]
        return any(
            sig["validator_address"] == address
            and int(sig["block_id_flag"]) == BLOCK_ID_FLAG_COMMIT
            for sig in signatures
        )

    def heights(self, name: str) -> tuple[int, int]:
        """(braided height, CometBFT height) of `name`."""
        return self.height(name), self.cometbft_height(name)

    def kill(self, name: str) -> None:
        """SIGKILL to the node (its CometBFT child dies with it: processes.die_with_parent)."""
        proc = self.own.pop(name, None)
        if proc is not None:
            proc.kill()
            proc.wait()
            return
        pid = processes.read_pid(self.data_dir / f"{name}.pid")
        if pid is None:
            raise RuntimeError(f"no pid file for {name}")
        os.kill(pid, signal.SIGKILL)

    def start_node(self, name: str) -> subprocess.Popen[bytes]:
        """`braid node --network <data dir>/network.json --name NAME`, appending to its log."""
        argv = [sys.executable, "-m", "zkbraid.cli.main", "node"]
        argv += ["--network", str(self.data_dir / NETWORK_FILE), "--name", name]
        argv += ["--log-level", "warning"]
        with open(self.data_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=processes.die_with_parent(),
            )
        self.own[name] = proc
        return proc

    def close(self) -> None:
        """Stops the nodes this bench started, then the launcher (which stops its own)."""
        for proc in self.own.values():
            processes.stop(proc)
        self.own = {}
        if self.launcher is not None:
            processes.stop(self.launcher, grace_s=90)
            self.launcher = None
        self.http.close()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- what runs beside it -------------------------------------------------------------------------


class SteadyLoad(threading.Thread):
    """Fast-chain transfers of one dev account to one node at a steady rate, not waited on."""

    def __init__(self, url: str, rate: float) -> None:
        super().__init__(name="steady-load", daemon=True)
        self.url = url
        self.interval = 1 / rate
        self.account = dev_accounts(LOAD_ACCOUNT + 1)[LOAD_ACCOUNT]
        self.http = requests.Session()
        self.halt = threading.Event()
        self.sent = 0
        self.errors = 0
        self.last_error = ""

    def _call(self, method: str, *params: Any) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        reply = self.http.post(self.url, json=body, timeout=10).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def _nonce(self) -> int:
        return int(self._call("eth_getTransactionCount", self.account.address, "pending"), 16)

    def run(self) -> None:
        chain_id = int(self._call("eth_chainId"), 16)
        nonce = self._nonce()
        due = time.monotonic()
        while not self.halt.is_set():
            raw = self.account.sign_transaction(
                {
                    "to": SINK,
                    "value": 1,
                    "gas": 21000,
                    "maxFeePerGas": 10**10,
                    "maxPriorityFeePerGas": 1,
                    "nonce": nonce,
                    "chainId": chain_id,
                }
            ).raw_transaction.to_0x_hex()
            try:
                self._call("eth_sendRawTransaction", raw)
                nonce += 1
                self.sent += 1
            except (requests.RequestException, RuntimeError, ValueError) as e:
                self.errors += 1
                self.last_error = str(e)[:200]
                with contextlib.suppress(requests.RequestException, RuntimeError, ValueError):
                    nonce = self._nonce()
            due = max(due + self.interval, time.monotonic() - 1)  # no burst after a stall
            self.halt.wait(max(0.0, due - time.monotonic()))

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=15)
        self.http.close()


class Hogs:
    """`count` busy-loop processes at niceness `nice`, until `stop()`."""

    def __init__(self, count: int, nice: int) -> None:
        self.count = count
        self.nice = nice
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        die = processes.die_with_parent()
        nice = self.nice

        def preexec() -> None:
            die()
            if nice:
                os.nice(nice)

        for _ in range(self.count):
            self.procs.append(
                subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=preexec)
            )

    def stop(self) -> None:
        for proc in self.procs:
            processes.stop(proc, grace_s=5)
        self.procs = []


# -- the measurements ----------------------------------------------------------------------------


@dataclass
class NextBlock:
    """After a trigger (a kill, or nothing): seconds to the observer's next braided block and
    next CometBFT height, and the longest wait between braided blocks within the watch."""

    braided_s: float
    cometbft_s: float
    longest_gap_s: float


@dataclass
class CatchUp:
    """A validator started again `behind` braided blocks (`cometbft_behind` CometBFT heights)
    behind v0: seconds from its start until its API answered, until it reached v0's height at
    its start, and until its precommit was in a block's last commit again."""

    behind: int
    cometbft_behind: int
    api_s: float
    caught_s: float
    votes_s: float

    @property
    def blocks_per_s(self) -> float:
        sync = self.caught_s - self.api_s
        return self.behind / sync if sync > 0 else float("nan")


@dataclass
class Phase:
    """Every figure of one machine state (quiet or loaded)."""

    label: str
    baseline: list[NextBlock] = field(default_factory=list)
    kills: list[NextBlock] = field(default_factory=list)
    short: list[CatchUp] = field(default_factory=list)
    catch_ups: dict[int, CatchUp] = field(default_factory=dict)
    load_avg: tuple[float, float, float] = (0.0, 0.0, 0.0)


def next_block(
    net: Devnet, observer: str, trigger: Callable[[], None], watch_s: float, timeout_s: float
) -> NextBlock:
    """Reads `observer`'s heights, runs `trigger`, then polls until both heights have grown
    and `watch_s` has passed.

    Raises RecoveryTimeout: no new block within `timeout_s`.
    """
    braided0, cometbft0 = net.heights(observer)
    t0 = time.perf_counter()
    trigger()
    braided_s = cometbft_s = None
    last, seen, longest = t0, braided0, 0.0
    while True:
        braided, cometbft = net.heights(observer)
        now = time.perf_counter()
        if braided > seen:
            longest = max(longest, now - last)
            last, seen = now, braided
            if braided_s is None:
                braided_s = now - t0
        if cometbft_s is None and cometbft > cometbft0:
            cometbft_s = now - t0
        if braided_s is not None and cometbft_s is not None and now - t0 >= watch_s:
            return NextBlock(braided_s, cometbft_s, max(longest, now - last))
        if now - t0 > timeout_s:
            raise RecoveryTimeout(f"no block on {observer} {timeout_s:g} s after the trigger")
        time.sleep(BLOCK_POLL_S)


def restart(
    net: Devnet, name: str, address: str, behind_of: tuple[int, int], timeout_s: float
) -> CatchUp:
    """Starts `name` again; waits until its API answers, until its braided height reaches v0's
    at its start, and until it votes again (`address` signs v0's blocks). `behind_of`: its own
    (braided, CometBFT) heights when it was killed.

    Raises RecoveryTimeout: it did not start or catch up within `timeout_s`.
    """
    live = net.names[0]
    target, cometbft_target = net.heights(live)
    t0 = time.perf_counter()
    proc = net.start_node(name)
    deadline = t0 + timeout_s
    while not net.up(name):
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} exited with {proc.returncode}:\n{tail(net.data_dir / f'{name}.log')}"
            )
        if time.perf_counter() > deadline:
            raise RecoveryTimeout(f"{name}'s API did not answer within {timeout_s:g} s")
        time.sleep(CATCH_UP_POLL_S)
    api_s = time.perf_counter() - t0
    while True:
        try:
            if net.height(name) >= target:
                break
        except (requests.RequestException, KeyError, ValueError):
            pass
        if time.perf_counter() > deadline:
            raise RecoveryTimeout(f"{name} did not reach height {target} within {timeout_s:g} s")
        time.sleep(CATCH_UP_POLL_S)
    caught_s = time.perf_counter() - t0
    # caught up by block sync is not yet voting: CometBFT switches to consensus after it
    while True:
        try:
            if net.signed_last_block(live, address):
                break
        except (requests.RequestException, KeyError, ValueError):
            pass
        if time.perf_counter() > deadline:
            raise RecoveryTimeout(f"{name} did not vote again within {timeout_s:g} s")
        time.sleep(CATCH_UP_POLL_S)
    votes_s = time.perf_counter() - t0
    return CatchUp(target - behind_of[0], cometbft_target - behind_of[1], api_s, caught_s, votes_s)


def kill_and_restart(
    net: Devnet, victim: str, phase: Phase, watch_s: float, timeout_s: float
) -> None:
    """Kill → next block on v0, then the victim started again (a short outage's catch-up)."""
    live = net.names[0]
    own = net.heights(victim)
    address = net.validator_address(victim)
    nb = next_block(net, live, lambda: net.kill(victim), watch_s, timeout_s)
    phase.kills.append(nb)
    c = restart(net, victim, address, own, timeout_s)
    phase.short.append(c)
    print(
        f"  kill {victim}: next braided block {nb.braided_s * 1000:.0f} ms, CometBFT height"
        f" {nb.cometbft_s * 1000:.0f} ms, longest gap {nb.longest_gap_s * 1000:.0f} ms;"
        f" back: API {c.api_s:.1f} s, caught up {c.caught_s:.1f} s ({c.behind} blocks),"
        f" votes {c.votes_s:.1f} s",
        flush=True,
    )


def behind_by(net: Devnet, victim: str, blocks: int, phase: Phase, timeout_s: float) -> None:
    """Kills `victim`, lets the others make `blocks` braided blocks, starts it again."""
    live = net.names[0]
    own = net.heights(victim)
    address = net.validator_address(victim)
    net.kill(victim)
    start = time.perf_counter()
    deadline = start + max(timeout_s, 2.0 * blocks)
    shown = start
    while (h := net.height(live)) < own[0] + blocks:
        if time.perf_counter() > deadline:
            raise RecoveryTimeout(f"the network made {h - own[0]} of {blocks} blocks in time")
        if time.perf_counter() - shown > 15:
            shown = time.perf_counter()
            print(f"    {victim} down, {h - own[0]}/{blocks} blocks…", flush=True)
        time.sleep(0.2)
    made_s = time.perf_counter() - start
    c = restart(net, victim, address, own, timeout_s)
    phase.catch_ups[blocks] = c
    print(
        f"  {victim} {c.behind} blocks behind (made in {made_s:.0f} s by three): API"
        f" {c.api_s:.1f} s, caught up {c.caught_s:.1f} s, {c.blocks_per_s:.0f} blocks/s, votes"
        f" {c.votes_s:.1f} s",
        flush=True,
    )


def measure(net: Devnet, phase: Phase, args: argparse.Namespace) -> None:
    """Every figure of one phase, on the running network."""
    live, others = net.names[0], net.names[1:]
    rng = random.Random(len(phase.label))
    print(f"{phase.label}: next block after a random instant, all up ({args.kills}×)", flush=True)
    for _ in range(args.kills):
        time.sleep(rng.uniform(0.2, 1.2))
        nb = next_block(net, live, lambda: None, args.watch_s, args.timeout_s)
        phase.baseline.append(nb)
        print(
            f"  next braided block {nb.braided_s * 1000:.0f} ms, CometBFT height"
            f" {nb.cometbft_s * 1000:.0f} ms, longest gap {nb.longest_gap_s * 1000:.0f} ms",
            flush=True,
        )
    print(f"{phase.label}: kill → next block ({args.kills}×)", flush=True)
    for k in range(args.kills):
        time.sleep(rng.uniform(0.2, 1.2))
        kill_and_restart(net, others[k % len(others)], phase, args.watch_s, args.timeout_s)
    print(f"{phase.label}: catch-up after {', '.join(map(str, args.behind))} blocks", flush=True)
    for k, blocks in enumerate(args.behind):
        behind_by(net, others[(k + 2) % len(others)], blocks, phase, args.timeout_s)
    phase.load_avg = os.getloadavg()


# -- the report ----------------------------------------------------------------------------------


def _cell(value: float, unit: str) -> str:
    if value != value:  # nan
        return "-"
    return f"{value * 1000:.0f} ms" if unit == "ms" else f"{value:.1f}{unit}"


def _row(label: str, values: list[float], unit: str) -> tuple[str, str]:
    cells = "".join(f"{_cell(v, unit):>14}" for v in values)
    if len(values) == 2 and values[0] == values[0] and values[1] == values[1] and values[0] > 0:
        cells += f"{values[1] / values[0]:>14.2f}"
    return label, cells


def tables(phases: list[Phase], args: argparse.Namespace) -> None:
    header = "".join(f"{p.label:>14}" for p in phases)
    if len(phases) == 2:
        header += f"{'loaded/quiet':>14}"

    def stat(get: Callable[[Phase], list[float]], q: float) -> list[float]:
        return [percentile(get(p), q) for p in phases]

    rows = [("", header)]
    for what, get in (
        ("all up: next braided block", lambda p: [b.braided_s for b in p.baseline]),
        ("all up: next CometBFT height", lambda p: [b.cometbft_s for b in p.baseline]),
        (
            f"all up: longest gap in {args.watch_s:g} s",
            lambda p: [b.longest_gap_s for b in p.baseline],
        ),
        ("kill: next braided block", lambda p: [b.braided_s for b in p.kills]),
        ("kill: next CometBFT height", lambda p: [b.cometbft_s for b in p.kills]),
        (f"kill: longest gap in {args.watch_s:g} s", lambda p: [b.longest_gap_s for b in p.kills]),
    ):
        rows.append(_row(f"{what}, p50", stat(get, 50), "ms"))
        rows.append(_row(f"{what}, max", stat(get, 100), "ms"))
    report(
        f"kill one of {args.validators} validators (SIGKILL) → next block on v0"
        f" ({args.kills} kills; baseline: a random instant with all up; load {args.rate:g} tx/s)",
        rows,
    )

    rows = [("", header)]
    groups: list[tuple[str, list[list[CatchUp]]]] = [
        ("short outage (the kills above), p50", [p.short for p in phases])
    ]
    for b in args.behind:
        groups.append(
            (f"{b} blocks behind", [[p.catch_ups[b]] if b in p.catch_ups else [] for p in phases])
        )
    fields = (
        ("behind (blocks)", "behind"),
        ("CometBFT heights behind", "cometbft_behind"),
        ("API answers (s)", "api_s"),
        ("caught up (s)", "caught_s"),
        ("votes again (s)", "votes_s"),
        ("catch-up blocks/s", "blocks_per_s"),
    )
    for what, samples in groups:
        for name, attr in fields:
            if attr == "blocks_per_s" and samples is groups[0][1]:
                continue  # a few blocks: the time is the start's, not the sync's
            values = [percentile([float(getattr(c, attr)) for c in s], 50) for s in samples]
            rows.append(_row(f"{what}: {name}", values, ""))
    report(
        "a validator started again: from its start until its API answers / it has caught up /"
        " its precommit is in v0's blocks again",
        rows,
    )
    loads = "; ".join(
        f"{p.label} {p.load_avg[0]:.2f} {p.load_avg[1]:.2f} {p.load_avg[2]:.2f}" for p in phases
    )
    print(f"\n  load average (1, 5, 15 min) at the end of each phase: {loads}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--validators", type=int, default=4, help="the network's size (4)")
    ap.add_argument("--kills", type=int, default=5, help="kills for kill → next block (5)")
    ap.add_argument(
        "--behind",
        type=int,
        nargs="+",
        default=[50, 150],
        help="blocks a restarted validator is behind (50 150)",
    )
    ap.add_argument(
        "--rate", type=float, default=20, help="steady load: fast transfers/s to v0 (20)"
    )
    ap.add_argument(
        "--watch-s", type=float, default=3, help="after a kill, watch for the longest gap (3)"
    )
    ap.add_argument(
        "--fast-block-ms", type=int, default=100, help="the devnet's, and timeout_commit (100)"
    )
    ap.add_argument(
        "--load", action="store_true", help="measure again with CPU hogs beside the network"
    )
    ap.add_argument("--hogs", type=int, default=2, help="busy-loop processes with --load (2)")
    ap.add_argument("--hog-nice", type=int, default=0, help="their niceness (0: as the network)")
    ap.add_argument("--l1", action="store_true", help="run the devnet with its L1 (anvil)")
    ap.add_argument("--timeout-s", type=float, default=300, help="for any one wait (300)")
    ap.add_argument("--keep", action="store_true", help="keep the data dir and logs")
    args = ap.parse_args()

    if not COMETBFT.exists():
        print(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft (skipping)")
        return
    if args.validators < 4:
        print("--validators must be at least 4: with fewer, one down halts the chain")
        return
    # SIGTERM ends the run as Ctrl-C does: through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = Path(tempfile.mkdtemp(prefix="braid-recovery-"))
    net = Devnet(root, args.validators, args.fast_block_ms, args.l1)
    hogs = Hogs(args.hogs, args.hog_nice)
    load: SteadyLoad | None = None
    phases: list[Phase] = []
    failed = False
    try:
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"starting {' '.join(net.argv[3:])} in {root} …", flush=True)
        net.start(args.timeout_s)
        load = SteadyLoad(net.url(net.names[0]), args.rate)
        load.start()
        time.sleep(3)
        for label in ("quiet", "loaded") if args.load else ("quiet",):
            if label == "loaded":
                print(f"starting {args.hogs} busy loops (nice {args.hog_nice})", flush=True)
                hogs.start()
                time.sleep(3)
            phases.append(Phase(label))
            measure(net, phases[-1], args)
            hogs.stop()
    except (RecoveryTimeout, KeyboardInterrupt) as e:
        failed = True
        print(f"stopped: {e or 'interrupted'}", file=sys.stderr)
    finally:
        print("stopping the network …", flush=True)
        if load is not None:
            load.stop()
        hogs.stop()
        net.close()
        if failed or args.keep:
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if load is not None:
        print(f"steady load: {load.sent} transfers sent, {load.errors} refused ({load.last_error})")
    if phases:
        tables(phases, args)


if __name__ == "__main__":
    main()
