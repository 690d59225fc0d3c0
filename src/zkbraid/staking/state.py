"""The validators' committed state and the rules of proof of stake in ZKPoW (issue 15).

A validator is an Ethereum address that bonded ZKPoW, with the ed25519 consensus key it votes
with in CometBFT. Its record holds what it has bonded, its unbondings waiting for their
maturity, whether it is jailed, what it lost to slashing, its staking nonce and the voting
power the chain last gave the engine. The records are committed by a trie (ledger/record_store.py)
whose root enters the sequencer root (sequencer/state.py).

The rules:

- **Bond** debits the ZKPoW from the validator's balance and bonds it: its power rises in the
  same block. A new validator (or one that has unbonded everything) must bring it to at least
  `min_bond`, with a consensus key no other validator uses; a validator keeps its first key
  for good (`ConsensusKeyMismatch`), and a jailed one may not bond again.
- **Unbond** starts an unbonding: the amount stays bonded, voting and slashable for
  `unbonding_period_ms` of block time, then, at the end of the first block at or after its
  maturity, leaves the validator's power and returns to its ZKPoW balance (once). It may not
  take more than is bonded and not already unbonding (`UnbondTooLarge`), may leave either
  nothing or at least `min_bond`, and may not leave the chain without any validator to come
  (`LastValidator`).
- **Slash**: evidence of a double vote (CometBFT's duplicate vote or light-client attack, both
  an equivocation) burns `slash_double_sign_bps` of the offender's bond, its unbondings
  included, and jails it for good (Cosmos's tombstone): its power is 0 from that block, it may
  still unbond what is left. A jailed validator is never slashed again, so each offence burns
  once; evidence naming no validator of the chain is ignored (the engine checked it; refusing
  the block would halt the chain over a validator it cannot punish).
- **The set**: at the end of every block (after the market's step) matured unbondings are paid
  out and, if any bond, unbonding or jail changed, the set is recomputed: the
  `max_validators` unjailed validators with the largest bonds (ties by the lower address), each
  with power `bonded // power_unit`. The block's **validator updates** are the validators
  whose power differs from what the engine was last told (power 0 removes one), ordered by
  consensus key. The set is never left empty: if no validator qualifies (the last ones were
  jailed), the set stays as it was, since CometBFT halts on an empty set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated

from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.errors import InsufficientFunds, NonceError, NotFound, OutOfRange, Unauthorized
from zkbraid.ledger.codec import U64, U128, Address, Bytes, Flag, ListOf, Record
from zkbraid.ledger.kv import KVNamespace
from zkbraid.ledger.record_store import RecordStore
from zkbraid.market.zkpow import InsufficientZkpow, ZkpowLedger
from zkbraid.staking.evidence import Evidence
from zkbraid.staking.keys import consensus_address
from zkbraid.staking.params import BPS, MAX_TOTAL_POWER, GenesisValidator, StakingParams
from zkbraid.staking.transactions import Bond, StakingTx, Unbond, zkpow_text

ConsensusKey = Annotated[bytes, Bytes(32)]
"""An ed25519 public key."""

_META = b"m"


def _validator_key(address: bytes) -> bytes:
    return b"v" + address


# -- named rejections --------------------------------------------------------------------------


class InvalidStakeAmount(OutOfRange):
    """A bond or unbond of nothing."""


class UnknownValidator(NotFound):
    """An unbond by an address that never bonded."""


class StakingNonceMismatch(NonceError):
    """A staking transaction whose nonce is not the validator's next (replayed or gapped)."""


class BondBelowMinimum(OutOfRange):
    """A bond that leaves a validator below `min_bond`, or an unbond that leaves it with less
    than `min_bond` but more than nothing."""


class ConsensusKeyInUse(Unauthorized):
    """A new validator's consensus key (or its CometBFT address) is another validator's."""


class ConsensusKeyMismatch(Unauthorized):
    """A bond to an existing validator naming another consensus key than its own."""


class ValidatorJailed(Unauthorized):
    """A bond to a validator jailed for a double vote."""


class UnbondTooLarge(InsufficientFunds):
    """An unbond of more than the validator has bonded and is not already unbonding."""


class TooManyUnbondings(OutOfRange):
    """An unbond while `max_unbonding_entries` are already waiting."""


class LastValidator(Unauthorized):
    """An unbond that would leave no validator with voting power once it matures."""


