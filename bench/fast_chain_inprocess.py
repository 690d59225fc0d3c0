"""In-process throughput of the fast chain's state machine: `check_transaction` then
`execute_block`, in blocks of 50, with each block's KV writes committed to a WAL SQLite file as
the node does (no HTTP, no consensus, no mempool).

Workloads:
- transfers: signed EIP-1559 transfers, senders interleaved, to recipients half of which are new
  accounts (so the state trie grows as under real load);
- calls: `Counter.increment(1)` (a shared slot and a log) alternating with `Counter.pay()` (the
  sender's own slot), from contracts/artifacts/Counter.json.

Run: .venv/bin/python -m bench.fast_chain_inprocess [--senders 200] [--blocks 60]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from zkbraid.fast.chain import FastChain
from zkbraid.fast.params import FastParams
from zkbraid.ledger.kv import KVStore, open_database

CHAIN_ID = 0x7A6C
GWEI = 10**9
COUNTER = Path(__file__).resolve().parent.parent / "contracts" / "artifacts" / "Counter.json"


def accounts(n: int) -> list[LocalAccount]:
    return [Account.from_key(keccak(b"bench" + i.to_bytes(4, "big"))) for i in range(n)]


def address(account: LocalAccount) -> bytes:
    return bytes.fromhex(account.address[2:])


def sign(
    account: LocalAccount, nonce: int, to: bytes, gas: int, data: bytes = b"", value: int = 1
) -> bytes:
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": CHAIN_ID,
        "nonce": nonce,
        "maxFeePerGas": 10 * GWEI,
        "maxPriorityFeePerGas": 1,
        "gas": gas,
        "to": to_checksum_address(to),
        "value": value,
        "data": data,
    }
    return bytes(account.sign_transaction(tx).raw_transaction)


class Run:
    """A fast chain over a fresh SQLite file, committing each block like the node."""

    def __init__(self, params: FastParams) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="fast-bench-")
        self.conn = open_database(os.path.join(self._tmp.name, "node.sqlite"))
        self.store = KVStore(self.conn)
        self.chain = FastChain(self.store.namespace("fast"), params)
        self.commit()

    def commit(self) -> None:
        self.conn.execute("BEGIN")
        self.store.write_buffer()
        self.conn.execute("COMMIT")

    def blocks(self, raws: list[bytes], size: int) -> dict[str, float]:
        check = execute = commit = 0.0
        block_ms: list[float] = []
        nonces: dict[bytes, int] = {}
        timestamp = 1_700_000_000
        start = time.perf_counter()
        cpu_start = time.process_time()
        for i in range(0, len(raws), size):
            t0 = time.perf_counter()
            txs = []
            for raw in raws[i : i + size]:
                sender = self.chain.decode_transaction(raw).sender
                ftx = self.chain.check_transaction(raw, pending_nonce=nonces.get(sender))
                nonces[sender] = ftx.nonce + 1
                txs.append(ftx)
            t1 = time.perf_counter()
            result = self.chain.execute_block(txs, timestamp)
            t2 = time.perf_counter()
            self.commit()
            t3 = time.perf_counter()
            nonces.clear()
            assert all(o.included and o.status == 1 for o in result.outcomes), result.outcomes[0]
            check, execute, commit = check + t1 - t0, execute + t2 - t1, commit + t3 - t2
            block_ms.append((t3 - t0) * 1000)
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        n = len(raws)
        return {
            "tx/s": n / total,
            # Per second of this process's CPU: less sensitive to other load on the machine.
            "tx/cpu-s": n / cpu,
            "check us/tx": check / n * 1e6,
            "execute us/tx": execute / n * 1e6,
            "commit us/tx": commit / n * 1e6,
            "block p50 ms": statistics.median(block_ms),
            "block max ms": max(block_ms),
        }


def transfers(senders: list[LocalAccount], n_blocks: int, size: int) -> list[bytes]:
    fresh = [keccak(b"new" + i.to_bytes(4, "big"))[:20] for i in range(len(senders))]
    recipients = [address(a) for a in senders] + fresh
    raws = []
    nonce = dict.fromkeys(range(len(senders)), 0)
    for k in range(n_blocks * size):
        s = k % len(senders)
        raws.append(sign(senders[s], nonce[s], recipients[(k * 7 + 3) % len(recipients)], 21_000))
        nonce[s] += 1
    return raws


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--senders", type=int, default=200)
    ap.add_argument("--blocks", type=int, default=60)
    ap.add_argument("--block-size", type=int, default=50)
    args = ap.parse_args()

    senders = accounts(args.senders)
    params = FastParams(genesis_alloc={address(a): 10**24 for a in senders})
    print(f"signing {args.blocks * args.block_size} transfers …", flush=True)
    raws = transfers(senders, args.blocks, args.block_size)
    result = Run(params).blocks(raws, args.block_size)
    print("transfers (EIP-1559):", _fmt(result))

    if COUNTER.exists():
        artifact = json.loads(COUNTER.read_text())
        run = Run(params)
        deployer = senders[0]
        deploy = bytes(
            deployer.sign_transaction(
                {
                    "type": 2,
                    "chainId": CHAIN_ID,
                    "nonce": 0,
                    "maxFeePerGas": 10 * GWEI,
                    "maxPriorityFeePerGas": 1,
                    "gas": 1_000_000,
                    "data": artifact["bytecode"],
                }
            ).raw_transaction
        )
        run.blocks([deploy], 1)
        counter = keccak(bytes.fromhex("d694") + address(deployer) + b"\x80")[12:]
        increment = keccak(b"increment(uint256)")[:4] + (1).to_bytes(32, "big")
        pay = keccak(b"pay()")[:4]
        nonce = {i: (1 if i == 0 else 0) for i in range(len(senders))}
        calls = []
        for k in range(args.blocks * args.block_size // 2):
            s = k % len(senders)
            # Alternately a shared slot and the sender's own slot (a new one the first time).
            if k % 2:
                calls.append(sign(senders[s], nonce[s], counter, 100_000, pay, value=k))
            else:
                calls.append(sign(senders[s], nonce[s], counter, 100_000, increment, value=0))
            nonce[s] += 1
        print("calls (Counter.increment / pay):", _fmt(run.blocks(calls, args.block_size)))


def _fmt(result: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:,.1f}" for k, v in result.items())


if __name__ == "__main__":
    main()
