"""Helpers of the multi-validator tests: a `braid devnet --validators N` launcher, or a network
laid out by the test itself (node/network.py), each node a `braid node` process the test can
kill, wipe and start again; traffic senders that keep their own nonces; the checks that every
node agrees block by block."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from eth_account import Account

from tests.integration.conftest import until
from zkbraid.node.network import NETWORK_FILE, NetworkSpec, NodeSpec
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.zk.transactions import sign_transfer

ROOT = Path(__file__).resolve().parents[2]
BRAID = [sys.executable, "-m", "zkbraid.cli.main"]


def cometbft(rpc_port: int, method: str, **params: Any) -> dict[str, Any]:
    reply = requests.post(
        f"http://127.0.0.1:{rpc_port}",
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
        timeout=10,
    ).json()
    result: dict[str, Any] = reply["result"]
    return result


class Node:
    """One node of a network: a `braid node` process this test starts (or the launcher did)."""

    def __init__(self, network_file: Path, spec: NodeSpec, pid: int | None = None) -> None:
        self.network_file = network_file
        self.spec = spec
        self.name = spec.name
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid = pid
        """The process id of a node the launcher started (None: this test's own, or down)."""
        self.log = network_file.parent / f"{spec.name}.log"

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def data_dir(self) -> Path:
        return self.network_file.parent / self.name

    @property
    def client(self) -> BraidClient:
        return BraidClient(self.url, timeout=15)

    def cometbft(self, method: str, **params: Any) -> dict[str, Any]:
        return cometbft(self.spec.rpc_port, method, **params)

    def up(self) -> bool:
        try:
            return requests.get(self.url + "/health", timeout=1).ok
        except requests.RequestException:
            return False

    def start(self, env: dict[str, str] | None = None, wait: bool = True) -> None:
        logf = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        cmd = [*BRAID, "node", "--network", str(self.network_file), "--name", self.name]
        self.proc = subprocess.Popen(
            cmd,
            stdout=logf,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        logf.close()
        if wait:
            self.wait_up()

    def wait_up(self, timeout: float = 120.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log.read_text()[-4000:]}")
            if self.up():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()[-4000:]}")

    def kill9(self) -> None:
        """SIGKILL. Its CometBFT child gets SIGKILL on its parent's death; and should one
        survive, the node started again ends it (engine.py `_end_stale`)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        elif self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            self.pid = None
        until(f"{self.name}'s API down", lambda: not self.up(), 30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def wipe(self) -> None:
        """Removes the node's data dir (its store and its CometBFT home)."""
        shutil.rmtree(self.data_dir)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Network:
    """The nodes of a network file, started by a launcher or by the test."""

    def __init__(self, network_file: Path, launcher: subprocess.Popen[bytes] | None = None) -> None:
        self.network_file = network_file
        self.spec = NetworkSpec.load(network_file)
        self.launcher = launcher
        self.nodes: dict[str, Node] = {}
        for n in self.spec.nodes:
            pid_file = network_file.parent / f"{n.name}.pid"
            pid = int(pid_file.read_text()) if launcher is not None and pid_file.exists() else None
            self.nodes[n.name] = Node(network_file, n, pid)

    @classmethod
    def custom(cls, data_dir: Path, spec: NetworkSpec) -> Network:
        """A network the test lays out itself (no launcher, no L1): it starts the nodes."""
        spec.save(data_dir)
        return cls(data_dir / NETWORK_FILE)

    @classmethod
    def launch(cls, data_dir: Path, args: list[str], timeout: float = 240.0) -> Network:
        """`braid devnet --validators N ARGS` with its output in `<data dir>.log`; returns once
        every node serves its API."""
        log = data_dir.parent / f"{data_dir.name}-launcher.log"
        offset = log.stat().st_size if log.exists() else 0  # a previous run's output
        logf = open(log, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [*BRAID, "devnet", "--data-dir", str(data_dir), *args],
            stdout=logf,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        logf.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the launcher exited:\n{log.read_text()[-4000:]}")
            if b"Ctrl-C stops the network" in log.read_bytes()[offset:]:
                return cls(data_dir / NETWORK_FILE, proc)
            time.sleep(0.3)
        proc.kill()
        raise RuntimeError(f"the network did not start:\n{log.read_text()[-4000:]}")

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    @property
    def all(self) -> list[Node]:
        return list(self.nodes.values())

    def running(self) -> list[Node]:
        return [n for n in self.all if n.up()]

    def stop(self) -> None:
        for n in self.all:
            n.stop()
        if self.launcher is not None and self.launcher.poll() is None:
            self.launcher.send_signal(signal.SIGTERM)
            try:
                self.launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.launcher.kill()
                self.launcher.wait()


# -- agreement ---------------------------------------------------------------------------------


def blocks_of(node: Node, last: int) -> list[tuple[int, str, str]]:
    """(height, hash, app hash) of blocks 1..last on `node`."""
    out: list[tuple[int, str, str]] = []
    first = 1
    while first <= last:
        count = min(1000, last - first + 1)
        batch = node.client.blocks(first, count)
        out += [(b["height"], b["hash"], b["appHash"]) for b in batch]
        if len(batch) < count:
            break
        first += count
    return out


def agreed_height(nodes: list[Node], at_least: int = 0, timeout: float = 60.0) -> int:
    """The lowest head among `nodes` once it is at least `at_least`, after checking every node
    holds the same blocks (height, hash, app hash) up to it."""

    def lowest() -> int | None:
        h = min(n.client.status()["height"] for n in nodes)
        return h if h >= at_least else None

    height: int = until(f"every node at height {at_least}", lowest, timeout)
    chains = {n.name: blocks_of(n, height) for n in nodes}
    reference = chains[nodes[0].name]
    assert len(reference) == height
    for name, chain in chains.items():
        assert chain == reference, f"{name} differs from {nodes[0].name}"
    return height


# -- traffic -----------------------------------------------------------------------------------


class FastSender:
    """Signed fast-chain transfers of one dev account, with its own nonces."""

    def __init__(self, node: Node, index: int) -> None:
        self.node = node
        self.account = Account.from_key(Wallet.dev(index).eth.key)
        self.client = node.client
        self.chain_id = int(self.client.rpc.call("eth_chainId"), 16)
        self.nonce = int(
            self.client.rpc.call("eth_getTransactionCount", self.account.address, "pending"), 16
        )

    def send(self, value: int = 1) -> str:
        raw = self.account.sign_transaction(
            {
                "to": "0x000000000000000000000000000000000000dEaD",
                "value": value,
                "gas": 21000,
                "maxFeePerGas": 10**10,
                "maxPriorityFeePerGas": 1,
                "nonce": self.nonce,
                "chainId": self.chain_id,
            }
        ).raw_transaction
        tx_hash = str(self.client.rpc.call("eth_sendRawTransaction", "0x" + bytes(raw).hex()))
        self.nonce += 1
        return tx_hash


class ZkSender:
    """ZK-chain transfers of one dev account (its account index is its dev index)."""

    def __init__(self, node: Node, index: int, to: int) -> None:
        self.client = node.client
        self.wallet = Wallet.dev(index)
        self.index, self.to = index, to
        self.nonce = self.client.next_nonce(index)
        self.fee = self.client.fee("transfer")

    def send(self, amount: int = 1) -> str:
        tx = sign_transfer(
            self.wallet.l2_key,
            chain_id=self.client.zk_chain_id,
            from_index=self.index,
            to_index=self.to,
            token=0,
            amount=amount,
            nonce=self.nonce,
            fee=self.fee,
        )
        tx_hash = self.client.send_zk(tx)
        self.nonce += 1
        return tx_hash


def wait_all(node: Node, hashes: list[str], timeout: float = 60.0) -> list[dict[str, Any]]:
    """Waits on `node` until each transaction is ordered; returns their statuses."""
    client = node.client
    return [client.wait(h, timeout=timeout) for h in hashes]


def retry(what: str, fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Calls `fn` until it stops raising (a node just started may not serve yet)."""
    deadline = time.time() + timeout
    while True:
        try:
            return fn()
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
