"""A zkbraid node: storage, the application, the ordering engine and the JSON-RPC server."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from zkbraid.api import (
    braid_methods,
    bridge_methods,
    hybrid_methods,
    market_methods,
    settlement_methods,
    staking_methods,
    web_pages,
    zk_methods,
)
from zkbraid.api.jsonrpc import AsyncMethod, Params, hex_bytes, param, quantity
from zkbraid.api.server import RpcServer
from zkbraid.api.view import L1Status
from zkbraid.config import ChainParams, NodeConfig
from zkbraid.consensus.engine import FinalizedBlock
from zkbraid.consensus.solo import SoloEngine
from zkbraid.fast.rpc import EthApi
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.node.app import BraidApp
from zkbraid.node.mempool import Mempool
from zkbraid.node.network import NetworkSpec, node_json
from zkbraid.node.supervisor import read_states
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.verify import ProofVerifier
from zkbraid.sequencer.state import SequencerState
from zkbraid.settlement.l1_follower import L1Follower
from zkbraid.zk.genesis import ZkGenesis

if TYPE_CHECKING:
    from zkbraid.consensus.cometbft.engine import CometBftEngine
    from zkbraid.consensus.cometbft.settings import CometBftSettings

log = logging.getLogger("zkbraid.node")

MAX_WAIT_MS = 60_000


@dataclass(frozen=True)
class L1Connection:
    """The node's L1: its JSON-RPC URL, chain id, the rollup contract, and the follower."""

    rpc_url: str
    chain_id: int
    rollup: str
    follower: L1Follower


