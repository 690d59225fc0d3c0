"""The proving market end to end: several real `braid prover run` processes on a real node, one
of them killed mid-job. It is fined (its balance goes negative), its job is reassigned and
proven by another, every transaction ends proven and every batch is bundled."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import BRAID, ROOT, NodeProcess, market_node, until
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import RpcError

MARKET = {
    "deadline_ms": 12_000,
    "heartbeat_window_ms": 40_000,
    "batch_size": 4,
    "batch_close_ms": 4_000,
    "batch_close_blocks": 2,
}
TXS = 6


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    n = market_node(tmp_path_factory.mktemp("market") / "data", MARKET)
    yield n
    n.stop()


class ProverProcess:
    def __init__(self, url: str, key_file: Path) -> None:
        self.wallet = Wallet.load(str(key_file))
        self.log = key_file.with_suffix(".log")
        self.proc = subprocess.Popen(
            [
                *BRAID,
                "--rpc",
                url,
                "prover",
                "run",
                "--key",
                str(key_file),
                "--heartbeat-s",
                "3",
                "--poll-ms",
                "200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "wb"),  # noqa: SIM115 - closed with the process
            cwd=ROOT,
        )

    @property
    def address(self) -> str:
        return self.wallet.address.lower()

    def output(self) -> str:
        return self.log.read_text()


def test_killed_prover_is_fined_and_its_job_reassigned(node: NodeProcess, tmp_path: Path) -> None:
    client = BraidClient(node.url)
    provers: list[ProverProcess] = []
    for i in range(3):
        key = tmp_path / f"prover{i}.json"
        Wallet.generate().save(str(key))  # a new key: no ZKPoW, so a fine goes negative
        provers.append(ProverProcess(node.url, key))
    victim, survivors = provers[0], provers[1:]
    try:
        until(
            "three active provers",
            lambda: all((client.prover(p.address) or {}).get("active") for p in provers),
        )
        # sent at once, so that one block's step assigns them all, the victim's among them
        hashes = [client.send_transfer(Wallet.dev(i), 9, 1 + i) for i in range(TXS)]
        held = until("a job assigned to the victim", lambda: client.assignments(victim.address))
        victim.proc.send_signal(signal.SIGKILL)  # mid-job: it holds the job, no proof will come
        victim.proc.wait()
        lost = held[0]["jobId"]

        until(
            "every transaction proven",
            lambda: all((client.transaction(h) or {}).get("status") == "proven" for h in hashes),
            timeout=240,
        )
        record = client.prover(victim.address)
        assert record is not None
        assert record["fines"] >= 1
        assert int(record["balance"]) < 0, "a fine takes a balance below zero"
        assert int(record["balance"]) == -int(record["fined"])
        assert record["jobsDone"] == 0

        job = client.job(lost)
        assert job is not None and job["status"] == "done"
        outcomes = [(h["prover"], h["outcome"]) for h in job["history"]]
        assert outcomes[0] == (victim.address, "missed")
        assert outcomes[-1][1] == "proven"
        assert job["provenBy"] in {p.address for p in survivors}
        assert int(job["paid"]) > 0

        proven_by = {client.transaction(h)["proof"]["prover"].lower() for h in hashes}  # type: ignore[index]
        assert proven_by <= {p.address for p in survivors}

        # both batches (4 + 2 transactions) are bundled by a surviving prover
        def bundled() -> bool:
            batches = [client.batch(i) for i in range(2)]
            return all(b is not None and b["aggregatedBy"] for b in batches)

        until("both batches bundled", bundled)
        for i in range(2):
            b = client.batch(i)
            assert b is not None and b["aggregatedBy"] in {p.address for p in survivors}
        earned = sum(int(client.prover(p.address)["earned"]) for p in survivors)  # type: ignore[index]
        assert earned > 0
    finally:
        for p in survivors:
            if p.proc.poll() is None:
                p.proc.send_signal(signal.SIGINT)
        for p in provers:
            try:
                p.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.proc.wait()

    # Ctrl-C: each survivor went inactive before it exited, and said what it did
    for p in survivors:
        assert p.proc.returncode == 0, p.output()
        assert "deactivated in block" in p.output()
        assert "prover done:" in p.output()
        assert client.prover(p.address)["active"] is False  # type: ignore[index]
    market = client.market()
    assert market["openJobs"] == []
    with pytest.raises(RpcError) as refused:
        client.aggregation_job(99)  # no such batch
    assert refused.value.name == "UnknownAggregation"

    # what `braid market` shows: every prover with its record, the victim's fine below zero
    shown = subprocess.run(
        [*BRAID, "--rpc", node.url, "market"], capture_output=True, text=True, cwd=ROOT
    )
    assert shown.returncode == 0, shown.stderr
    assert "provers (3)" in shown.stdout
    victim_line = next(line for line in shown.stdout.splitlines() if victim.address in line)
    assert " -0.1 ZKPoW" in victim_line or " -0.05 ZKPoW" in victim_line
    history = subprocess.run(
        [*BRAID, "--rpc", node.url, "--json", "market", "job", lost],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert history.returncode == 0 and '"missed"' in history.stdout
