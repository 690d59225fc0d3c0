"""Every vector of vectors.py as a test of its own (invalid ones are `test_invalid_*`), plus the
STF's entry points that vectors do not exercise (mempool nonces, fee payers)."""

from collections.abc import Callable

import pytest

from tests.unit.zk.vectors import N_ACCOUNTS, VECTORS, Vector, new_chain, run_vector
from zkbraid.zk import errors as E
from zkbraid.zk.genesis import dev_eth_address
from zkbraid.zk.stf import apply_transaction, fee_payer, validate_transaction
from zkbraid.zk.transactions import TxType


def _as_test(fn: Callable[[], Vector]) -> Callable[[], None]:
    def test() -> None:
        parts = run_vector(fn())
        assert (parts["post"] is None) is (parts["error"] is not None)
        assert fn.__name__.startswith("invalid_") is (parts["error"] is not None)

    test.__name__ = f"test_{fn.__name__}"
    test.__doc__ = fn.__doc__
    return test


for _name, _fn in VECTORS.items():
    globals()[f"test_{_name}"] = _as_test(_fn)


def test_vectors_cover_every_type_and_error() -> None:
    types = set()
    errors = set()
    for fn in VECTORS.values():
        parts = dict(fn())
        types.add(parts["operation"].TYPE)
        if parts["error"] is not None:
            errors.add(parts["error"])
    assert types == set(TxType)
    stf_errors = {
        E.WrongZkChainId, E.BadEdDSASignature, E.BadECDSASignature, E.AddressAlreadyRegistered,
        E.AccountTreeFull, E.UnknownAccount, E.NonceTooLow, E.NonceTooHigh, E.InsufficientBalance,
        E.AmountOutOfRange, E.SelfTransfer, E.UnknownCollection, E.NotCollectionMinter,
        E.UnknownNft, E.NotNftOwner, E.NftTreeFull, E.TokenIdOutOfRange, E.InvalidL2Key,
        E.FeeOutOfRange, E.NonceOutOfRange, E.BalanceOverflow, E.NotBridgeToken,
        E.DepositRecipientMismatch,
    }  # fmt: skip
    assert stf_errors <= errors


def test_pending_nonce_replaces_stored_nonce() -> None:
    chain = new_chain()
    params = chain.params
    tx = chain.transfer(0, 1, 5, nonce=2)
    with pytest.raises(E.NonceTooHigh):
        validate_transaction(chain.state, tx, params)
    validate_transaction(chain.state, tx, params, pending_nonce=2)
    with pytest.raises(E.NonceTooLow):
        validate_transaction(chain.state, tx, params, pending_nonce=3)
    with pytest.raises(E.NonceTooHigh):
        validate_transaction(chain.state, tx, params, pending_nonce=1)
    # apply always uses the stored nonce
    with pytest.raises(E.NonceTooHigh):
        apply_transaction(chain.state, tx, params)


def test_fee_payer() -> None:
    chain = new_chain()
    assert fee_payer(chain.state, chain.register(N_ACCOUNTS)) == dev_eth_address(N_ACCOUNTS)
    assert fee_payer(chain.state, chain.transfer(2, 1, 1)) == dev_eth_address(2)
    assert fee_payer(chain.state, chain.nft_mint(1, 2, collection_id=1)) == dev_eth_address(1)
    assert fee_payer(chain.state, chain.nft_transfer(3, 2, 0)) == dev_eth_address(3)
    assert fee_payer(chain.state, chain.withdraw(2, 1)) == dev_eth_address(2)
    # A deposit pays nothing (fee 0); its payer is its recipient.
    deposit = chain.deposit(1, 5)
    assert deposit.fee == 0 and fee_payer(chain.state, deposit) == dev_eth_address(1)
    with pytest.raises(E.UnknownAccount):
        fee_payer(chain.state, chain.transfer(N_ACCOUNTS, 1, 1))
    with pytest.raises(E.UnknownAccount):
        fee_payer(chain.state, chain.withdraw(N_ACCOUNTS, 1))


def test_pending_nonce_of_a_withdrawal_and_a_deposit() -> None:
    chain = new_chain()
    params = chain.params
    withdraw = chain.withdraw(1, 5, nonce=3)
    validate_transaction(chain.state, withdraw, params, pending_nonce=3)
    with pytest.raises(E.NonceTooLow):
        validate_transaction(chain.state, withdraw, params, pending_nonce=4)
    # A deposit has no nonce: a pending nonce changes nothing.
    validate_transaction(chain.state, chain.deposit(1, 5), params, pending_nonce=9)


def test_deposit_mismatch_names_the_recipient() -> None:
    chain = new_chain()
    with pytest.raises(E.DepositRecipientMismatch, match="has no ZK account"):
        validate_transaction(
            chain.state, chain.deposit(1, 5, recipient=dev_eth_address(N_ACCOUNTS)), chain.params
        )
    with pytest.raises(E.DepositRecipientMismatch, match="is account 2"):
        validate_transaction(
            chain.state, chain.deposit(1, 5, recipient=dev_eth_address(2)), chain.params
        )


def test_withdraw_burns_and_deposit_mints_token_zero() -> None:
    chain = new_chain()
    before = sum(chain.state.balance(i, 0) for i in range(N_ACCOUNTS))
    chain.apply(chain.withdraw(0, 70))
    chain.apply(chain.deposit(3, 20))
    after = sum(chain.state.balance(i, 0) for i in range(N_ACCOUNTS))
    assert after == before - 70 + 20


def test_invalid_withdrawal_beyond_what_l1_pays() -> None:
    chain = new_chain()
    root = chain.state.root()
    with pytest.raises(E.AmountOutOfRange, match="2\\*\\*96"):
        chain.apply(chain.withdraw(0, 2**96))
    assert chain.state.root() == root


def test_receipts_carry_created_ids() -> None:
    chain = new_chain()
    registered = chain.apply(chain.register(N_ACCOUNTS))
    assert registered.account_index == N_ACCOUNTS and registered.nft_id is None
    minted = chain.apply(chain.nft_mint(0, 1))
    assert minted.nft_id == 0 and minted.account_index is None
    moved = chain.apply(chain.transfer(0, 1, 1))
    assert moved.nft_id is None and moved.account_index is None
    assert registered.new_root == minted.old_root and minted.new_root == moved.old_root