class Node:
    """Everything one sequencer node runs, wired together."""

    def __init__(
        self,
        params: ChainParams,
        config: NodeConfig,
        zk_genesis: ZkGenesis,
        verifier: ProofVerifier | None = None,
        keys: CircuitKeys | None = None,
        l1: L1Connection | None = None,
        cometbft: CometBftSettings | None = None,
        network: tuple[NetworkSpec, str] | None = None,
    ) -> None:
        """`verifier` checks submitted proofs; without one the node refuses every proof
        (ProvingUnavailable) rather than accept any unchecked. `keys` are the circuit's proving
        artifacts, which the browser prover page downloads (/prover/). `cometbft`: order blocks
        with CometBFT (its home in `<data dir>/cometbft/`) instead of the solo engine.
        `network`: the multi-validator devnet this node is (its layout and this node's name),
        which `braid_network` shows (node/network.py)."""
        os.makedirs(config.data_dir, exist_ok=True)
        self.params = params
        self.config = config
        self.store = LedgerStore(os.path.join(config.data_dir, "node.sqlite"))
        self.lock = threading.RLock()
        self.app = BraidApp(
            params,
            self.store,
            zk_genesis,
            verifier,
            None if l1 is None else l1.follower,
            validator_key=config.validator_key,
        )
        self.l1 = l1
        self.engine: SoloEngine | CometBftEngine
        if cometbft is None:
            self.engine = SoloEngine(self.app, self.lock, journal=self.store)
        else:
            from zkbraid.consensus.cometbft.engine import CometBftEngine

            home = os.path.join(config.data_dir, "cometbft")
            self.engine = CometBftEngine(
                self.app, self.lock, home, self.store, cometbft, journal=self.store
            )
        self._engine_name = "solo" if cometbft is None else "cometbft"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[bytes, list[asyncio.Future[None]]] = {}
        self.engine.on_commit(self._on_commit)
        self.eth = EthApi(
            self.app.fast,
            submit=lambda raw: self.engine.broadcast_tx(wrap(TxKind.FAST, raw)),
            pending_nonce=self.app.mempool.fast_nonce,
            limits=config.rpc_limits,
        )
        sync_methods: dict[str, Callable[[Params], Any]] = {}
        sync_methods.update(_locked(self.lock, self.eth.methods(), skip={"eth_sendRawTransaction"}))
        sync_methods.update(braid_methods.build(self))
        sync_methods.update(zk_methods.build(self))
        sync_methods.update(market_methods.build(self))
        sync_methods.update(bridge_methods.build(self))
        sync_methods.update(hybrid_methods.build(self))
        sync_methods.update(settlement_methods.build(self))
        sync_methods.update(staking_methods.build(self))
        self.network = network
        if network is not None:
            sync_methods["braid_network"] = self._network_json
        async_methods: dict[str, AsyncMethod] = {"braid_waitForTransaction": self._wait_for_tx}
        self.rpc = RpcServer(
            sync_methods,
            async_methods,
            offload_submissions=self.engine.thread_safe_broadcast,
            settings=config.http.with_env(),
        )
        web_pages.add_prover_page(self.rpc.app, keys)
        self.keys = keys

    # -- what the API reads and submits (api/view.py's NodeView) ---------------------------

    @property
    def state(self) -> SequencerState:
        return self.app.state

    @property
    def genesis_app_hash(self) -> bytes:
        return self.app.genesis_app_hash

    @property
    def ledger(self) -> LedgerStore:
        return self.store

    @property
    def mempool(self) -> Mempool:
        return self.app.mempool

    @property
    def engine_name(self) -> str:
        return self._engine_name

    def submit(self, raw: bytes) -> bytes:
        return self.engine.broadcast_tx(raw)

    def pending_count(self) -> int:
        return self.engine.pending_count()

    def l1_status(self) -> L1Status | None:
        if self.l1 is None:
            return None
        f, l1 = self.l1.follower, self.l1
        return L1Status(
            l1.rpc_url,
            l1.chain_id,
            l1.rollup,
            f.tip,
            f.confirmed_height(),
            tuple(f.unconfirmed_deposits()),
        )

    def _network_json(self, params: Params) -> dict[str, Any]:
        """`braid_network`: the devnet's nodes, each with the voting power this node's CometBFT
        gives its consensus key now (its `/validators`) and, when a supervisor runs it, its
        process state (`state`: up, restarting, given up; `restarts`; `lastExit`)."""
        assert self.network is not None
        spec, name = self.network
        powers: dict[str, int] = {}
        height = None
        rpc = getattr(self.engine, "rpc", None)
        if rpc is not None:
            try:
                result = rpc.call("validators", {"per_page": "100"})["result"]
                height = int(result["block_height"])
                powers = {
                    "0x" + v["address"].lower(): int(v["voting_power"])
                    for v in result["validators"]
                }
            except (OSError, http.client.HTTPException, KeyError, ValueError) as e:
                log.warning("CometBFT did not tell its validators: %s", e)
        # what the supervisors (the launcher's, `braid node --supervise`) tell of each process
        supervised = read_states(Path(self.config.data_dir).resolve().parent)
        nodes = []
        for n in spec.nodes:
            j = node_json(spec, n)
            j["power"] = powers.get(j["consensusAddress"], 0)
            j["supervisor"] = supervised.get(n.name)
            nodes.append(j)
        return {
            "self": name,
            "genesisValidators": spec.validators,
            "cometbftHeight": height,
            "totalPower": sum(powers.values()),
            "nodes": nodes,
        }

    # -- waiting for transactions ----------------------------------------------------------

    def _on_commit(self, block: FinalizedBlock) -> None:
        """Runs on the event loop (the solo engine's thread; CometBFT's engine hands it
        over): wakes the waiters of the block."""
        if not self._waiters:
            return
        done = [r.hash for r in block.tx_results]
        done += [h for h in list(self._waiters) if h in self.app.mempool.dropped]
        self._release(done)

    def _release(self, hashes: list[bytes]) -> None:
        for h in hashes:
            for fut in self._waiters.pop(h, []):
                if not fut.done():
                    fut.set_result(None)

    async def _wait_for_tx(self, params: Params) -> dict[str, Any] | None:
        """Long-polls until a transaction is ordered (or dropped), then returns its status."""
        tx_hash = hex_bytes(param(params, 0, "hash"), "hash", 32)
        timeout_ms = min(quantity(param(params, 1, "timeoutMs", 10_000), "timeoutMs"), MAX_WAIT_MS)
        loop = asyncio.get_running_loop()
        status = braid_methods.tx_status(self, tx_hash)
        if status is not None and status["status"] != "pending":
            return status
        fut: asyncio.Future[None] = loop.create_future()
        self._waiters.setdefault(tx_hash, []).append(fut)
        try:
            await asyncio.wait_for(fut, timeout_ms / 1000)
        except TimeoutError:
            waiting = self._waiters.get(tx_hash, [])
            if fut in waiting:
                waiting.remove(fut)
            if not waiting:
                self._waiters.pop(tx_hash, None)
        return braid_methods.tx_status(self, tx_hash)

    # -- running ---------------------------------------------------------------------------

    async def serve(
        self,
        ready: Callable[[], None] | None = None,
        before_stop: Callable[[], None] | None = None,
    ) -> None:
        """Starts the engine and the RPC server and runs until cancelled or signalled.
        `before_stop` runs (in a thread) while the node still serves, once it is asked to stop:
        the devnet's helpers finish their step and deactivate through it."""
        self._loop = asyncio.get_running_loop()
        l1_stop = threading.Event()
        if self.l1 is not None:
            self.l1.follower.poll()  # the L1 as it is now, before the first proposal
            threading.Thread(
                target=self.l1.follower.run, args=(l1_stop,), name="l1-follower", daemon=True
            ).start()
        self.engine.start()
        runner = web.AppRunner(self.rpc.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.rpc_host, self.config.rpc_port, reuse_address=True)
        await site.start()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                self._loop.add_signal_handler(sig, stop.set)
        if ready is not None:
            ready()
        try:
            while not stop.is_set():
                if self.engine.failure is not None:
                    raise RuntimeError("the consensus engine failed") from self.engine.failure
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
        finally:
            log.info("shutting down")
            if before_stop is not None:
                await asyncio.to_thread(before_stop)
            l1_stop.set()
            await runner.cleanup()
            self.engine.stop()
            self.rpc.shutdown()
            self.store.close()

    @property
    def url(self) -> str:
        return f"http://{self.config.rpc_host}:{self.config.rpc_port}"


def _locked(
    lock: threading.RLock, methods: dict[str, Callable[[Params], Any]], skip: set[str]
) -> dict[str, Callable[[Params], Any]]:
    """Wraps read methods so they never see a block half-executed."""

    def wrap_one(fn: Callable[[Params], Any]) -> Callable[[Params], Any]:
        def locked(params: Params) -> Any:
            with lock:
                return fn(params)

        return locked

    return {name: fn if name in skip else wrap_one(fn) for name, fn in methods.items()}
