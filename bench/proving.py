"""Proving figures of both circuits (issues 3 and 16): constraints; the proof time of the
transaction circuit (a Transfer) and of the ownership circuit with the native prover at 1 and 2
threads, beside groth16py (the old baseline, GPL-3.0, only when installed with
`scripts/install.sh --with-groth16py`) and snarkjs in node, in the same run, each back end in a
subprocess of its own so that its memory peak (ru_maxrss) is its own; circom's wasm witness
timed on its own; the proof time per transaction type (native, every core); verification; the key
build on a fresh cache.

Run: .venv/bin/python -m bench.proving [--rounds 5] [--snarkjs-rounds 2] [--cold]
     (--cold also builds the circuit and dev keys into an empty cache: about six minutes)
Goals: at most 60k constraints a transaction (issue 3); at most 1.5 s a transaction proof on
2 cores, at least twice as fast as groth16py (issue 16).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import report
from zkbraid.ledger.kv import memory_store
from zkbraid.proving.artifacts import OWNERSHIP, ZK_TX, CircuitKeys
from zkbraid.proving.backends import ProverBackend
from zkbraid.proving.backends.native_backend import NativeBackend
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


# The runs of the comparison: (label, back end, threads).
RUNS = [
    ("native, 1 thread", "native", 1),
    ("native, 2 threads", "native", 2),
    ("groth16py (baseline)", "groth16py", None),
    ("snarkjs in node", "snarkjs", None),
]


def has_groth16py() -> bool:
    return importlib.util.find_spec("groth16py") is not None


def _backend(name: str, keys: CircuitKeys, runner: NodeRunner, threads: int | None) -> Any:
    if name == "native":
        return NativeBackend(keys, runner, threads=threads)
    if name == "snarkjs":
        return SnarkjsBackend(keys, runner)
    from zkbraid.proving.backends.groth16py_backend import Groth16pyBackend

    return Groth16pyBackend(keys, runner)


def worker(circuit: str, backend_name: str, threads: int | None, rounds: int) -> dict[str, Any]:
    """One back end on one circuit, in this process alone: times and memory peaks."""
    keys = build_dev_keys(progress=quiet, circuit=OWNERSHIP if circuit == "ownership" else ZK_TX)
    started = time.perf_counter()
    with NodeRunner() as runner:
        backend = _backend(backend_name, keys, runner, threads)
        if circuit == "ownership":
            from bench.ownership_proof import GAME, PLAYER
            from zkbraid.hybrid.ownership import OwnershipProver, ownership_witness

            state = ZkState.genesis(
                memory_store().namespace("zk"), DEFAULT_PARAMS, devnet_genesis(4)
            )
            nft_id = state.create_nft(1, 0, 0xC0FFEE)
            inputs, statement = ownership_witness(state, dev_l2_key(1), 1, nft_id, GAME, 7, PLAYER)
            own = OwnershipProver(backend, keys=keys)
            prove: Callable[[], object] = lambda: own.prove(inputs, statement)  # noqa: E731
            from zkbraid.hybrid.ownership import OwnershipWitness

            witness: Any = OwnershipWitness(dict(inputs), statement=statement)
        else:
            job = jobs_per_type()["Transfer"]
            prover = Prover(backend, keys=keys)
            prove = lambda: prover.prove(job)  # noqa: E731
            witness = job.witness
        prove()  # warm-up: the key loaded (checked and cached on a first run), node started
        first = time.perf_counter() - started
        times = timed(prove, rounds)
        witness_times: list[float] = []
        if hasattr(backend, "compute_witness"):
            with tempfile.TemporaryDirectory() as tmp:
                witness_times = timed(
                    lambda: backend.compute_witness(witness, Path(tmp) / "w.wtns"), rounds
                )
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    node_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "times": times,
        "witness_times": witness_times,
        "first_s": first,
        "python_rss_mb": own_rss,
        "node_rss_mb": node_rss,
    }


def run_worker(circuit: str, backend: str, threads: int | None, rounds: int) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.proving", "--worker", circuit, backend]
    argv += ["--threads", str(threads or 0), "--rounds", str(rounds)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def med(times: list[float]) -> float:
    return statistics.median(times)


def comparison(circuit: str, rounds: int, snarkjs_rounds: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    results: dict[str, dict[str, Any]] = {}
    for label, backend, threads in RUNS:
        if backend == "groth16py" and not has_groth16py():
            rows.append((label, "not installed: scripts/install.sh --with-groth16py (GPL-3.0)"))
            continue
        n = snarkjs_rounds if backend == "snarkjs" else rounds
        results[label] = r = run_worker(circuit, backend, threads, n)
        peak = max(r["python_rss_mb"], r["node_rss_mb"])
        rows.append(
            (
                label,
                f"{med(r['times']):.2f} s (median of {len(r['times'])}, min "
                f"{min(r['times']):.2f}); peak RSS {peak:.0f} MB (python "
                f"{r['python_rss_mb']:.0f}, node {r['node_rss_mb']:.0f}); first proof "
                f"{r['first_s']:.2f} s",
            )
        )
    base = "groth16py (baseline)" if "groth16py (baseline)" in results else "snarkjs in node"
    for label in ("native, 1 thread", "native, 2 threads"):
        if label in results and base in results:
            ratio = med(results[base]["times"]) / med(results[label]["times"])
            rows.append((f"speed-up of {label} vs {base}", f"{ratio:.2f}x"))
    native = results.get("native, 2 threads")
    if native and native["witness_times"]:
        w = med(native["witness_times"])
        rows.append(
            (
                "circom wasm witness alone (node)",
                f"{w:.3f} s = {100 * w / med(native['times']):.0f}% of the 2-thread proof",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="native/groth16py proofs per run")
    parser.add_argument("--snarkjs-rounds", type=int, default=2, help="snarkjs proofs per run")
    parser.add_argument("--cold", action="store_true", help="also time a build from scratch")
    parser.add_argument("--worker", nargs=2, metavar=("CIRCUIT", "BACKEND"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        circuit, backend = args.worker
        result = worker(circuit, backend, args.threads or None, max(1, args.rounds))
        print(json.dumps(result))
        return

    started = time.perf_counter()
    keys: CircuitKeys = build_dev_keys(progress=quiet)
    own_keys = build_dev_keys(progress=quiet, circuit=OWNERSHIP)
    warm = time.perf_counter() - started
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    report(
        "circuits",
        [
            ("load average at start", f"{load} (2 cores; others' work slows every figure)"),
            ("transaction constraints (--O2)", f"{keys.n_constraints:,} (goal ≤ 60,000)"),
            (
                "  wires, public inputs",
                f"{keys.manifest['wires']:,}, {keys.manifest['public_inputs']}",
            ),
            ("ownership constraints (--O2)", f"{own_keys.n_constraints:,}"),
            ("powers of tau", "2^16 = 65,536"),
            ("keys", f"{keys.keys_name} ({'INSECURE' if keys.insecure else 'ceremony'})"),
            ("build with a warm cache", f"{warm * 1000:.0f} ms"),
            ("groth16py installed", "yes" if has_groth16py() else "no (--with-groth16py)"),
        ],
    )
    report(
        "transaction proof (a Transfer: witness + proof + self-check), goal ≤ 1.5 s",
        comparison("tx", args.rounds, args.snarkjs_rounds),
    )
    report(
        "ownership proof (witness + proof + self-check)",
        comparison("ownership", args.rounds, args.snarkjs_rounds),
    )

    jobs = jobs_per_type()
    verifier = ProofVerifier.from_keys(keys)
    rows: list[tuple[str, str]] = []
    proofs = {}
    with NodeRunner() as runner:
        native: ProverBackend = NativeBackend(keys, runner)
        prover = Prover(native, keys=keys)
        prover.prove(jobs["Transfer"])
        for name, job in jobs.items():
            times = timed(lambda job=job: prover.prove(job), max(1, args.rounds // 2))
            proofs[name] = prover.prove(job)
            rows.append((name, f"native {med(times):.2f} s"))
    report("transaction proof per type, native, every core (median)", rows)

    job = jobs["Transfer"]
    proof = proofs["Transfer"]
    n = 500
    verify_times = timed(
        lambda: verifier.verify_transaction(proof, job.old_root, job.new_root, job.tx), n
    )
    report(
        "verification (native, public inputs recomputed from the transaction)",
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
