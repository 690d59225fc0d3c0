"""`cometbft`: CometBFT (v0.38, installed by scripts/install_cometbft.sh) orders the blocks and
drives the node's application through the ABCI 2.0 socket server (abci_server.py).

The engine makes `<data dir>/cometbft/` once (`cometbft init`, then the network's genesis and
this node's keys from its settings, home.py; checked at every later start), writes its tuned
settings into config.toml at every start (settings.py: ports, timeouts, persistent peers),
serves ABCI on a free loopback port and runs `cometbft start` as a child that dies with the
node. One engine is one validator (or a full node); a network is one node per validator, each
with its own engine (node/network.py).
Transactions are submitted through CometBFT's RPC (`broadcast_tx_sync`), so the check happens
in CheckTx and a refusal raises the application's own named error, as the solo engine's does.
Commit listeners run on the node's event loop after every Commit that made a braided block.
Accepted transactions are journaled in the node's store until ordered, as the solo engine's
are (CometBFT keeps its mempool in memory), and submitted again after a restart.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import json
import logging
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkbraid import processes
from zkbraid.consensus.cometbft.settings import CometBftSettings, tune_config
from zkbraid.consensus.engine import Application, ConsensusEngine, FinalizedBlock
from zkbraid.errors import BraidError
from zkbraid.ledger.envelope import payload_hash, unwrap
from zkbraid.sequencer.errors import AlreadyKnown

if TYPE_CHECKING:
    from zkbraid.consensus.cometbft.abci_server import AbciServer, CheckOutcomes, MetaStore
    from zkbraid.consensus.solo import MempoolJournal

log = logging.getLogger("zkbraid.cometbft")

COMETBFT_VERSION = "0.38.19"
REPO_ROOT = Path(__file__).resolve().parents[4]
COMETBFT = REPO_ROOT / "build" / "go" / "bin" / "cometbft"


class CometBftMissing(RuntimeError):
    """CometBFT or its protobuf bindings are not installed."""


class MempoolFull(BraidError):
    """CometBFT's mempool holds as many transactions (or bytes) as it may: retry later."""

    code = -32020


class EngineRejected(BraidError):
    """CometBFT refused the transaction before the application saw it (e.g. too large)."""

    code = -32021


