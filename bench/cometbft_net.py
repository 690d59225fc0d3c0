"""Launchers for the consensus benchmarks: CometBFT's own kvstore app on 1..N validators on
loopback, and `braid devnet` with extra CometBFT settings on top of the tuned ones.

Both take their settings from zkbraid.consensus.cometbft.settings (`tune_config`), so the
kvstore baseline runs with exactly the config the node writes, and cannot drift from it.
Extra settings (`section.key=value`, e.g. `consensus.skip_timeout_commit=true`) are written
after the tuned ones, for trying a setting on both without changing settings.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import requests

from zkbraid import ports
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.consensus.cometbft.settings import CometBftSettings, set_config_keys, tune_config
from zkbraid.node.network import free_base_port

Overrides = dict[str, dict[str, str]]
"""Extra config.toml values (TOML literals) by section, written after the tuned ones."""


def free_port() -> int:
    """A free port below the ephemeral range (zkbraid/ports.py)."""
    return ports.free_port()


def parse_overrides(items: list[str]) -> Overrides:
    """`section.key=value` items as TOML literals by section (a bare word or a duration is
    quoted; true/false and numbers are not).

    Raises ValueError: an item is not `section.key=value`.
    """
    out: Overrides = {}
    for item in items:
        name, sep, value = item.partition("=")
        section, dot, key = name.rpartition(".")
        if not sep or not dot or not key:
            raise ValueError(f"{item!r}: expected section.key=value")
        literal = value if re.fullmatch(r"true|false|-?\d+|\".*\"", value) else json.dumps(value)
        out.setdefault(section, {})[key] = literal
    return out


def describe(overrides: Overrides) -> str:
    return ", ".join(
        f"{k}={v.strip(chr(34))}" for sec in overrides.values() for k, v in sec.items()
    )


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the benchmark dies, even by SIGKILL."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class KvstoreNet:
    """`validators` CometBFT nodes running the built-in kvstore app on loopback, each with
    zkbraid's tuned settings (its own RPC and p2p ports) plus `overrides`, for a `with`."""

    def __init__(
        self, validators: int, timeout_commit_ms: int, overrides: Overrides | None = None
    ) -> None:
        self.validators = validators
        self.timeout_commit_ms = timeout_commit_ms
        self.overrides = overrides or {}
        self._tmp = tempfile.TemporaryDirectory(prefix="braid-kvstore-")
        self.root = Path(self._tmp.name)
        self.rpc_ports = [free_port() for _ in range(validators)]
        self.p2p_ports = [free_port() for _ in range(validators)]
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def rpc_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.rpc_ports]

    def _home(self, i: int) -> Path:
        return self.root / f"node{i}"

    def _init(self) -> None:
        subprocess.run(
            [
                *(str(COMETBFT), "testnet", "--v", str(self.validators), "--o", str(self.root)),
                *("--populate-persistent-peers=false", "--starting-ip-address", "127.0.0.1"),
            ],
            check=True,
            capture_output=True,
        )
        ids = [
            subprocess.run(
                [str(COMETBFT), "show-node-id", "--home", str(self._home(i))],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            for i in range(self.validators)
        ]
        for i in range(self.validators):
            config = self._home(i) / "config" / "config.toml"
            settings = CometBftSettings(
                rpc_port=self.rpc_ports[i],
                p2p_port=self.p2p_ports[i],
                timeout_commit_ms=self.timeout_commit_ms,
            )
            tune_config(config, settings, "kvstore")
            peers = ",".join(
                f"{ids[j]}@127.0.0.1:{self.p2p_ports[j]}" for j in range(self.validators) if j != i
            )
            set_config_keys(config, {"p2p": {"persistent_peers": json.dumps(peers)}})
            if self.overrides:
                set_config_keys(config, self.overrides)

    def height(self, i: int) -> int:
        reply = requests.get(self.rpc_urls[i] + "/status", timeout=2).json()
        return int(reply["result"]["sync_info"]["latest_block_height"])

    def __enter__(self) -> KvstoreNet:
        self._init()
        for i in range(self.validators):
            log = open(self._home(i) / "cometbft.log", "wb")
            self.procs.append(
                subprocess.Popen(
                    [str(COMETBFT), "start", "--home", str(self._home(i))],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent,
                )
            )
            log.close()
        # ready when every node has committed a block past the first (peers connected)
        deadline = time.monotonic() + 60
        while True:
            for proc in self.procs:
                if proc.poll() is not None:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"kvstore cometbft exited with {proc.returncode}")
            try:
                if all(self.height(i) >= 2 for i in range(self.validators)):
                    return self
            except (requests.RequestException, KeyError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"the kvstore net did not start (logs in {self.root})")
            time.sleep(0.2)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for proc in self.procs:
            _stop(proc)
        self.procs = []
        self._tmp.cleanup()


