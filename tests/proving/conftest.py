"""Fixtures of the circuit tests: the built development keys (made on first use: about six
minutes on a fresh machine, then cached under build/circuits/), one node process for circom's
witness generator and snarkjs, and provers of both back ends."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.backends.native_backend import NativeBackend
from zkbraid.proving.backends.snarkjs_backend import SnarkjsBackend
from zkbraid.proving.build import build_dev_keys, compile_circuit
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.prover import Prover
from zkbraid.proving.verify import ProofVerifier
from zkbraid.zk.params import ZkParams


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "proving: needs node and the circuit's built keys")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/proving/" in str(item.fspath):
            item.add_marker(pytest.mark.proving)


@pytest.fixture(scope="session")
def dev_keys() -> CircuitKeys:
    return build_dev_keys()


@pytest.fixture(scope="session")
def runner() -> Iterator[NodeRunner]:
    with NodeRunner() as node:
        yield node


@pytest.fixture(scope="session")
def verifier(dev_keys: CircuitKeys) -> ProofVerifier:
    return ProofVerifier.from_keys(dev_keys)


@pytest.fixture(scope="session")
def native_prover(dev_keys: CircuitKeys, runner: NodeRunner) -> Prover:
    return Prover(NativeBackend(dev_keys, runner), keys=dev_keys)


@pytest.fixture(scope="session")
def snark(dev_keys: CircuitKeys, runner: NodeRunner) -> Prover:
    return Prover(SnarkjsBackend(dev_keys, runner), keys=dev_keys)


class VariantCircuits:
    """Circuits compiled for the parameter variants some vectors use, two at a time on first
    use: --O2 where a valid vector needs a proof (an .r1cs of the real size), --O1 (three times
    faster to compile, the same rules) where only the witness generator is run."""

    def __init__(self) -> None:
        self._dirs: dict[ZkParams, Path] = {}

    def prepare(self, to_prove: set[ZkParams], to_check: set[ZkParams]) -> None:
        jobs = [(p, "O2") for p in to_prove if p not in self._dirs]
        jobs += [(p, "O1") for p in to_check - to_prove if p not in self._dirs]
        with ThreadPoolExecutor(max_workers=2) as pool:
            built = pool.map(lambda job: compile_circuit(job[0], simplification=job[1]), jobs)
            for (params, _), directory in zip(jobs, built, strict=True):
                self._dirs[params] = directory

    def directory(self, params: ZkParams) -> Path:
        if params not in self._dirs:
            self.prepare({params}, set())
        return self._dirs[params]


@pytest.fixture(scope="session")
def variants() -> VariantCircuits:
    return VariantCircuits()