class RpcClient:
    """CometBFT's JSON-RPC over keep-alive HTTP, one connection per thread."""

    def __init__(self, port: int, timeout_s: float = 10.0) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self._local = threading.local()
        self._ids = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON-RPC reply (with its `result` or its `error`).

        Raises OSError, http.client.HTTPException: CometBFT did not answer.
        """
        self._ids += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._ids, "method": method, "params": params})
        for attempt in (0, 1):
            conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout_s)
                self._local.conn = conn
            try:
                conn.request("POST", "/", body, {"Content-Type": "application/json"})
                reply = conn.getresponse().read()
                out: dict[str, Any] = json.loads(reply)
                return out
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


class CometBftEngine(ConsensusEngine):
    """Runs a CometBFT node (one validator of a network) that drives `app` over ABCI."""

    thread_safe_broadcast = True
    """broadcast_tx is an HTTP call to CometBFT's RPC (one keep-alive connection per thread)
    that waits for CheckTx, which takes the node's lock on an ABCI thread."""

    def __init__(
        self,
        app: Application,
        lock: threading.RLock,
        home: str | Path,
        store: MetaStore,
        settings: CometBftSettings | None = None,
        journal: MempoolJournal | None = None,
    ) -> None:
        """`home`: CometBFT's directory (made on the first start); `store`: where the CometBFT
        height the application has processed is recorded (the node's LedgerStore); `journal`:
        where accepted transactions are kept until ordered (CometBFT's mempool is in memory
        only), to be submitted again after a restart."""
        super().__init__()
        self._app = app
        self._lock = lock
        self.home = Path(home)
        self._store = store
        self.settings = settings or CometBftSettings()
        self._journal = journal
        self.rpc = RpcClient(self.settings.rpc_port)
        self._server: AbciServer | None = None
        self._checks: CheckOutcomes | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._exit_failure: BaseException | None = None

    @property
    def log_path(self) -> Path:
        return self.home / "cometbft.log"

    @property
    def pid_path(self) -> Path:
        """The running CometBFT's process id (a node killed with SIGKILL leaves it behind)."""
        return self.home / "cometbft.pid"

    @property
    def failure(self) -> BaseException | None:
        """Why the engine stopped ordering (CometBFT exited, or an ABCI request failed)."""
        if self._server is not None and self._server.handler.failure is not None:
            return self._server.handler.failure
        return self._exit_failure

    # -- starting and stopping -------------------------------------------------------------

    def start(self, timeout_s: float = 60.0) -> None:
        """Initialises CometBFT's home once, starts the ABCI server and `cometbft start`, and
        waits until CometBFT has done its handshake (and replayed what the app missed).

        Raises CometBftMissing, HeightsLost (the data dir was ordered by the solo engine),
        HomeMismatch (the home holds another genesis or other keys), RuntimeError (CometBFT
        exited or did not answer in time).
        """
        try:
            from zkbraid.consensus.cometbft.abci_server import (
                AbciApp,
                AbciServer,
                CheckOutcomes,
                Heights,
                HeightsLost,
            )
        except ImportError as e:
            raise CometBftMissing(
                f"CometBFT's protobuf bindings are missing ({e}): run"
                " scripts/install.sh --with-cometbft"
            ) from None
        if not COMETBFT.exists():
            raise CometBftMissing(f"{COMETBFT} is missing: run scripts/install.sh --with-cometbft")
        self._loop = asyncio.get_running_loop()
        heights = Heights(self._store)
        with self._lock:
            head = self._app.info().last_height
        if not (self.home / "config" / "genesis.json").exists():
            if head != 0:
                raise HeightsLost(
                    f"this data dir holds {head} blocks ordered by the solo engine; CometBFT"
                    " starts a chain from its genesis (start a new devnet with --reset)"
                )
            self._init_home()
        elif self.settings.genesis is not None and self.settings.keys is not None:
            from zkbraid.consensus.cometbft.home import check_home

            check_home(self.home, self.settings.genesis, self.settings.keys)  # HomeMismatch
        heights.cometbft_height(head)  # HeightsLost before anything starts
        self._checks = CheckOutcomes()
        handler = AbciApp(
            self._app,
            self._lock,
            heights,
            self._committed,
            self._checks,
            self._dropped,
            # the chain's validator set (BraidApp's), which InitChain answers with
            validator_set=getattr(self._app, "validator_set", None),
        )
        self._server = AbciServer(handler)
        self._server.start()
        tune_config(self.home / "config" / "config.toml", self.settings, self._server.address)
        self._end_stale()
        self._wait_for_port(self.settings.rpc_port)
        self._wait_for_port(self.settings.p2p_port)
        logf = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it until it exits
        self._proc = subprocess.Popen(
            [str(COMETBFT), "start", "--home", str(self.home)],
            stdout=logf,
            stderr=subprocess.STDOUT,
            # a node that dies (even by SIGKILL) takes its CometBFT with it: SIGKILL, since
            # CometBFT can hang for ever after SIGTERM once its ABCI connections are gone, and
            # a crashed node is a crash for CometBFT too (its WAL and stores recover from one)
            preexec_fn=processes.die_with_parent(signal.SIGKILL),
            start_new_session=True,  # a terminal's Ctrl-C reaches the node, which stops it
        )
        logf.close()
        processes.write_pid(self.pid_path, self._proc.pid)
        deadline = time.monotonic() + timeout_s
        while True:
            if self._proc.poll() is not None:
                self._server.stop()
                raise RuntimeError(
                    f"cometbft exited with code {self._proc.returncode}{self._tail()}"
                )
            if handler.failure is not None:
                self.stop()
                raise RuntimeError("the application failed CometBFT's handshake") from (
                    handler.failure
                )
            try:
                if "result" in self.rpc.call("status"):
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"cometbft did not answer within {timeout_s} s{self._tail()}")
            time.sleep(0.05)
        threading.Thread(target=self._watch, name="cometbft-watch", daemon=True).start()
        self._restore()
        log.info(
            "CometBFT %s running (RPC %s, ABCI %s, home %s)",
            COMETBFT_VERSION,
            self.rpc.url,
            self._server.address,
            self.home,
        )

    def _init_home(self) -> None:
        """`cometbft init` (its config.toml), then the network's genesis and this node's keys
        when given (home.py), else init's one random validator under the devnet's chain id."""
        from zkbraid.consensus.cometbft.home import DEVNET_CHAIN_ID, write_home

        self.home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(COMETBFT), "init", "--home", str(self.home)], check=True, capture_output=True
        )
        genesis, keys = self.settings.genesis, self.settings.keys
        if genesis is not None and keys is not None:
            write_home(self.home, genesis, keys)
            log.info(
                "made CometBFT's home in %s (%d genesis validators, node id %s)",
                self.home,
                len(genesis.validators),
                keys.node_id,
            )
            return
        genesis_path = self.home / "config" / "genesis.json"
        doc = json.loads(genesis_path.read_text())
        doc["chain_id"] = DEVNET_CHAIN_ID
        genesis_path.write_text(json.dumps(doc, indent=2) + "\n")
        log.info("made CometBFT's home in %s (one validator)", self.home)

    def _end_stale(self) -> None:
        """Ends a CometBFT of an earlier run on this home (its node was killed and the
        CometBFT hung, or outlived it) before this one starts, and says so."""
        home = str(self.home)
        pid = processes.end_stale(
            self.pid_path,
            lambda argv: argv[0].endswith("cometbft") and argv[1:4] == ["start", "--home", home],
            f"CometBFT on {home}",
        )
        if pid is not None:
            log.warning("ended CometBFT pid %d of an earlier run on %s", pid, home)

    @staticmethod
    def _wait_for_port(port: int, timeout_s: float = 10.0) -> None:
        """Waits for a port a previous CometBFT of this node may still hold.

        Raises RuntimeError: the port stays in use.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                    return
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"port {port} is in use: choose another") from None
            time.sleep(0.1)

    def _tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "; its log ends:\n" + "\n".join(text)

    def _watch(self) -> None:
        proc = self._proc
        if proc is None:
            return
        code = proc.wait()
        if not self._stopping:
            log.error("cometbft exited with code %s%s", code, self._tail())
            self._exit_failure = RuntimeError(f"cometbft exited with code {code}")

    def stop(self) -> None:
        """Stops CometBFT (SIGTERM, then SIGKILL after processes.STOP_GRACE_S) and the ABCI
        server."""
        self._stopping = True
        proc = self._proc
        if proc is not None:
            processes.stop(proc)
            processes.remove_pid(self.pid_path, proc.pid)
        self._proc = None
        if self._server is not None:
            self._server.stop()

    def _restore(self) -> None:
        """Submits again what the journal holds of a previous run (accepted, not ordered),
        dropping what no longer fits."""
        if self._journal is None:
            return
        restored = 0
        for raw in self._journal.mempool_all():
            try:
                self.broadcast_tx(raw)
                restored += 1
            except BraidError as e:
                log.warning("dropping journaled transaction: %s", e)
                self._dropped(raw)
        if restored:
            log.info("restored %d pending transactions", restored)

    # -- blocks ----------------------------------------------------------------------------

    def _committed(self, block: FinalizedBlock) -> None:
        """Runs on an ABCI thread after Commit: the listeners run on the event loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._notify, block)

    def _dropped(self, raw: bytes) -> None:
        """A transaction CheckTx refused on a recheck: it leaves the journal."""
        if self._journal is not None:
            with contextlib.suppress(BraidError):  # MalformedEnvelope: never journaled
                self._journal.mempool_remove([payload_hash(unwrap(raw)[1])])

    # -- transactions ----------------------------------------------------------------------

    def broadcast_tx(self, raw: bytes) -> bytes:
        """Submits through CometBFT's broadcast_tx_sync (which returns after CheckTx). Must
        not be called holding the node's lock: CheckTx takes it on an ABCI thread.

        Raises the application's BraidError, AlreadyKnown (CometBFT has seen it), MempoolFull,
        EngineRejected.
        """
        checks = self._checks
        if checks is None:
            raise RuntimeError("the engine is not started")
        tx_hash = payload_hash(unwrap(raw)[1])  # MalformedEnvelope before anything
        journal = self._journal
        if journal is not None:
            # before CometBFT sees it: its block's commit removes it, however soon
            journal.mempool_add(tx_hash, raw)
        checks.expect(raw)
        try:
            try:
                reply = self.rpc.call("broadcast_tx_sync", {"tx": base64.b64encode(raw).decode()})
            finally:
                outcome = checks.take(raw)
            if "error" in reply:
                raise _rpc_refusal(reply["error"], tx_hash)
            result = reply["result"]
            if isinstance(outcome, BraidError):
                raise outcome
            if int(result["code"]) != 0 or outcome is None:
                raise EngineRejected(f"{result.get('codespace', '')}: {result.get('log', '')}")
        except BraidError as e:
            if journal is not None and not isinstance(e, AlreadyKnown):
                journal.mempool_remove([tx_hash])
            raise
        return outcome

    def pending_count(self) -> int:
        """Transactions in CometBFT's mempool (`num_unconfirmed_txs`)."""
        try:
            reply = self.rpc.call("num_unconfirmed_txs")
            return int(reply["result"]["n_txs"])
        except (OSError, http.client.HTTPException, KeyError, ValueError) as e:
            log.warning("CometBFT did not tell its mempool's size: %s", e)
            return 0


def _rpc_refusal(error: dict[str, Any], tx_hash: bytes) -> BraidError:
    """The named error of CometBFT's refusal of a broadcast (its mempool's errors)."""
    data = str(error.get("data") or error.get("message") or "")
    if "tx already exists in cache" in data:
        return AlreadyKnown(f"transaction 0x{tx_hash.hex()} is already known")
    if "mempool is full" in data:
        return MempoolFull(data.removeprefix("error on broadcastTxSync: "))
    return EngineRejected(data.removeprefix("error on broadcastTxSync: "))
