"""The braid application behind the ABCI-shaped engine interface (consensus/engine.py): the
adapter between an ordering engine and the sequencer's block transition.

- check_tx admits a transaction into the mempool (node/mempool.py) against the committed
  state plus what is pending.
- prepare_proposal is the proposer's policy (BlockTiming): a ZK block every zk interval or when
  full, else a fast block every fast interval; an empty fast block when the proving market has
  time-driven work (a deadline or a batch's closing time has passed), so a crashed prover's job
  moves on even on a quiet chain.
- process_proposal checks a proposal against the block rules (sequencer/header.py).
- An empty proposal (no transactions, not even a chain marker) is no block: it is accepted, and
  finalizing and committing it change nothing (the head, the app hash and the market stay as
  they are). CometBFT needs a valid proposal at every one of its heights; the proposer makes an
  empty one when no block is due, so a quiet chain idles (CometBFT waits while the app hash does
  not change) instead of growing a braided block per CometBFT height, and the market's
  time-driven work still gets its empty fast block whenever it is due.
- Misbehaviour the engine reports (CometBFT's evidence of double votes) is part of the braided
  block: the proposer copies the evidence it is handed into the chain marker (a block is due
  whenever there is some), process_proposal refuses a proposal whose marker carries other
  evidence than the engine hands this validator, and the block transition slashes from the
  marker, so a replay slashes the same validators without the engine.
- Data-availability attestations (sequencer/attestations.py) ride in the votes: extend_vote
  signs, with this validator's Ethereum key, every pending batch's digest (the oldest
  `L1Params.attest_batches_per_vote`) and every pending validator set that replaces a set it
  is a member of (sequencer/validator_sets.py); verify_vote_extension checks another
  validator's; what counts is decided by one rule (sequencer/signatures.py), which the Attest
  transaction's rules use too; the proposer turns the last commit's extensions, with its own
  signatures, into one Attest at the head of a fast block (Attest is a sequencer transaction,
  which only fast blocks carry: a ZK block at that height leaves them to the next fast block,
  and the next votes sign again what is still pending). A fast block is due while such an
  Attest would add a signature. The solo engine has no votes: its proposer's own signatures
  (one validator, all the power) attest each bundled batch.
- finalize_block runs the block transition (sequencer/transition.py) and returns the block's
  validator updates (staking/state.py); commit makes the block, its receipts, its proving jobs
  and accepted proofs and every state write durable in one SQLite transaction.
- apply_block replays a block another node (or this one) committed: the same transition, its
  header checked field by field.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from zkbraid.config import ChainParams
from zkbraid.consensus.engine import (
    AppInfo,
    FinalizedBlock,
    Misbehavior,
    TxResult,
    ValidatorUpdate,
)
from zkbraid.crypto.personal_sign import address_of
from zkbraid.errors import BraidError
from zkbraid.fast.chain import FastChain
from zkbraid.fast.txs import FastTx
from zkbraid.ledger.block import BlockHeader, ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, payload_hash, unwrap, wrap
from zkbraid.ledger.store import LedgerStore, TxRecord
from zkbraid.market.state import Market
from zkbraid.market.step import BlockOutcome
from zkbraid.market.zkpow import ZkpowLedger
from zkbraid.node.l1_view import L1View
from zkbraid.node.mempool import Mempool
from zkbraid.proving.verify import ProofVerifier
from zkbraid.sequencer.attest_tx import Attest, Extension, decode_extension, encode_extension
from zkbraid.sequencer.block import Block, BlockResult
from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.sequencer.genesis import Genesis
from zkbraid.sequencer.header import MarkerExtra, validate_block
from zkbraid.sequencer.receipts import TxReceipt, encode_result
from zkbraid.sequencer.signatures import Signable, SignableRecords, check_signature, may_sign
from zkbraid.sequencer.state import SequencerState
from zkbraid.sequencer.transition import state_transition
from zkbraid.settlement.l1_contracts import sign_digest
from zkbraid.settlement.observation import L1Observation
from zkbraid.staking.evidence import Evidence, evidence_of
from zkbraid.staking.state import Slash
from zkbraid.zk.genesis import ZkGenesis
from zkbraid.zk.params import BRIDGE_TOKEN, MOVE_TOKEN
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import Deposit, GameMint, MoveFromFast, TxType

log = logging.getLogger("zkbraid.app")

GENESIS_KEY = "genesis_app_hash"


class StateMismatch(RuntimeError):
    """The stored state is not the one the last stored block committed to."""


class BraidApp:
    """The application the consensus engine drives."""

    def __init__(
        self,
        params: ChainParams,
        store: LedgerStore,
        zk_genesis: ZkGenesis,
        verifier: ProofVerifier | None = None,
        l1: L1View | None = None,
        *,
        validator_key: bytes | None = None,
    ) -> None:
        """Opens the chain stored in `store`, writing its genesis first if it is empty. `l1`:
        this node's view of L1, to propose and check ZK blocks' L1 observations.
        `validator_key`: this validator's Ethereum key, which signs batches' attestations in
        its votes and proposals (None: it signs nothing).

        Raises VerifyingKeyMismatch (the verifier's key is not the genesis's) and StateMismatch.
        """
        self.genesis = Genesis.make(params, zk_genesis, verifier)
        self.params = params
        self.store = store
        self.mempool = Mempool()
        genesis_hash = store.meta(GENESIS_KEY)
        if genesis_hash is None:
            self.state = SequencerState(store.kv, self.genesis, create=True)
            genesis_hash = self.state.app_hash().hex()
            store.commit_genesis({GENESIS_KEY: genesis_hash})
            log.info("wrote genesis, app hash 0x%s", genesis_hash)
        else:
            self.state = self._load()
        self.genesis_app_hash = bytes.fromhex(genesis_hash)
        head = self.state.head
        if head is not None and head.app_hash != self.state.app_hash():
            raise StateMismatch(
                "stored state does not match the last block's app hash: the data dir was made"
                " by another version of zkbraid or with other chain parameters; start it over"
                " with `braid devnet --reset`"
            )
        self.last_outcome = BlockOutcome()
        """What the last block's market step did (fines, releases, assignments)."""
        self._finalized: BlockResult | None = None
        self._finalized_nothing = False
        """An empty proposal was finalized (no block): the next commit writes nothing."""
        self.l1 = l1
        self.validator_key = validator_key
        self._own: bytes | None = None
        self._own_signatures: dict[bytes, bytes] = {}
        """This validator's signature of each digest it signed (a digest never changes)."""

    def _load(self) -> SequencerState:
        heads = {c: self.store.chain_head(c) for c in ChainKind}
        return SequencerState(self.store.kv, self.genesis, self.store.head(), heads)

    def _reload(self) -> None:
        """Back to the last commit (a block was finalized and will never be committed)."""
        self._finalized = None
        heads = {c: self.store.chain_head(c) for c in ChainKind}
        self.state.reload(self.store.head(), heads)

    # -- the state, for reading ------------------------------------------------------------

    @property
    def zk(self) -> ZkState:
        return self.state.zk

    @property
    def fast(self) -> FastChain:
        return self.state.fast

    @property
    def zkpow(self) -> ZkpowLedger:
        return self.state.zkpow

    @property
    def market(self) -> Market:
        return self.state.market

    @property
    def head(self) -> BlockHeader | None:
        return self.state.head

    @property
    def chain_heads(self) -> dict[ChainKind, BlockHeader | None]:
        return self.state.chain_heads

    @property
    def dropped(self) -> OrderedDict[bytes, str]:
        return self.mempool.dropped

    def pending_zk_nonce(self, account: int) -> int | None:
        return self.mempool.zk_nonce(account)

    def pending_fast_nonce(self, address: bytes) -> int | None:
        return self.mempool.fast_nonce(address)

    def pending_market_nonce(self, prover: bytes) -> int | None:
        return self.mempool.market_nonce(prover)

    def validator_set(self) -> list[ValidatorUpdate]:
        """The validator set the chain's state gives the engine (every validator with voting
        power, by consensus key): at genesis, what InitChain answers."""
        return self.state.staking.validator_set()

    # -- ABCI: info and check_tx -----------------------------------------------------------

    def info(self) -> AppInfo:
        head = self.state.head
        if head is None:
            return AppInfo(0, self.genesis_app_hash)
        return AppInfo(head.height, head.app_hash)

    def check_tx(self, raw: bytes, *, recheck: bool = False) -> bytes:
        return self.mempool.admit(
            self.state,
            self.genesis,
            raw,
            recheck=recheck,
            ordered=lambda h: self.store.tx(h) is not None,
        )

    # -- ABCI: proposals -------------------------------------------------------------------

    def _elapsed_ms(self, chain: ChainKind, time_ms: int) -> int:
        head = self.state.chain_heads[chain]
        return time_ms if head is None else time_ms - head.timestamp_ms

    def prepare_proposal(
        self,
        height: int,
        time_ms: int,
        candidates: list[bytes],
        *,
        misbehavior: Sequence[Misbehavior] = (),
        vote_extensions: Sequence[tuple[bytes, bytes]] = (),
    ) -> list[bytes]:
        timing = self.params.timing
        evidence = evidence_of(misbehavior)
        zk_txs: list[bytes] = []
        fast_txs: list[bytes] = []
        for raw in candidates:
            (zk_txs if raw[:1] == bytes([TxKind.ZK]) else fast_txs).append(raw)
        zk_elapsed = self._elapsed_ms(ChainKind.ZK, time_ms)
        observation: L1Observation | None = None
        deposits: list[bytes] = []
        if zk_elapsed >= timing.zk_block_interval_ms:
            observation, deposits = self._l1_news()
        news = deposits or (
            observation is not None and (observation.deposits or observation.settled)
        )
        zk_due = (zk_txs or news or timing.zk_empty_blocks) and (
            zk_elapsed >= timing.zk_block_interval_ms
        )
        # Moves between the chains complete within a few fast blocks: a pending MoveToFast,
        # fast-chain exit or game prize cuts a ZK block after the shorter hybrid interval.
        from_fast = self._from_fast()
        moving = any(raw[1:2] == bytes([TxType.MOVE_TO_FAST]) for raw in zk_txs)
        hybrid_due = (bool(from_fast) or moving) and zk_elapsed >= timing.zk_hybrid_interval_ms
        if zk_due or hybrid_due or len(zk_txs) >= timing.zk_max_txs:
            extra = MarkerExtra(observation, evidence).encode()
            body = [*deposits, *from_fast, *zk_txs][: timing.zk_max_txs]
            return [block_marker(ChainKind.ZK, extra), *body]
        fast_elapsed = self._elapsed_ms(ChainKind.FAST, time_ms)
        attest = self._attest_from_votes(vote_extensions)
        wanted = (
            attest is not None
            or fast_txs
            or timing.fast_empty_blocks
            or self.market.due(height, time_ms)
            or self.state.hybrid.has_fast_news()
            or self.state.staking.due(time_ms)
        )
        # the engine's block carries evidence: so must this one, whatever the interval
        if evidence or (wanted and fast_elapsed >= timing.fast_block_interval_ms):
            marker = block_marker(ChainKind.FAST, MarkerExtra(None, evidence).encode())
            head = [] if attest is None else [wrap(TxKind.SEQUENCER, attest.encode())]
            return [marker, *head, *self._fitting_fast_txs(fast_txs)][: timing.fast_max_txs + 1]
        return []

    # -- data-availability attestations in the votes ---------------------------------------

    def _own_address(self) -> bytes | None:
        if self.validator_key is None:
            return None
        if self._own is None:
            self._own = address_of(self.validator_key)
        return self._own

    def _sign(self, digest: bytes) -> bytes:
        assert self.validator_key is not None
        signature = self._own_signatures.get(digest)
        if signature is None:
            if len(self._own_signatures) > 4096:
                self._own_signatures.clear()
            signature = sign_digest(self.validator_key, digest)[1]
            self._own_signatures[digest] = signature
        return signature

    def _signable(self) -> tuple[SignableRecords[Signable], SignableRecords[Signable]]:
        """The records validators sign, in a vote extension's order: batches, then sets."""
        return self.state.attestations, self.state.validator_sets

    def extend_vote(self, height: int) -> bytes:
        """This validator's vote extension at `height`: its signatures of the oldest
        `attest_batches_per_vote` pending batches and pending validator sets that it may sign
        and has not (sequencer/signatures.py), RLP (sequencer/attest_tx.py); empty without a
        key or with nothing to sign."""
        return encode_extension(self._own_extension())

    def _own_extension(self) -> Extension:
        address = self._own_address()
        if address is None:
            return Extension()
        staking, cap = self.state.staking, self.params.l1.attest_batches_per_vote
        batches, sets = (
            tuple(
                (r.index, self._sign(r.digest))
                for r in records.to_sign(staking)[:cap]
                if may_sign(r, address)
            )
            for records in self._signable()
        )
        return Extension(batches, sets)

    def verify_vote_extension(
        self, height: int, validator_consensus_address: bytes, extension: bytes
    ) -> bool:
        """Whether a validator's vote extension at `height` is acceptable: it decodes (at most
        `attest_batches_per_vote` batches and sets, each once), the CometBFT address is a
        validator's, and each signature counts by the one signature rule
        (sequencer/signatures.py: a pending record, the validator's signature of its digest, a
        validator that may sign it and has not). An empty extension is always acceptable."""
        try:
            signed = decode_extension(extension, self.params.l1.attest_batches_per_vote)
        except BraidError as e:
            log.warning("refusing a vote extension at height %d: %s", height, e)
            return False
        if not signed:
            return True
        staking = self.state.staking
        validator = staking.by_consensus_address(validator_consensus_address)
        if validator is None:
            log.warning("refusing a vote extension at height %d: not a validator", height)
            return False
        for records, pairs in zip(self._signable(), (signed.batches, signed.sets), strict=True):
            for index, signature in pairs:
                try:
                    check_signature(records.signable(index, staking), validator.address, signature)
                except BraidError as e:
                    log.warning("refusing a vote extension at height %d: %s", height, e)
                    return False
        return True

    def _attest_from_votes(self, vote_extensions: Sequence[tuple[bytes, bytes]]) -> Attest | None:
        """The Attest the proposer puts on chain: every signature of the last commit's vote
        extensions, and this validator's own, that counts by the one signature rule
        (sequencer/signatures.py), each checked again: the block's Attest must not fail.
        None: nothing to add."""
        staking = self.state.staking
        cap = self.params.l1.attest_batches_per_vote
        votes: list[tuple[bytes, Extension]] = []
        own = self._own_address()
        if own is not None:
            votes.append((own, self._own_extension()))
        for consensus_address, extension in vote_extensions:
            validator = staking.by_consensus_address(consensus_address)
            if validator is None or not extension:
                continue
            try:
                votes.append((validator.address, decode_extension(extension, cap)))
            except BraidError:
                continue  # CometBFT verified it with VerifyVoteExtension; skip it all the same
        gathered: tuple[dict[int, dict[bytes, bytes]], ...] = ({}, {})
        for address, signed in votes:
            kinds = zip(self._signable(), (signed.batches, signed.sets), gathered, strict=True)
            for records, pairs, found in kinds:
                for index, signature in pairs:
                    signers = found.get(index, {})
                    try:
                        check_signature(
                            records.signable(index, staking), address, signature, signers
                        )
                    except BraidError:
                        continue
                    found.setdefault(index, {})[address] = signature
        batches, sets = (
            tuple((i, tuple(sorted(found[i].items()))) for i in sorted(found)[:cap])
            for found in gathered
        )
        return Attest(batches, sets) if batches or sets else None

    def _l1_news(self) -> tuple[L1Observation | None, list[bytes]]:
        """What the next ZK block should say of L1: the newest confirmed L1 block (if new) and
        a Deposit for every observed deposit that may be credited now (its recipient has a ZK
        account and its L1 deadline is far enough)."""
        if self.l1 is None:
            return None, []
        bridge = self.state.bridge
        meta = bridge.meta
        observation = self.l1.observation(
            meta.l1_height, meta.next_deposit_id, meta.next_settled_batch
        )
        candidates = [(d.deposit_id, d.recipient, d.amount, d.deadline) for d in bridge.pending()]
        if observation is not None:
            candidates += [
                (d.deposit_id, d.recipient, d.amount, d.deadline) for d in observation.deposits
            ]
        l1_time = observation.timestamp if observation is not None else meta.l1_timestamp
        margin = self.params.bridge.inclusion_margin_s
        deposits = []
        for deposit_id, recipient, amount, deadline in candidates:
            to_index = self.state.zk.account_index(recipient)
            if to_index is None or deadline <= l1_time + margin:
                continue
            tx = Deposit(
                chain_id=self.params.zk.chain_id,
                deposit_id=deposit_id,
                to_index=to_index,
                token=BRIDGE_TOKEN,
                recipient=recipient,
                amount=amount,
            )
            deposits.append(wrap(TxKind.ZK, tx.encode()))
        return observation, deposits

    def _from_fast(self) -> list[bytes]:
        """A MoveFromFast for every pending fast-chain exit and a GameMint for every pending
        prize (sequencer/hybrid.py), in id order."""
        zk, hybrid, chain_id = self.state.zk, self.state.hybrid, self.params.zk.chain_id
        txs: list[bytes] = []
        for e in hybrid.pending_exits():
            move = MoveFromFast(chain_id, e.exit_id, e.zk_account, MOVE_TOKEN, e.amount)
            txs.append(wrap(TxKind.ZK, move.encode()))
        for p in hybrid.pending_prizes():
            to_index = zk.account_index(p.winner)
            if to_index is None:  # refused when observed; never pending
                continue
            mint = GameMint(
                chain_id,
                p.report_id,
                p.collection,
                p.round,
                to_index,
                int.from_bytes(p.content_hash, "big"),
                p.game,
            )
            txs.append(wrap(TxKind.ZK, mint.encode()))
        return txs

    def _fitting_fast_txs(self, candidates: list[bytes]) -> list[bytes]:
        """The longest prefix of the candidates within the block's transaction count and gas
        limit, so that no valid transaction is left out of a block for want of room."""
        room = self.params.fast.block_gas_limit
        out: list[bytes] = []
        for raw in candidates[: self.params.timing.fast_max_txs]:
            checked = self.mempool.get(payload_hash(unwrap(raw)[1]))
            gas = checked.tx.gas if checked is not None and isinstance(checked.tx, FastTx) else 0
            if gas > room:
                break
            room -= gas
            out.append(raw)
        return out

    def process_proposal(
        self,
        height: int,
        time_ms: int,
        txs: list[bytes],
        *,
        misbehavior: Sequence[Misbehavior] = (),
    ) -> bool:
        evidence = evidence_of(misbehavior)
        if not txs:
            if evidence:
                log.warning("rejecting an empty proposal at height %d: it drops evidence", height)
            return not evidence  # no block (see the module's docstring)
        try:
            _, extra = validate_block(self.state, self.params, Block(height, time_ms, tuple(txs)))
            if extra.evidence != evidence:
                raise InvalidBlock(
                    f"the marker carries {len(extra.evidence)} pieces of evidence, not the"
                    f" engine's {len(evidence)}"
                )
            observation = extra.observation
            if observation is not None:
                if self.l1 is None:
                    raise InvalidBlock("this node does not follow L1: it cannot check the block")
                meta = self.state.bridge.meta
                self.l1.check(
                    observation, meta.l1_height, meta.next_deposit_id, meta.next_settled_batch
                )
        except InvalidBlock as e:
            log.warning("rejecting proposal at height %d: %s", height, e)
            return False
        return True

    # -- ABCI: finalize and commit ---------------------------------------------------------

    def finalize_block(
        self,
        height: int,
        time_ms: int,
        txs: list[bytes],
        *,
        misbehavior: Sequence[Misbehavior] = (),
    ) -> FinalizedBlock:
        """Runs the block transition over a decided block (not yet durable); `misbehavior` is
        the evidence the engine's block carries, which the block's marker must carry.

        An empty proposal is no block: nothing changes, and the result is the head's (its
        height, hash and app hash, no transactions).

        Raises InvalidBlock (the state is then reloaded from the last commit).
        """
        evidence = evidence_of(misbehavior)
        if not txs:
            if evidence:
                raise InvalidBlock("an empty proposal cannot carry the engine's evidence")
            if self._finalized is not None or self._finalized_nothing:
                raise RuntimeError("finalize twice without commit")
            self._finalized_nothing = True
            info, head = self.info(), self.state.head
            return FinalizedBlock(
                info.last_height, b"" if head is None else head.hash, info.last_app_hash
            )
        result = self._transition(Block(height, time_ms, tuple(txs)), None, evidence)
        header = result.header
        return FinalizedBlock(
            height=height,
            block_hash=header.hash,
            app_hash=header.app_hash,
            tx_results=[TxResult(r.hash, r.ok, r.error) for r in result.receipts],
            validator_updates=result.validator_updates,
        )

    def commit(self) -> None:
        """Makes the last finalized block durable (an empty proposal's: nothing to write)."""
        if self._finalized_nothing:
            self._finalized_nothing = False
            # the engine rechecks what is pending after every commit, which rebuilds this
            self.mempool.ordered([])
            return
        result = self._finalized
        if result is None:
            raise RuntimeError("commit without finalize")
        self.store.commit_block(
            result.header,
            result.marker,
            [_record(r) for r in result.receipts],
            result.proving_jobs,
            result.proofs,
        )
        self._finalized = None
        self.mempool.ordered([r.hash for r in result.receipts])

    def apply_block(self, header: BlockHeader, marker: bytes, body: list[bytes]) -> None:
        """Replays a committed block (its header, its chain marker and its transactions in
        order) through the block transition and commits it. An L1 observation in the marker is
        taken as committed (the chain's validators checked it), so a replay needs no L1; so is
        its evidence, so a replay needs no engine.

        Raises InvalidBlock when the block does not compute to `header` (nothing is committed).
        """
        block = Block(header.height, header.timestamp_ms, (marker, *body))
        self._transition(block, header)
        self.commit()

    def _transition(
        self, block: Block, claimed: BlockHeader | None, evidence: Sequence[Evidence] | None = None
    ) -> BlockResult:
        if self._finalized is not None or self._finalized_nothing:
            raise RuntimeError("finalize twice without commit")
        try:
            result = state_transition(
                self.state,
                self.genesis,
                block,
                claimed,
                decoded=self.mempool.pending,
                evidence=evidence,
            )
        except BaseException:
            self._reload()  # the state holds part of a block that will never be committed
            raise
        self.last_outcome = result.market
        _log_outcome(block.height, result.market)
        _log_staking(block.height, result.slashed, result.validator_updates)
        self._finalized = result
        return result


def _record(r: TxReceipt) -> TxRecord:
    return TxRecord(
        r.hash, r.height, r.index, int(r.kind), r.raw, r.ok, r.error, encode_result(r.result)
    )


def _log_staking(height: int, slashed: list[Slash], updates: list[ValidatorUpdate]) -> None:
    for s in slashed:
        log.warning(
            "block %d: validator 0x%s slashed %d and jailed for a %s at height %d",
            height,
            s.address.hex(),
            s.burnt,
            s.evidence.kind.name.lower(),
            s.evidence.height,
        )
    for u in updates:
        log.info("block %d: validator 0x%s power %d", height, u.consensus_key.hex(), u.power)


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
