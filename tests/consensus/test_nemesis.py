"""A nemesis under load (issue 21, part 4), after CometBFT's e2e perturbations and Jepsen:
`braid devnet --validators 4 --prover` (four CometBFT validators under the launcher's
supervision, a prover, an agent, anvil) takes a steady, bounded load — fast-chain transfers and
contract calls and ZK transfers, each sender at its own node, and L1 deposits — while a seeded
schedule of at least twenty perturbations runs:

- `kill`: SIGKILL a validator; the supervisor starts it again;
- `pause`: SIGSTOP a validator (its node and its CometBFT) for longer than a round, then SIGCONT;
  the other three go on meanwhile;
- `kill2`: SIGKILL two at once: the chain halts (no more than the block in flight) until the
  supervisor has them back;
- `killall`: SIGKILL the whole network; the supervisor starts every validator again from its
  data dir;
- `l1`: SIGSTOP anvil for 30 s: the fast chain goes on, a deposit made just before waits, and
  is credited once anvil runs again.

After each perturbation the chain makes a new block within NEW_BLOCK_BOUND_S. At the end: every
transaction a node acknowledged is committed exactly once, at the same height on every node;
every node holds the same blocks and app hashes at every height; the contract's counter is the
number of calls committed; no ZKPoW, ZK balance or L1 deposit is created or lost (sum checks);
the last batch settled on L1 carries the chain's root. The seed is printed (and is in every
failure's message); `ZKBRAID_NEMESIS_SEED=N` replays a schedule.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from web3 import Web3

from tests.consensus.network import BRAID, ROOT, Network, Node, agreed_height
from zkbraid import processes
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.market.pool import POOL_ADDRESS
from zkbraid.node.network import free_base_port
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys
from zkbraid.sdk.bridge import Bridge
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import NodeUnreachable, RpcError
from zkbraid.settlement.l1_contracts import load_artifact
from zkbraid.zk.transactions import sign_transfer

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("ZKBRAID_NEMESIS_SEED", "2121"))
NEW_BLOCK_BOUND_S = 90.0
"""After a perturbation ends (the nodes are back, or resumed), a new block comes within this."""
RECOVERY_BOUND_S = 180.0
"""A restarted validator serves again and has caught up within this (two cores, four nodes)."""
ACCOUNTS = 10
SCHEDULE = ["kill"] * 8 + ["pause"] * 6 + ["kill2"] * 3 + ["killall"] * 2 + ["l1"]
MARKET = {"batch_size": 2, "batch_close_ms": 3_000, "batch_close_blocks": 3}

# A counter: each call adds one to storage slot 0 (runtime 0x6000546001016000550 0, deployed by
# an init code that copies it out: PUSH1 10 DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN).
COUNTER_INIT = bytes.fromhex("600a80600b6000396000f3" + "60005460010160005500")


def _say(line: str) -> None:
    print(f"[nemesis seed {SEED}] {line}", flush=True)


# -- load ----------------------------------------------------------------------------------------


@dataclass
class Sender:
    """One account's transactions, sent to one node. The transaction for a nonce is always the
    same bytes (deterministic signatures), so a submission whose fate is unknown (the node died
    mid-request) is sent again as it was: no two transactions ever share a nonce."""

    name: str
    node: Node
    make: Callable[[int], tuple[str, str, Any]]
    """nonce -> (hash, method, raw param)"""
    nonce: int
    interval_s: float
    acked: list[str] = field(default_factory=list)
    errors: int = 0
    first_nonce: int = -1

    def __post_init__(self) -> None:
        self.first_nonce = self.nonce

    def hashes(self) -> list[str]:
        """The hash of every transaction it may have sent (acknowledged or not)."""
        return [self.make(n)[0] for n in range(self.first_nonce, self.nonce + 1)]

    def step(self) -> None:
        tx_hash, method, raw = self.make(self.nonce)
        client = self.node.client
        try:
            got = client.rpc.call(method, raw, timeout=10)
        except NodeUnreachable:
            self.errors += 1
            return  # down, or did not answer: the same bytes again later
        except RpcError:
            self.errors += 1
            # refused: taken already (known or committed) means the nonce is used
            try:
                if client.transaction(tx_hash) is not None:
                    self.nonce += 1
            except (NodeUnreachable, RpcError):
                pass
            return
        assert got == tx_hash, f"{self.name}: the node named {got}, not {tx_hash}"
        self.acked.append(tx_hash)
        self.nonce += 1


class Load:
    """Every sender on a thread of its own, until stopped."""

    def __init__(self, senders: list[Sender]) -> None:
        self.senders = senders
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(s,), name=s.name, daemon=True) for s in senders
        ]

    def _run(self, sender: Sender) -> None:
        while not self.stop.is_set():
            sender.step()
            self.stop.wait(sender.interval_s)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def _fast_sender(
    name: str, node: Node, index: int, to: str | None, *, data: bytes = b"", gas: int = 21_000
) -> Sender:
    """Transfers of 1 wei to `to`, or with `gas`, calls of it (`data`), or a deployment (no
    `to`)."""
    account = Account.from_key(Wallet.dev(index).eth.key)
    client = node.client
    chain_id = int(client.rpc.call("eth_chainId"), 16)
    nonce = int(client.rpc.call("eth_getTransactionCount", account.address, "pending"), 16)

    def make(n: int) -> tuple[str, str, Any]:
        tx: dict[str, Any] = {
            "value": 1 if gas == 21_000 else 0,
            "gas": gas,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 1,
            "nonce": n,
            "chainId": chain_id,
            "data": data,
        }
        if to is not None:
            tx["to"] = to
        raw = bytes(account.sign_transaction(tx).raw_transaction)
        return "0x" + keccak(raw).hex(), "eth_sendRawTransaction", "0x" + raw.hex()

    return Sender(name, node, make, nonce, 0.25)


def _zk_sender(name: str, node: Node, index: int, to: int) -> Sender:
    client = node.client
    wallet = Wallet.dev(index)
    fee, chain_id = client.fee("transfer"), client.zk_chain_id

    def make(n: int) -> tuple[str, str, Any]:
        tx = sign_transfer(
            wallet.l2_key,
            chain_id=chain_id,
            from_index=index,
            to_index=to,
            token=0,
            amount=1,
            nonce=n,
            fee=fee,
        )
        return "0x" + tx.hash.hex(), "zk_sendRawTransaction", "0x" + tx.encode().hex()

    return Sender(name, node, make, client.next_nonce(index), 3.0)


# -- the network's processes ---------------------------------------------------------------------


def _pid(path: Path) -> int | None:
    pid = processes.read_pid(path)
    return pid if pid is not None and processes.alive(pid) else None


def _node_pids(node: Node) -> list[int]:
    """The validator's node process and its CometBFT."""
    pids = [
        _pid(node.network_file.parent / f"{node.name}.pid"),
        _pid(node.data_dir / "cometbft" / "cometbft.pid"),
    ]
    return [p for p in pids if p is not None]


