"""Fixtures of the L1 contract tests: one anvil for the session (each test runs inside an
`evm_snapshot` that is reverted after it), the circuit's development keys, and real proofs of a
short ZK chain made once per session by both back ends:

    0  Transfer  0 → 1, 5 of token 0                      native
    1  Deposit   L1 deposit 0 of 1 ETH for account 2       snarkjs
    2  Withdraw  0.3 ETH from account 1 to WITHDRAW_TO     native
    3  Transfer  2 → 3, 7 of token 0                      native

About 20 s of proving on 2 cores; everything else in the suite is anvil calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from web3 import Web3

from tests.unit.zk.vectors import new_chain
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.backends.snarkjs_backend import SnarkjsBackend
from zkbraid.proving.build import build_dev_keys
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.prover import ProofJob, Prover
from zkbraid.proving.statement import pubdata
from zkbraid.proving.witness import apply_with_witness
from zkbraid.settlement.anvil import Anvil
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.transactions import ZkTransaction

DEPOSIT_AMOUNT = 10**18
WITHDRAW_AMOUNT = 3 * 10**17
WITHDRAW_TO = bytes.fromhex("5a" * 20)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contracts: needs anvil (npm) and the circuit's keys")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/contracts/" in str(item.fspath):
            item.add_marker(pytest.mark.contracts)


@pytest.fixture(scope="session")
def anvil_w3() -> Iterator[Web3]:
    with Anvil() as node:
        yield Web3(Web3.HTTPProvider(node.url))


@pytest.fixture
def w3(anvil_w3: Web3) -> Iterator[Web3]:
    """The session's anvil, rolled back after the test."""
    snapshot = anvil_w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield anvil_w3
    anvil_w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def dev_keys() -> CircuitKeys:
    return build_dev_keys()


@pytest.fixture(scope="session")
def vkey_json(dev_keys: CircuitKeys) -> str:
    return dev_keys.verification_key_json()


@pytest.fixture(scope="session")
def vkey(vkey_json: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(vkey_json)
    return parsed


@dataclass(frozen=True)
class ProvenTx:
    """One transaction of the session's chain with its record, roots and proof."""

    tx: ZkTransaction
    record: bytes
    old_root: int
    new_root: int
    proof: bytes
    backend: str

    @property
    def public_inputs(self) -> list[int]:
        from zkbraid.proving.statement import tx_data_from_pubdata

        return [self.old_root, self.new_root, *tx_data_from_pubdata(self.record)]


@dataclass(frozen=True)
class ProvenChain:
    genesis_root: int
    txs: tuple[ProvenTx, ...]

    def roots(self, lo: int, hi: int) -> list[int]:
        """The n + 1 roots of txs[lo:hi]."""
        return [self.txs[lo].old_root] + [t.new_root for t in self.txs[lo:hi]]

    def records(self, lo: int, hi: int) -> list[bytes]:
        return [t.record for t in self.txs[lo:hi]]

    def proofs(self, lo: int, hi: int) -> list[bytes]:
        return [t.proof for t in self.txs[lo:hi]]


@pytest.fixture(scope="session")
def chain(dev_keys: CircuitKeys) -> Iterator[ProvenChain]:
    zk = new_chain()
    genesis = zk.state.root()

    def step(tx: ZkTransaction, backend: str) -> tuple[ZkTransaction, Any, str]:
        receipt, witness = apply_with_witness(zk.state, tx, zk.params)
        return tx, (receipt, witness), backend

    steps = [step(zk.transfer(0, 1, 5), "native")]
    steps.append(step(zk.deposit(2, DEPOSIT_AMOUNT, deposit_id=0), "snarkjs"))
    assert steps[-1][0].recipient == dev_eth_address(2)  # type: ignore[attr-defined]
    steps.append(step(zk.withdraw(1, WITHDRAW_AMOUNT, l1_recipient=WITHDRAW_TO), "native"))
    steps.append(step(zk.transfer(2, 3, 7), "native"))
    with NodeRunner() as runner:
        provers = {
            "native": Prover(NativeBackend(dev_keys, runner), keys=dev_keys),
            "snarkjs": Prover(SnarkjsBackend(dev_keys, runner), keys=dev_keys),
        }
        txs = []
        for tx, (receipt, witness), backend in steps:
            proof = provers[backend].prove(ProofJob(tx, witness))
            txs.append(
                ProvenTx(
                    tx, pubdata(tx), receipt.old_root, receipt.new_root, proof.to_bytes(), backend
                )
            )
        for prover in provers.values():
            prover.backend.close()
    yield ProvenChain(genesis, tuple(txs))
