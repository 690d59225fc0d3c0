"""The block-level vectors (tests/vectors/block_vectors.py) as JSON another implementation can
replay, in tests/vectors/blocks/:

    genesis.json     how the genesis is made (zkbraid.node.devnet.devnet), its chain
                     parameters and ZK genesis accounts, and the roots it starts from
    <vector>.json    {name, description,
                      pre: {genesis, blocks, height, app_hash, zk_root, fast_root},
                      blocks: [{height, time_ms, txs, header, header_fields}],
                      post: {height, app_hash, zk_root, fast_root, tx_errors} | null,
                      error: {class, reason}}   (invalid vectors only)

Bytes are 0x-hex: a block's `txs` are its entries' encodings (the chain marker first), its
`header` the RLP of the header it claims (null: a proposal, refused by the block rules before
any header is computed). `tx_errors` lists, block by block, each transaction's named error
(null: it executed). An invalid vector's last block is refused with InvalidBlock and `reason`
(sequencer/header.py `REASONS`), and the state stays at the pre's roots.

    .venv/bin/python -m tests.vectors.export_blocks     rewrites tests/vectors/blocks/

tests/unit/sequencer/test_block_vectors.py checks the files are current and replays each from
its JSON alone (`replay_json`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.vectors import runner
from tests.vectors.block_vectors import (
    ACCOUNTS,
    VECTORS,
    Driver,
    Pre,
    Signed,
    genesis,
    run_vector,
)
from zkbraid.ledger.block import BlockHeader, ChainKind
from zkbraid.ledger.kv import memory_store
from zkbraid.sequencer.block import Block
from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.sequencer.state import SequencerState

OUT = Path(__file__).resolve().parent / "blocks"
GENESIS_FILE = "genesis.json"
SAFE_INT = 2**53
"""Integers at or above it are written as decimal strings (JSON readers that hold numbers as
doubles, JavaScript's among them, would round them)."""


def plain(o: Any) -> Any:
    """`o` as JSON values: bytes as 0x-hex, big integers as decimal strings, dataclasses and
    mappings as objects (keys as strings), sequences as arrays, a chain by its name."""
    if isinstance(o, bytes):
        return "0x" + o.hex()
    if isinstance(o, bool) or o is None or isinstance(o, str | float):
        return o
    if isinstance(o, ChainKind):
        return o.name
    if isinstance(o, int):
        return str(o) if abs(o) >= SAFE_INT else int(o)
    if hasattr(o, "__dataclass_fields__"):
        return {k: plain(v) for k, v in asdict(o).items()}
    if hasattr(o, "items"):
        return {str(plain(k)): plain(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [plain(v) for v in o]
    return plain(vars(o)) if hasattr(o, "__dict__") else str(o)


def _block_json(signed: Signed) -> dict[str, Any]:
    b, h = signed.block, signed.header
    return {
        "height": b.height,
        "time_ms": b.time_ms,
        "txs": [plain(t) for t in b.txs],
        "header": None if h is None else plain(h.encode()),
        "header_fields": None if h is None else {**plain(h), "hash": plain(h.hash)},
    }


def _roots(state: SequencerState) -> dict[str, Any]:
    return {
        "height": state.height,
        "app_hash": plain(state.app_hash()),
        "zk_root": plain(state.zk_root()),
        "fast_root": plain(state.fast.state_root),
    }


def genesis_json() -> dict[str, Any]:
    """The vectors' genesis: how it is made, its parameters and the roots it starts from."""
    g = genesis()
    state = SequencerState(memory_store(), g, create=True)
    return {
        "made_by": f"zkbraid.node.devnet.devnet({ACCOUNTS}, verifying_key_hash=None)",
        "params": plain(g.params),
        "zk_genesis": plain(g.zk),
        "roots": _roots(state),
    }


def vector_json(name: str) -> dict[str, Any]:
    """One vector as JSON (checked by the runner first): its pre (the genesis file and the
    blocks after it), its blocks with the headers they claim, and either its post (the roots
    and app hash after the last block, each transaction's named error) or its error."""
    fn = VECTORS[name]
    parts = run_vector(fn)
    pre, blocks, error = parts["pre"], parts["blocks"], parts["error"]
    driver = Driver(pre)
    doc: dict[str, Any] = {
        "name": name,
        "description": " ".join((fn.__doc__ or name.replace("_", " ")).split()),
        "pre": {
            "genesis": GENESIS_FILE,
            "blocks": [_block_json(b) for b in pre.blocks],
            **_roots(driver.state),
        },
        "blocks": [_block_json(b) for b in blocks],
    }
    if error is not None:
        doc["post"] = None
        doc["error"] = {"class": error[0], "reason": error[1]}
        return doc
    driver.run(blocks)
    doc["post"] = {**_roots(driver.state), "tx_errors": driver.receipts}
    return doc


def render() -> dict[str, str]:
    """Every file of tests/vectors/blocks/ by name, as the code makes it now."""

    def dump(doc: dict[str, Any]) -> str:
        return json.dumps(doc, indent=1) + "\n"

    files = {GENESIS_FILE: dump(genesis_json())}
    for name in sorted(VECTORS):
        files[f"{name}.json"] = dump(vector_json(name))
    return files


def export(out: Path = OUT) -> int:
    """Writes tests/vectors/blocks/ afresh; returns how many vectors it wrote."""
    out.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in out.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (out / name).write_text(text)
    return len(files) - 1


def _signed(b: dict[str, Any]) -> Signed:
    txs = tuple(bytes.fromhex(t[2:]) for t in b["txs"])
    header = None if b["header"] is None else BlockHeader.decode(bytes.fromhex(b["header"][2:]))
    return Signed(Block(b["height"], b["time_ms"], txs), header)


def replay_json(doc: dict[str, Any]) -> None:
    """Replays an exported vector from its JSON alone (as another implementation would; here
    with this one's block transition) and checks its pre, and its post or its error.

    Raises AssertionError.
    """
    name = doc["name"]
    driver = Driver(Pre(tuple(_signed(b) for b in doc["pre"]["blocks"])))
    blocks = tuple(_signed(b) for b in doc["blocks"])
    pre_roots = {k: doc["pre"][k] for k in ("height", "app_hash", "zk_root", "fast_root")}
    assert _roots(driver.state) == pre_roots, name
    if doc["post"] is None:
        error = (doc["error"]["class"], doc["error"]["reason"])
        e = runner.expect_rejection(lambda: driver.run(blocks), error, name)
        assert isinstance(e, InvalidBlock)
        assert _roots(driver.state) == pre_roots, f"{name}: an invalid block changed the state"
        return
    driver.run(blocks)
    assert {**_roots(driver.state), "tx_errors": driver.receipts} == doc["post"], name


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    print(f"wrote {export(out)} block vectors and {GENESIS_FILE} to {out}")