class PowerCapExceeded(OutOfRange):
    """A bond that would take the chain's total voting power beyond CometBFT's bound."""


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unbonding(Record):
    """An unbonding: `amount` leaves the bond at the first block at or after `matures_ms`."""

    amount: U128
    matures_ms: U64
    height: U64
    """The block of the Unbond."""


@dataclass(frozen=True)
class ValidatorRecord(Record):
    """A validator: its bond (unbondings included, until they mature), its unbondings, jail,
    slashes, staking nonce, and the voting power the engine was last given."""

    address: Address
    consensus_key: ConsensusKey
    bonded: U128 = 0
    unbonding: Annotated[list[Unbonding], ListOf(Unbonding)] = field(default_factory=list)
    jailed: Flag = False
    slashed: U128 = 0
    """ZKPoW burnt by slashing, in all."""
    nonce: U64 = 0
    power: U64 = 0
    """The voting power in the set (0: not in it), as the last validator updates left it."""
    since_height: U64 = 0
    """The block of its first bond (0: genesis)."""

    @property
    def unbonding_total(self) -> int:
        return sum(e.amount for e in self.unbonding)

    @property
    def staying(self) -> int:
        """What stays bonded once its unbondings mature."""
        return self.bonded - self.unbonding_total

    @property
    def consensus_address(self) -> bytes:
        return consensus_address(self.consensus_key)


@dataclass(frozen=True)
class StakingMeta(Record):
    total_power: U64 = 0
    """The set's total voting power."""
    size: U64 = 0
    """How many validators have voting power."""


@dataclass(frozen=True)
class Slash:
    """What one piece of evidence did: `burnt` ZKPoW of `address`'s bond, which is now jailed."""

    address: bytes
    evidence: Evidence
    burnt: int


# -- the state ---------------------------------------------------------------------------------


