"""One circomlibjs run per session: every reference vector the crypto tests need, at once.

Node takes about two seconds to build circomlibjs's WASM, so the requests are prepared here (the
Python-side signatures included) and sent in one go.
"""

import json
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from zkbraid.crypto.babyjub import SUB_ORDER
from zkbraid.crypto.eddsa import PrivateKey, PublicKey, Signature
from zkbraid.crypto.field import FIELD_MODULUS

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tests" / "vectors" / "circomlibjs_vectors.cjs"
R = FIELD_MODULUS


def poseidon_inputs() -> list[list[int]]:
    rng = random.Random(20240611)
    cases: list[list[int]] = [[1, 2], [0], [R - 1], [0, 0], [R - 1, R - 1]]
    for n in range(1, 13):
        cases.append(list(range(1, n + 1)))
        cases.append([R - 1 - i for i in range(n)])
        for _ in range(3):
            cases.append([rng.randrange(R) for _ in range(n)])
        cases.append([rng.randrange(2**64) for _ in range(n)])
    return cases


@dataclass(frozen=True)
class VerifyCase:
    """A (message, signature, key) triple and whether it must verify."""

    name: str
    message: int
    signature: Signature
    public_key: PublicKey
    valid: bool

    def request(self) -> dict[str, str]:
        return {
            "msg": str(self.message),
            "r8x": str(self.signature.r8x),
            "r8y": str(self.signature.r8y),
            "s": str(self.signature.s),
            "ax": str(self.public_key.x),
            "ay": str(self.public_key.y),
        }


def python_signed_cases() -> list[VerifyCase]:
    """Signatures made here, then tampered: circomlibjs must agree on every verdict."""
    rng = random.Random(7)
    cases: list[VerifyCase] = []
    for i in range(8):
        key = PrivateKey(rng.randbytes(32))
        msg = rng.randrange(R) if i else 0
        sig = key.sign(msg)
        pk = key.public_key
        other = PrivateKey(rng.randbytes(32)).public_key
        cases += [
            VerifyCase(f"valid-{i}", msg, sig, pk, True),
            VerifyCase(f"message-{i}", (msg + 1) % R, sig, pk, False),
            VerifyCase(
                f"s-{i}", msg, Signature(sig.r8x, sig.r8y, (sig.s + 1) % SUB_ORDER), pk, False
            ),
            VerifyCase(f"r8-{i}", msg, Signature(pk.x, pk.y, sig.s), pk, False),
            VerifyCase(f"key-{i}", msg, sig, other, False),
            # S + l satisfies the curve equation (Base8 has order l) but must be refused.
            VerifyCase(
                f"s-plus-order-{i}", msg, Signature(sig.r8x, sig.r8y, sig.s + SUB_ORDER), pk, False
            ),
        ]
    return cases


CIRCOMLIBJS_KEYS = [bytes([i]) * 32 for i in range(1, 5)] + [bytes(range(32))]
CIRCOMLIBJS_MESSAGES = [0, 1, 2**64, R - 1, 123456789]


@dataclass(frozen=True)
class Circomlibjs:
    poseidon: list[tuple[list[int], int]]
    signed: list[tuple[int, Signature, PublicKey]]
    verified: list[tuple[VerifyCase, bool]]
    packed: list[tuple[PublicKey, bytes]]


@pytest.fixture(scope="session")
def circomlibjs() -> Circomlibjs:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "circomlibjs").is_dir():
        pytest.skip("node and node_modules/circomlibjs are needed (scripts/install.sh)")
    pos = poseidon_inputs()
    sign_req = [
        {"prv": key.hex(), "msg": str(msg)}
        for key in CIRCOMLIBJS_KEYS
        for msg in CIRCOMLIBJS_MESSAGES
    ]
    verify_cases = python_signed_cases()
    pack_keys = [PrivateKey(bytes([i]) * 32).public_key for i in range(1, 17)]
    request: dict[str, Any] = {
        "poseidon": [[str(x) for x in xs] for xs in pos],
        "sign": sign_req,
        "verify": [c.request() for c in verify_cases],
        "pack": [[str(k.x), str(k.y)] for k in pack_keys],
    }
    proc = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(request).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    answer = json.loads(proc.stdout)
    signed = [
        (
            int(req["msg"]),
            Signature(int(a["r8x"]), int(a["r8y"]), int(a["s"])),
            PublicKey(int(a["ax"]), int(a["ay"])),
        )
        for req, a in zip(sign_req, answer["sign"], strict=True)
    ]
    return Circomlibjs(
        poseidon=[(xs, int(h)) for xs, h in zip(pos, answer["poseidon"], strict=True)],
        signed=signed,
        verified=list(zip(verify_cases, answer["verify"], strict=True)),
        packed=[(k, bytes.fromhex(h)) for k, h in zip(pack_keys, answer["pack"], strict=True)],
    )
