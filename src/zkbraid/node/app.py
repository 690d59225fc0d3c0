"""The braid application: both chains' state machines and the sequencer's state behind the
ABCI-shaped engine interface.

- check_tx admits a transaction against the committed state plus what is already pending
  (nonces, fees), as CometBFT's CheckTx does.
- prepare_proposal decides whether a block is due and of which chain (BlockTiming): a ZK block
  every zk interval or when full, else a fast block every fast interval.
- finalize_block executes the block with the pure STFs and charges ZKPoW fees; each ZK-chain
  transaction leaves a proving job (its circuit witness) and becomes a job of the proving
  market (market/rules.py), its fee going into the market's pool. A proof submission is
  admitted only from the job's assignee, verified against the roots the block recorded, marks
  its transaction proven and pays the assignee; the market's own transactions (prover
  registration, heartbeats, deactivation, batch bundles) are applied in fast blocks; the
  market's step (deadlines, fines, reassignment, batches, assignment) ends every block.
  commit makes the block, its records and every state write durable in one SQLite transaction.
- A quiet chain makes no blocks, so the proposer cuts an empty fast block when the market has
  time-driven work (a deadline or a batch's closing time has passed): a crashed prover's job
  is reassigned even when nobody sends anything.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak

from zkbraid.config import ChainParams, FeeSchedule
from zkbraid.consensus.engine import AppInfo, FinalizedBlock, TxResult
from zkbraid.errors import BraidError, InsufficientFunds, MalformedInput, NotFound, Unauthorized
from zkbraid.fast.chain import FastChain, FastTx
from zkbraid.ledger.block import ZERO_HASH, BlockHeader, ChainKind, app_hash, tx_root
from zkbraid.ledger.envelope import (
    TxKind,
    block_marker,
    payload_hash,
    read_marker,
    unwrap,
)
from zkbraid.ledger.store import LedgerStore, ProofJobRecord, TxRecord
from zkbraid.market.market_txs import (
    MARKET_TX_TYPES,
    DeactivateProver,
    MarketTx,
    ProverHeartbeat,
    RegisterProver,
    SubmitBundle,
    decode_market_tx,
)
from zkbraid.market.proofs import ProofRecord, ProofRecords
from zkbraid.market.rules import BlockOutcome, Market
from zkbraid.market.transactions import Faucet, SequencerTx, SubmitProof, decode_sequencer_tx
from zkbraid.market.zkpow import InsufficientZkpow, ZkpowLedger
from zkbraid.proving.prover import ProofJob
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import apply_with_witness
from zkbraid.zk import stf as zk_stf
from zkbraid.zk.genesis import ZkGenesis
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import (
    NftMint,
    NftTransfer,
    RegisterKey,
    Transfer,
    ZkTransaction,
    decode_transaction,
)

log = logging.getLogger("zkbraid.app")

GENESIS_KEY = "genesis_app_hash"
MAX_DROPPED = 10_000


class AlreadyKnown(BraidError):
    """The transaction is already pending or already ordered."""

    code = -32010


class FeeTooLow(InsufficientFunds):
    """The ZKPoW fee offered is below the fee schedule for this transaction type."""


class FaucetDisabled(Unauthorized):
    """The faucet exists on devnets only."""


class ProposalRejected(MalformedInput):
    """A proposal that breaks the block rules."""


class UnknownProofJob(NotFound):
    """A proof submitted for something that is not a committed ZK-chain transaction."""


class AlreadyProven(BraidError):
    """A proof submitted for a transaction that is already proven."""

    code = -32011


class ProvingUnavailable(BraidError):
    """The node has no verification key, so it cannot accept proofs."""

    code = -32012


@dataclass(frozen=True)
class Checked:
    """An admitted transaction, decoded once and kept while it is pending."""

    kind: TxKind
    hash: bytes
    raw: bytes
    tx: ZkTransaction | FastTx | SequencerTx | MarketTx


def required_fee(fees: FeeSchedule, tx: ZkTransaction) -> int:
    """The schedule's minimum ZKPoW fee for a ZK-chain transaction."""
    if isinstance(tx, RegisterKey):
        return fees.register_key
    if isinstance(tx, Transfer):
        return fees.transfer
    if isinstance(tx, NftMint):
        return fees.nft_mint
    if isinstance(tx, NftTransfer):
        return fees.nft_transfer
    raise TypeError(type(tx))


