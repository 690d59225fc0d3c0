"""Fixtures of the browser prover's tests: the circuit's development keys (built on first use,
then cached under build/circuits/) and a real `braid devnet` node, started by the integration
tests' NodeProcess."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import NodeProcess, market_node
from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.build import build_dev_keys

# Headless proofs are slow; these deadlines and windows make sure a slow one never misses.
# batch_size=1 closes a batch with every transaction, so each proof is followed by an
# aggregation job for the page too.
MARKET = {"deadline_ms": 300_000, "heartbeat_window_ms": 900_000, "batch_size": 1}


@pytest.fixture(scope="session")
def circuit_keys() -> CircuitKeys:
    """Not autouse (unlike the integration tests' proving_keys): the unit tests here need none."""
    return build_dev_keys()


@pytest.fixture(scope="module")
def prover_node(
    circuit_keys: CircuitKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeProcess]:
    """A devnet node whose only prover will be the page under test."""
    node = market_node(tmp_path_factory.mktemp("browser") / "data", MARKET)
    yield node
    node.stop()
