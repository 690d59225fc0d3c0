"""The browser prover end to end (issue 4): headless Chromium opens a real node's /prover/ page,
which is the market's only prover. It registers and heartbeats, is assigned each ZK transfer,
proves it with snarkjs in its Web Worker, submits it, then bundles the transfer's batch; the node
records the page's address as the prover and pays it the bounties."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, NodeProcess, until
from zkbraid.sdk.client import BraidClient, Wallet

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("ZKBRAID_CHROMIUM", "/usr/bin/chromium"))
DRIVER = Path(__file__).with_name("prover_page.cjs")
TRANSFERS = 2  # the second shows the proving key is downloaded once
TIMEOUT_S = 600


class PageDriver:
    """prover_page.cjs in the background, its output echoed to the test log line by line."""

    def __init__(self, url: str, profile: Path, target: int) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            ["node", str(DRIVER), url, str(profile), str(target), str(TIMEOUT_S)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            print(f"[browser] {line[:400]}", flush=True)

    def value(self, prefix: str) -> str | None:
        for line in self.lines:
            if line.startswith(prefix + " "):
                return line[len(prefix) + 1 :]
        if self.proc.poll() is not None and not self._reader.is_alive():
            raise AssertionError(f"the page driver exited ({self.proc.returncode}) before {prefix}")
        return None

    def finish(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_browser_prover_proves_and_is_paid(prover_node: NodeProcess, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("ZKBRAID_CHROMIUM_VERSION") == "none":
            pytest.skip("chromium not installed (ZKBRAID_CHROMIUM_VERSION=none)")
        pytest.fail(f"{CHROMIUM} is missing: scripts/install.sh installs Debian's chromium")
    started = time.monotonic()
    client = BraidClient(prover_node.url, timeout=60)
    assert client.market()["activeProvers"] == 0
    page = PageDriver(f"{prover_node.url}/prover/?autostart=1", tmp_path / "profile", 2 * TRANSFERS)
    try:
        address = until("the page's key", lambda: page.value("ADDRESS"), 60)
        prover = until(
            "the page's registration",
            lambda: (p := client.prover(address)) is not None and p["assignable"] and p,
        )
        balance_before = int(prover["balance"])
        market = client.market()
        assert [p["address"] for p in market["provers"]] == [address]  # the only prover

        tx_hashes = []
        for i in range(TRANSFERS):
            sent = time.monotonic()
            tx_hash = client.send_transfer(Wallet.dev(0), 1, 5)
            client.wait(tx_hash)
            status = until(
                f"transfer {i} proven",
                lambda h=tx_hash: (s := client.transaction(h))["status"] == "proven" and s,
                TIMEOUT_S,
            )
            print(f"transfer {i} proven {time.monotonic() - sent:.1f} s after it was sent")
            assert status["proof"]["prover"] == address
            tx_hashes.append(tx_hash)

        assert page.finish(TIMEOUT_S) == 0, "the page did not get every submission accepted"
        result = json.loads(page.value("RESULT") or "{}")
    finally:
        page.kill()

    jobs = [client.job(h) for h in tx_hashes]
    batches = [client.batch(j["batch"]) for j in jobs if j is not None]
    aggregations = [client.job(b["jobId"]) for b in batches if b is not None]
    paid = 0
    for job in [*jobs, *aggregations]:
        assert job is not None
        assert (job["status"], job["provenBy"]) == ("done", address)
        assert int(job["paid"]) > 0
        paid += int(job["paid"])
    prover = client.prover(address)
    assert prover is not None
    assert int(prover["balance"]) - balance_before == paid
    assert (prover["jobsDone"], int(prover["earned"])) == (2 * TRANSFERS, paid)
    assert prover["active"] is False  # the last Stop deactivated it

    assert page.value("RESTARTED") == "active"
    assert result["accepted"] == 2 * TRANSFERS
    assert result["address"] == address
    log = "\n".join(result["log"])
    assert log.count("downloaded the proving key") == 1, "the zkey was downloaded twice"
    proofs = [j["proveMs"] / 1000 for j in result["jobs"] if j["kind"] == "tx"]
    print(
        f"browser proofs: {', '.join(f'{s:.2f} s' for s in proofs)}; "
        f"paid {paid} ZKPoW base units for {len(jobs)} proofs and {len(aggregations)} bundles; "
        f"whole test {time.monotonic() - started:.1f} s"
    )