def _height(node: Node) -> int | None:
    try:
        return int(BraidClient(node.url, timeout=3).status()["height"])
    except (NodeUnreachable, RpcError):
        return None


def _max_height(nodes: list[Node]) -> int:
    return max((h for n in nodes if (h := _height(n)) is not None), default=-1)


def _wait(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"seed {SEED}: timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


def _new_block(nodes: list[Node], what: str) -> float:
    """Waits for a block above the highest any of `nodes` has now; returns the seconds taken."""
    t0 = time.monotonic()
    start = _max_height(nodes)
    _wait(f"a new block after {what}", lambda: _max_height(nodes) > start, NEW_BLOCK_BOUND_S)
    return time.monotonic() - t0


def _all_back(net: Network, pids_before: dict[str, list[int]] | None = None) -> None:
    """Every validator serves (the supervisor restarted the killed ones) and has caught up to
    the height the highest had when it came back."""
    for n in net.all:
        _wait(f"{n.name} serving", n.up, RECOVERY_BOUND_S)
    target = _max_height(net.all)
    for n in net.all:
        _wait(f"{n.name} at height {target}", lambda n=n: (_height(n) or 0) >= target, 120)


# -- the perturbations ---------------------------------------------------------------------------


def _kill(net: Network, victims: list[Node]) -> None:
    for v in victims:
        for pid in _node_pids(v)[:1]:  # the node; its CometBFT dies with it
            os.kill(pid, signal.SIGKILL)
    for v in victims:
        _wait(f"{v.name} down", lambda v=v: not v.up(), 30)


def perturb_kill(net: Network, rng: random.Random) -> str:
    victim = rng.choice(net.all)
    _kill(net, [victim])
    others = [n for n in net.all if n is not victim]
    took = _new_block(others, f"killing {victim.name}")  # the others go on
    _all_back(net)
    return f"SIGKILL {victim.name}: the others made a block in {took:.1f} s; it is back"


def perturb_pause(net: Network, rng: random.Random) -> str:
    victim = rng.choice(net.all)
    pause_s = rng.uniform(3.0, 6.0)  # longer than a round (timeout_propose 1 s)
    pids = _node_pids(victim)
    assert len(pids) == 2, f"seed {SEED}: {victim.name} runs {pids}"
    others = [n for n in net.all if n is not victim]
    t0 = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        took = _new_block(others, f"pausing {victim.name}")  # three of four go on
        time.sleep(max(0.0, pause_s - (time.monotonic() - t0)))
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    after = _new_block(net.all, f"resuming {victim.name}")
    _all_back(net)
    return (
        f"SIGSTOP {victim.name} for {time.monotonic() - t0:.1f} s: the others made a block in"
        f" {took:.1f} s; after SIGCONT a block in {after:.1f} s"
    )


def perturb_kill2(net: Network, rng: random.Random) -> str:
    victims = rng.sample(net.all, 2)
    others = [n for n in net.all if n not in victims]
    before = _max_height(others)
    _kill(net, victims)
    # halted: while both are down, at most the block that was in flight is committed
    highest, window = before, time.monotonic()
    while not any(v.up() for v in victims):
        highest = max(highest, _max_height(others))
        time.sleep(0.2)
    window = time.monotonic() - window
    assert highest <= before + 2, (
        f"seed {SEED}: with {[v.name for v in victims]} down the chain went from {before} to"
        f" {highest}: it did not halt"
    )
    _all_back(net)
    took = _new_block(net.all, "bringing two back")
    return (
        f"SIGKILL {' and '.join(v.name for v in victims)}: halted at {highest} (from {before})"
        f" for {window:.1f} s; back, a block in {took:.1f} s"
    )


def perturb_killall(net: Network, rng: random.Random) -> str:
    _kill(net, net.all)
    _all_back(net)
    took = _new_block(net.all, "restarting the network")
    return f"SIGKILL all four: restarted from their data dirs, a block in {took:.1f} s"


def perturb_l1(net: Network, rng: random.Random, deposits: list[int], bridge: Bridge) -> str:
    anvil = _pid(net.network_file.parent / "l1" / "anvil.pid")
    assert anvil is not None, f"seed {SEED}: anvil's pid file"
    deposits.append(bridge.deposit(Wallet.dev(5), 4_321).deposit_id)
    v = net.all[0]
    fast_before = int(v.client.status()["fast"]["blocks"])
    os.kill(anvil, signal.SIGSTOP)
    try:
        _wait(
            "fast blocks while L1 is stopped",
            lambda: int(v.client.status()["fast"]["blocks"]) > fast_before + 5,
            NEW_BLOCK_BOUND_S,
        )
        time.sleep(30)
        fast_during = int(v.client.status()["fast"]["blocks"]) - fast_before
    finally:
        os.kill(anvil, signal.SIGCONT)
    took = _new_block(net.all, "L1 back")
    credited = _wait(
        f"deposit {deposits[-1]} credited after L1 is back",
        lambda: (bridge.status(deposits[-1]) or {}).get("status") == "credited",
        RECOVERY_BOUND_S,
    )
    return (
        f"SIGSTOP anvil for 30 s: {fast_during} fast blocks meanwhile; a block {took:.1f} s"
        f" after SIGCONT; the deposit made before it credited: {bool(credited)}"
    )


# -- the checks ----------------------------------------------------------------------------------


def _stable(node: Node, read: Callable[[BraidClient], Any]) -> Any:
    """`read` at one height (read again until no block came meanwhile)."""
    client = node.client
    for _ in range(100):
        h = client.status()["height"]
        value = read(client)
        if client.status()["height"] == h:
            return value
    raise AssertionError(f"seed {SEED}: no quiet moment to read the totals")


def _totals(client: BraidClient) -> tuple[int, int]:
    """(ZK token 0 over every account and the escrow, ZKPoW over every holder and the fines
    burnt): what no transaction may create or lose."""
    zk = sum(client.zk_balance(i, 0) for i in range(ACCOUNTS)) + client.escrow(0)
    holders = [Wallet.dev(i).address for i in range(ACCOUNTS)] + ["0x" + POOL_ADDRESS.hex()]
    zkpow = sum(client.zkpow_balance(a) for a in holders)
    prover = client.prover(Wallet.dev(8).address)
    burnt = int(prover["fined"]) if prover else 0
    return zk, zkpow + burnt


def _occurrences(node: Node, last: int) -> dict[str, list[int]]:
    """Every transaction hash of blocks 1..last, with the heights it is in."""
    seen: dict[str, list[int]] = {}
    client = node.client
    for first in range(1, last + 1, 1000):
        for b in client.blocks(first, min(1000, last - first + 1)):
            if b["txCount"]:
                block = client.block(b["height"], with_transactions=True)
                assert block is not None
                for t in block["transactions"]:
                    seen.setdefault(t["hash"], []).append(b["height"])
    return seen


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)
    build_dev_keys()
    args = ["--validators", "4", "--port", str(free_base_port(4)), "--prover"]
    args += ["--zk-block-ms", "500", "--restart-limit", "100"]
    args += [f"--market={k}={v}" for k, v in MARKET.items()]
    network = Network.launch(tmp_path_factory.mktemp("nemesis") / "net", args)
    yield network
    network.stop()


