"""The L1 follower on a real anvil with the real rollup contract: deposits are observed only at
the confirmation depth; a reorg (anvil_reorg, depths 1-5) drops the deposits of orphaned blocks,
so a deposit reorged out before its confirmation is never observed, and an observation naming an
orphaned block is refused."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest
from web3 import Web3

from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.proving.build import build_dev_keys
from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.settlement.anvil import Anvil
from zkbraid.settlement.l1_contracts import deploy_rollup
from zkbraid.settlement.l1_follower import L1Follower
from zkbraid.settlement.observation import L1Observation

DEPTH = 2


@pytest.fixture(scope="module")
def keys() -> CircuitKeys:
    return build_dev_keys()


@pytest.fixture
def l1(keys: CircuitKeys) -> Iterator[tuple[Web3, str, int]]:
    with Anvil() as anvil:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        owner = w3.eth.accounts[0]
        rollup = deploy_rollup(w3, owner, keys.verification_key_json(), 1, {w3.eth.accounts[9]: 1})
        yield w3, rollup.address, w3.eth.block_number


def _deposit(w3: Web3, rollup: str, recipient: bytes, wei: int) -> None:
    from zkbraid.settlement.l1_contracts import load_artifact

    contract = w3.eth.contract(address=rollup, abi=load_artifact("Rollup").abi)
    tx = contract.functions.deposit(Web3.to_checksum_address(recipient)).transact(
        {"from": w3.eth.accounts[1], "value": wei}
    )
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def _mine(w3: Web3, n: int) -> None:
    for _ in range(n):
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def test_deposits_are_observed_at_the_confirmation_depth(l1: tuple[Web3, str, int]) -> None:
    w3, rollup, start = l1
    follower = L1Follower(w3.provider.endpoint_uri, bytes.fromhex(rollup[2:]), DEPTH, start)  # type: ignore[attr-defined]
    _deposit(w3, rollup, b"\x11" * 20, 5)
    _deposit(w3, rollup, b"\x22" * 20, 7)
    follower.poll()
    assert (
        follower.observation(start - 1, 0) is None
        or not follower.observation(start - 1, 0).deposits
    )  # type: ignore[union-attr]
    assert [d.deposit_id for _, d in follower.unconfirmed_deposits()] == [0, 1]
    _mine(w3, DEPTH)
    follower.poll()
    obs = follower.observation(start - 1, 0)
    assert obs is not None and obs.height == w3.eth.block_number - DEPTH
    assert [(d.deposit_id, d.recipient, d.amount) for d in obs.deposits] == [
        (0, b"\x11" * 20, 5),
        (1, b"\x22" * 20, 7),
    ]
    assert all(d.deadline > obs.timestamp for d in obs.deposits)
    follower.check(obs, start - 1, 0)  # what it proposes, it accepts
    with pytest.raises(InvalidBlock):  # one deposit left out
        follower.check(
            L1Observation(obs.height, obs.block_hash, obs.timestamp, obs.deposits[:1]), start - 1, 0
        )
    with pytest.raises(InvalidBlock):  # not yet at the depth
        tip = w3.eth.get_block("latest")
        follower.check(
            L1Observation(tip["number"], bytes(tip["hash"]), tip["timestamp"], ()), obs.height, 2
        )


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_a_reorged_deposit_is_never_observed(l1: tuple[Web3, str, int], depth: int) -> None:
    w3, rollup, start = l1
    follower = L1Follower(w3.provider.endpoint_uri, bytes.fromhex(rollup[2:]), depth + 1, start)  # type: ignore[attr-defined]
    _mine(w3, 2)
    _deposit(w3, rollup, b"\x33" * 20, 9)  # in the newest block
    _mine(w3, depth - 1)
    follower.poll()
    orphaned = w3.eth.get_block("latest")
    assert [d.deposit_id for _, d in follower.unconfirmed_deposits()] == [0]
    # L1 replaces its last `depth` blocks (the deposit's among them) with empty ones
    w3.provider.make_request("anvil_reorg", [depth, []])  # type: ignore[arg-type]
    follower.poll()
    assert follower.reorgs and follower.reorgs[-1].dropped_deposits == (0,)
    assert follower.unconfirmed_deposits() == []
    _mine(w3, depth + 2)
    follower.poll()
    obs = follower.observation(start - 1, 0)
    assert obs is not None and obs.deposits == ()  # never observed
    stale = L1Observation(orphaned["number"], bytes(orphaned["hash"]), orphaned["timestamp"], ())
    with pytest.raises(InvalidBlock):
        follower.check(stale, start - 1, 0)


def test_an_l1_that_does_not_answer_stalls_no_reader(keys: CircuitKeys) -> None:
    """anvil stopped (SIGSTOP) mid-poll: the node's reads (status, proposals, checks) do not
    wait for the poll hanging on it; the poll fails, and the next one after SIGCONT succeeds."""
    with Anvil() as anvil:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        rollup = deploy_rollup(
            w3, w3.eth.accounts[0], keys.verification_key_json(), 1, {w3.eth.accounts[9]: 1}
        )
        start = w3.eth.block_number
        follower = L1Follower(anvil.url, bytes.fromhex(rollup.address[2:]), DEPTH, start)
        _deposit(w3, rollup.address, b"\x11" * 20, 5)
        _mine(w3, DEPTH)
        follower.poll()
        obs = follower.observation(start - 1, 0)
        assert obs is not None
        assert anvil.proc is not None
        os.kill(anvil.proc.pid, signal.SIGSTOP)
        failed: list[BaseException] = []

        def poll() -> None:
            try:
                follower.poll()
            except Exception as e:
                failed.append(e)

        poller = threading.Thread(target=poll)
        try:
            poller.start()
            # every read answers while the poll still hangs on the stopped L1
            assert follower.observation(start - 1, 0) == obs
            assert [d.deposit_id for _, d in follower.unconfirmed_deposits()] == []
            follower.check(obs, start - 1, 0)
            ahead = L1Observation(obs.height + 5, obs.block_hash, obs.timestamp, ())
            with pytest.raises(InvalidBlock):  # judged by what was seen, without L1
                follower.check(ahead, start - 1, 0)
            assert poller.is_alive(), "the reads waited for the poll"
        finally:
            os.kill(anvil.proc.pid, signal.SIGCONT)
            poller.join()
        if failed:  # the poll timed out on the stopped L1: the next check does not poll
            assert not follower.reachable
        follower.poll()
        assert follower.reachable
