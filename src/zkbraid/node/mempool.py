"""The node's pending state: what it admitted and has not yet seen ordered, and what that
changes for the next admission (CometBFT's CheckTx with its recheck).

A transaction is admitted against the committed state plus what is pending: the sender's next
ZK-chain, fast-chain, market and staking nonces, the ZKPoW already promised (fees and bonds),
what a validator's pending bonds and unbonds change of its bond, one pending key registration
per address, one pending proof per transaction, one pending registration per prover, one
pending bundle per batch, one pending new validator per consensus key, one pending signature
per validator and batch (Attest). After each block the
engine rechecks what is still pending, which rebuilds these from the new state; a transaction
that no longer passes is dropped, and the reason kept for `braid tx`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from zkbraid.errors import BraidError
from zkbraid.fast.txs import FastTx
from zkbraid.ledger.envelope import TxKind, payload_hash, unwrap
from zkbraid.market.market_txs import (
    DeactivateProver,
    ProverHeartbeat,
    RegisterProver,
    SubmitBundle,
)
from zkbraid.market.transactions import Faucet, SubmitProof
from zkbraid.sequencer.admission import Decoded, check_faucet, check_zk_transaction, decode
from zkbraid.sequencer.attest_tx import Attest
from zkbraid.sequencer.errors import AlreadyKnown, InvalidBlock, ProposerOnly
from zkbraid.sequencer.genesis import Genesis
from zkbraid.sequencer.proof_acceptance import check_submission
from zkbraid.sequencer.state import SequencerState
from zkbraid.staking.transactions import Bond, Unbond
from zkbraid.zk.transactions import Deposit, GameMint, MoveFromFast, RegisterKey, ZkTransaction

MAX_DROPPED = 10_000


class Mempool:
    """Admitted, not yet ordered transactions, decoded once, and the pending counters."""

    def __init__(self, max_dropped: int = MAX_DROPPED) -> None:
        self.pending: dict[bytes, Decoded] = {}
        self.dropped: OrderedDict[bytes, str] = OrderedDict()
        """Why each recently dropped transaction was dropped (`Name: message`)."""
        self._max_dropped = max_dropped
        self._reset()

    def _reset(self) -> None:
        self._zk_nonces: dict[int, int] = {}
        self._fast_nonces: dict[bytes, int] = {}
        self._fees: dict[bytes, int] = {}
        self._registering: set[bytes] = set()
        self._proving: set[bytes] = set()
        self._market_nonces: dict[bytes, int] = {}
        self._registering_provers: set[bytes] = set()
        self._bundling: set[int] = set()
        self._staking_nonces: dict[bytes, int] = {}
        self._staking_change: dict[bytes, int] = {}
        """The net ZKPoW each validator's pending bonds (+) and unbonds (−) add to its bond."""
        self._bonding_keys: set[bytes] = set()
        self._attesting: set[tuple[str, int, bytes]] = set()
        """("batch" or "set", index, validator) of every pending Attest's signatures."""

    # -- admission -------------------------------------------------------------------------

    def admit(
        self,
        state: SequencerState,
        genesis: Genesis,
        raw: bytes,
        *,
        recheck: bool = False,
        ordered: Callable[[bytes], bool] = lambda _: False,
    ) -> bytes:
        """Admits `raw` against the state and what is pending; returns its hash. `ordered`
        tells whether a hash is already in a committed block. On a recheck a transaction that
        no longer passes is dropped.

        Raises AlreadyKnown and the named error of the first rule it breaks (nothing changes).
        """
        try:
            return self._admit(state, genesis, raw, recheck, ordered)
        except BraidError as e:
            if recheck:
                tx_hash = _safe_hash(raw)
                if tx_hash is not None:
                    self._drop(tx_hash, f"{e.name}: {e}")
            raise

    def _admit(
        self,
        state: SequencerState,
        genesis: Genesis,
        raw: bytes,
        recheck: bool,
        ordered: Callable[[bytes], bool],
    ) -> bytes:
        kind, payload = unwrap(raw)
        tx_hash = payload_hash(payload)
        if kind is TxKind.BLOCK_MARKER:
            raise InvalidBlock("block markers are not transactions")
        if not recheck and (tx_hash in self.pending or ordered(tx_hash)):
            raise AlreadyKnown(f"transaction 0x{tx_hash.hex()} is already known")
        # a recheck finds the decoded transaction pending; a first check decodes it
        checked = self.pending.get(tx_hash) or decode(raw, state.fast)
        tx = checked.tx
        if isinstance(tx, FastTx):
            fast_tx = state.fast.check_transaction(
                payload, pending_nonce=self._fast_nonces.get(tx.sender)
            )
            self._fast_nonces[fast_tx.sender] = fast_tx.nonce + 1
            checked = Decoded(kind, tx_hash, raw, fast_tx)
        elif isinstance(tx, SubmitProof):
            if tx.tx_hash in self._proving:
                raise AlreadyKnown("a proof of this transaction is already pending")
            check_submission(state, genesis, tx)
            self._proving.add(tx.tx_hash)
        elif isinstance(tx, Faucet):
            check_faucet(genesis.params)
        elif isinstance(tx, RegisterProver):
            if tx.prover in self._registering_provers:
                raise AlreadyKnown(
                    f"a registration of prover 0x{tx.prover.hex()} is already pending"
                )
            state.market.check(tx)
            self._registering_provers.add(tx.prover)
        elif isinstance(tx, ProverHeartbeat | DeactivateProver):
            state.market.check(tx, self._market_nonces.get(tx.prover))
            self._market_nonces[tx.prover] = tx.nonce + 1
        elif isinstance(tx, SubmitBundle):
            if tx.batch in self._bundling:
                raise AlreadyKnown(f"a bundle of batch {tx.batch} is already pending")
            state.market.check(tx)
            self._bundling.add(tx.batch)
        elif isinstance(tx, Bond | Unbond):
            self._admit_staking(state, tx)
        elif isinstance(tx, Attest):
            self._admit_attest(state, tx)
        else:
            self._admit_zk(state, genesis, tx)
        self.pending[tx_hash] = checked
        return tx_hash

    def _admit_staking(self, state: SequencerState, tx: Bond | Unbond) -> None:
        validator = tx.validator
        new_key = (
            isinstance(tx, Bond)
            and state.staking.validator(validator) is None
            and validator not in self._staking_nonces
        )
        if new_key and isinstance(tx, Bond) and tx.consensus_key in self._bonding_keys:
            raise AlreadyKnown(
                f"a new validator with consensus key 0x{tx.consensus_key.hex()} is already pending"
            )
        state.staking.check(
            tx,
            pending_nonce=self._staking_nonces.get(validator),
            pending_change=self._staking_change.get(validator, 0),
            promised=self._fees.get(validator, 0),
        )
        self._staking_nonces[validator] = tx.nonce + 1
        change = tx.amount if isinstance(tx, Bond) else -tx.amount
        self._staking_change[validator] = self._staking_change.get(validator, 0) + change
        if isinstance(tx, Bond):
            self._fees[validator] = self._fees.get(validator, 0) + tx.amount
            if new_key:
                self._bonding_keys.add(tx.consensus_key)

    def _admit_attest(self, state: SequencerState, tx: Attest) -> None:
        pairs = {("batch", batch, v) for batch, signed in tx.entries for v, _ in signed}
        pairs |= {("set", nonce, v) for nonce, signed in tx.sets for v, _ in signed}
        pending = sorted(pairs & self._attesting)
        if pending:
            kind, index, validator = pending[0]
            what = "batch" if kind == "batch" else "validator set"
            raise AlreadyKnown(
                f"a signature of {what} {index} by 0x{validator.hex()} is already pending"
            )
        state.attestations.check(tx, state.staking)
        state.validator_sets.check(tx.sets)
        self._attesting |= pairs

    def _admit_zk(self, state: SequencerState, genesis: Genesis, tx: ZkTransaction) -> None:
        if isinstance(tx, Deposit):
            state.bridge.check_deposit(tx)  # DepositNotBacked, DepositAlreadyCredited, …
            raise ProposerOnly(
                f"L1 deposit {tx.deposit_id} is credited by the proposer's Deposit transaction;"
                " there is nothing to submit"
            )
        if isinstance(tx, MoveFromFast | GameMint):
            raise ProposerOnly(
                f"a {type(tx).__name__} is made by the proposer from the fast chain's "
                "receipts (an exit, a game's report); there is nothing to submit"
            )
        if isinstance(tx, RegisterKey):
            if tx.eth_address in self._registering:
                raise AlreadyKnown("a key registration for this address is already pending")
            nonce = None
        else:
            nonce = self._zk_nonces.get(tx.sender)
        payer = check_zk_transaction(
            state.zk,
            state.zkpow,
            genesis.params,
            tx,
            pending_nonce=nonce,
            pending_fees=self._fees,
            # the next block's time is at least the last one's: an NftBuy of a listing that
            # has expired by then is refused here
            time_s=0 if state.head is None else state.head.timestamp_ms // 1000,
        )
        self._fees[payer] = self._fees.get(payer, 0) + tx.fee
        if isinstance(tx, RegisterKey):
            self._registering.add(tx.eth_address)
        else:
            self._zk_nonces[tx.sender] = tx.nonce + 1

    # -- after a block ---------------------------------------------------------------------

    def ordered(self, tx_hashes: list[bytes]) -> None:
        """Forgets the transactions a committed block ordered, and every pending counter: the
        engine's recheck of what remains rebuilds them from the new state."""
        for h in tx_hashes:
            self.pending.pop(h, None)
        self._reset()

    def _drop(self, tx_hash: bytes, reason: str) -> None:
        self.pending.pop(tx_hash, None)
        self.dropped[tx_hash] = reason
        while len(self.dropped) > self._max_dropped:
            self.dropped.popitem(last=False)

    # -- reads -----------------------------------------------------------------------------

    def get(self, tx_hash: bytes) -> Decoded | None:
        return self.pending.get(tx_hash)

    def zk_nonce(self, account: int) -> int | None:
        return self._zk_nonces.get(account)

    def fast_nonce(self, address: bytes) -> int | None:
        return self._fast_nonces.get(address)

    def market_nonce(self, prover: bytes) -> int | None:
        return self._market_nonces.get(prover)

    def staking_nonce(self, validator: bytes) -> int | None:
        return self._staking_nonces.get(validator)


def _safe_hash(raw: bytes) -> bytes | None:
    try:
        return payload_hash(unwrap(raw)[1])
    except BraidError:
        return None
