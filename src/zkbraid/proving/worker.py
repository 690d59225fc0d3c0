"""The command-line prover of the proving market (`braid prover run`; issue 4).

    worker = ProverWorker(BraidClient(url), wallet, Prover("native"), report=print)
    worker.run(stop)          # until `stop` is set: then it goes inactive and returns

It registers its Ethereum key as a prover (once; later runs reactivate it with a heartbeat),
sends a heartbeat every `heartbeat_s` from a thread of its own, and polls the jobs the market
assigned to it (`braid_getAssignments`):

- a transaction job: fetch the witness (`zk_getProofJob`), prove with the native back end, check
  the proof (the Prover does), sign the submission with the prover's key and submit it;
- an aggregation job: fetch the batch's proofs (`braid_getAggregationJob`), verify every one
  against its transaction and roots, check the bundle hash against the node's, sign and submit
  the bundle.

It reports each result with what it was paid, and any fine the market took (a missed deadline),
from the prover's record. On stop it finishes the step it is in, sends a deactivation (its
remaining jobs go back to the market unfined) and waits for it to be included.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zkbraid.errors import BraidError
from zkbraid.market.market_txs import BundleEntry, bundle_hash, sign_bundle
from zkbraid.market.transactions import sign_submit_proof
from zkbraid.proving.proof import Proof
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.statement import block_time_of
from zkbraid.sdk.client import BraidClient, TxFailed, TxTimeout, Wallet
from zkbraid.sdk.rpc import NodeUnreachable, RpcError
from zkbraid.zk.transactions import decode_transaction

UNREACHABLE_RETRY_S = 1.0
"""How often a worker whose node does not answer (it restarts) asks again."""

Report = Callable[[str], None]


class NoProofJob(BraidError):
    """The node has no proving job for a transaction it assigned (it should always have one)."""


class BundleMismatch(BraidError):
    """The batch's proofs, as the node serves them, do not hash to the bundle hash it names."""


@dataclass
class WorkerStats:
    """What a run did (and what the market says of this prover)."""

    proofs: int = 0
    bundles: int = 0
    earned: int = 0
    """Paid for this run's accepted results."""
    fines: int = 0
    """Fines the market took during this run."""
    fined: int = 0
    refused: int = 0
    """Results the node refused (typically: the deadline passed and the job moved on)."""
    balance: int = 0
    done: set[tuple[str, int]] = field(default_factory=set)
    """(job id, attempt) pairs already handled."""


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text[2:] if hex_text.startswith("0x") else hex_text)