OVERRIDES_ENV = "ZKBRAID_BENCH_COMETBFT_SET"
"""Extra CometBFT settings (JSON, as Overrides) for every zkbraid process a bench starts."""

_HOOK = f"""import json, os
if os.environ.get({OVERRIDES_ENV!r}):
    from bench.cometbft_net import install_overrides
    install_overrides(json.loads(os.environ[{OVERRIDES_ENV!r}]))
"""


def install_overrides(overrides: Overrides) -> None:
    """Makes this process's tune_config write `overrides` after the tuned settings."""
    from zkbraid.consensus.cometbft import settings

    tuned = settings.config_values

    def with_overrides(s: CometBftSettings, abci_address: str) -> dict[str, dict[str, str]]:
        values: dict[str, dict[str, str]] = tuned(s, abci_address)
        for section, keys in overrides.items():
            values.setdefault(section, {}).update(keys)
        return values

    settings.config_values = with_overrides


def _ports_free(ports: list[int]) -> bool:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def devnet_base_port(validators: int) -> int:
    """A base port P whose `braid devnet --validators` layout is free, below the ephemeral
    range (node/network.py `free_base_port`)."""
    return free_base_port(validators)


class BraidDevnet:
    """A `braid devnet` in a temporary data dir (as bench.common.BenchNode), of `validators`
    nodes, with `overrides` written into every node's CometBFT config after the tuned settings
    (a sitecustomize hook on PYTHONPATH, so the nodes a multi-validator devnet starts get them
    too)."""

    def __init__(
        self, *extra: str, validators: int = 1, overrides: Overrides | None = None
    ) -> None:
        self.validators = validators
        self.port = devnet_base_port(validators) if validators > 1 else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.urls = [f"http://127.0.0.1:{self.port + 10 * i}" for i in range(validators)]
        self._tmp = tempfile.TemporaryDirectory(prefix="braid-bench-")
        self._extra = list(extra)
        self._overrides = overrides or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BraidDevnet:
        tmp = Path(self._tmp.name)
        (tmp / "hook").mkdir()
        (tmp / "hook" / "sitecustomize.py").write_text(_HOOK)
        repo = Path(__file__).resolve().parents[1]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(tmp / "hook"), str(repo), *filter(None, [env.get("PYTHONPATH")])]
        )
        env[OVERRIDES_ENV] = json.dumps(self._overrides)
        cmd = [sys.executable, "-m", "zkbraid.cli.main", "devnet", "--log-level", "warning"]
        cmd += ["--port", str(self.port), "--data-dir", str(tmp / "data")]
        if self.validators > 1:
            cmd += ["--validators", str(self.validators)]
        elif "cometbft" in self._extra:
            # two more free ports (the default, the RPC port + 2 and + 3, may be taken)
            cmd += ["--cometbft-rpc-port", str(free_port())]
            cmd += ["--cometbft-p2p-port", str(free_port())]
        log = open(tmp / "node.log", "wb")
        self.proc = subprocess.Popen(
            cmd + self._extra,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.time() + 60 + 60 * self.validators
        waiting = list(self.urls)
        while waiting:
            if self.proc.poll() is not None:
                tail = (tmp / "node.log").read_text(errors="replace")[-2000:]
                self._tmp.cleanup()
                raise RuntimeError(f"braid devnet exited with {self.proc.returncode}:\n{tail}")
            if time.time() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"braid devnet did not start ({waiting} silent)")
            try:
                if requests.get(waiting[0] + "/health", timeout=1).ok:
                    waiting.pop(0)
                    continue
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        self._tmp.cleanup()