class BraidApp:
    """The application the consensus engine drives."""

    def __init__(
        self,
        params: ChainParams,
        store: LedgerStore,
        zk_genesis: ZkGenesis,
        verifier: ProofVerifier | None = None,
    ) -> None:
        self.params = params
        self.store = store
        self.verifier = verifier
        kv = store.kv
        zk_kv = kv.namespace("zk")
        self.fast = FastChain(kv.namespace("fast"), params.fast)
        self.zkpow = ZkpowLedger(kv.namespace("seq.trie"), kv.namespace("seq"))
        self.proofs = ProofRecords(kv.namespace("seq.proofs"), kv.namespace("seq"))
        self.market = Market(
            params.market,
            self.zkpow,
            kv.namespace("market.trie"),
            kv.namespace("market"),
            kv.namespace("market.live"),
        )
        self.last_outcome = BlockOutcome()
        """What the last block's market step did (fines, releases, assignments)."""
        genesis_hash = store.meta(GENESIS_KEY)
        if genesis_hash is None:
            self.zk = ZkState.genesis(zk_kv, params.zk, zk_genesis)
            for address, amount in params.zkpow_alloc:
                self.zkpow.credit(address, amount)
            genesis_hash = self._app_hash().hex()
            store.commit_genesis({GENESIS_KEY: genesis_hash})
            log.info("wrote genesis, app hash 0x%s", genesis_hash)
        else:
            self.zk = ZkState.load(zk_kv, params.zk)
        self.genesis_app_hash = bytes.fromhex(genesis_hash)
        self.head: BlockHeader | None = store.head()
        self.chain_heads: dict[ChainKind, BlockHeader | None] = {
            c: store.chain_head(c) for c in ChainKind
        }
        if self.head is not None and self.head.app_hash != self._app_hash():
            raise RuntimeError(
                "stored state does not match the last block's app hash: the data dir was made"
                " by another version of zkbraid or with other chain parameters; start it over"
                " with `braid devnet --reset`"
            )
        self._pending: dict[bytes, Checked] = {}
        self._zk_nonces: dict[int, int] = {}
        self._fast_nonces: dict[bytes, int] = {}
        self._fees: dict[bytes, int] = {}
        self._registering: set[bytes] = set()
        self._proving: set[bytes] = set()
        self._market_nonces: dict[bytes, int] = {}
        self._registering_provers: set[bytes] = set()
        self._bundling: set[int] = set()
        self.dropped: OrderedDict[bytes, str] = OrderedDict()
        self._finalized: (
            tuple[BlockHeader, list[TxRecord], list[ProofJobRecord], list[tuple[bytes, bytes]]]
            | None
        ) = None

    # -- state commitments -----------------------------------------------------------------

    def zk_root_bytes(self) -> bytes:
        return self.zk.root().to_bytes(32, "big")

    def sequencer_root(self) -> bytes:
        """The sequencer's own state: ZKPoW balances, proof records and the proving market."""
        return bytes(keccak(self.zkpow.root + self.proofs.root + self.market.root))

    def _app_hash(self) -> bytes:
        return app_hash(self.zk_root_bytes(), self.fast.state_root, self.sequencer_root())

    # -- ABCI: info and check_tx -----------------------------------------------------------

    def info(self) -> AppInfo:
        if self.head is None:
            return AppInfo(0, self.genesis_app_hash)
        return AppInfo(self.head.height, self.head.app_hash)

    def check_tx(self, raw: bytes, *, recheck: bool = False) -> bytes:
        try:
            return self._check(raw, recheck)
        except BraidError as e:
            if recheck:
                kind_payload = _safe_hash(raw)
                if kind_payload is not None:
                    self._remember_drop(kind_payload, f"{e.name}: {e}")
            raise

    def _check(self, raw: bytes, recheck: bool) -> bytes:
        kind, payload = unwrap(raw)
        tx_hash = payload_hash(payload)
        if kind is TxKind.BLOCK_MARKER:
            raise ProposalRejected("block markers are not transactions")
        if not recheck and (tx_hash in self._pending or self.store.tx(tx_hash) is not None):
            raise AlreadyKnown(f"transaction 0x{tx_hash.hex()} is already known")
        # a recheck finds the decoded transaction in _pending; a first check decodes it
        decoded = self._decoded(raw).tx
        if kind is TxKind.ZK:
            assert isinstance(decoded, (RegisterKey, Transfer, NftMint, NftTransfer))
            self._check_zk(decoded)
            checked = Checked(kind, tx_hash, raw, decoded)
        elif kind is TxKind.FAST:
            assert isinstance(decoded, FastTx)
            fast_tx = self.fast.check_transaction(
                payload, pending_nonce=self._fast_nonces.get(decoded.sender)
            )
            self._fast_nonces[fast_tx.sender] = fast_tx.nonce + 1
            checked = Checked(kind, tx_hash, raw, fast_tx)
        else:
            seq_tx = decoded
            assert not isinstance(seq_tx, FastTx | RegisterKey | Transfer | NftMint | NftTransfer)
            if isinstance(seq_tx, Faucet) and not self.params.faucet.enabled:
                raise FaucetDisabled("the faucet is disabled on this network")
            if isinstance(seq_tx, SubmitProof):
                if seq_tx.tx_hash in self._proving:
                    raise AlreadyKnown("a proof of this transaction is already pending")
                self._check_submission(seq_tx)
                self._proving.add(seq_tx.tx_hash)
            elif not isinstance(seq_tx, Faucet):
                self._check_market_tx(seq_tx)
            checked = Checked(kind, tx_hash, raw, seq_tx)
        self._pending[tx_hash] = checked
        return tx_hash

    def _check_zk(self, tx: ZkTransaction) -> None:
        state, params = self.zk, self.params.zk
        if isinstance(tx, RegisterKey):
            if tx.eth_address in self._registering:
                raise AlreadyKnown("a key registration for this address is already pending")
            zk_stf.validate_transaction(state, tx, params)
        else:
            nonce = self._zk_nonces.get(tx.sender)
            zk_stf.validate_transaction(state, tx, params, pending_nonce=nonce)
        self._require_scheduled_fee(tx)
        payer = zk_stf.fee_payer(state, tx)
        pending_fees = self._fees.get(payer, 0)
        have = self.zkpow.balance(payer)
        if have - pending_fees < tx.fee:
            raise InsufficientZkpow(
                f"ZKPoW balance of 0x{payer.hex()} is {have} with {pending_fees} pending in fees;"
                f" the fee is {tx.fee}"
            )
        self._fees[payer] = pending_fees + tx.fee
        if isinstance(tx, RegisterKey):
            self._registering.add(tx.eth_address)
        else:
            self._zk_nonces[tx.sender] = tx.nonce + 1

    def _check_market_tx(self, tx: MarketTx) -> None:
        """The market's admission rules with what is pending counted: one pending registration
        per prover, heartbeats and deactivations at the prover's next pending nonce, one
        pending bundle per batch. Raises what `Market.check` raises, and AlreadyKnown."""
        if isinstance(tx, RegisterProver):
            prover = tx.prover
            if prover in self._registering_provers:
                raise AlreadyKnown(f"a registration of prover 0x{prover.hex()} is already pending")
            self.market.check(tx)
            self._registering_provers.add(prover)
        elif isinstance(tx, ProverHeartbeat | DeactivateProver):
            self.market.check(tx, self._market_nonces.get(tx.prover))
            self._market_nonces[tx.prover] = tx.nonce + 1
        else:
            if tx.batch in self._bundling:
                raise AlreadyKnown(f"a bundle of batch {tx.batch} is already pending")
            self.market.check(tx)
            self._bundling.add(tx.batch)

    def _check_submission(self, sub: SubmitProof) -> None:
        """Every rule a proof submission must pass; changes nothing. Only the job's current
        assignee may submit (the market's rule), and that is checked before the proof is.

        Raises BadSubmissionSignature, UnknownProofJob, AlreadyProven, NotAssignee, JobClosed,
        ProvingUnavailable, MalformedProof, InvalidProof.
        """
        sub.check_signature()
        record = self.store.tx(sub.tx_hash)
        if record is None or record.kind != TxKind.ZK or not record.ok:
            raise UnknownProofJob(f"0x{sub.tx_hash.hex()} is not a committed ZK-chain transaction")
        if self.proofs.get(sub.tx_hash) is not None:
            raise AlreadyProven(f"0x{sub.tx_hash.hex()} is already proven")
        self.market.check_submission(sub.tx_hash, sub.prover)
        if self.verifier is None:
            raise ProvingUnavailable("this node has no verification key to check proofs with")
        tx = decode_transaction(unwrap(record.raw)[1])
        old_root = int(record.result["oldRoot"], 16)
        new_root = int(record.result["newRoot"], 16)
        self.verifier.check_transaction(sub.proof, old_root, new_root, tx)

    def proof_record(self, tx_hash: bytes) -> ProofRecord | None:
        return self.proofs.get(tx_hash)

    def _require_scheduled_fee(self, tx: ZkTransaction) -> None:
        """Raises FeeTooLow when `tx` offers less than the fee schedule's minimum for its type."""
        need = required_fee(self.params.fees, tx)
        if tx.fee < need:
            raise FeeTooLow(f"fee {tx.fee} is below the minimum {need} for {type(tx).__name__}")

    def _remember_drop(self, tx_hash: bytes, reason: str) -> None:
        self._pending.pop(tx_hash, None)
        self.dropped[tx_hash] = reason
        while len(self.dropped) > MAX_DROPPED:
            self.dropped.popitem(last=False)

    def pending(self, tx_hash: bytes) -> Checked | None:
        return self._pending.get(tx_hash)

    def pending_zk_nonce(self, account: int) -> int | None:
        return self._zk_nonces.get(account)

    def pending_fast_nonce(self, address: bytes) -> int | None:
        return self._fast_nonces.get(address)

    def pending_market_nonce(self, prover: bytes) -> int | None:
        return self._market_nonces.get(prover)

    # -- ABCI: proposals -------------------------------------------------------------------

    def _elapsed_ms(self, chain: ChainKind, time_ms: int) -> int:
        head = self.chain_heads[chain]
        return time_ms if head is None else time_ms - head.timestamp_ms

    def prepare_proposal(self, height: int, time_ms: int, candidates: list[bytes]) -> list[bytes]:
        timing = self.params.timing
        zk_txs: list[bytes] = []
        fast_txs: list[bytes] = []
        for raw in candidates:
            (zk_txs if raw[:1] == bytes([TxKind.ZK]) else fast_txs).append(raw)
        zk_elapsed = self._elapsed_ms(ChainKind.ZK, time_ms)
        zk_due = (zk_txs or timing.zk_empty_blocks) and zk_elapsed >= timing.zk_block_interval_ms
        if zk_due or len(zk_txs) >= timing.zk_max_txs:
            return [block_marker(ChainKind.ZK), *zk_txs[: timing.zk_max_txs]]
        fast_elapsed = self._elapsed_ms(ChainKind.FAST, time_ms)
        wanted = fast_txs or timing.fast_empty_blocks or self.market.due(height, time_ms)
        if wanted and fast_elapsed >= timing.fast_block_interval_ms:
            return [block_marker(ChainKind.FAST), *self._fitting_fast_txs(fast_txs)]
        return []

    def _fitting_fast_txs(self, candidates: list[bytes]) -> list[bytes]:
        """The longest prefix of the candidates within the block's transaction count and gas
        limit, so that no valid transaction is left out of a block for want of room."""
        room = self.params.fast.block_gas_limit
        out: list[bytes] = []
        for raw in candidates[: self.params.timing.fast_max_txs]:
            checked = self._pending.get(payload_hash(unwrap(raw)[1]))
            gas = checked.tx.gas if checked is not None and isinstance(checked.tx, FastTx) else 0
            if gas > room:
                break
            room -= gas
            out.append(raw)
        return out

    def process_proposal(self, height: int, time_ms: int, txs: list[bytes]) -> bool:
        try:
            self._check_proposal(height, time_ms, txs)
        except BraidError as e:
            log.warning("rejecting proposal at height %d: %s", height, e)
            return False
        return True

    def _check_proposal(self, height: int, time_ms: int, txs: list[bytes]) -> ChainKind:
        if not txs:
            raise ProposalRejected("empty proposal")
        chain = read_marker(txs[0])
        if height != self.info().last_height + 1:
            raise ProposalRejected(f"height {height} does not follow {self.info().last_height}")
        if self.head is not None and time_ms <= self.head.timestamp_ms:
            raise ProposalRejected("block time does not advance")
        allowed = {TxKind.ZK} if chain is ChainKind.ZK else {TxKind.FAST, TxKind.SEQUENCER}
        limit = (
            self.params.timing.zk_max_txs
            if chain is ChainKind.ZK
            else self.params.timing.fast_max_txs
        )
        if len(txs) - 1 > limit:
            raise ProposalRejected(f"{len(txs) - 1} transactions exceed the limit of {limit}")
        for raw in txs[1:]:
            kind, _ = unwrap(raw)
            if kind not in allowed:
                raise ProposalRejected(f"a {chain.name} block cannot carry a {kind.name} tx")
        return chain

    # -- ABCI: finalize and commit ---------------------------------------------------------

    def finalize_block(self, height: int, time_ms: int, txs: list[bytes]) -> FinalizedBlock:
        chain = self._check_proposal(height, time_ms, txs)
        body = txs[1:]
        jobs: list[ProofJobRecord] = []
        proven: list[tuple[bytes, bytes]] = []
        if chain is ChainKind.ZK:
            records = self._execute_zk(height, time_ms, body, jobs)
            state_root = self.zk_root_bytes()
        else:
            records, state_root = self._execute_fast(height, time_ms, body, proven)
        previous = ZERO_HASH if self.head is None else self.head.hash
        self.last_outcome = self.market.on_block(height, previous, time_ms)
        _log_outcome(height, self.last_outcome)
        chain_head = self.chain_heads[chain]
        header = BlockHeader(
            height=height,
            chain=chain,
            chain_height=1 if chain_head is None else chain_head.chain_height + 1,
            parent_hash=ZERO_HASH if self.head is None else self.head.hash,
            chain_parent_hash=ZERO_HASH if chain_head is None else chain_head.hash,
            timestamp_ms=time_ms,
            tx_root=tx_root([r.hash for r in records]),
            state_root=state_root,
            app_hash=self._app_hash(),
        )
        self._finalized = (header, records, jobs, proven)
        return FinalizedBlock(
            height=height,
            block_hash=header.hash,
            app_hash=header.app_hash,
            tx_results=[TxResult(r.hash, r.ok, r.error) for r in records],
        )

    def commit(self) -> None:
        assert self._finalized is not None, "commit without finalize"
        header, records, jobs, proven = self._finalized
        self.store.commit_block(header, records, jobs, proven)
        self.head = header
        self.chain_heads[header.chain] = header
        self._finalized = None
        for r in records:
            self._pending.pop(r.hash, None)
        # The engine rechecks what is still pending, which rebuilds these from the new state.
        self._zk_nonces.clear()
        self._fast_nonces.clear()
        self._fees.clear()
        self._registering.clear()
        self._proving.clear()
        self._market_nonces.clear()
        self._registering_provers.clear()
        self._bundling.clear()

    def _decoded(self, raw: bytes) -> Checked:
        kind, payload = unwrap(raw)
        tx_hash = payload_hash(payload)
        cached = self._pending.get(tx_hash)
        if cached is not None:
            return cached
        if kind is TxKind.ZK:
            return Checked(kind, tx_hash, raw, decode_transaction(payload))
        if kind is TxKind.FAST:
            return Checked(kind, tx_hash, raw, self.fast.decode_transaction(payload))
        if payload[:1] and payload[0] in MARKET_TX_TYPES:
            return Checked(kind, tx_hash, raw, decode_market_tx(payload))
        return Checked(kind, tx_hash, raw, decode_sequencer_tx(payload))

    def _execute_zk(
        self, height: int, time_ms: int, body: list[bytes], jobs: list[ProofJobRecord]
    ) -> list[TxRecord]:
        records: list[TxRecord] = []
        for index, raw in enumerate(body):
            tx_hash = payload_hash(unwrap(raw)[1])
            try:
                checked = self._decoded(raw)
                tx = checked.tx
                assert isinstance(tx, (RegisterKey, Transfer, NftMint, NftTransfer))
                result, job = self._apply_zk(tx)
            except BraidError as e:
                records.append(_failed(tx_hash, height, index, TxKind.ZK, raw, e))
                continue
            jobs.append(ProofJobRecord(tx_hash, height, index, job.to_json(), False))
            self.market.job_committed(tx_hash, tx.fee, job.old_root, job.new_root, height, time_ms)
            records.append(TxRecord(tx_hash, height, index, TxKind.ZK, raw, True, None, result))
        return records

    def _apply_zk(self, tx: ZkTransaction) -> tuple[dict[str, Any], ProofJob]:
        self._require_scheduled_fee(tx)
        payer = zk_stf.fee_payer(self.zk, tx)
        if self.zkpow.balance(payer) < tx.fee:
            raise InsufficientZkpow(f"ZKPoW balance of 0x{payer.hex()} cannot pay fee {tx.fee}")
        receipt, witness = apply_with_witness(self.zk, tx, self.params.zk)
        self.zkpow.debit(payer, tx.fee)
        result: dict[str, Any] = {
            "type": receipt.tx_type.name,
            "oldRoot": hex(receipt.old_root),
            "newRoot": hex(receipt.new_root),
            "fee": str(tx.fee),
        }
        if receipt.account_index is not None:
            result["accountIndex"] = receipt.account_index
        if receipt.nft_id is not None:
            result["nftId"] = receipt.nft_id
        return result, ProofJob(tx, witness)

    def _execute_fast(
        self, height: int, time_ms: int, body: list[bytes], proven: list[tuple[bytes, bytes]]
    ) -> tuple[list[TxRecord], bytes]:
        records: list[TxRecord] = []
        fast_txs: list[tuple[int, bytes, FastTx]] = []
        credits: list[tuple[bytes, int]] = []
        for index, raw in enumerate(body):
            tx_hash = payload_hash(unwrap(raw)[1])
            try:
                checked = self._decoded(raw)
            except BraidError as e:
                records.append(_failed(tx_hash, height, index, checked_kind(raw), raw, e))
                continue
            if checked.kind is TxKind.FAST:
                assert isinstance(checked.tx, FastTx)
                fast_txs.append((index, raw, checked.tx))
                continue
            seq = checked.tx
            if isinstance(seq, SubmitProof):
                try:
                    self._check_submission(seq)
                except BraidError as e:
                    records.append(_failed(tx_hash, height, index, TxKind.SEQUENCER, raw, e))
                    continue
                proof_hash = bytes(keccak(seq.proof))
                self.proofs.record(seq.tx_hash, ProofRecord(seq.prover, proof_hash, height))
                paid = self.market.proof_accepted(
                    seq.tx_hash, seq.prover, proof_hash, height, time_ms
                )
                proven.append((seq.tx_hash, seq.proof))
                proof_result: dict[str, Any] = {
                    "proven": "0x" + seq.tx_hash.hex(),
                    "prover": "0x" + seq.prover.hex(),
                    "paid": str(paid),
                }
                records.append(
                    TxRecord(
                        tx_hash, height, index, TxKind.SEQUENCER, raw, True, None, proof_result
                    )
                )
                continue
            if isinstance(seq, RegisterProver | ProverHeartbeat | DeactivateProver | SubmitBundle):
                try:
                    market_result = self.market.apply(seq, height, time_ms)
                except BraidError as e:
                    records.append(_failed(tx_hash, height, index, TxKind.SEQUENCER, raw, e))
                    continue
                records.append(
                    TxRecord(
                        tx_hash, height, index, TxKind.SEQUENCER, raw, True, None, market_result
                    )
                )
                continue
            assert isinstance(seq, Faucet)
            if not self.params.faucet.enabled:
                err = FaucetDisabled("the faucet is disabled on this network")
                records.append(_failed(tx_hash, height, index, TxKind.SEQUENCER, raw, err))
                continue
            self.zkpow.credit(seq.address, self.params.faucet.zkpow)
            credits.append((seq.address, self.params.faucet.fast_wei))
            faucet_result: dict[str, Any] = {
                "address": "0x" + seq.address.hex(),
                "zkpow": str(self.params.faucet.zkpow),
                "fastWei": str(self.params.faucet.fast_wei),
            }
            records.append(
                TxRecord(tx_hash, height, index, TxKind.SEQUENCER, raw, True, None, faucet_result)
            )
        block = self.fast.execute_block(
            [t for _, _, t in fast_txs], timestamp=time_ms // 1000, credits=credits
        )
        for (index, raw, tx), outcome in zip(fast_txs, block.outcomes, strict=True):
            fast_result: dict[str, Any] = {
                "evmBlock": block.number,
                "status": outcome.status,
                "gasUsed": outcome.gas_used,
            }
            records.append(
                TxRecord(
                    tx.hash,
                    height,
                    index,
                    TxKind.FAST,
                    raw,
                    outcome.included,
                    outcome.error,
                    fast_result,
                )
            )
        records.sort(key=lambda r: r.index)
        return records, block.state_root


def _log_outcome(height: int, out: BlockOutcome) -> None:
    for job_id, prover, amount in out.fined:
        log.info(
            "block %d: prover 0x%s missed the deadline of job 0x%s, fined %d",
            height,
            prover.hex(),
            job_id.hex(),
            amount,
        )
    for job_id, prover in out.released:
        log.info(
            "block %d: job 0x%s released by silent prover 0x%s", height, job_id.hex(), prover.hex()
        )
    for job_id, prover, attempt in out.assigned:
        log.debug(
            "block %d: job 0x%s assigned to 0x%s (attempt %d)",
            height,
            job_id.hex(),
            prover.hex(),
            attempt,
        )


def checked_kind(raw: bytes) -> TxKind:
    return unwrap(raw)[0]


def _safe_hash(raw: bytes) -> bytes | None:
    try:
        return payload_hash(unwrap(raw)[1])
    except BraidError:
        return None


def _failed(
    tx_hash: bytes, height: int, index: int, kind: TxKind, raw: bytes, e: BraidError
) -> TxRecord:
    return TxRecord(tx_hash, height, index, kind, raw, False, f"{e.name}: {e}", {})
