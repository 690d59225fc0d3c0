"""`braid node --supervise` (issue 21, part 2): one validator run by hand under the launcher's
restart policy — killed with SIGKILL, it is started again and resumes its chain; `braid_network`
tells its restarts; SIGTERM to the supervisor stops it and leaves nothing running; a clean
exit of the node is an operator's stop and is not restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.consensus.network import BRAID, ROOT, Network
from tests.integration.conftest import until
from zkbraid import processes
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.node.network import free_base_port, layout
from zkbraid.node.supervisor import STATE_FILE
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.build import build_dev_keys
from zkbraid.sdk.client import Wallet


def test_a_supervised_node_is_restarted_and_stopped_with_its_supervisor(tmp_path: Path) -> None:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    build_dev_keys(circuit=OWNERSHIP)
    build_dev_keys()
    spec = layout(1, free_base_port(1), chain_args=("--validators", "1", "--zk-block-ms", "300"))
    net = Network.custom(tmp_path / "net", spec)
    v0 = net.all[0]
    log = tmp_path / "supervisor.log"
    with open(log, "ab") as out:
        supervisor = subprocess.Popen(
            [*BRAID, "node", "--network", str(net.network_file), "--name", "v0", "--supervise"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    pid_file = net.network_file.parent / "v0.pid"
    state_file = net.network_file.parent / f"v0.{STATE_FILE}"
    try:
        v0.wait_up()
        first = processes.read_pid(pid_file)
        assert first is not None
        done = v0.client.wait(v0.client.faucet(Wallet.dev(3).address), timeout=60)
        os.kill(first, signal.SIGKILL)
        until(
            "the node restarted",
            lambda: processes.read_pid(pid_file) not in (None, first) and v0.up(),
            120,
        )
        assert v0.client.status()["height"] >= done["height"]  # its chain, resumed
        again = v0.client.wait(v0.client.faucet(Wallet.dev(4).address), timeout=60)
        assert again["height"] > done["height"]
        node = v0.client.rpc.call("braid_network")["nodes"][0]
        assert node["supervisor"]["restarts"] == 1
        assert node["supervisor"]["lastExit"] == -signal.SIGKILL
        assert "v0 exited with code -9" in log.read_text()

        # a clean stop of the node (SIGTERM to it) is an operator's: it stays down
        second = processes.read_pid(pid_file)
        assert second is not None
        os.kill(second, signal.SIGTERM)
        until(
            "the supervisor's record of the stop",
            lambda: json.loads(state_file.read_text())["children"]["v0"]["state"] == "stopped",
            60,
        )
        assert "not restarting it (it was asked to stop)" in log.read_text()
        assert not v0.up()
    finally:
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
    cometbft = processes.read_pid(v0.data_dir / "cometbft" / "cometbft.pid")
    assert cometbft is None or not processes.alive(cometbft)
