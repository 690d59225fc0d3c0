"""A node finds the CometBFT an earlier run of it left behind (its node was killed and the
CometBFT outlived it, holding its ports) and ends it before it starts its own
(consensus/cometbft/engine.py `_end_stale`); a CometBFT of another home is left alone."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from zkbraid import processes
from zkbraid.consensus.cometbft.engine import COMETBFT, CometBftEngine
from zkbraid.consensus.cometbft.settings import CometBftSettings, tune_config
from zkbraid.node.network import free_base_port


def _stale_cometbft(home: Path) -> subprocess.Popen[bytes]:
    """A real `cometbft start --home HOME` whose application is gone: it waits for its ABCI
    connection for ever (as one whose node was SIGKILLed may), its ports held."""
    subprocess.run([str(COMETBFT), "init", "--home", str(home)], check=True, capture_output=True)
    base = free_base_port(1)
    settings = CometBftSettings(rpc_port=base + 2, p2p_port=base + 3)
    tune_config(home / "config" / "config.toml", settings, f"tcp://127.0.0.1:{base + 5}")
    proc = subprocess.Popen(
        [str(COMETBFT), "start", "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.write_pid(home / "cometbft.pid", proc.pid)
    return proc


def _engine(home: Path) -> CometBftEngine:
    return CometBftEngine(app=None, lock=threading.RLock(), home=home, store=None)  # type: ignore[arg-type]


def test_a_stale_cometbft_of_this_home_is_ended(tmp_path: Path) -> None:
    if not COMETBFT.exists():
        pytest.skip("CometBFT is not installed (scripts/install.sh --with-cometbft)")
    mine, other = tmp_path / "mine", tmp_path / "other"
    stale = _stale_cometbft(mine)
    neighbour = _stale_cometbft(other)
    try:
        # another node's pid file pointing at the neighbour: not this home's, left alone
        processes.write_pid(tmp_path / "elsewhere.pid", neighbour.pid)
        assert processes.command_line(neighbour.pid) is not None
        _engine(mine)._end_stale()
        assert stale.wait(timeout=30) is not None
        assert not (mine / "cometbft.pid").exists()
        assert neighbour.poll() is None

        engine = _engine(tmp_path / "elsewhere")  # its pid file names the other home's
        engine.home.mkdir()
        (engine.home / "cometbft.pid").write_text(f"{neighbour.pid}\n")
        engine._end_stale()
        assert neighbour.poll() is None  # another home's CometBFT is never touched
    finally:
        processes.stop(stale)
        processes.stop(neighbour)
