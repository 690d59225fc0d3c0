"""The rules a transaction must pass against the state, shared by the mempool (with what is
already pending counted) and by the block transition (with nothing pending): decoding by
envelope kind, the ZK chain's validity rules and fee, the faucet's switch.

A proof submission's rules are in proof_acceptance.py, the market's own transactions' in
market/state.py (`Market.check`), the staking transactions' in staking/state.py
(`Staking.check`), an Attest's in sequencer/attestations.py (`Attestations.check`), a
fast-chain transaction's in fast/admission.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from zkbraid.config import ChainParams
from zkbraid.fast.chain import FastChain
from zkbraid.fast.txs import FastTx
from zkbraid.ledger.envelope import TxKind, payload_hash, unwrap
from zkbraid.market.market_txs import MARKET_TX_TYPES, MarketTx, decode_market_tx
from zkbraid.market.transactions import SequencerTx, decode_sequencer_tx
from zkbraid.market.zkpow import InsufficientZkpow, ZkpowLedger
from zkbraid.sequencer.attest_tx import ATTEST, Attest, decode_attest
from zkbraid.sequencer.errors import FaucetDisabled, InvalidBlock
from zkbraid.staking.transactions import STAKING_TX_TYPES, StakingTx, decode_staking_tx
from zkbraid.zk import stf as zk_stf
from zkbraid.zk.state import ZkState
from zkbraid.zk.transactions import ZkTransaction, decode_transaction

AnyTx = ZkTransaction | FastTx | SequencerTx | MarketTx | StakingTx | Attest
_NONE: Mapping[bytes, int] = MappingProxyType({})


@dataclass(frozen=True)
class Decoded:
    """A transaction decoded from its envelope."""

    kind: TxKind
    hash: bytes
    raw: bytes
    tx: AnyTx


def decode(raw: bytes, fast: FastChain) -> Decoded:
    """The transaction in envelope `raw`.

    Raises MalformedEnvelope and each kind's decoding errors; InvalidBlock for a chain marker.
    """
    kind, payload = unwrap(raw)
    tx_hash = payload_hash(payload)
    tx: AnyTx
    if kind is TxKind.ZK:
        tx = decode_transaction(payload)
    elif kind is TxKind.FAST:
        tx = fast.decode_transaction(payload)
    elif kind is TxKind.SEQUENCER:
        if payload[:1] and payload[0] in MARKET_TX_TYPES:
            tx = decode_market_tx(payload)
        elif payload[:1] and payload[0] in STAKING_TX_TYPES:
            tx = decode_staking_tx(payload)
        elif payload[:1] == bytes([ATTEST]):
            tx = decode_attest(payload)
        else:
            tx = decode_sequencer_tx(payload)
    else:
        raise InvalidBlock("a chain marker is not a transaction")
    return Decoded(kind, tx_hash, raw, tx)


def check_zk_transaction(
    zk: ZkState,
    zkpow: ZkpowLedger,
    params: ChainParams,
    tx: ZkTransaction,
    *,
    pending_nonce: int | None = None,
    pending_fees: Mapping[bytes, int] = _NONE,
    time_s: int | None = None,
) -> bytes:
    """Every rule a ZK-chain transaction must pass to be admitted: the STF's validity rules
    (with the sender's next nonce counting pending ones, and `time_s` as the block time an
    NftBuy's listing must not have passed), then its fee (`check_zk_fee`). Returns the fee
    payer; writes nothing."""
    zk_stf.validate_transaction(zk, tx, params.zk, pending_nonce=pending_nonce, time_s=time_s)
    return check_zk_fee(zk, zkpow, params, tx, pending_fees=pending_fees)


def check_zk_fee(
    zk: ZkState,
    zkpow: ZkpowLedger,
    params: ChainParams,
    tx: ZkTransaction,
    *,
    pending_fees: Mapping[bytes, int] = _NONE,
) -> bytes:
    """The fee rules of a ZK-chain transaction: at least the schedule's minimum for its type,
    and a ZKPoW balance of its fee payer covering it beyond the fees the payer has pending
    (`pending_fees`, by payer). Returns the payer.

    Raises FeeTooLow, InsufficientZkpow.
    """
    params.fees.check(tx)
    payer = zk_stf.fee_payer(zk, tx)
    have = zkpow.balance(payer)
    promised = pending_fees.get(payer, 0)
    if have - promised < tx.fee:
        pending = f" with {promised} pending in fees" if promised else ""
        raise InsufficientZkpow(
            f"ZKPoW balance of 0x{payer.hex()} is {have}{pending}; the fee is {tx.fee}"
        )
    return payer


def check_faucet(params: ChainParams) -> None:
    """Raises FaucetDisabled unless the chain has a faucet (devnets)."""
    if not params.faucet.enabled:
        raise FaucetDisabled("the faucet is disabled on this network")
