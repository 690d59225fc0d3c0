"""Writes the ZK family's wire-format tables and JSON test vectors from the declarations.

    .venv/bin/python scripts/spec_vectors.py          # rewrite docs/spec/zk-tables.md, vectors/
    .venv/bin/python scripts/spec_vectors.py --check  # exit 1 if a committed file is stale

Everything here is read from the code: the fields and kinds of each type's declaration
(zk/transactions.py, zk/tx_fields.py), its message slots, its public-data layout (zk/rules/), and
the keys of the devnet's well-known accounts (anvil's mnemonic, `Wallet.dev`). The signatures are
deterministic (EdDSA nonce from BLAKE2b, ECDSA nonce RFC 6979), so the files are reproducible;
tests/unit/test_spec_vectors.py checks that the committed ones are current.
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from zkbraid.crypto.babyjub import SUB_ORDER
from zkbraid.crypto.eddsa import L2_KEY_DERIVATION_TAG, PublicKey, Signature
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.proving.statement import pubdata, tx_data
from zkbraid.sdk.client import Wallet
from zkbraid.zk.rules import RULES
from zkbraid.zk.rules.pubdata import BLOCK_TIME, FEE_BYTES
from zkbraid.zk.transactions import (
    ZK_FAMILY,
    CreateCollection,
    Deposit,
    GameMint,
    MoveFromFast,
    MoveToFast,
    NftBuy,
    NftCancel,
    NftList,
    NftMint,
    NftTransfer,
    RegisterKey,
    Transfer,
    TxType,
    Withdraw,
    ZkTransaction,
    sign,
    sign_register_key,
)
from zkbraid.zk.tx_fields import (
    EdDsaSignature,
    FieldElement,
    FieldKind,
    FixedBytes,
    L2Key,
    Pack,
    SignedTx,
    SystemTx,
    UInt,
    ZkTx,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs" / "spec"
TABLES = SPEC / "zk-tables.md"
VECTORS = SPEC / "vectors" / "zk.json"
N_KEYS = 3
CHAIN_ID = 1337
BLOCK_TIME_S = 1_767_225_600
"""The ZK block's time an NftBuy's record holds in the vectors (2026-01-01T00:00:00Z)."""


def kind_of(kind: FieldKind) -> dict[str, Any]:
    """A field kind as data: its name, width and RLP items."""
    if isinstance(kind, FieldElement):
        return {"kind": "field", "items": 1}
    if isinstance(kind, UInt):
        return {"kind": "uint", "bits": kind.bits, "items": 1}
    if isinstance(kind, FixedBytes):
        return {"kind": "bytes", "size": kind.size, "items": 1}
    if isinstance(kind, L2Key):
        return {"kind": "l2key", "items": 2}
    if isinstance(kind, EdDsaSignature):
        return {"kind": "eddsa", "items": 3}
    raise TypeError(f"no spec for field kind {type(kind).__name__}")


def message_slots(cls: type[ZkTx]) -> list[Any] | None:
    """The declared message slots: a field name, a constant, or a pack."""
    if not issubclass(cls, SignedTx):
        return None
    slots = cls.MESSAGE or tuple(n for n, _ in cls.LAYOUT.fields if n != "signature")
    out: list[Any] = []
    for slot in slots:
        if isinstance(slot, Pack):
            out.append({"pack": [slot.high, slot.low], "bits": slot.bits})
        else:
            out.append(slot)
    return out


def declaration(cls: type[ZkTx]) -> dict[str, Any]:
    """What an implementation needs of one type: byte, fields, message, record layout."""
    tx_type = TxType(cls.TYPE)
    layout = RULES[tx_type].pubdata
    record = [{"name": "type", "bytes": 1}, {"name": "fee", "bytes": FEE_BYTES}]
    for part, group in (("header", layout.header), ("wide", layout.wide)):
        for f in group:
            source = "blockTime" if f.source == BLOCK_TIME else f.source
            record.append({"name": f.name, "bytes": f.width, "source": source, "part": part})
    return {
        "name": cls.__name__,
        "type": int(tx_type),
        "signedBy": (
            "l2key" if issubclass(cls, SignedTx) else "ethereum" if cls is RegisterKey else "system"
        ),
        "sender": getattr(cls, "SENDER", None),
        "fields": [{"name": n, **kind_of(k)} for n, k in cls.LAYOUT.fields],
        "message": message_slots(cls),
        "record": record,
        "recordBytes": layout.length,
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, PublicKey):
        return {"x": str(value.x), "y": str(value.y)}
    if isinstance(value, Signature):
        return {"r8x": str(value.r8x), "r8y": str(value.r8y), "s": str(value.s)}
    return str(value)


def key_vector(i: int) -> dict[str, Any]:
    wallet = Wallet.dev(i)
    l2 = wallet.l2_key
    pk = l2.public_key
    return {
        "devIndex": i,
        "ethPrivateKey": "0x" + bytes(wallet.eth.key).hex(),
        "address": wallet.address,
        "l2PrivateKey": "0x" + l2.secret.hex(),
        "l2PublicKey": {"x": str(pk.x), "y": str(pk.y)},
        "l2PublicKeyPacked": "0x" + pk.pack().hex(),
        "l2SecretScalar": str(l2.secret_scalar()),
    }


def transactions() -> list[tuple[str, ZkTransaction, int | None]]:
    """(signer's dev account or "", transaction, its signer's dev index) for every type, with
    edge values (zeros, the widths' maxima) in some."""
    w0, w1, w2 = (Wallet.dev(i) for i in range(N_KEYS))
    k0, k1, k2 = (w.l2_key for w in (w0, w1, w2))
    c, u64 = CHAIN_ID, 2**64 - 1

    def register(w: Wallet, fee: int) -> RegisterKey:
        return sign_register_key(bytes(w.eth.key), w.l2_key.public_key, chain_id=c, fee=fee)

    out: list[tuple[str, ZkTransaction, int | None]] = [
        ("registerKey", register(w0, 7), 0),
        ("registerKeyFeeZero", register(w1, 0), 1),
        ("transfer", sign(k0, Transfer(c, 0, 1, 0, 10**18, 0, 5)), 0),
        ("transferZeroes", sign(k1, Transfer(c, 1, 0, 0, 0, 0, 0)), 1),
        ("transferMax", sign(k2, Transfer(c, 2**32 - 1, 2, 2**16 - 1, 2**128 - 1, u64, u64)), 2),
        ("nftMint", sign(k0, NftMint(c, 0, 1, 2, FIELD_MODULUS - 1, 3, 4)), 0),
        ("nftTransfer", sign(k1, NftTransfer(c, 1, 2, 300, 9, 1)), 1),
        ("deposit", Deposit(c, 42, 1, 0, w1.address_bytes, 5 * 10**17), None),
        ("withdraw", sign(k1, Withdraw(c, 1, 0, w2.address_bytes, 123456789, 2, 3)), 1),
        ("moveToFast", sign(k0, MoveToFast(c, 0, 0, 256, 1, 2)), 0),
        ("moveFromFast", MoveFromFast(c, 7, 0, 0, 255), None),
        ("createCollection", sign(k2, CreateCollection(c, 2, 3, w0.address_bytes, 10, 0, 1)), 2),
        ("gameMint", GameMint(c, 11, 3, 4, 2, 12345, w0.address_bytes), None),
        ("nftList", sign(k0, NftList(c, 0, 5, 1, 777, BLOCK_TIME_S + 3600, 4, 2)), 0),
        ("nftCancel", sign(k0, NftCancel(c, 0, 5, 5, 2)), 0),
        ("nftBuy", sign(k1, NftBuy(c, 1, 5, 1, 777, 10, 2)), 1),
    ]  # fmt: skip
    return out


def tx_vector(name: str, tx: ZkTransaction, signer: int | None) -> dict[str, Any]:
    cls = type(tx)
    time_s = BLOCK_TIME_S if cls is NftBuy else None
    vec: dict[str, Any] = {
        "name": name,
        "type": cls.__name__,
        "typeByte": int(tx.TYPE),
        "signer": signer,
        "fields": {f.name: _json_value(getattr(tx, f.name)) for f in dataclass_fields(tx)},
        "rlpItems": ["0x" + item.hex() for item in cls.LAYOUT.encode(tx)],
        "encoding": "0x" + tx.encode().hex(),
        "hash": "0x" + tx.hash.hex(),
    }
    if isinstance(tx, SignedTx):
        vec["messageInputs"] = [
            str(int(tx.TYPE)),
            *(str(slot(tx)) for slot in cls.LAYOUT.message_slots),
        ]
        vec["message"] = str(tx.message)
    if isinstance(tx, RegisterKey):
        vec["signingText"] = tx.signing_text
    if isinstance(tx, SystemTx):
        vec["note"] = "a system transaction: made by the proposer, never sent by a client"
    if time_s is not None:
        vec["blockTime"] = str(time_s)
    vec["record"] = "0x" + pubdata(tx, time_s).hex()
    vec["txData"] = [str(v) for v in tx_data(tx, time_s)]
    return vec


def vectors() -> dict[str, Any]:
    """The JSON vectors of the ZK family (docs/spec/zk.md)."""
    decls = [declaration(ZK_FAMILY.declarations[t]) for t in sorted(ZK_FAMILY.declarations)]
    return {
        "description": "zkbraid ZK-chain wire format test vectors (docs/spec/zk.md); generated "
        "by scripts/spec_vectors.py from the declarations, do not edit",
        "constants": {
            "fieldModulus": str(FIELD_MODULUS),
            "subOrder": str(SUB_ORDER),
            "l2KeyDerivationTag": L2_KEY_DERIVATION_TAG.decode(),
            "chainId": CHAIN_ID,
        },
        "declarations": decls,
        "keys": [key_vector(i) for i in range(N_KEYS)],
        "transactions": [tx_vector(*t) for t in transactions()],
    }


def _kind_text(f: dict[str, Any]) -> str:
    match f["kind"]:
        case "uint":
            return f"uint{f['bits']}"
        case "field":
            return "field element (< r)"
        case "bytes":
            return f"{f['size']} bytes"
        case "l2key":
            return "L2 key: 2 items, x then y (field elements)"
        case _:
            return "EdDSA signature: 3 items, R8.x, R8.y, S (field elements)"


def _slot_text(slot: Any) -> str:
    if isinstance(slot, dict):
        high, low = slot["pack"]
        return f"{high} · 2^{slot['bits']} + {low}"
    return str(slot)


def render_tables(data: dict[str, Any]) -> str:
    """docs/spec/zk-tables.md: one section a type, from the declarations."""
    lines = [
        "# ZK transaction types: generated tables",
        "",
        "Generated by `scripts/spec_vectors.py` from the declarations in",
        "`src/zkbraid/zk/transactions.py` and the public-data layouts in `src/zkbraid/zk/rules/`;",
        "do not edit. How to read them: [zk.md](zk.md).",
        "",
        "| type byte | name | signed by | RLP items | record bytes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for d in data["declarations"]:
        items = sum(f["items"] for f in d["fields"])
        lines.append(
            f"| `0x{d['type']:02x}` | [{d['name']}](#{d['name'].lower()}) | {d['signedBy']} "
            f"| {items} | {d['recordBytes']} |"
        )
    for d in data["declarations"]:
        lines += ["", f"## {d['name']}", ""]
        lines.append(f"Type byte `0x{d['type']:02x}`; signed by: {d['signedBy']}" + (
            f" (the sender, whose nonce it uses, is `{d['sender']}`)." if d["sender"] else "."
        ))  # fmt: skip
        lines += ["", "| # | field | kind |", "| --- | --- | --- |"]
        for i, f in enumerate(d["fields"]):
            lines.append(f"| {i} | `{f['name']}` | {_kind_text(f)} |")
        if d["message"] is not None:
            slots = ", ".join(_slot_text(s) for s in d["message"])
            lines += ["", f"Message: `M = poseidon([0x{d['type']:02x}, {slots}])`"]
        record = " ‖ ".join(
            f"{r['name']} ({r['bytes']})" if r["name"] != "type" else f"0x{d['type']:02x}"
            for r in d["record"]
        )
        lines += ["", f"Record ({d['recordBytes']} bytes): {record}"]
        wide = [r["name"] for r in d["record"] if r.get("part") == "wide"]
        if wide:
            lines[-1] += f"; wide fields: {', '.join(wide)}"
    return "\n".join(lines) + "\n"


def render_vectors(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    data = vectors()
    return {TABLES: render_tables(data), VECTORS: render_vectors(data)}


def main(argv: list[str]) -> int:
    stale = []
    for path, text in outputs().items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)} (run .venv/bin/python scripts/spec_vectors.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
