"""Ownership proofs (docs/hybrid.md): the native proof time of circuits/ownership.circom beside
the transaction circuit's (a Transfer) in the same run as the baseline, snarkjs in node, the
browser's time when Chromium is there, and the fast chain's verifier gas.

Run: .venv/bin/python -m bench.ownership_proof [--rounds 5] [--no-browser]
Builds both circuits' dev keys first if they are not cached (minutes on a fresh machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import report
from zkbraid.hybrid.ownership import (
    OwnershipProofVerifier,
    OwnershipProver,
    OwnershipWitness,
    ownership_witness,
    proof_words,
)
from zkbraid.ledger.kv import memory_store
from zkbraid.proving.artifacts import OWNERSHIP
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.backends.snarkjs_backend import SnarkjsBackend
from zkbraid.proving.build import build_dev_keys
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.tools import quiet
from zkbraid.proving.witness import apply_with_witness
from zkbraid.zk.genesis import dev_l2_key, devnet_genesis
from zkbraid.zk.params import DEFAULT_PARAMS
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import sign_transfer

GAME = bytes.fromhex("9a" * 20)
PLAYER = bytes.fromhex("b0" * 20)
CHROMIUM = Path(os.environ.get("ZKBRAID_CHROMIUM", "/usr/bin/chromium"))


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s (median of {len(times)}; min {min(times):.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="native proofs of each circuit")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium proof")
    args = parser.parse_args()
    rounds = max(1, args.rounds)

    own_keys = build_dev_keys(progress=quiet, circuit=OWNERSHIP)
    tx_keys = build_dev_keys(progress=quiet)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    # One state: account 1 owns NFT 0 of collection 0; the baseline is a Transfer on it.
    params = DEFAULT_PARAMS
    state = ZkState.genesis(memory_store().namespace("zk"), params, devnet_genesis(4))
    nft_id = state.create_nft(1, 0, 0xC0FFEE)
    inputs, statement = ownership_witness(state, dev_l2_key(1), 1, nft_id, GAME, 7, PLAYER)
    transfer = sign_transfer(dev_l2_key(2), chain_id=params.chain_id, from_index=2, to_index=3,
                             token=0, amount=10**18, nonce=0, fee=1)  # fmt: skip
    _, tx_witness = apply_with_witness(state, transfer, params)
    job = ProofJob(transfer, tx_witness)

    with NodeRunner() as runner:
        own_native = OwnershipProver(NativeBackend(own_keys, runner), keys=own_keys)
        own_wasm = OwnershipProver(SnarkjsBackend(own_keys, runner), keys=own_keys)
        tx_native = Prover(NativeBackend(tx_keys, runner), keys=tx_keys)
        # Warm-up: the zkeys imported, the witness generators compiled.
        proof = own_native.prove(inputs, statement)
        tx_native.prove(job)
        own_times = timed(lambda: own_native.prove(inputs, statement), rounds)
        tx_times = timed(lambda: tx_native.prove(job), rounds)
        wasm_times = timed(lambda: own_wasm.prove(inputs, statement), max(1, rounds // 2))
    verifier = OwnershipProofVerifier.from_keys(own_keys)
    verify_times = timed(lambda: verifier.verify(proof, statement), 50)

    own_median, tx_median = statistics.median(own_times), statistics.median(tx_times)
    rows = [
        ("load average at start", f"{load} (2 cores; others' work slows every figure)"),
        ("ownership constraints (--O2)", f"{own_keys.n_constraints:,}"),
        ("transaction constraints (--O2)", f"{tx_keys.n_constraints:,} (baseline)"),
        ("ownership proof, native", fmt(own_times)),
        ("transfer proof, native (baseline)", fmt(tx_times)),
        ("ratio ownership / transfer", f"{own_median / tx_median:.2f}"),
        ("ownership proof, snarkjs in node", fmt(wasm_times)),
        ("ownership verify, native", f"{statistics.median(verify_times) * 1000:.2f} ms"),
    ]
    gas = _verifier_gas(proof_words(proof), statement.public_inputs())
    rows.append(("OwnershipVerifier.verifyProof gas (py-evm)", f"{gas:,} (a call, 21k included)"))
    if args.no_browser:
        rows.append(("ownership proof, Chromium", "skipped (--no-browser)"))
    elif not CHROMIUM.exists():
        rows.append(("ownership proof, Chromium", f"skipped ({CHROMIUM} is missing)"))
    else:
        from tests.browser.test_ownership_page import browser_prove

        witness = OwnershipWitness(inputs, statement=statement)
        result = browser_prove(own_keys, witness, echo=False)
        browser_s = result["proveMs"] / 1000
        rows.append(
            ("ownership proof, Chromium (worker)", f"{browser_s:.2f} s (one proof, keys fetched)")
        )
        rows.append(("ratio Chromium / native", f"{browser_s / own_median:.2f}"))
    report("ownership proofs (circuits/ownership.circom) vs the transaction circuit", rows)


def _verifier_gas(words: list[int], inputs: list[int]) -> int:
    from eth_abi.abi import encode
    from eth_utils.abi import function_signature_to_4byte_selector

    from zkbraid.fast.calls import CallRequest
    from zkbraid.fast.chain import FastChain
    from zkbraid.fast.params import FastParams
    from zkbraid.hybrid.verifier_source import (
        OWNERSHIP_VERIFIER_ADDRESS,
        ownership_verifier_runtime,
    )

    chain = FastChain(
        memory_store().namespace("fast"),
        FastParams(genesis_code={OWNERSHIP_VERIFIER_ADDRESS: ownership_verifier_runtime()}),
    )
    data = function_signature_to_4byte_selector("verifyProof(uint256[8],uint256[6])") + encode(
        ["uint256[8]", "uint256[6]"], [words, inputs]
    )
    request = CallRequest(to=OWNERSHIP_VERIFIER_ADDRESS, data=data, gas=400_000)
    return int(chain.estimate_gas(request, gas_cap=30_000_000))


if __name__ == "__main__":
    main()
