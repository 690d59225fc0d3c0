"""The witness builder against the STF: for every valid vector it reaches the STF's new root
from the old state alone, the way the circuit computes it (no circuit needed here)."""

from collections.abc import Callable

import pytest

from tests.unit.zk.vectors import (
    BALANCE,
    L1_RECIPIENT,
    N_ACCOUNTS,
    VECTOR_TIME,
    VECTORS,
    Vector,
    new_chain,
    run_vector,
)
from zkbraid.crypto.poseidon import poseidon
from zkbraid.proving.errors import WitnessError
from zkbraid.proving.statement import tx_data
from zkbraid.proving.witness import (
    SCALAR_INPUTS,
    ProofWitness,
    apply_with_witness,
    array_inputs,
    build_witness,
    siblings_after_write,
)
from zkbraid.zk.errors import InsufficientBalance
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.smt import compute_root
from zkbraid.zk.stf import apply_transaction

VALID = {name: fn for name, fn in VECTORS.items() if not name.startswith("invalid_")}


@pytest.mark.parametrize("name", sorted(VALID))
def test_witness_reaches_the_stf_root(name: str) -> None:
    parts = run_vector(VALID[name]())
    pre = parts["pre"].restore()
    witness = build_witness(pre, parts["operation"], VECTOR_TIME)
    assert witness.old_root == parts["pre"].root
    assert witness.new_root == parts["post"].root
    assert witness.tx_data == tx_data(parts["operation"], VECTOR_TIME)
    assert pre.root() == parts["pre"].root, "building a witness must not change the state"


@pytest.mark.parametrize("name", sorted(VALID))
def test_apply_with_witness_reads_the_same_witness(name: str) -> None:
    parts = run_vector(VALID[name]())
    built = build_witness(parts["pre"].restore(), parts["operation"], VECTOR_TIME)
    state = parts["pre"].restore()
    receipt, read = apply_with_witness(state, parts["operation"], state.params, time_s=VECTOR_TIME)
    assert dict(read.inputs) == dict(built.inputs)
    assert receipt.new_root == parts["post"].root


def test_invalid_apply_with_witness_leaves_the_state() -> None:
    chain = new_chain()
    root = chain.state.root()
    with pytest.raises(InsufficientBalance):
        apply_with_witness(chain.state, chain.transfer(0, 1, 10**30), chain.params)
    assert chain.state.root() == root


def _shape_ok(witness: ProofWitness, fn: Callable[[], Vector]) -> None:
    params = run_vector(fn())["pre"].params
    assert set(witness.inputs) == set(SCALAR_INPUTS) | set(array_inputs(params))
    for name, length in array_inputs(params).items():
        value = witness.inputs[name]
        assert isinstance(value, list) and len(value) == length


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_witness_of_every_vector_has_the_circuit_shape(name: str) -> None:
    parts = run_vector(VECTORS[name]())
    try:
        witness = build_witness(parts["pre"].restore(), parts["operation"], VECTOR_TIME)
    except WitnessError:
        assert parts["error"] is not None  # only invalid transactions cannot be placed
        return
    _shape_ok(witness, VECTORS[name])
    round_trip = ProofWitness.from_json(witness.to_json(), parts["pre"].params)
    assert dict(round_trip.inputs) == dict(witness.inputs)


def test_apply_with_witness_matches_apply_transaction() -> None:
    chain, twin = new_chain(), new_chain()
    for make in (
        lambda c: c.register(N_ACCOUNTS),
        lambda c: c.transfer(1, N_ACCOUNTS, 42),
        lambda c: c.nft_mint(0, 2),
        lambda c: c.nft_transfer(2, 3, 0),
        lambda c: c.transfer(N_ACCOUNTS, 3, 2),
        lambda c: c.deposit(N_ACCOUNTS, 100),
        lambda c: c.withdraw(N_ACCOUNTS, 90),
        lambda c: c.deposit(0, 1, deposit_id=5),
        lambda c: c.withdraw(2, 3),
    ):
        receipt, witness = apply_with_witness(chain.state, make(chain), chain.params, check=True)
        reference = apply_transaction(twin.state, make(twin), twin.params)
        assert (receipt.old_root, receipt.new_root) == (reference.old_root, reference.new_root)
        assert (witness.old_root, witness.new_root) == (receipt.old_root, receipt.new_root)


def test_deposit_and_withdraw_fill_account_a_only() -> None:
    chain = new_chain()
    deposit = build_witness(chain.state, chain.deposit(2, 50, deposit_id=9)).inputs
    assert (deposit["txType"], deposit["accountA"], deposit["eventId"]) == (0x14, 2, 9)
    assert (deposit["sigR8x"], deposit["sigR8y"], deposit["sigS"], deposit["fee"]) == (0, 0, 0, 0)
    assert deposit["aAddress"] == int.from_bytes(dev_eth_address(2), "big")
    assert deposit["bPath"] == [0] * chain.params.account_depth  # no account B
    withdraw = build_witness(chain.state, chain.withdraw(1, 50, l1_recipient=L1_RECIPIENT)).inputs
    assert (withdraw["txType"], withdraw["accountA"], withdraw["aBalance"]) == (0x15, 1, BALANCE)
    assert withdraw["l1Address"] == int.from_bytes(L1_RECIPIENT, "big")
    assert withdraw["sigS"] != 0 and withdraw["eventId"] == 0
    assert withdraw["bPath"] == [0] * chain.params.account_depth


def test_siblings_after_write_matches_a_real_second_write() -> None:
    chain = new_chain()
    state = chain.state
    depth = state.params.account_depth
    for a, b in ((0, 1), (1, 0), (0, 3), (3, 2), (2, 1)):
        a_siblings = state.account_proof(a)
        b_siblings = state.account_proof(b)
        leaf = poseidon([a + 100, b])
        after = siblings_after_write(b, b_siblings, a, a_siblings, leaf)
        assert len(after) == depth
        # The root from A's new leaf equals the root B's new siblings lead to with B's old leaf.
        b_leaf = chain.state.account(b)
        assert b_leaf is not None
        assert compute_root(a, leaf, a_siblings) == compute_root(b, b_leaf.leaf(), after)
    with pytest.raises(WitnessError):
        siblings_after_write(1, [0] * depth, 1, [0] * depth, 5)


@pytest.mark.parametrize(
    "text",
    ["nope", "[]", '{"oldRoot": "1"}'],
)
def test_invalid_witness_json(text: str) -> None:
    with pytest.raises(WitnessError):
        ProofWitness.from_json(text, new_chain().params)


def test_invalid_witness_json_values() -> None:
    chain = new_chain()
    witness = build_witness(chain.state, chain.transfer(0, 1, 5))
    good = witness.to_json()
    for bad in (good.replace('"txType":"17"', '"txType":"-1"'),
                good.replace('"txType":"17"', '"txType":"0x11"'),
                good.replace('"txType":"17"', f'"txType":"{2**254}"')):  # fmt: skip
        assert bad != good
        with pytest.raises(WitnessError):
            ProofWitness.from_json(bad, chain.params)