def zkpow(amount: int) -> str:
    """An amount of ZKPoW base units for people (18 decimals)."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**18)
    return f"{sign}{whole}.{frac:018d}".rstrip("0").rstrip(".") + " ZKPoW"


class ProverWorker:
    """One prover: registration, heartbeats, its assignments, deactivation."""

    def __init__(
        self,
        client: BraidClient,
        wallet: Wallet,
        prover: Prover,
        *,
        heartbeat_s: float = 20.0,
        poll_s: float = 0.5,
        timeout_s: float = 30.0,
        report: Report = print,
    ) -> None:
        self.client = client
        self.wallet = wallet
        self.prover = prover
        self.heartbeat_s = heartbeat_s
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.report = report
        self.stats = WorkerStats()
        self._market_lock = threading.Lock()
        """Serialises this prover's nonce-carrying transactions (heartbeat, deactivation)."""
        self._last_fines = 0
        self._last_fined = 0

    @property
    def address(self) -> str:
        return self.wallet.address

    # -- the market's own transactions -----------------------------------------------------

    def join(self) -> None:
        """Registers this prover, or reactivates it with a heartbeat if it is registered."""
        record = self.client.prover(self.address)
        if record is None:
            self.report(f"registering prover {self.address}")
            status = self.client.wait(
                self.client.register_prover(self.wallet), timeout=self.timeout_s
            )
            self.report(f"registered in block {status['height']}")
            record = self.client.prover(self.address)
            assert record is not None
        else:
            self._heartbeat(self.client)
            record = self.client.prover(self.address)
            assert record is not None
            self.report(
                f"prover {self.address} is back: {record['jobsDone']} jobs done before,"
                f" balance {zkpow(int(record['balance']))}"
            )
        self._last_fines, self._last_fined = int(record["fines"]), int(record["fined"])
        self.stats.balance = int(record["balance"])

    def _join_when_up(self, stop: threading.Event) -> bool:
        """Joins the market, waiting for a node that does not answer yet (it restarts) and for
        a registration it already holds to be ordered; False: stopped before it could."""
        waiting = False
        while not stop.is_set():
            try:
                self.join()
                return True
            except (NodeUnreachable, TxTimeout, RpcError) as e:
                # a registration sent before the node went away is known, not yet ordered
                if isinstance(e, RpcError) and e.name != "AlreadyKnown":
                    raise
                if not waiting:
                    self.report(f"{e}; waiting for it")
                waiting = True
                stop.wait(UNREACHABLE_RETRY_S)
        return False

    def _heartbeat(self, client: BraidClient) -> None:
        with self._market_lock:
            client.wait(client.heartbeat(self.wallet), timeout=self.timeout_s)

    def leave(self) -> None:
        """Goes inactive: the market takes back this prover's jobs, unfined."""
        with self._market_lock:
            status = self.client.wait(
                self.client.deactivate_prover(self.wallet), timeout=self.timeout_s
            )
        released = status.get("result", {}).get("released", [])
        self.report(
            f"deactivated in block {status['height']}"
            + (f"; {len(released)} job(s) returned to the market" if released else "")
        )

    def _heartbeats(self, stop: threading.Event) -> None:
        client = BraidClient(self.client.url)
        while not stop.wait(self.heartbeat_s):
            try:
                self._heartbeat(client)
            except (RpcError, TxFailed, TxTimeout, NodeUnreachable) as e:
                self.report(f"heartbeat failed: {e}")

    # -- the loop ----------------------------------------------------------------------------

    def run(
        self,
        stop: threading.Event,
        *,
        count: int | None = None,
        exit_when_idle: bool = False,
    ) -> WorkerStats:
        """Works until `stop` is set, `count` results are accepted, or (with `exit_when_idle`)
        the market has no open job; then leaves the market. Returns the run's figures."""
        if not self._join_when_up(stop):
            return self.stats
        beat_stop = threading.Event()
        beats = threading.Thread(target=self._heartbeats, args=(beat_stop,), daemon=True)
        beats.start()
        try:
            unreachable = False
            while not stop.is_set():
                if count is not None and self.stats.proofs + self.stats.bundles >= count:
                    break
                try:
                    jobs = [
                        j
                        for j in self.client.assignments(self.address)
                        if (j["jobId"], j["attempt"]) not in self.stats.done
                    ]
                    self._check_fines()
                    idle = not jobs and exit_when_idle and not self.client.market()["openJobs"]
                except NodeUnreachable as e:
                    # the node restarts, or is down for a while: wait for it, say so once
                    if not unreachable:
                        self.report(f"{e}; waiting for it")
                    unreachable = True
                    stop.wait(UNREACHABLE_RETRY_S)
                    continue
                if unreachable:
                    self.report("the node answers again")
                    unreachable = False
                if idle:
                    break
                if not jobs:
                    stop.wait(self.poll_s)
                    continue
                job = jobs[0]
                self.stats.done.add((job["jobId"], job["attempt"]))
                try:
                    if job["kind"] == "tx":
                        self._prove(job)
                    else:
                        self._aggregate(job)
                except (RpcError, TxFailed, TxTimeout, NodeUnreachable) as e:
                    self.stats.refused += 1
                    self.report(f"job {job['jobId']} not accepted: {e}")
                except BraidError as e:
                    self.stats.refused += 1
                    self.report(f"job {job['jobId']} cannot be done: {e}")
        finally:
            beat_stop.set()
            beats.join(timeout=self.timeout_s)
            try:
                self._check_fines()
                self.leave()
            except (RpcError, TxFailed, TxTimeout, NodeUnreachable) as e:
                self.report(f"could not deactivate: {e}")
        return self.stats

    def _check_fines(self) -> None:
        record = self.client.prover(self.address)
        if record is None:
            return
        fines, fined = int(record["fines"]), int(record["fined"])
        if fines > self._last_fines:
            new_fines, amount = fines - self._last_fines, fined - self._last_fined
            self.stats.fines += new_fines
            self.stats.fined += amount
            self.report(
                f"fined {zkpow(amount)} for {new_fines} missed deadline(s);"
                f" balance {zkpow(int(record['balance']))}"
            )
        self._last_fines, self._last_fined = fines, fined
        self.stats.balance = int(record["balance"])

    # -- jobs --------------------------------------------------------------------------------

    def _prove(self, job: dict[str, Any]) -> None:
        tx_hash = job["txHash"]
        deadline = job["deadline"]
        left = (deadline["timeMs"] - time.time() * 1000) / 1000 if deadline else float("nan")
        self.report(
            f"proving {tx_hash} (bounty {zkpow(int(job['bounty']))}, deadline in {left:.0f} s)"
        )
        job_json = self._proof_job(tx_hash)
        started = time.monotonic()
        proof = self.prover.prove(ProofJob.from_json(json.dumps(job_json)))
        took = time.monotonic() - started
        submission = sign_submit_proof(
            bytes(self.wallet.eth.key), _bytes(tx_hash), proof.to_bytes()
        )
        status, paid = self._accepted(self.client.submit_proof(submission))
        self.stats.proofs += 1
        self.report(
            f"proved {tx_hash} in {took:.2f} s, accepted in block {status['height']},"
            f" paid {zkpow(paid)} (run: {self.stats.proofs} proofs,"
            f" earned {zkpow(self.stats.earned)})"
        )

    def _proof_job(self, tx_hash: str) -> dict[str, Any]:
        """A transaction's proving job as the node serves it ({tx, witness})."""
        info = self.client.proof_job(tx_hash)
        if info is None:
            raise NoProofJob(f"the node has no proving job {tx_hash}")
        job: dict[str, Any] = info["job"]
        return job

    def _accepted(self, tx_hash: str) -> tuple[dict[str, Any], int]:
        """Waits for a submitted result to be included; its status and what it was paid."""
        status = self.client.wait(tx_hash, timeout=self.timeout_s)
        paid = int(status["result"].get("paid", 0))
        self.stats.earned += paid
        return status, paid

    def _aggregate(self, job: dict[str, Any]) -> None:
        batch = int(job["batch"])
        agg = self.client.aggregation_job(batch)
        self.report(f"aggregating batch {batch} ({len(agg['entries'])} proofs)")
        entries: list[BundleEntry] = []
        for e in agg["entries"]:
            tx = decode_transaction(_bytes(e["tx"]))
            proof = Proof.from_hex(e["proof"])
            old_root, new_root = _bytes(e["oldRoot"]), _bytes(e["newRoot"])
            # an NftBuy's statement holds its block's time, which its record carries
            time_s = block_time_of(_bytes(e["pubdata"])) if "pubdata" in e else None
            self.prover.verifier.check_transaction(
                proof, int.from_bytes(old_root, "big"), int.from_bytes(new_root, "big"), tx, time_s
            )
            entries.append(BundleEntry(_bytes(e["txHash"]), old_root, new_root, proof.to_bytes()))
        ours = bundle_hash(batch, [e.commitment() for e in entries])
        if "0x" + ours.hex() != agg["bundleHash"]:
            raise BundleMismatch(f"batch {batch}: the node's bundle hash is not its proofs' hash")
        bundle = sign_bundle(bytes(self.wallet.eth.key), batch, entries)
        status, paid = self._accepted(self.client.send_market_tx(bundle))
        self.stats.bundles += 1
        self.report(
            f"bundled batch {batch} ({len(entries)} proofs verified), accepted in block"
            f" {status['height']}, paid {zkpow(paid)}"
        )


__all__ = ["ProverWorker", "WorkerStats", "zkpow"]
