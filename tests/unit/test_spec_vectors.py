"""docs/spec/zk-tables.md and docs/spec/vectors/ are current: scripts/spec_vectors.py
regenerates them from the declarations and the signers, and they still decode and verify with
the node's code."""

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from zkbraid.crypto.eddsa import PublicKey, Signature, verify
from zkbraid.market.market_txs import MARKET_TX_TYPES, decode_market_tx
from zkbraid.market.transactions import Faucet, decode_sequencer_tx
from zkbraid.staking.transactions import STAKING_TX_TYPES, decode_staking_tx
from zkbraid.zk.transactions import ZK_FAMILY, decode_transaction

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "spec_vectors.py"


def _spec() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zkbraid_spec_vectors", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_spec_files_are_current() -> None:
    for path, text in _spec().outputs().items():
        assert path.read_text() == text, f"{path}: run .venv/bin/python scripts/spec_vectors.py"


def test_every_type_has_a_vector_that_decodes_and_verifies() -> None:
    spec = _spec()
    data = json.loads(spec.VECTORS.read_text())
    assert {v["typeByte"] for v in data["transactions"]} == set(ZK_FAMILY.declarations)
    for v in data["transactions"]:
        tx = decode_transaction(bytes.fromhex(v["encoding"][2:]))
        assert tx.hash.hex() == v["hash"][2:]
        if "message" in v:
            pk = data["keys"][v["signer"]]["l2PublicKey"]
            sig = v["fields"]["signature"]
            assert verify(
                int(v["message"]),
                Signature(int(sig["r8x"]), int(sig["r8y"]), int(sig["s"])),
                PublicKey(int(pk["x"]), int(pk["y"])),
            )


def test_sequencer_vectors_decode_and_verify() -> None:
    data = json.loads(_spec().SEQUENCER_VECTORS.read_text())
    assert {v["typeByte"] for v in data["transactions"]} == set(range(0x01, 0x09))
    for v in data["transactions"]:
        raw = bytes.fromhex(v["encoding"][2:])
        if raw[0] in MARKET_TX_TYPES:
            tx = decode_market_tx(raw)
        elif raw[0] in STAKING_TX_TYPES:
            tx = decode_staking_tx(raw)
        else:
            tx = decode_sequencer_tx(raw)
        assert tx.encode() == raw, v["name"]
        if not isinstance(tx, Faucet):
            tx.check_signature()