class Staking:
    """The validators, committed by a trie root, and the rules that change them."""

    def __init__(
        self,
        params: StakingParams,
        zkpow: ZkpowLedger,
        nodes: KVNamespace,
        records: KVNamespace,
        live: KVNamespace,
    ) -> None:
        self.params = params
        self._zkpow = zkpow
        self._store = RecordStore(nodes, records, live)
        self._load()

    def _load(self) -> None:
        self.meta = self._store.get(_META, StakingMeta) or StakingMeta()
        self._validators: dict[bytes, ValidatorRecord] = {}
        self._by_key: dict[bytes, bytes] = {}
        self._by_consensus_address: dict[bytes, bytes] = {}
        for key in self._store.live_keys():
            record = self._store.get(key, ValidatorRecord)
            if record is not None:
                self._index(record)
        self._changed = False
        """A bond, a maturity or a jail since the set was last computed."""

    def reload(self) -> None:
        """Forgets what was not committed (after the block's writes were discarded)."""
        self._store.reload()
        self._load()

    @property
    def root(self) -> bytes:
        return self._store.flush()

    def _index(self, record: ValidatorRecord) -> None:
        self._validators[record.address] = record
        self._by_key[record.consensus_key] = record.address
        self._by_consensus_address[record.consensus_address] = record.address

    def _save(self, record: ValidatorRecord) -> None:
        key = _validator_key(record.address)
        self._store.put(record, key)
        if record.address not in self._validators:
            self._store.set_live(key, True)
        self._index(record)

    # -- views -----------------------------------------------------------------------------

    def validator(self, address: bytes) -> ValidatorRecord | None:
        return self._validators.get(address)

    def by_consensus_address(self, address: bytes) -> ValidatorRecord | None:
        owner = self._by_consensus_address.get(address)
        return None if owner is None else self._validators[owner]

    def validators(self) -> list[ValidatorRecord]:
        """Every validator, by voting power, then bond (largest first), then address."""
        return sorted(self._validators.values(), key=lambda v: (-v.power, -v.bonded, v.address))

    @property
    def total_power(self) -> int:
        return self.meta.total_power

    def validator_set(self) -> list[ValidatorUpdate]:
        """The set as the engine has it: every validator with voting power, by consensus key
        (what InitChain answers at genesis)."""
        return sorted(
            (
                ValidatorUpdate(v.consensus_key, v.power)
                for v in self._validators.values()
                if v.power
            ),
            key=lambda u: u.consensus_key,
        )

    def due(self, time_ms: int) -> bool:
        """Whether a block at `time_ms` would mature an unbonding (the proposer then cuts one,
        so that power leaves on time on a quiet chain)."""
        return any(e.matures_ms <= time_ms for v in self._validators.values() for e in v.unbonding)

    # -- genesis ---------------------------------------------------------------------------

    def genesis(self, validators: Sequence[GenesisValidator]) -> None:
        """Bonds the genesis validators (their bonds minted at genesis, staking/params.py) and
        computes the genesis set, which the engine starts from (no updates)."""
        for v in validators:
            self._save(ValidatorRecord(v.address, v.consensus_key, bonded=v.bonded))
        self._changed = True
        self._compute_set()

    # -- the transactions ------------------------------------------------------------------

    def check(
        self,
        tx: StakingTx,
        *,
        pending_nonce: int | None = None,
        pending_change: int = 0,
        promised: int = 0,
    ) -> None:
        """Every rule a staking transaction must pass against the current state; changes
        nothing. What is pending in the mempool counts when given: `pending_nonce` the
        validator's next nonce, `pending_change` the net ZKPoW its pending bonds and unbonds
        add to what stays bonded, `promised` the ZKPoW its pending fees and bonds will take.

        Raises BadStakingSignature, InvalidStakeAmount, StakingNonceMismatch, UnknownValidator,
        ConsensusKeyMismatch, ValidatorJailed, ConsensusKeyInUse, BondBelowMinimum,
        InsufficientZkpow, PowerCapExceeded, UnbondTooLarge, TooManyUnbondings, LastValidator.
        """
        tx.check_signature()
        if tx.amount == 0:
            raise InvalidStakeAmount(f"a {type(tx).__name__.lower()} of nothing")
        record = self._validators.get(tx.validator)
        if isinstance(tx, Unbond) and record is None:
            raise UnknownValidator(f"0x{tx.validator.hex()} is not a validator")
        expected = (
            (0 if record is None else record.nonce) if pending_nonce is None else pending_nonce
        )
        if tx.nonce != expected:
            raise StakingNonceMismatch(
                f"validator 0x{tx.validator.hex()} staking nonce is {expected}, the transaction"
                f" has {tx.nonce}"
            )
        staying = (0 if record is None else record.staying) + pending_change
        if isinstance(tx, Bond):
            self._check_bond(tx, record, staying, promised)
        else:
            assert record is not None
            self._check_unbond(tx, record, staying)

    def _check_bond(
        self, tx: Bond, record: ValidatorRecord | None, staying: int, promised: int
    ) -> None:
        p = self.params
        if record is not None:
            if record.consensus_key != tx.consensus_key:
                raise ConsensusKeyMismatch(
                    f"validator 0x{tx.validator.hex()} votes with consensus key"
                    f" 0x{record.consensus_key.hex()}, not 0x{tx.consensus_key.hex()}"
                )
            if record.jailed:
                raise ValidatorJailed(f"validator 0x{tx.validator.hex()} is jailed for good")
        else:
            owner = self._by_key.get(tx.consensus_key) or self._by_consensus_address.get(
                consensus_address(tx.consensus_key)
            )
            if owner is not None:
                raise ConsensusKeyInUse(
                    f"consensus key 0x{tx.consensus_key.hex()} is validator 0x{owner.hex()}'s"
                )
        if staying + tx.amount < p.min_bond:
            raise BondBelowMinimum(
                f"validator 0x{tx.validator.hex()} would have {zkpow_text(staying + tx.amount)}"
                f" bonded, below the minimum of {zkpow_text(p.min_bond)}"
            )
        have = self._zkpow.balance(tx.validator)
        if have - promised < tx.amount:
            pending = f" with {promised} promised to pending transactions" if promised else ""
            raise InsufficientZkpow(
                f"ZKPoW balance of 0x{tx.validator.hex()} is {have}{pending}; the bond is"
                f" {tx.amount}"
            )
        bonded = 0 if record is None else record.bonded
        unit = p.power_unit
        total = sum(v.bonded // unit for v in self._validators.values() if not v.jailed)
        if total - bonded // unit + (bonded + tx.amount) // unit > MAX_TOTAL_POWER:
            raise PowerCapExceeded("the bond would take the total voting power beyond CometBFT's")

    def _check_unbond(self, tx: Unbond, record: ValidatorRecord, staying: int) -> None:
        p = self.params
        if tx.amount > staying:
            raise UnbondTooLarge(
                f"validator 0x{tx.validator.hex()} has {zkpow_text(max(staying, 0))} bonded and"
                f" not unbonding; the unbond is {zkpow_text(tx.amount)}"
            )
        left = staying - tx.amount
        if 0 < left < p.min_bond:
            raise BondBelowMinimum(
                f"the unbond would leave {zkpow_text(left)} bonded, below the minimum of"
                f" {zkpow_text(p.min_bond)}: unbond all or leave at least the minimum"
            )
        if len(record.unbonding) >= p.max_unbonding_entries:
            raise TooManyUnbondings(
                f"validator 0x{tx.validator.hex()} has {len(record.unbonding)} unbondings"
                f" waiting, the most there may be"
            )
        if not record.jailed and left // p.power_unit == 0:
            others = any(
                v.staying // p.power_unit > 0
                for v in self._validators.values()
                if v.address != record.address and not v.jailed
            )
            if not others:
                raise LastValidator(
                    "the unbond would leave the chain without a validator once it matures"
                )

    def apply(self, tx: StakingTx, height: int, time_ms: int) -> None:
        """Applies a staking transaction included in block `height` (at `time_ms`).

        Raises what `check` raises, before changing anything.
        """
        self.check(tx)
        record = self._validators.get(tx.validator)
        if isinstance(tx, Bond):
            self._zkpow.debit(tx.validator, tx.amount)
            if record is None:
                record = ValidatorRecord(tx.validator, tx.consensus_key, since_height=height)
            self._save(replace(record, bonded=record.bonded + tx.amount, nonce=record.nonce + 1))
            self._changed = True
            return
        assert record is not None
        entry = Unbonding(tx.amount, time_ms + self.params.unbonding_period_ms, height)
        self._save(replace(record, unbonding=[*record.unbonding, entry], nonce=record.nonce + 1))

    # -- evidence --------------------------------------------------------------------------

    def slash(self, consensus_addr: bytes, evidence: Evidence) -> Slash | None:
        """Slashes the validator with CometBFT address `consensus_addr` for a double vote
        (`evidence`): burns `slash_double_sign_bps` of its bond, unbondings included, and jails
        it. None: no validator of the chain has that address, or it is jailed already (each
        offence burns once)."""
        record = self.by_consensus_address(consensus_addr)
        if record is None or record.jailed:
            return None
        bps = self.params.slash_double_sign_bps
        entries = [replace(e, amount=e.amount - e.amount * bps // BPS) for e in record.unbonding]
        # each part is cut by its own share, so the unbondings never exceed the bond
        burnt = record.staying * bps // BPS + sum(e.amount * bps // BPS for e in record.unbonding)
        self._save(
            replace(
                record,
                bonded=record.bonded - burnt,
                unbonding=[e for e in entries if e.amount],
                jailed=True,
                slashed=record.slashed + burnt,
            )
        )
        self._changed = True
        return Slash(record.address, evidence, burnt)

    # -- the end of a block ----------------------------------------------------------------

    def end_block(self, time_ms: int) -> list[ValidatorUpdate]:
        """The staking step at the end of every block (block time `time_ms`): pays out the
        unbondings matured by then and returns the block's validator updates."""
        for address in sorted(self._validators):
            record = self._validators[address]
            if not any(e.matures_ms <= time_ms for e in record.unbonding):
                continue
            matured = sum(e.amount for e in record.unbonding if e.matures_ms <= time_ms)
            waiting = [e for e in record.unbonding if e.matures_ms > time_ms]
            self._save(replace(record, bonded=record.bonded - matured, unbonding=waiting))
            self._zkpow.credit(address, matured)
            self._changed = True
        return self._compute_set()

    def _compute_set(self) -> list[ValidatorUpdate]:
        if not self._changed:
            return []
        self._changed = False
        p = self.params
        ranked = sorted(
            (v for v in self._validators.values() if not v.jailed and v.bonded // p.power_unit > 0),
            key=lambda v: (-v.bonded, v.address),
        )
        chosen = {v.address: v.bonded // p.power_unit for v in ranked[: p.max_validators]}
        if not chosen:
            return []  # never an empty set (see the module's docstring)
        updates: list[ValidatorUpdate] = []
        for address in sorted(self._validators):
            record = self._validators[address]
            power = chosen.get(address, 0)
            if power != record.power:
                self._save(replace(record, power=power))
                updates.append(ValidatorUpdate(record.consensus_key, power))
        meta = StakingMeta(sum(chosen.values()), len(chosen))
        if meta != self.meta:
            self.meta = meta
            self._store.put(meta, _META)
        return sorted(updates, key=lambda u: u.consensus_key)
