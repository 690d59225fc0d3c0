"""A market driven block by block the way the node drives it, for the market's tests.

Each test builds its `pre` state with a `Chain`, applies the operation and checks the `post`
state; a rejected operation (`test_invalid_*`) must leave the state root untouched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from zkbraid.ledger.kv import KVStore, memory_store
from zkbraid.market.market_txs import (
    BundleEntry,
    MarketTx,
    sign_deactivate,
    sign_heartbeat,
    sign_register,
)
from zkbraid.market.params import MarketParams
from zkbraid.market.records import batch_job_id
from zkbraid.market.state import Market
from zkbraid.market.step import BlockOutcome
from zkbraid.market.zkpow import ZkpowLedger

FEE = 10**16  # a transfer's fee (0.01 ZKPoW)
PARAMS = MarketParams()
KEYS = [bytes(keccak(b"prover %d" % i)) for i in range(64)]


def address(i: int) -> bytes:
    return bytes(PrivateKey(KEYS[i]).public_key.to_canonical_address())


def proof_of(tx_hash: bytes) -> bytes:
    """Stand-in proof bytes (the node verifies real ones before calling the market)."""
    return (tx_hash * 8)[:256]


class Chain:
    """A market over its own store, fed blocks of the global order: every block has a height,
    a block time and a hash (here a hash of the state after it, as in the node)."""

    def __init__(self, params: MarketParams = PARAMS, store: KVStore | None = None) -> None:
        self.params = params
        self.store = store or memory_store()
        self.zkpow = ZkpowLedger(self.store.namespace("z.trie"), self.store.namespace("z"))
        self.market = Market(
            params,
            self.zkpow,
            self.store.namespace("m.trie"),
            self.store.namespace("m"),
            self.store.namespace("m.live"),
        )
        self.height = self.market.height
        self.time_ms = 0
        self.block_hash = b"\x00" * 32
        self.zk_root = 1
        self.nonces: dict[int, int] = {}
        self.txs: list[bytes] = []

    def tx(self, i: int) -> bytes:
        return self.txs[i]

    def block(
        self,
        dt_ms: int = 100,
        *,
        commits: int = 0,
        proofs: tuple[tuple[bytes, int], ...] = (),
        txs: tuple[MarketTx, ...] = (),
    ) -> BlockOutcome:
        """One block `dt_ms` after the previous one, with `commits` new ZK-chain transactions,
        proofs (tx hash, prover index) and market transactions, then the market's step."""
        self.open(dt_ms)
        for _ in range(commits):
            tx_hash = bytes(keccak(b"tx %d" % len(self.txs)))
            self.market.job_committed(
                tx_hash, FEE, self.zk_root, self.zk_root + 1, self.height, self.time_ms
            )
            self.zk_root += 1
            self.txs.append(tx_hash)
        for tx_hash, i in proofs:
            self.prove(tx_hash, i)
        for tx in txs:
            self.market.apply(tx, self.height, self.time_ms)
        return self.close()

    def open(self, dt_ms: int = 100) -> None:
        """Starts building the next block (events may then be fed by hand)."""
        self.height += 1
        self.time_ms += dt_ms

    def close(self) -> BlockOutcome:
        """The market's step, then the block's hash, then the block's writes are committed."""
        out = self.market.on_block(self.height, self.block_hash, self.time_ms)
        self.block_hash = bytes(
            keccak(self.height.to_bytes(8, "big") + self.market.root + self.zkpow.root)
        )
        self.store.write_buffer()
        return out

    def prove(self, tx_hash: bytes, i: int) -> int:
        """prover i's proof of tx_hash, in the block being built."""
        return self.market.proof_accepted(
            tx_hash, address(i), bytes(keccak(proof_of(tx_hash))), self.height, self.time_ms
        )

    def register(self, *provers: int) -> BlockOutcome:
        return self.block(txs=tuple(sign_register(KEYS[i]) for i in provers))

    def heartbeat_tx(self, i: int) -> MarketTx:
        n = self.nonces.get(i, 0)
        self.nonces[i] = n + 1
        return sign_heartbeat(KEYS[i], n)

    def deactivate_tx(self, i: int) -> MarketTx:
        n = self.nonces.get(i, 0)
        self.nonces[i] = n + 1
        return sign_deactivate(KEYS[i], n)

    def assignee(self, tx_hash: bytes) -> bytes | None:
        job = self.market.job(tx_hash)
        assert job is not None
        return job.assignee

    def prover_index(self, who: bytes | None) -> int:
        return next(i for i in range(len(KEYS)) if address(i) == who)

    def loads(self) -> Counter[bytes]:
        return Counter(j.assignee for j in self.market.open_jobs() if j.assignee is not None)


def one_job(c: Chain, provers: tuple[int, ...] = (0, 1)) -> tuple[bytes, int]:
    c.register(*provers)
    c.block(commits=1)
    tx = c.tx(0)
    return tx, c.prover_index(c.assignee(tx))


def prove_all(c: Chain, order: list[int]) -> BlockOutcome:
    outs = BlockOutcome()
    for i in order:
        tx = c.tx(i)
        out = c.block(proofs=((tx, c.prover_index(c.assignee(tx))),))
        outs.aggregation_jobs += out.aggregation_jobs
    return outs


def bundle_entries(c: Chain, txs: list[bytes]) -> list[BundleEntry]:
    out = []
    for tx in txs:
        job = c.market.job(tx)
        assert job is not None
        out.append(BundleEntry(tx, job.old_root, job.new_root, proof_of(tx)))
    return out


def aggregated_chain() -> tuple[Chain, int]:
    c = Chain(replace(PARAMS, batch_size=3))
    c.register(*range(4))
    c.block(commits=3)
    prove_all(c, [0, 1, 2])
    job = c.market.job(batch_job_id(0))
    assert job is not None
    return c, c.prover_index(job.assignee)
