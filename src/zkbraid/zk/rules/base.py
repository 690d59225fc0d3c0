"""What one ZK-chain transaction type's rule is made of (`ZkRule`), and the context it reads.

Each type has one entry in the rule table (zk/rules/__init__.py): its checks and its state
change (the STF, zk/stf.py, dispatches to them), the fee schedule's key of its minimum fee
(market/fees.py), who pays its fee, the layout of its public-data record (proving/statement.py)
and how it fills the circuit's inputs (proving/witness.py, through `WitnessSlots`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from zkbraid.crypto.eddsa import PublicKey
from zkbraid.errors import BraidError
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules.pubdata import PubdataLayout
from zkbraid.zk.state import Nft, ZkState
from zkbraid.zk.transactions import SignedByL2Key, ZkTransaction

T = TypeVar("T", bound=ZkTransaction)


class BlockTimeRequired(BraidError):
    """An NftBuy validated without the ZK block's time (a caller's mistake, not the user's)."""


@dataclass(frozen=True)
class TxContext:
    """What a rule reads besides the state: the mempool's next nonce for the sender (None: the
    stored one) and the ZK block's time in seconds (None: not given)."""

    pending_nonce: int | None = None
    time_s: int | None = None


class Created(NamedTuple):
    """The ids a transaction creates: a new account's index, a new NFT's id."""

    account_index: int | None = None
    nft_id: int | None = None


NOTHING_CREATED = Created()


class WitnessSlots(Protocol):
    """The circuit's input slots (circuits/zk_tx.circom) a rule fills, starting from zeros:
    proving/witness.py's builder. A slot opens its leaf in the state before the transaction
    and, when the builder computes, the leaf and root the transaction writes."""

    params: ZkParams
    state: ZkState

    def set(self, **inputs: int) -> None:
        """Sets scalar inputs by their circuit names."""

    def get(self, name: str) -> int:
        """A scalar input already set (an opened account's address)."""

    def signature(self, tx: SignedByL2Key) -> None:
        """The signature's inputs (sigR8x, sigR8y, sigS)."""

    def balance_slot(self, prefix: str, index: int, token: int, delta: int) -> int:
        """Opens `index`'s balance of `token` in slot `prefix` ("a" or "b"); returns its
        balances root after adding `delta`."""

    def account_a(self, index: int, new_balances_root: int | None, *, nonce_step: int = 1) -> None:
        """Account A, its nonce + `nonce_step` and, when its balance moves, its new balances
        root."""

    def account_b(self, index: int, new_balances_root: int) -> None:
        """Account B, opened under the accounts root that A's write left."""

    def new_account(self, public_key: PublicKey, eth_address: bytes) -> None:
        """Account A as the next account, written into its empty leaf."""

    def open_nft(self, nft_id: int) -> Nft:
        """The NFT the transaction opens (zeros for an unknown one)."""

    def next_nft(self) -> int:
        """The id the next minted NFT gets; the slot counts it as minted."""

    def nft_slot(
        self,
        nft_id: int,
        owner: int,
        collection_id: int,
        content_hash: int,
        listing: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """The NFT's leaf, written with this owner, content and listing."""

    def collection_slot(
        self,
        collection_id: int,
        minter: int,
        cap: int,
        round_: int,
        minted: int,
        new_counters: tuple[int, int] | None,
        *,
        empty: bool = False,
    ) -> None:
        """The collection's leaf, written with the new (round, minted) (None: nothing)."""


def no_second_account(state: ZkState, tx: Any) -> None:
    """A type whose witness opens no account B."""
    return None


@dataclass(frozen=True)
class ZkRule(Generic[T]):
    """One transaction type's rule, everything that depends on its type in one place.

    - `validate(state, tx, params, context)`: every check, writing nothing; raises the named
      error of the first broken rule (the chain id and the fee width are checked before, for
      every type, by the STF);
    - `apply(state, tx)`: the state change of a validated transaction, and the ids it creates;
    - `fee_key`: the FeeSchedule field of the type's minimum fee (None: a system transaction,
      fee 0);
    - `payer(state, tx)`: the Ethereum address whose ZKPoW balance pays the fee;
    - `pubdata`: the layout of its public-data record;
    - `fill_witness(slots, tx, time_s)`: the circuit's inputs of the transaction;
    - `second_account(state, tx)`: the account in slot B whose balance it moves, opened after
      A's write (None: no such account).
    """

    tx_type: type[T]
    validate: Callable[[ZkState, T, ZkParams, TxContext], None]
    apply: Callable[[ZkState, T], Created]
    fee_key: str | None
    payer: Callable[[ZkState, T], bytes]
    pubdata: PubdataLayout
    fill_witness: Callable[[WitnessSlots, T, int | None], None]
    second_account: Callable[[ZkState, T], int | None] = no_second_account
