"""Proving figures of the ZK-chain circuit (issue 3): constraints, proving time per transaction
type for both back ends, verification time, and the key build on a fresh cache.

Run: .venv/bin/python -m bench.proving [--rounds 3] [--snarkjs-rounds 1] [--cold]
     (--cold also builds the circuit and dev keys into an empty cache: about six minutes)
Goals (issue 3): at most 60k constraints a transaction; at most 3 s a groth16py proof.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import report
from zkbraid.ledger.kv import memory_store
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.backends.groth16py_backend import Groth16pyBackend
from zkbraid.proving.backends.snarkjs_backend import SnarkjsBackend
from zkbraid.proving.build import build_dev_keys
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.tools import quiet
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import apply_with_witness
from zkbraid.zk.genesis import dev_eth_private_key, dev_l2_key, devnet_genesis
from zkbraid.zk.params import DEFAULT_PARAMS
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import (
    ZkTransaction,
    sign_nft_mint,
    sign_nft_transfer,
    sign_register_key,
    sign_transfer,
)


def jobs_per_type() -> dict[str, ProofJob]:
    """One committed transaction of each type on a devnet state, with its witness."""
    params = DEFAULT_PARAMS
    state = ZkState.genesis(memory_store().namespace("zk"), params, devnet_genesis(4))
    chain = params.chain_id
    out: dict[str, ProofJob] = {}

    def commit(name: str, tx: ZkTransaction) -> None:
        _, witness = apply_with_witness(state, tx, params)
        out[name] = ProofJob(tx, witness)

    new_eth = dev_eth_private_key(4)
    from zkbraid.crypto.eddsa import derive_l2_key

    commit(
        "RegisterKey",
        sign_register_key(new_eth, derive_l2_key(new_eth).public_key, chain_id=chain, fee=1),
    )
    commit(
        "Transfer",
        sign_transfer(dev_l2_key(1), chain_id=chain, from_index=1, to_index=4, token=0,
                      amount=10**18, nonce=0, fee=1),
    )  # fmt: skip
    commit(
        "NftMint",
        sign_nft_mint(dev_l2_key(0), chain_id=chain, minter_index=0, collection_id=0,
                      to_index=2, content_hash=0xC0FFEE, nonce=0, fee=1),
    )  # fmt: skip
    commit(
        "NftTransfer",
        sign_nft_transfer(dev_l2_key(2), chain_id=chain, from_index=2, to_index=3, nft_id=0,
                          nonce=0, fee=1),
    )  # fmt: skip
    return out


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def cold_build() -> list[tuple[str, str]]:
    """Builds the circuit and dev keys into an empty cache, timing each part."""
    with tempfile.TemporaryDirectory(prefix="zkbraid-cold-") as tmp:
        previous = os.environ.get("ZKBRAID_BUILD_DIR")
        os.environ["ZKBRAID_BUILD_DIR"] = tmp
        try:
            started = time.perf_counter()
            keys = build_dev_keys(progress=quiet)
            total = time.perf_counter() - started
            compile_s = keys.manifest["compile_seconds"]
            keys_s = keys.keys_manifest["build_seconds"]
        finally:
            if previous is None:
                del os.environ["ZKBRAID_BUILD_DIR"]
            else:
                os.environ["ZKBRAID_BUILD_DIR"] = previous
    return [
        ("cold build, total", f"{total:.0f} s"),
        ("  circom --O2 compile", f"{compile_s:.0f} s"),
        ("  groth16 setup + contribution + vkey", f"{keys_s:.0f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="groth16py proofs per type")
    parser.add_argument("--snarkjs-rounds", type=int, default=1, help="snarkjs proofs per type")
    parser.add_argument("--cold", action="store_true", help="also time a build from scratch")
    args = parser.parse_args()

    started = time.perf_counter()
    keys: CircuitKeys = build_dev_keys(progress=quiet)
    warm = time.perf_counter() - started
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    report(
        "circuit (one circuit for every type)",
        [
            ("load average at start", f"{load} (2 cores; others' work slows every figure)"),
            ("constraints (--O2), every type", f"{keys.n_constraints:,} (goal ≤ 60,000)"),
            ("wires", f"{keys.manifest['wires']:,}"),
            ("public inputs", str(keys.manifest["public_inputs"])),
            ("powers of tau", "2^16 = 65,536"),
            ("keys", f"{keys.keys_name} ({'INSECURE' if keys.insecure else 'ceremony'})"),
            ("build with a warm cache", f"{warm * 1000:.0f} ms"),
        ],
    )

    jobs = jobs_per_type()
    verifier = ProofVerifier.from_keys(keys)
    rows: list[tuple[str, str]] = []
    proofs = {}
    with NodeRunner() as runner:
        native = Groth16pyBackend(keys, runner)
        wasm = SnarkjsBackend(keys, runner)
        g16 = Prover(native, keys=keys)
        snark = Prover(wasm, keys=keys)
        g16.prove(jobs["Transfer"])  # warm up: node, zkey import
        for name, job in jobs.items():
            with tempfile.TemporaryDirectory() as tmp:
                witness_times = timed(
                    lambda job=job, tmp=tmp: native.compute_witness(
                        job.witness, Path(tmp) / "w.wtns"
                    ),
                    args.rounds,
                )
            g16_times = timed(lambda job=job: g16.prove(job), args.rounds)
            proofs[name] = g16.prove(job)
            snark_times = timed(lambda job=job: snark.prove(job), args.snarkjs_rounds)
            rows.append(
                (
                    name,
                    f"groth16py {statistics.median(g16_times):.2f} s "
                    f"(circom witness {statistics.median(witness_times):.2f} s)   "
                    f"snarkjs {statistics.median(snark_times):.2f} s",
                )
            )
    report("proving, median per proof (witness + proof + self-check)", rows)

    job = jobs["Transfer"]
    proof = proofs["Transfer"]
    n = 500
    verify_times = timed(
        lambda: verifier.verify_transaction(proof, job.old_root, job.new_root, job.tx), n
    )
    report(
        "verification (groth16py, public inputs recomputed from the transaction)",
        [
            ("mean", f"{statistics.mean(verify_times) * 1000:.2f} ms"),
            ("p50", f"{statistics.median(verify_times) * 1000:.2f} ms"),
        ],
    )

    build_rows = [
        ("recorded compile of this cache", f"{keys.manifest['compile_seconds']:.0f} s"),
        ("recorded key build of this cache", f"{keys.keys_manifest['build_seconds']:.0f} s"),
    ]
    if args.cold:
        build_rows += cold_build()
    report("key build (fresh cache)", build_rows)


if __name__ == "__main__":
    main()
