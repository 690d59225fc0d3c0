"""Submission agents and their time slots (`SubmissionSlots`): slot k of `slotSeconds` belongs to
agents[k mod agents], alone for its first `exclusiveSeconds`, then (grace) to any agent."""

from __future__ import annotations

import pytest
from web3 import Web3

from tests.contracts.l1 import (
    SETTINGS,
    L1Rollup,
    Validators,
    deploy,
    latest_timestamp,
    made_up_batch,
    mine_at,
)
from zkbraid.settlement.l1_contracts import DeploymentRefused, RollupSettings, deploy_rollup

S, E = SETTINGS.slot_seconds, SETTINGS.exclusive_seconds


@pytest.fixture
def rollup(w3: Web3, vkey_json: str) -> L1Rollup:
    """Agents 0 (registered by `deploy`), 1 and 2, in that order."""
    rollup = deploy(w3, vkey_json, 1, Validators((1,)), artifact="RollupWithoutProofs")
    for i in (1, 2):
        rollup.send(rollup.contract.functions.registerAgent(), w3.eth.accounts[i])
    return rollup


def test_slot_schedule(w3: Web3, rollup: L1Rollup) -> None:
    f = rollup.contract.functions
    agents = [w3.eth.accounts[i] for i in range(3)]
    assert f.agents().call() == agents
    assert (f.slotSeconds().call(), f.exclusiveSeconds().call()) == (S, E)
    for k in (0, 1, 2, 3, 10, 17_961_444):
        for offset, exclusive in ((0, True), (E - 1, True), (E, False), (S - 1, False)):
            assert f.slotAt(k * S + offset).call() == [k, agents[k % 3], exclusive]


def test_invalid_agent_registered_twice(w3: Web3, rollup: L1Rollup) -> None:
    call = rollup.contract.functions.registerAgent()
    assert rollup.error_of(call, w3.eth.accounts[1]) == "AgentAlreadyRegistered"


def test_submission_windows(w3: Web3, rollup: L1Rollup) -> None:
    accounts = w3.eth.accounts
    k = latest_timestamp(w3) // S + 3
    k += (1 - k) % 3  # a slot of agent 1
    mine_at(w3, k * S + 1)
    for other in (0, 2):
        name, args = rollup.refused(made_up_batch(rollup), accounts[other])
        assert (name, args) == ("NotSlotAgent", (k, accounts[1], k * S + E))
    assert rollup.refused(made_up_batch(rollup), accounts[5])[0] == "NotSlotAgent"
    rollup.submit(made_up_batch(rollup), accounts[1])  # its own slot
    mine_at(w3, k * S + E)
    assert rollup.refused(made_up_batch(rollup), accounts[5]) == ("NotAnAgent", (accounts[5],))
    rollup.submit(made_up_batch(rollup), accounts[2])  # grace: any registered agent


def test_invalid_slot_settings(w3: Web3, vkey_json: str) -> None:
    for settings in (RollupSettings(0, 0, 10), RollupSettings(10, 11, 10)):
        with pytest.raises(DeploymentRefused) as refused:
            deploy_rollup(w3, w3.eth.accounts[0], vkey_json, 1, {w3.eth.accounts[9]: 1}, settings)
        assert refused.value.error == "InvalidSlotSettings"
