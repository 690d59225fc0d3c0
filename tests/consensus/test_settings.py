"""CometBFT's config.toml as the engine tunes it, and the generated bindings' imports."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.consensus.cometbft.protogen import rewrite_imports
from zkbraid.consensus.cometbft.settings import CometBftSettings, config_values, tune_config

SETTINGS = CometBftSettings(rpc_port=36657, p2p_port=36656, timeout_commit_ms=20)


def _check(config: dict[str, object]) -> None:
    consensus = config["consensus"]
    assert isinstance(consensus, dict)
    assert consensus["timeout_commit"] == "20ms"
    assert consensus["create_empty_blocks"] is True
    assert consensus["create_empty_blocks_interval"] == "1000ms"
    assert consensus["peer_gossip_sleep_duration"] == "10ms"
    assert config["proxy_app"] == "tcp://127.0.0.1:4242"
    assert config["rpc"] == config["rpc"] | {"laddr": "tcp://127.0.0.1:36657"}
    assert config["p2p"] == config["p2p"] | {
        "laddr": "tcp://127.0.0.1:36656",
        "flush_throttle_timeout": "10ms",
    }
    assert config["mempool"] == config["mempool"] | {"size": 50_000, "recheck": True}
    assert config["tx_index"] == config["tx_index"] | {"indexer": "null"}


def _template() -> str:
    """A config.toml with every key the engine sets (default values) and one it leaves."""
    lines = []
    for section, keys in config_values(CometBftSettings(), "tcp://127.0.0.1:26658").items():
        if section:
            lines.append(f"\n# the {section} section\n[{section}]")
        lines += [f"{key} = {value}" for key, value in keys.items()]
        lines.append('kept = "as it was"')
    return "\n".join(lines) + "\n"


def test_tune_config_sets_every_key_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(_template())
    tune_config(path, SETTINGS, "tcp://127.0.0.1:4242")
    config = tomllib.loads(path.read_text())
    _check(config)
    assert config["kept"] == "as it was" and config["rpc"]["kept"] == "as it was"
    assert "# the consensus section" in path.read_text()
    tune_config(path, SETTINGS, "tcp://127.0.0.1:4242")  # again: the same file
    assert tomllib.loads(path.read_text()) == config


def test_invalid_config_of_another_release(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(_template().replace("peer_gossip_sleep_duration", "gossip_sleep"))
    with pytest.raises(ValueError, match="peer_gossip_sleep_duration"):
        tune_config(path, SETTINGS, "tcp://127.0.0.1:4242")


@pytest.mark.skipif(
    not COMETBFT.exists(), reason="CometBFT is not installed (install.sh --with-cometbft)"
)
def test_tune_the_config_cometbft_init_writes(tmp_path: Path) -> None:
    subprocess.run(
        [str(COMETBFT), "init", "--home", str(tmp_path)], check=True, capture_output=True
    )
    path = tmp_path / "config" / "config.toml"
    tune_config(path, SETTINGS, "tcp://127.0.0.1:4242")
    _check(tomllib.loads(path.read_text()))


def test_generated_imports_move_under_the_package() -> None:
    source = (
        "from tendermint.crypto import proof_pb2 as p\n"
        "from gogoproto import gogo_pb2 as g\n"
        "from google.protobuf import timestamp_pb2\n"
        "import tendermint.types\n"
    )
    assert rewrite_imports(source) == (
        "from zkbraid.consensus.cometbft.proto.tendermint.crypto import proof_pb2 as p\n"
        "from zkbraid.consensus.cometbft.proto.gogoproto import gogo_pb2 as g\n"
        "from google.protobuf import timestamp_pb2\n"
        "import zkbraid.consensus.cometbft.proto.tendermint.types\n"
    )
