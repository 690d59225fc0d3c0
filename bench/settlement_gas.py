"""L1 gas per ZK-chain transaction of `Rollup.submitBatch` (issue 13): batches of 1, 8, 16 and 32
real proofs (chained transfers, the native prover) on anvil, against one proof verified alone by the
single-proof verifier (`Groth16Verifier.checkProof`), measured in the same run.

Every figure is a transaction's `gasUsed`: the 21,000 base and the calldata included. Gas
limits are set explicitly (`BatchSubmission.gas_limit`), never estimated. Each rollup is fresh,
and a one-proof batch goes first so that the measured batch meets the storage a running chain
has (its slots already written once). Proofs take a couple of minutes; they are cached under
build/settlement-bench/, keyed by the verifying key's hash.

Run: .venv/bin/python -m bench.settlement_gas [--sizes 1,8,16,32] [--validators 1]
Goal (issue 13): at most 60k gas a transaction at 32.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from eth_account import Account
from web3 import Web3

from bench.common import report
from zkbraid.ledger.kv import memory_store
from zkbraid.proving.artifacts import CircuitKeys, build_root
from zkbraid.proving.build import build_dev_keys
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.statement import pubdata, tx_data_from_pubdata
from zkbraid.proving.witness import apply_with_witness
from zkbraid.settlement.anvil import Anvil
from zkbraid.settlement.l1_contracts import (
    Checkpoint,
    RollupSettings,
    attestation_digest,
    attestation_signatures,
    batch_data_hash,
    deploy_rollup,
    deploy_verifier,
    encode_batch,
)
from zkbraid.zk.genesis import dev_l2_key, devnet_genesis
from zkbraid.zk.params import DEFAULT_PARAMS
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import sign_transfer

N_ACCOUNTS = 4
GOAL = 60_000


def _proven_transfers(keys: CircuitKeys, count: int) -> dict[str, Any]:
    """`count` chained transfers among the devnet's first accounts, proven by the native prover:
    {"genesis_root", "txs": [{"record", "old_root", "new_root", "proof"}]} (hex strings)."""
    params = DEFAULT_PARAMS
    state = ZkState.genesis(memory_store().namespace("zk"), params, devnet_genesis(N_ACCOUNTS))
    genesis_root = state.root()
    jobs = []
    for i in range(count):
        frm, to = i % N_ACCOUNTS, (i + 1) % N_ACCOUNTS
        nonce = state.account_nonce(frm) or 0
        tx = sign_transfer(
            dev_l2_key(frm),
            chain_id=params.chain_id,
            from_index=frm,
            to_index=to,
            token=0,
            amount=1_000 + i,
            nonce=nonce,
            fee=1,
        )
        receipt, witness = apply_with_witness(state, tx, params)
        jobs.append((tx, receipt, witness))
    txs = []
    started = time.perf_counter()
    with Prover("native", keys=keys) as prover:
        for n, (tx, receipt, witness) in enumerate(jobs, 1):
            proof = prover.prove(ProofJob(tx, witness))
            txs.append(
                {
                    "record": pubdata(tx).hex(),
                    "old_root": hex(receipt.old_root),
                    "new_root": hex(receipt.new_root),
                    "proof": proof.to_bytes().hex(),
                }
            )
            elapsed = time.perf_counter() - started
            print(f"  proved {n}/{count} ({elapsed:.0f} s)", flush=True)
    return {"genesis_root": hex(genesis_root), "txs": txs}


def proven_transfers(keys: CircuitKeys, count: int) -> dict[str, Any]:
    """The cached proofs of at least `count` chained transfers (made when missing)."""
    path = build_root() / "settlement-bench" / f"{keys.verifying_key_hash.hex()}.json"
    if path.exists():
        cached: dict[str, Any] = json.loads(path.read_text())
        if len(cached["txs"]) >= count:
            return cached
    print(f"proving {count} transfers (cached in {path})", flush=True)
    made = _proven_transfers(keys, count)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(made))
    return made


def _receipt(w3: Web3, tx_hash: Any) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction 0x{bytes(tx_hash).hex()} failed")
    return receipt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,8,16,32", help="batch sizes (comma-separated)")
    parser.add_argument("--validators", type=int, default=1, help="attesting validators")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    keys = build_dev_keys()
    vkey = keys.verification_key_json()
    data = proven_transfers(keys, max(sizes) + 1)
    txs = data["txs"]
    records = [bytes.fromhex(t["record"]) for t in txs]
    proofs = [bytes.fromhex(t["proof"]) for t in txs]
    roots = [int(data["genesis_root"], 16)] + [int(t["new_root"], 16) for t in txs]
    validator_keys = [bytes([i + 1]) * 32 for i in range(args.validators)]
    validators = {Account.from_key(k).address: 1 for k in validator_keys}
    checkpoint = Checkpoint(b"\x11" * 32, b"\x22" * 32, 1)

    rows: list[tuple[str, str]] = []
    with Anvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        sender = w3.eth.accounts[0]

        verifier = deploy_verifier(w3, sender, vkey)
        inputs = [roots[0], roots[1], *tx_data_from_pubdata(records[0])]
        call = verifier.functions.checkProof(proofs[0], inputs)
        baseline = _receipt(w3, call.transact({"from": sender, "gas": 1_000_000}))["gasUsed"]
        rows.append(("one proof alone (Groth16Verifier)", f"{baseline:,} gas"))

        per_tx: dict[int, float] = {}
        for n in sizes:
            rollup = deploy_rollup(
                w3, sender, vkey, roots[0], validators, RollupSettings(deposit_timeout=3600)
            )
            _receipt(w3, rollup.functions.registerAgent().transact({"from": sender}))
            # The warm-up batch (index 0), then the measured one (index 1).
            for index, (lo, hi) in enumerate(((0, 1), (1, 1 + n))):
                cp = Checkpoint(checkpoint.fast_state_root, checkpoint.ledger_app_hash, index)
                digest = attestation_digest(
                    chain_id=w3.eth.chain_id,
                    rollup=rollup.address,
                    batch_index=index,
                    data_hash=batch_data_hash(records[lo:hi]),
                    new_root=roots[hi],
                    checkpoint=cp,
                )
                batch = encode_batch(
                    records[lo:hi],
                    proofs[lo:hi],
                    roots[lo : hi + 1],
                    cp,
                    attestation_signatures(digest, validator_keys),
                )
                tx = rollup.functions.submitBatch(*batch.args()).transact(
                    {"from": sender, "gas": batch.gas_limit()}
                )
                receipt = _receipt(w3, tx)
            used = receipt["gasUsed"]
            per_tx[n] = used / n
            calldata = len(batch.calldata())
            rows.append(
                (
                    f"batch of {n:>2}",
                    f"{used:>9,} gas, {per_tx[n]:>9,.0f} a tx ({per_tx[n] / baseline:.3f} of "
                    f"one proof alone), calldata {calldata:,} bytes",
                )
            )
    if 32 in per_tx:
        verdict = "met" if per_tx[32] <= GOAL else "NOT met"
        rows.append(("goal at 32", f"<= {GOAL:,} gas a tx: {verdict} ({per_tx[32]:,.0f})"))
    rows.append(("attesting validators", str(len(validator_keys))))
    report("L1 gas of submitBatch (gasUsed: 21k base and calldata included)", rows)


if __name__ == "__main__":
    main()
