"""The `braid` command against a real node: keys, faucet, ZK transactions, status, blocks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.integration.conftest import BRAID, ROOT, NodeProcess


def braid(node: NodeProcess, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*BRAID, "--rpc", node.url, *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_walkthrough(node: NodeProcess, tmp_path: Path) -> None:
    key = tmp_path / "alice.json"
    braid(node, "keys", "new", "--out", str(key))
    address = json.loads(key.read_text())["address"]
    assert oct(key.stat().st_mode & 0o777) == "0o600"

    braid(node, "faucet", str(key))
    braid(node, "zk", "register", "--key", str(key))
    out = braid(
        node, "--json", "zk", "transfer", "--key", "dev:0", "--to", address, "--amount", "77"
    )
    assert json.loads(out.stdout)["status"] == "committed"

    account = json.loads(braid(node, "--json", "zk", "account", str(key)).stdout)
    assert account["balances"]["0"] == "77"

    minted = json.loads(
        braid(
            node,
            "--json",
            "zk",
            "nft",
            "mint",
            "--key",
            "dev:0",
            "--collection",
            "0",
            "--content",
            "0xabc",
            "--to",
            address,
        ).stdout
    )
    nft_id = str(minted["result"]["nftId"])
    braid(node, "zk", "nft", "transfer", "--key", str(key), "--to", "0", "--nft", nft_id)
    nft = json.loads(braid(node, "--json", "zk", "nft", "show", nft_id).stdout)
    assert nft["owner"] == 0

    status = json.loads(braid(node, "--json", "status").stdout)
    assert status["height"] >= 4 and status["zk"]["blocks"] >= 3

    blocks = braid(node, "blocks", "--count", "50").stdout
    assert " ZK " in blocks and " FAST " in blocks


def test_cli_errors_are_clear(node: NodeProcess, tmp_path: Path) -> None:
    proc = braid(
        node, "zk", "transfer", "--key", "dev:1", "--to", "0", "--amount", str(2**130), ok=False
    )
    assert proc.returncode == 1
    assert "AmountOutOfRange" in proc.stderr or "out of range" in proc.stderr

    proc = braid(node, "zk", "account", "0x" + "11" * 20, ok=False)
    assert proc.returncode == 1 and "register a key" in proc.stderr

    proc = subprocess.run(
        [*BRAID, "--rpc", "http://127.0.0.1:9", "status"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 1 and "braid devnet" in proc.stderr


def test_cli_ceremony_help_is_the_ceremony_s_own() -> None:
    proc = subprocess.run(
        [*BRAID, "keys", "ceremony", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert "contribute" in proc.stdout and "finalize" in proc.stdout
