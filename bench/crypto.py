"""Speed of the ZK chain's cryptography and of its state transition, each beside a baseline
measured in the same run (the wall-clock checks that used to sit in the unit tests).

- Poseidon (light-poseidon, Rust) per hash by arity, against keccak256 of the same 64 bytes;
- EdDSA-Poseidon verification per signature, cold (every signature new), against the
  secp256k1 recovery of an EIP-191 signature (what a RegisterKey or an L1 wallet costs);
- a ZK transfer through the STF per transaction, decoded from its encoding with a cold
  signature check (as a block arrives), against the same transfers with the proving witness
  (`apply_with_witness`, what the sequencer runs when it commits), on fresh states.

Run: .venv/bin/python -m bench.crypto [--rounds 5] [--n 400]
Budgets (from the node's 200 ZK tx/s): a transfer well under 5 ms, an EdDSA verification well
under 1 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from eth_hash.auto import keccak

from bench.common import report
from zkbraid.crypto.eddsa import PrivateKey, _verify, verify
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.crypto.personal_sign import personal_sign, recover_signer
from zkbraid.crypto.poseidon import poseidon, poseidon2
from zkbraid.ledger.kv import memory_store
from zkbraid.proving.witness import apply_with_witness
from zkbraid.zk.genesis import dev_l2_key, devnet_genesis
from zkbraid.zk.params import DEFAULT_PARAMS
from zkbraid.zk.state import ZkState
from zkbraid.zk.stf import apply_transaction
from zkbraid.zk.transactions import Transfer, decode_transaction, sign_transfer

N_ACCOUNTS = 8


def per_call(fn: Callable[[], int], rounds: int) -> float:
    """The median over `rounds` of fn's time divided by the count it returns, in seconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        count = fn()
        times.append((time.perf_counter() - started) / count)
    return statistics.median(times)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def poseidon_figures(n: int, rounds: int) -> list[tuple[str, str]]:
    rng = random.Random(1)
    pairs = [(rng.randrange(FIELD_MODULUS), rng.randrange(FIELD_MODULUS)) for _ in range(n)]
    blobs = [a.to_bytes(32, "big") + b.to_bytes(32, "big") for a, b in pairs]

    def keccak_all() -> int:
        for blob in blobs:
            keccak(blob)
        return len(blobs)

    def poseidon2_all() -> int:
        for a, b in pairs:
            poseidon2(a, b)
        return len(pairs)

    base = per_call(keccak_all, rounds)
    two = per_call(poseidon2_all, rounds)
    rows = [
        ("keccak256, 64 bytes (baseline)", us(base)),
        ("poseidon2 (Merkle path step)", f"{us(two)}   ({two / base:.0f}× keccak)"),
    ]
    for arity in (1, 5, 8, 12):
        inputs = [[rng.randrange(FIELD_MODULUS) for _ in range(arity)] for _ in range(n // 4)]

        def hash_all(inputs: list[list[int]] = inputs) -> int:
            for xs in inputs:
                poseidon(xs)
            return len(inputs)

        t = per_call(hash_all, rounds)
        label = f"poseidon, {arity} input{'s' if arity > 1 else ''}"
        rows.append((label, f"{us(t)}   ({t / base:.0f}× keccak)"))
    return rows


def eddsa_figures(n: int, rounds: int) -> list[tuple[str, str]]:
    key = PrivateKey(b"\x09" * 32)
    pk = key.public_key
    rng = random.Random(2)
    batches = [
        [(m, key.sign(m)) for m in (rng.randrange(FIELD_MODULUS) for _ in range(n // 4))]
        for _ in range(rounds)
    ]
    eth_key = bytes(range(1, 33))
    texts = [f"zkbraid bench {i}" for i in range(n // 4)]
    ecdsa = [(text, personal_sign(eth_key, text)) for text in texts]

    def recover_all() -> int:
        for text, sig in ecdsa:
            assert recover_signer(text, sig) is not None
        return len(ecdsa)

    pending = iter(batches)

    def verify_batch() -> int:
        # Cold: every round checks signatures the memo has never seen.
        _verify.cache_clear()
        batch = next(pending)
        for m, sig in batch:
            assert verify(m, sig, pk)
        return len(batch)

    def sign_all() -> int:
        for m, _ in batches[0]:
            key.sign(m)
        return len(batches[0])

    base = per_call(recover_all, rounds)
    t_verify = per_call(verify_batch, rounds)
    t_sign = per_call(sign_all, rounds)
    return [
        ("secp256k1 EIP-191 recovery (baseline)", us(base)),
        ("EdDSA-Poseidon verify, cold", f"{us(t_verify)}   ({t_verify / base:.1f}× recovery)"),
        ("EdDSA-Poseidon sign", f"{us(t_sign)}   ({t_sign / base:.1f}× recovery)"),
    ]


def fresh_state() -> ZkState:
    genesis = devnet_genesis(N_ACCOUNTS, balance=10**30)
    return ZkState.genesis(memory_store().namespace("zk"), DEFAULT_PARAMS, genesis)


def transfers(n: int, seed: int) -> list[bytes]:
    """`n` encoded transfers between the dev accounts, valid in order on a fresh state."""
    rng = random.Random(seed)
    nonces = [0] * N_ACCOUNTS
    out = []
    for _ in range(n):
        a = rng.randrange(N_ACCOUNTS)
        b = (a + 1 + rng.randrange(N_ACCOUNTS - 1)) % N_ACCOUNTS
        tx = sign_transfer(dev_l2_key(a), chain_id=DEFAULT_PARAMS.chain_id, from_index=a,
                           to_index=b, token=0, amount=3, nonce=nonces[a], fee=1)  # fmt: skip
        nonces[a] += 1
        out.append(tx.encode())
    return out


def per_transfer(encoded: list[bytes], with_witness: bool) -> float:
    """Seconds a transfer: `encoded` decoded and applied in order on a fresh state, the
    signature memo cleared first (the genesis is not timed)."""
    state = fresh_state()
    _verify.cache_clear()
    started = time.perf_counter()
    for data in encoded:
        tx = decode_transaction(data)
        assert isinstance(tx, Transfer)
        if with_witness:
            apply_with_witness(state, tx, DEFAULT_PARAMS)
        else:
            apply_transaction(state, tx, DEFAULT_PARAMS)
    return (time.perf_counter() - started) / len(encoded)


def stf_figures(n: int, rounds: int) -> list[tuple[str, str]]:
    blocks = [transfers(n // 4, seed) for seed in range(rounds)]
    base = statistics.median(per_transfer(block, False) for block in blocks)
    witness = statistics.median(per_transfer(block, True) for block in blocks)
    return [
        ("transfer: decode + STF, cold signature (baseline)", f"{base * 1e3:.2f} ms"),
        (
            "transfer: decode + STF + proving witness",
            f"{witness * 1e3:.2f} ms   ({witness / base:.2f}× the STF alone)",
        ),
        ("transfers/s, one core (STF alone)", f"{1 / base:,.0f}   (budget: 200/s at 5 ms)"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5, help="rounds; the median is reported")
    ap.add_argument("--n", type=int, default=400, help="operations a round (hashes; /4 others)")
    args = ap.parse_args()
    report("Poseidon (per hash)", poseidon_figures(args.n, args.rounds))
    report("EdDSA-Poseidon (per signature)", eddsa_figures(args.n, args.rounds))
    report("ZK state transition (per transaction)", stf_figures(args.n, args.rounds))


if __name__ == "__main__":
    main()