def test_nemesis_under_load(net: Network) -> None:
    _say(f"schedule of {len(SCHEDULE)} perturbations (ZKBRAID_NEMESIS_SEED={SEED} replays it)")
    rng = random.Random(SEED)
    schedule = list(SCHEDULE)
    rng.shuffle(schedule)
    v0, v1, v2, v3 = net.all
    bridge = Bridge(v0.client)
    l1 = Web3(Web3.HTTPProvider(bridge.l1_rpc))
    deposits: list[int] = []

    # the counter contract, deployed before the load
    deployer = _fast_sender("deploy", v0, 6, None, data=COUNTER_INIT, gas=100_000)
    deploy_hash = deployer.make(deployer.nonce)[0]
    deployer.step()
    receipt = _wait(
        "the counter deployed",
        lambda: v0.client.rpc.call("eth_getTransactionReceipt", deploy_hash),
        60,
    )
    assert int(receipt["status"], 16) == 1, receipt
    counter = Web3.to_checksum_address(receipt["contractAddress"])
    assert v0.client.rpc.call("eth_getCode", counter, "latest") == "0x60005460010160005500"
    zk_before, zkpow_before = _stable(v1, _totals)

    senders = [
        _fast_sender("fast-2", v1, 2, "0x000000000000000000000000000000000000dEaD"),
        _fast_sender("fast-3", v2, 3, "0x000000000000000000000000000000000000bEEF"),
        _fast_sender("calls-4", v3, 4, counter, gas=60_000),
        _zk_sender("zk-0", v2, 0, 1),
        _zk_sender("zk-1", v3, 1, 0),
    ]
    started = time.monotonic()
    with Load(senders):
        deposits.append(bridge.deposit(Wallet.dev(5), 1_234).deposit_id)
        for i, kind in enumerate(schedule, 1):
            t0 = time.monotonic()
            if kind == "l1":
                line = perturb_l1(net, rng, deposits, bridge)
            else:
                line = {
                    "kill": perturb_kill,
                    "pause": perturb_pause,
                    "kill2": perturb_kill2,
                    "killall": perturb_killall,
                }[kind](net, rng)
            _say(f"{i}/{len(schedule)} {line} ({time.monotonic() - t0:.0f} s)")
        deposits.append(bridge.deposit(Wallet.dev(5), 5_678).deposit_id)
    acked = {h: s.name for s in senders for h in s.acked}
    _say(
        f"{len(schedule)} perturbations in {time.monotonic() - started:.0f} s;"
        f" acknowledged {len(acked)} transactions ("
        + ", ".join(f"{s.name} {len(s.acked)}, {s.errors} refused or unanswered" for s in senders)
        + ")"
    )
    assert all(len(s.acked) >= 5 for s in senders), f"seed {SEED}: the load did not run"

    # every acknowledged transaction is ordered
    for k, (h, who) in enumerate(acked.items()):
        status = net.all[k % 4].client.wait(h, timeout=120, check=False)
        assert status["status"] in ("committed", "proven", "settled"), (
            f"seed {SEED}: {who}'s {h}: {status}"
        )
    for d in deposits:
        _wait(
            f"deposit {d} credited",
            lambda d=d: (bridge.status(d) or {}).get("status") == "credited",
            RECOVERY_BOUND_S,
        )

    # one history on every node: same blocks, same app hashes, every acked tx exactly once
    height = agreed_height(net.all, timeout=120)
    seen = _occurrences(v2, height)
    for h, who in acked.items():
        assert len(seen.get(h, [])) == 1, f"seed {SEED}: {who}'s {h} is in blocks {seen.get(h)}"
        heights = {n.client.transaction(h)["height"] for n in net.all}  # type: ignore[index]
        assert heights == {seen[h][0]}, f"seed {SEED}: {h} at {heights} on the four nodes"
    # each call committed once adds one: the counter is the number of calls in the chain
    caller = next(s for s in senders if s.name == "calls-4")
    committed_calls = sum(1 for h in caller.hashes() if h in seen)
    count = int(v1.client.rpc.call("eth_getStorageAt", counter, "0x0", "latest"), 16)
    assert count == committed_calls >= len(caller.acked), (
        f"seed {SEED}: counter {count}, {committed_calls} calls committed,"
        f" {len(caller.acked)} acknowledged"
    )

    # nothing created or lost
    zk_after, zkpow_after = _stable(v3, _totals)
    # a deposit credited twice, or a transfer that made or lost tokens, breaks the sum
    credited = sum(int((bridge.status(d) or {})["amount"]) for d in deposits)
    assert zk_after == zk_before + credited, (
        f"seed {SEED}: ZK token 0 went from {zk_before} to {zk_after} with {credited} deposited"
    )
    assert zkpow_after == zkpow_before, f"seed {SEED}: ZKPoW {zkpow_before} -> {zkpow_after}"
    # L1 settled what the chain has
    rollup = l1.eth.contract(address=bridge.rollup, abi=load_artifact("Rollup").abi)
    try:
        _wait("a batch settled on L1", lambda: rollup.functions.batchCount().call(), 300)
    except AssertionError as e:
        logs = {h: (net.network_file.parent / f"{h}.log") for h in ("agent", "prover")}
        tails = {h: p.read_text(errors="replace")[-1500:] for h, p in logs.items() if p.exists()}
        raise AssertionError(f"{e}; the helpers' logs end: {tails}") from None
    at = l1.eth.block_number
    settled = rollup.functions.batchCount().call(block_identifier=at)
    root = "0x" + bytes(rollup.functions.stateRoot().call(block_identifier=at)).hex()
    batch = v0.client.batch(settled - 1)  # L1 batch i is the market's batch i
    assert batch is not None and batch["newRoot"] == root, (
        f"seed {SEED}: L1's root {root} after {settled} batches; the chain's batch: {batch}"
    )
    # the supervisor restarted every kill, and says so: in its lines and in `braid status`
    kills = {"kill": 1, "kill2": 2, "killall": 4}
    restarts = sum(kills.get(k, 0) for k in schedule)
    run = subprocess.run(
        [*BRAID, "--rpc", v1.url, "status"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.split("validators (")[1].splitlines()[2:6]]
    assert sum(int(r[5]) for r in rows) == restarts, f"seed {SEED}: {run.stdout}"
    launcher = (net.network_file.parent.parent / "net-launcher.log").read_text()
    assert launcher.count("restarting it in") == restarts
    # the second of two deaths, and the last three of four, leave two thirds or less running
    halted = launcher.count("two thirds or less, the chain has halted")
    assert halted >= schedule.count("kill2") + 3 * schedule.count("killall")
    _say(f"all checks hold at height {height}: {len(acked)} transactions, {settled} L1 batches")
