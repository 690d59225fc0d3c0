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
from zkbraid.ledger.envelope import payload_hash
from zkbraid.market.market_txs import (
    BundleEntry,
    bundle_hash,
    bundle_text,
    deactivate_text,
    heartbeat_text,
    register_text,
    sign_bundle,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.transactions import Faucet, sign_submit_proof, submission_text
from zkbraid.proving.proof import BN254_Q, Proof
from zkbraid.proving.statement import pubdata, tx_data
from zkbraid.sdk.client import Wallet
from zkbraid.staking.transactions import bond_text, sign_bond, sign_unbond, unbond_text
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
SEQUENCER_VECTORS = SPEC / "vectors" / "sequencer.json"
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


def _proof(seed: int) -> bytes:
    """A well-formed 256-byte Groth16 proof encoding (coordinates < q; not a valid proof)."""
    words = [
        int.from_bytes(keccak_bytes(b"zkbraid spec proof %d %d" % (seed, i)), "big") % BN254_Q
        for i in range(8)
    ]
    a, b, c = (words[0], words[1]), ((words[2], words[3]), (words[4], words[5])), words[6:]
    return bytes(Proof(a=a, b=b, c=(c[0], c[1])).to_bytes())


def keccak_bytes(data: bytes) -> bytes:
    """keccak256 (a sequencer transaction's hash is keccak256 of its encoding)."""
    return bytes(payload_hash(data))


def _seq_vector(name: str, type_byte: int, signer: int | None, fields: dict[str, Any],
                encoding: bytes, text: str | None) -> dict[str, Any]:  # fmt: skip
    vec: dict[str, Any] = {
        "name": name,
        "typeByte": type_byte,
        "signer": signer,
        "fields": {k: _json_value(v) for k, v in fields.items()},
    }
    if text is not None:
        vec["signingText"] = text
    vec["encoding"] = "0x" + encoding.hex()
    vec["hash"] = "0x" + keccak_bytes(encoding).hex()
    return vec


def sequencer_vectors() -> dict[str, Any]:
    """The JSON vectors of the sequencer's own transactions (docs/spec/sequencer.md)."""
    keys = [bytes(Wallet.dev(i).eth.key) for i in range(N_KEYS)]
    zk_tx_hash = Transfer(CHAIN_ID, 0, 1, 0, 10**18, 0, 5).hash
    proof = _proof(0)
    sub = sign_submit_proof(keys[0], zk_tx_hash, proof)
    reg = sign_register(keys[1])
    hb = sign_heartbeat(keys[1], 3)
    de = sign_deactivate(keys[1], 0)
    roots = [keccak_bytes(b"root %d" % i) for i in range(3)]
    entries = [BundleEntry(keccak_bytes(b"tx %d" % i), roots[i], roots[i + 1], _proof(i + 1))
               for i in range(2)]  # fmt: skip
    bundle = sign_bundle(keys[2], 300, entries)
    consensus_key = keccak_bytes(b"zkbraid spec consensus key")
    bond = sign_bond(keys[0], consensus_key, 1000 * 10**18 + 25 * 10**16, 0)
    unbond = sign_unbond(keys[0], 10**18, 1)
    faucet = Faucet(Wallet.dev(2).address_bytes, b"\x01\x02\x03")
    bundle_vec = _seq_vector(
        "submitBundle", 0x06, 2,
        {"batch": bundle.batch, "prover": bundle.prover, "signature": bundle.signature},
        bundle.encode(), bundle_text(bundle.batch, bundle.hash),
    )  # fmt: skip
    bundle_vec["fields"]["entries"] = [
        {"tx_hash": _json_value(e.tx_hash), "old_root": _json_value(e.old_root),
         "new_root": _json_value(e.new_root), "proof": _json_value(e.proof)}
        for e in entries
    ]  # fmt: skip
    bundle_vec["bundleHash"] = "0x" + bundle_hash(300, [e.commitment() for e in entries]).hex()
    txs = [
        _seq_vector("faucet", 0x01, None, {"address": faucet.address, "salt": faucet.salt},
                    faucet.encode(), None),
        _seq_vector("submitProof", 0x02, 0,
                    {"tx_hash": sub.tx_hash, "proof": sub.proof, "prover": sub.prover,
                     "signature": sub.signature},
                    sub.encode(), submission_text(sub.tx_hash, sub.proof)),
        _seq_vector("registerProver", 0x03, 1,
                    {"public_key": reg.public_key, "signature": reg.signature},
                    reg.encode(), register_text(reg.prover, reg.public_key)),
        _seq_vector("proverHeartbeat", 0x04, 1,
                    {"prover": hb.prover, "nonce": hb.nonce, "signature": hb.signature},
                    hb.encode(), heartbeat_text(hb.prover, hb.nonce)),
        _seq_vector("deactivateProver", 0x05, 1,
                    {"prover": de.prover, "nonce": de.nonce, "signature": de.signature},
                    de.encode(), deactivate_text(de.prover, de.nonce)),
        bundle_vec,
        _seq_vector("bond", 0x07, 0,
                    {"validator": bond.validator, "consensus_key": bond.consensus_key,
                     "amount": bond.amount, "nonce": bond.nonce, "signature": bond.signature},
                    bond.encode(),
                    bond_text(bond.validator, bond.consensus_key, bond.amount, bond.nonce)),
        _seq_vector("unbond", 0x08, 0,
                    {"validator": unbond.validator, "amount": unbond.amount,
                     "nonce": unbond.nonce, "signature": unbond.signature},
                    unbond.encode(), unbond_text(unbond.validator, unbond.amount, unbond.nonce)),
    ]  # fmt: skip
    return {
        "description": "zkbraid sequencer transactions (proof submission, market, staking, "
        "faucet) test vectors (docs/spec/sequencer.md); generated by scripts/spec_vectors.py "
        "from the code, do not edit",
        "keys": [
            {"devIndex": i, "ethPrivateKey": "0x" + keys[i].hex(), "address": Wallet.dev(i).address}
            for i in range(N_KEYS)
        ],
        "transactions": txs,
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
    return {
        TABLES: render_tables(data),
        VECTORS: render_vectors(data),
        SEQUENCER_VECTORS: render_vectors(sequencer_vectors()),
    }


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
