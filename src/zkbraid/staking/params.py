"""The proof-of-stake parameters: one typed, frozen object with documented defaults (STYLE.md §7),
and the validators bonded at genesis.

Amounts are in ZKPoW base units (10^-18 ZKPoW); times are block time in milliseconds (the
block's header time, never a clock), so every validator matures an unbonding in the same block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkbraid.errors import OutOfRange
from zkbraid.market.fees import ONE_ZKPOW

BPS = 10_000
"""One, in basis points."""
MAX_TOTAL_POWER = (2**63 - 1) // 8
"""CometBFT's MaxTotalVotingPower (types/validator_set.go): a set whose total voting power
exceeds it is refused by the engine, so no bond may take the chain's total power beyond it."""


class InvalidStakingParams(OutOfRange):
    """A staking parameter out of its range, or genesis validators that break the rules."""


@dataclass(frozen=True)
class StakingParams:
    """Bonds, voting power, unbonding and slashing of the sequencer's validators (issue 15,
    "proof of stake in ZKPoW")."""

    min_bond: int = 1_000 * ONE_ZKPOW
    """The least a validator may have bonded (after its pending unbondings): a new validator's
    first bond, and what an unbond may leave, unless it leaves nothing."""
    power_unit: int = ONE_ZKPOW
    """ZKPoW per unit of voting power: power = bonded // power_unit (1 ZKPoW, 1 vote)."""
    unbonding_period_ms: int = 7 * 24 * 3_600_000
    """How long unbonded ZKPoW stays bonded, voting and slashable (block time): an Unbond in a
    block at time t leaves the validator's power, and its ZKPoW returns to the validator's
    balance, in the first block at or after t + this. Seven days: evidence of a double vote
    reaches the chain well within it (CometBFT keeps evidence for 48 hours by default)."""
    slash_double_sign_bps: int = 500
    """The share of its bond (unbonding entries included) burnt when a validator signed two
    different votes or headers at one height: 5 % (the Cosmos Hub's slash_fraction_double_sign).
    The validator is also jailed for good."""
    max_validators: int = 100
    """The most validators with voting power: the ones with the largest bonds (ties by the
    lower address)."""
    max_unbonding_entries: int = 7
    """The most unbondings a validator may have waiting at once (Cosmos's max_entries): each is
    a record every block's step looks at."""

    def __post_init__(self) -> None:
        if self.power_unit <= 0:
            raise InvalidStakingParams("power_unit must be positive")
        if self.min_bond < self.power_unit:
            raise InvalidStakingParams("min_bond must give at least one unit of voting power")
        if self.unbonding_period_ms < 0:
            raise InvalidStakingParams("unbonding_period_ms is not negative")
        if not 0 <= self.slash_double_sign_bps <= BPS:
            raise InvalidStakingParams(
                "slash_double_sign_bps is a share in basis points, got"
                f" {self.slash_double_sign_bps}"
            )
        if self.max_validators <= 0 or self.max_unbonding_entries <= 0:
            raise InvalidStakingParams("max_validators and max_unbonding_entries are positive")


@dataclass(frozen=True)
class GenesisValidator:
    """A validator bonded at genesis.

    Its bond is minted at genesis, beside the ZKPoW allocation (`ChainParams.zkpow_alloc`): the
    genesis supply is the allocation plus the genesis bonds, and a genesis validator's balance
    is its allocation alone. Once unbonded, the bond is ordinary ZKPoW of `address`.
    """

    address: bytes
    """The validator's Ethereum address: it signs its Bond and Unbond transactions and receives
    its unbonded ZKPoW."""
    consensus_key: bytes
    """Its CometBFT ed25519 public key (32 bytes)."""
    bonded: int


def check_genesis_validators(params: StakingParams, validators: Sequence[GenesisValidator]) -> None:
    """The genesis validators follow the bond rules: 20-byte addresses and 32-byte keys, each
    used once, each bond at least `min_bond`, within CometBFT's total power.

    Raises InvalidStakingParams.
    """
    addresses, keys, power = set(), set(), 0
    for v in validators:
        if len(v.address) != 20 or len(v.consensus_key) != 32:
            raise InvalidStakingParams("a genesis validator has a 20-byte address, a 32-byte key")
        if v.address in addresses or v.consensus_key in keys:
            raise InvalidStakingParams(
                f"genesis validator 0x{v.address.hex()}: its address or consensus key is used twice"
            )
        if not params.min_bond <= v.bonded < 2**127:
            raise InvalidStakingParams(
                f"genesis validator 0x{v.address.hex()} bonds {v.bonded}, below min_bond"
                f" {params.min_bond} (or beyond a ZKPoW balance)"
            )
        addresses.add(v.address)
        keys.add(v.consensus_key)
        power += v.bonded // params.power_unit
    if power > MAX_TOTAL_POWER:
        raise InvalidStakingParams("the genesis validators' power exceeds CometBFT's total")
