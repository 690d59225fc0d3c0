"""The sequencer's block transition, read as its specification (after EELS's
`state_transition`): validate the block's header, apply its body transaction by transaction,
run the proving market's step, then the staking step (the slashes of the evidence the block's
marker carries, the unbondings that mature, the validator set's updates and, when the set
changed, its next record for L1, sequencer/validator_sets.py), record the batches bundled by
now for the validators' attestations (with the parent's checkpoint, sequencer/attestations.py),
compute the header, and compare it with the header the block was given, if any.

    state_transition(state, genesis, block, claimed) -> BlockResult

It reads nothing but the state, the block and the genesis (the verifying key included): no
clock, no randomness, no node setting. The proposer (prepare_proposal), every validator
(process_proposal, finalize_block) and a node replaying another's blocks run this same code,
so they compute the same header or refuse the block.

A transaction that breaks a rule fails in its block with a named error and changes nothing;
only a block that breaks the block rules, or whose given header differs from the computed one,
is invalid (`InvalidBlock`). After InvalidBlock the state holds a half-applied block: the
caller discards it (`KVStore.discard`) and reloads the state from its last commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.errors import BraidError
from zkbraid.fast.system_contracts import ZK_ROOTS, RootStatus, exit_events, prize_events
from zkbraid.fast.txs import FastTx
from zkbraid.ledger.block import ZERO_HASH, BlockHeader, ChainKind
from zkbraid.ledger.envelope import TxKind, payload_hash, unwrap
from zkbraid.ledger.store import ProofJobRecord
from zkbraid.market.market_txs import MarketTx
from zkbraid.market.transactions import Faucet, SubmitProof
from zkbraid.proving.prover import ProofJob
from zkbraid.proving.statement import pubdata
from zkbraid.proving.witness import apply_with_witness
from zkbraid.sequencer.admission import Decoded, check_faucet, check_zk_fee, decode
from zkbraid.sequencer.attest_tx import Attest
from zkbraid.sequencer.block import Block, BlockResult
from zkbraid.sequencer.errors import InvalidBlock
from zkbraid.sequencer.genesis import Genesis
from zkbraid.sequencer.header import check_header, make_header, validate_block
from zkbraid.sequencer.proof_acceptance import accept_proof
from zkbraid.sequencer.receipts import FastTxResult, FaucetResult, Result, TxReceipt, ZkTxResult
from zkbraid.sequencer.settlement import apply_settlement
from zkbraid.sequencer.state import SequencerState
from zkbraid.settlement.l1_contracts import Checkpoint
from zkbraid.staking.evidence import Evidence
from zkbraid.staking.state import Slash
from zkbraid.staking.transactions import Bond, Unbond
from zkbraid.zk.transactions import Deposit, GameMint, MoveFromFast, MoveToFast, ZkTransaction

DecodeCache = dict[bytes, Decoded]
"""Transactions already decoded (by the mempool), by hash: decoding is pure, so a cached
decoding is the one the block would make."""


def state_transition(
    state: SequencerState,
    genesis: Genesis,
    block: Block,
    claimed: BlockHeader | None = None,
    decoded: DecodeCache | None = None,
    *,
    evidence: Sequence[Evidence] | None = None,
) -> BlockResult:
    """Applies `block` to `state` and returns its header, receipts and validator updates. With
    `claimed` (a block replayed from another node or from storage) the computed header must
    equal it; with `evidence` (the misbehaviour the engine's block carries) the marker must
    carry exactly that evidence.

    Raises InvalidBlock.
    """
    params = genesis.params
    chain, extra = validate_block(state, params, block)
    if evidence is not None and tuple(evidence) != extra.evidence:
        raise InvalidBlock("the block's marker does not carry the engine's evidence")
    checkpoint = parent_checkpoint(state)
    observation = extra.observation
    if observation is not None:
        state.bridge.observe(observation, block.height)
        for event in observation.settled:
            apply_settlement(state, event, block.height)
    if chain is ChainKind.ZK:
        receipts, jobs = apply_zk_body(state, genesis, block, decoded or {})
        proofs: list[tuple[bytes, bytes]] = []
    else:
        receipts, proofs = apply_fast_body(state, genesis, block, decoded or {})
        jobs = []
    previous = ZERO_HASH if state.head is None else state.head.hash
    outcome = state.market.on_block(block.height, previous, block.time_ms)
    track_roots(state, block.height)
    slashed, updates = staking_step(state, extra.evidence, block.time_ms, block.height)
    state.attestations.record_bundled(state.market, checkpoint, block.height)
    header = make_header(state, chain, block, receipts)
    if claimed is not None:
        check_header(claimed, header)
    state.advance(header)
    return BlockResult(header, block.txs[0], receipts, jobs, proofs, outcome, updates, slashed)


def parent_checkpoint(state: SequencerState) -> Checkpoint:
    """The fast chain's checkpoint a batch bundled in the block being applied is attested
    with: the parent block's height and app hash and the fast chain's state root that app hash
    commits to (before the block changes it). Zero hash at genesis, where no batch exists."""
    head = state.head
    if head is None:
        return Checkpoint(state.fast.state_root, ZERO_HASH, 0)
    return Checkpoint(state.fast.state_root, head.app_hash, head.height)


def staking_step(
    state: SequencerState, evidence: Sequence[Evidence], time_ms: int, height: int
) -> tuple[list[Slash], list[ValidatorUpdate]]:
    """The staking step of every block, after the market's: each piece of evidence slashes
    its validator (once), then the unbondings matured by the block's time are paid out, and the
    set's changes are the block's validator updates (staking/state.py); a changed set is
    recorded as the next validator set for L1 (sequencer/validator_sets.py)."""
    slashed = [s for e in evidence if (s := state.staking.slash(e.validator, e)) is not None]
    updates = state.staking.end_block(time_ms)
    if updates:
        state.validator_sets.record_change(state.staking, height)
    return slashed, updates


# -- the ZK chain ----------------------------------------------------------------------------


def apply_zk_body(
    state: SequencerState, genesis: Genesis, block: Block, decoded: DecodeCache
) -> tuple[list[TxReceipt], list[ProofJobRecord]]:
    """Executes a ZK block's transactions in order; each one that executes leaves a proving
    job (its witness) and a job of the proving market."""
    receipts: list[TxReceipt] = []
    jobs: list[ProofJobRecord] = []
    root_before = state.zk.root()
    for index, raw in enumerate(block.body):
        tx_hash = _hash(raw)
        try:
            tx = _decoded(raw, tx_hash, state, decoded).tx
            if not isinstance(tx, ZkTransaction):
                raise TypeError(type(tx))  # validate_block admits ZK-chain envelopes only
            result, job = apply_zk_transaction(state, genesis, tx_hash, tx, block)
        except BraidError as e:
            receipts.append(_failed(tx_hash, block.height, index, TxKind.ZK, raw, e))
            continue
        jobs.append(ProofJobRecord(tx_hash, block.height, index, job.to_json()))
        receipts.append(TxReceipt(tx_hash, block.height, index, TxKind.ZK, raw, True, None, result))
    root_after = state.zk.root()
    if root_after != root_before:
        # the fast chain's oracle learns every ZK block's root (docs/hybrid.md)
        state.hybrid.queue_root(root_after, block.height, RootStatus.COMMITTED)
    return receipts, jobs


def apply_zk_transaction(
    state: SequencerState, genesis: Genesis, tx_hash: bytes, tx: ZkTransaction, block: Block
) -> tuple[ZkTxResult, ProofJob]:
    """One ZK-chain transaction: its fee rules (a Deposit: the observed L1 deposit backing it
    instead), the STF (with the circuit's witness), the fee debited in ZKPoW, and its job in
    the market (the statement its proof must show: the roots around it and its public data
    record).

    Raises the fee's, the bridge's and the STF's named errors and MalformedPubdata, before
    changing anything.
    """
    params = genesis.params
    time_s = block.time_ms // 1000
    backing = state.bridge.check_deposit(tx) if isinstance(tx, Deposit) else None
    exit_record = state.hybrid.check_exit(tx) if isinstance(tx, MoveFromFast) else None
    prize = (
        state.hybrid.check_prize(tx, state.zk.account_eth_address(tx.to_index))
        if isinstance(tx, GameMint)
        else None
    )
    system = backing is not None or exit_record is not None or prize is not None
    payer = None if system else check_zk_fee(state.zk, state.zkpow, params, tx)
    record = pubdata(tx, time_s)
    try:
        receipt, witness = apply_with_witness(state.zk, tx, params.zk, time_s=time_s)
    except BraidError as e:
        # A backed exit or prize the STF refuses (the escrow holds less, the round's cap is
        # reached, the reporter is not the collection's game) is settled as refused: the
        # damage bound at work, and nothing pending for ever.
        if exit_record is not None:
            state.hybrid.exit_settled(exit_record, tx_hash, block.height, f"{e.name}: {e}")
        if prize is not None:
            state.hybrid.prize_settled(prize, tx_hash, block.height, error=f"{e.name}: {e}")
        raise
    if backing is not None:
        state.bridge.credited(backing, tx_hash, block.height)
    if exit_record is not None:
        state.hybrid.exit_settled(exit_record, tx_hash, block.height)
    if prize is not None:
        state.hybrid.prize_settled(prize, tx_hash, block.height, receipt.nft_id)
    if isinstance(tx, MoveToFast):
        owner = state.zk.account_eth_address(tx.from_index)
        assert owner is not None  # the STF checked the sender exists
        state.hybrid.queue_credit(owner, tx.amount)
    if payer is not None:
        state.zkpow.debit(payer, tx.fee)
    state.market.job_committed(
        tx_hash,
        tx.fee,
        receipt.old_root,
        receipt.new_root,
        block.height,
        block.time_ms,
        pubdata=record,
        settlement_bps=params.bridge.agent_share_bps,
    )
    result = ZkTxResult(receipt.tx_type, tx.fee, receipt.account_index, receipt.nft_id)
    return result, ProofJob(tx, witness)


# -- the fast chain and the sequencer's own transactions -------------------------------------


def apply_fast_body(
    state: SequencerState, genesis: Genesis, block: Block, decoded: DecodeCache
) -> tuple[list[TxReceipt], list[tuple[bytes, bytes]]]:
    """A fast block: the sequencer's transactions (proofs, the market's, the faucet) in order,
    then the fast chain's EVM block over its transactions and the faucet's credits."""
    receipts: list[TxReceipt] = []
    proofs: list[tuple[bytes, bytes]] = []
    evm_txs: list[tuple[int, bytes, FastTx]] = []
    credits: list[tuple[bytes, int]] = []
    for index, raw in enumerate(block.body):
        tx_hash = _hash(raw)
        kind = unwrap(raw)[0]
        try:
            tx = _decoded(raw, tx_hash, state, decoded).tx
            if isinstance(tx, FastTx):
                evm_txs.append((index, raw, tx))
                continue
            result = apply_sequencer_transaction(state, genesis, tx, block)
        except BraidError as e:
            receipts.append(_failed(tx_hash, block.height, index, kind, raw, e))
            continue
        if isinstance(tx, SubmitProof):
            proofs.append((tx.tx_hash, tx.proof))
        if isinstance(result, FaucetResult):
            credits.append((result.address, result.fast_wei))
        receipts.append(TxReceipt(tx_hash, block.height, index, kind, raw, True, None, result))
    moved, root_updates = state.hybrid.take_for_fast_block()
    if ZK_ROOTS not in genesis.params.fast.genesis_code:
        root_updates = []  # a chain without the hybrid's system contracts has no oracle
    evm = state.fast.execute_block(
        [t for _, _, t in evm_txs],
        timestamp=block.time_ms // 1000,
        credits=[*moved, *credits],
        root_updates=root_updates,
    )
    observe_fast_events(state, evm.hash, block.height)
    for (index, raw, ftx), outcome in zip(evm_txs, evm.outcomes, strict=True):
        receipts.append(
            TxReceipt(
                ftx.hash,
                block.height,
                index,
                TxKind.FAST,
                raw,
                outcome.included,
                outcome.error,
                FastTxResult(evm.number, outcome.status, outcome.gas_used),
            )
        )
    receipts.sort(key=lambda r: r.index)
    return receipts, proofs


def apply_sequencer_transaction(
    state: SequencerState, genesis: Genesis, tx: object, block: Block
) -> Result | None:
    """A proof submission, a market transaction, a staking transaction or an Attest (no
    result: the validator's or the batch's record shows what it did) or a faucet request.

    Raises the rule's named error, before changing anything.
    """
    if isinstance(tx, SubmitProof):
        return accept_proof(state, genesis, tx, block.height, block.time_ms)
    if isinstance(tx, Faucet):
        faucet = genesis.params.faucet
        check_faucet(genesis.params)
        state.zkpow.credit(tx.address, faucet.zkpow)
        return FaucetResult(tx.address, faucet.zkpow, faucet.fast_wei)
    if isinstance(tx, MarketTx):
        return state.market.apply(tx, block.height, block.time_ms)
    if isinstance(tx, Bond | Unbond):
        state.staking.apply(tx, block.height, block.time_ms)
        return None
    if isinstance(tx, Attest):
        sets = state.validator_sets.check(tx.sets)  # both checked before either changes
        nonce = state.validator_sets.nonce
        state.attestations.apply(tx, state.staking, block.height, set_nonce=nonce)
        state.validator_sets.apply(sets, block.height)
        return None
    raise TypeError(type(tx))


# -- the hybrid (docs/hybrid.md) -------------------------------------------------------------


def observe_fast_events(state: SequencerState, block_hash: bytes, height: int) -> None:
    """The fast block's exits and prizes become pending for the next ZK block (or refused at
    once, when no ZK account can receive them)."""
    record = state.fast.block_by_hash(block_hash)
    if record is None:
        return
    zk = state.zk
    for event in exit_events(record):
        payable = event.zk_account < zk.params.escrow_index and (
            zk.account_public_key(event.zk_account) is not None
        )
        state.hybrid.observe_exit(event, height, payable=payable)
    for prize in prize_events(record):
        mintable = zk.account_index(prize.winner) is not None
        state.hybrid.observe_prize(prize, height, mintable=mintable)


def track_roots(state: SequencerState, height: int) -> None:
    """Queues the rise of ZK roots to proven (the chain's transactions proven contiguously up
    to them) and settled (L1 settled them) for the fast chain's oracle."""
    hybrid, market = state.hybrid, state.market
    proven = hybrid.meta.proven_txs
    proven_root: bytes | None = None
    while True:
        tx_hash = market.tx_at(proven)
        if tx_hash is None or market.proof_of(tx_hash) is None:
            break
        roots = market.roots_of(tx_hash)
        assert roots is not None
        proven_root = roots[1]
        proven += 1
    settled = state.bridge.meta.settled_root
    if proven_root is None and settled == hybrid.meta.settled_root:
        return
    if proven_root is not None:
        hybrid.queue_root(int.from_bytes(proven_root, "big"), height, RootStatus.PROVEN)
    if settled and settled != hybrid.meta.settled_root:
        hybrid.queue_root(int.from_bytes(settled, "big"), height, RootStatus.SETTLED)
    hybrid.set_progress(proven, settled)


# -- helpers ---------------------------------------------------------------------------------


def _hash(raw: bytes) -> bytes:
    return payload_hash(unwrap(raw)[1])


def _decoded(raw: bytes, tx_hash: bytes, state: SequencerState, cache: DecodeCache) -> Decoded:
    cached = cache.get(tx_hash)
    return cached if cached is not None and cached.raw == raw else decode(raw, state.fast)


def _failed(
    tx_hash: bytes, height: int, index: int, kind: TxKind, raw: bytes, e: BraidError
) -> TxReceipt:
    return TxReceipt(tx_hash, height, index, kind, raw, False, f"{e.name}: {e}")
