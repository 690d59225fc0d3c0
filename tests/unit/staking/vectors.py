"""The staking rules as vectors, in the consensus specs' style (STYLE.md §5).

Each vector is a generator that yields, in order:

    ("pre", Pre)             the parameters, the genesis validators and balances, and a short
                             list of operations that build the state it starts from
    ("operation", Op)        one operation: a Bond, an Unbond, a slash, or the end of a block
    ("error", str | None)    the name of the rejection it must raise, None if valid
    ("post", dict | None)    the summary after it (`Driver.summary`: balances, validators,
                             total power, the operation's validator updates), or the sections
                             of it the vector pins down; None if rejected

`run_vector` replays one and checks it: vectors named `invalid_*`, and only they, are rejected,
and a rejected operation leaves the state exactly as it was (same summary, same staking and ZKPoW
roots). Amounts are small so that they are worked out by hand from `P`: a minimum bond of 100,
ten base units a vote, a 5-second unbonding period, a 10 % slash, three validators at most and
two unbondings waiting at most. Blocks start at time T.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from tests.vectors import runner
from zkbraid.consensus.engine import ValidatorUpdate
from zkbraid.crypto.personal_sign import personal_sign
from zkbraid.ledger.kv import memory_store
from zkbraid.market.zkpow import ZkpowLedger
from zkbraid.staking.evidence import Evidence, EvidenceKind
from zkbraid.staking.keys import consensus_address
from zkbraid.staking.params import MAX_TOTAL_POWER, GenesisValidator, StakingParams
from zkbraid.staking.state import Staking
from zkbraid.staking.transactions import bond_text, sign_bond, sign_unbond, unbond_text

KEYS = [bytes(keccak(b"vector validator %d" % i)) for i in range(6)]
ADDRESSES = [bytes(PrivateKey(k).public_key.to_canonical_address()) for k in KEYS]
CONSENSUS = [bytes(keccak(b"vector consensus key %d" % i)) for i in range(6)]
NAMES = {a: f"v{i}" for i, a in enumerate(ADDRESSES)}
KEY_NAMES = {k: f"v{i}" for i, k in enumerate(CONSENSUS)}
P = StakingParams(
    min_bond=100,
    power_unit=10,
    unbonding_period_ms=5_000,
    slash_double_sign_bps=1_000,
    max_validators=3,
    max_unbonding_entries=2,
)
T = 1_000_000
BALANCE = 1_000


# -- operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bond:
    who: int
    amount: int
    key: int | None = None
    """Another validator's consensus key (None: its own)."""
    nonce: int | None = None
    """None: the validator's next nonce."""
    signer: int | None = None
    """Another key signs it (a forged bond)."""


@dataclass(frozen=True)
class Unbond:
    who: int
    amount: int
    nonce: int | None = None
    signer: int | None = None


@dataclass(frozen=True)
class Slash:
    """Evidence of a duplicate vote by validator `who`'s consensus key (`address`: another
    consensus address)."""

    who: int
    address: bytes | None = None


@dataclass(frozen=True)
class EndBlock:
    """The end of the open block (at the block's time), then the next block `dt_ms` later."""

    dt_ms: int = 1_000


Op = Bond | Unbond | Slash | EndBlock


@dataclass(frozen=True)
class Pre:
    genesis: tuple[tuple[int, int], ...] = ((0, 200), (1, 100))
    """(validator, bond) of the genesis validators."""
    balances: tuple[tuple[int, int], ...] = tuple((i, BALANCE) for i in range(6))
    ops: tuple[Op, ...] = ()
    params: StakingParams = P


# -- the driver: the staking state fed blocks the way the block transition feeds it -----------


@dataclass
class Driver:
    pre: Pre
    time_ms: int = T
    height: int = 1
    updates: list[ValidatorUpdate] = field(default_factory=list)

    def __post_init__(self) -> None:
        store = memory_store()
        self.zkpow = ZkpowLedger(store.namespace("z.trie"), store.namespace("z"))
        for who, amount in self.pre.balances:
            self.zkpow.credit(ADDRESSES[who], amount)
        self.staking = Staking(
            self.pre.params,
            self.zkpow,
            store.namespace("s.trie"),
            store.namespace("s"),
            store.namespace("s.live"),
        )
        self.staking.genesis(
            [GenesisValidator(ADDRESSES[w], CONSENSUS[w], b) for w, b in self.pre.genesis]
        )

    def _nonce(self, who: int, nonce: int | None) -> int:
        if nonce is not None:
            return nonce
        record = self.staking.validator(ADDRESSES[who])
        return 0 if record is None else record.nonce

    def run(self, op: Op) -> None:
        """Runs `op`; `updates` are then its validator updates (none but an EndBlock's)."""
        updates: list[ValidatorUpdate] = []
        s = self.staking
        if isinstance(op, Bond):
            key = CONSENSUS[op.who if op.key is None else op.key]
            nonce = self._nonce(op.who, op.nonce)
            tx = sign_bond(KEYS[op.who], key, op.amount, nonce)
            if op.signer is not None:
                text = bond_text(tx.validator, key, op.amount, nonce)
                tx = replace(tx, signature=personal_sign(KEYS[op.signer], text))
            s.apply(tx, self.height, self.time_ms)
        elif isinstance(op, Unbond):
            nonce = self._nonce(op.who, op.nonce)
            utx = sign_unbond(KEYS[op.who], op.amount, nonce)
            if op.signer is not None:
                text = unbond_text(utx.validator, op.amount, nonce)
                utx = replace(utx, signature=personal_sign(KEYS[op.signer], text))
            s.apply(utx, self.height, self.time_ms)
        elif isinstance(op, Slash):
            address = op.address or consensus_address(CONSENSUS[op.who])
            evidence = Evidence(EvidenceKind.DUPLICATE_VOTE, address, self.height - 1, 0, 300)
            s.slash(address, evidence)
        else:
            updates = s.end_block(self.time_ms)
            self.height += 1
            self.time_ms += op.dt_ms
        self.updates = updates

    def roots(self) -> tuple[bytes, ...]:
        return self.staking.root, self.zkpow.root

    def summary(self) -> dict[str, Any]:
        s = self.staking
        return {
            "balances": {NAMES[a]: self.zkpow.balance(a) for a in ADDRESSES},
            "validators": {
                NAMES[v.address]: {
                    "bonded": v.bonded,
                    "unbonding": [(e.amount, e.matures_ms - T) for e in v.unbonding],
                    "jailed": v.jailed,
                    "slashed": v.slashed,
                    "nonce": v.nonce,
                    "power": v.power,
                }
                for v in s.validators()
            },
            "total_power": s.total_power,
            "updates": [(KEY_NAMES[u.consensus_key], u.power) for u in self.updates],
        }


def validator(bonded: int, power: int, **rest: Any) -> dict[str, Any]:
    """A validator's summary: unbonding nothing, not jailed, not slashed, nonce 0 unless told."""
    return {
        "bonded": bonded,
        "unbonding": [],
        "jailed": False,
        "slashed": 0,
        "nonce": 0,
        "power": power,
        **rest,
    }


GENESIS = {"v0": validator(200, 20), "v1": validator(100, 10)}
"""The default genesis set: v0 200 (20 votes), v1 100 (10 votes)."""

Vector = Callable[[], Iterator[tuple[str, Any]]]
VECTORS: dict[str, Vector] = {}
vector = runner.registry(VECTORS)


def balances(**changed: int) -> dict[str, int]:
    return {f"v{i}": changed.get(f"v{i}", BALANCE) for i in range(6)}


# -- genesis ----------------------------------------------------------------------------------


@vector
def genesis_set_is_the_engine_start() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", EndBlock()
    yield "error", None
    # the genesis set is what the engine starts from: the first block changes nothing
    yield "post", {"validators": GENESIS, "total_power": 30, "updates": [], "balances": balances()}


# -- bond -------------------------------------------------------------------------------------


@vector
def bond_new_validator() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(2, 100)
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v2=BALANCE - 100),
            "validators": {**GENESIS, "v2": validator(100, 0, nonce=1)},
            "total_power": 30,
        },
    )


@vector
def bond_power_rises_in_the_same_block() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Bond(2, 105),))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "validators": {**GENESIS, "v2": validator(105, 10, nonce=1)},
            "total_power": 40,
            "updates": [("v2", 10)],
        },
    )


@vector
def bond_top_up() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Bond(1, 50),))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v1=BALANCE - 50),
            "validators": {"v0": validator(200, 20), "v1": validator(150, 15, nonce=1)},
            "total_power": 35,
            "updates": [("v1", 15)],
        },
    )


@vector
def bond_top_up_below_a_vote_changes_no_power() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Bond(1, 9),))
    yield "operation", EndBlock()
    yield "error", None
    yield "post", {"validators": {**GENESIS, "v1": validator(109, 10, nonce=1)}, "updates": []}


@vector
def invalid_bond_below_min_bond() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(2, 99)
    yield "error", "BondBelowMinimum"
    yield "post", None


@vector
def invalid_bond_duplicate_consensus_key() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(2, 100, key=0)
    yield "error", "ConsensusKeyInUse"
    yield "post", None


@vector
def invalid_bond_another_consensus_key() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(1, 10, key=3)
    yield "error", "ConsensusKeyMismatch"
    yield "post", None


@vector
def invalid_bond_insufficient_zkpow() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(balances=((2, 150),))
    yield "operation", Bond(2, 151)
    yield "error", "InsufficientZkpow"
    yield "post", None


@vector
def invalid_bond_bad_signature() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(2, 100, signer=3)
    yield "error", "BadStakingSignature"
    yield "post", None


@vector
def invalid_bond_replayed_nonce() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Bond(2, 100),))
    yield "operation", Bond(2, 100, nonce=0)
    yield "error", "StakingNonceMismatch"
    yield "post", None


@vector
def invalid_bond_gapped_nonce() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(2, 100, nonce=1)
    yield "error", "StakingNonceMismatch"
    yield "post", None


@vector
def invalid_bond_of_nothing() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Bond(1, 0)
    yield "error", "InvalidStakeAmount"
    yield "post", None


@vector
def invalid_bond_by_a_jailed_validator() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Slash(0), EndBlock()))
    yield "operation", Bond(0, 10)
    yield "error", "ValidatorJailed"
    yield "post", None


@vector
def invalid_bond_beyond_cometbft_total_power() -> Iterator[tuple[str, Any]]:
    params = replace(P, power_unit=1, min_bond=1)
    yield "pre", Pre(params=params, balances=((2, MAX_TOTAL_POWER),))
    yield "operation", Bond(2, MAX_TOTAL_POWER - 299)  # 300 votes at genesis
    yield "error", "PowerCapExceeded"
    yield "post", None


# -- unbond -----------------------------------------------------------------------------------


@vector
def unbond_starts_an_unbonding() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Unbond(0, 100)
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(),
            "validators": {**GENESIS, "v0": validator(200, 20, unbonding=[(100, 5_000)], nonce=1)},
            "total_power": 30,
        },
    )


@vector
def unbond_power_unchanged_before_the_period() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 100), EndBlock(dt_ms=4_999)))
    yield "operation", EndBlock()  # at T + 4,999
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(),
            "validators": {**GENESIS, "v0": validator(200, 20, unbonding=[(100, 5_000)], nonce=1)},
            "updates": [],
        },
    )


@vector
def unbond_drops_power_at_maturity() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 100), EndBlock(dt_ms=5_000)))
    yield "operation", EndBlock()  # at T + 5,000
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v0=BALANCE + 100),
            "validators": {**GENESIS, "v0": validator(100, 10, nonce=1)},
            "total_power": 20,
            "updates": [("v0", 10)],
        },
    )


@vector
def unbond_zkpow_returned_once() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 100), EndBlock(dt_ms=6_000), EndBlock()))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v0=BALANCE + 100),
            "validators": {**GENESIS, "v0": validator(100, 10, nonce=1)},
            "updates": [],
        },
    )


@vector
def unbond_everything_removes_the_validator() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(1, 100), EndBlock(dt_ms=5_000)))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v1=BALANCE + 100),
            "validators": {"v0": validator(200, 20), "v1": validator(0, 0, nonce=1)},
            "total_power": 20,
            "updates": [("v1", 0)],
        },
    )


@vector
def unbondings_mature_each_at_its_time() -> Iterator[tuple[str, Any]]:
    ops = (Unbond(0, 30), EndBlock(dt_ms=2_000), Unbond(0, 20), EndBlock(dt_ms=3_000))
    yield "pre", Pre(ops=ops)
    yield "operation", EndBlock()  # at T + 5,000: the first matures, the second at T + 7,000
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v0=BALANCE + 30),
            "validators": {**GENESIS, "v0": validator(170, 17, unbonding=[(20, 7_000)], nonce=2)},
            "updates": [("v0", 17)],
        },
    )


@vector
def rebond_after_unbonding_everything() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(1, 100), EndBlock(dt_ms=5_000), EndBlock(), Bond(1, 120)))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "validators": {"v0": validator(200, 20), "v1": validator(120, 12, nonce=2)},
            "updates": [("v1", 12)],
        },
    )


@vector
def invalid_unbond_more_than_bonded() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Unbond(0, 201)
    yield "error", "UnbondTooLarge"
    yield "post", None


@vector
def invalid_unbond_of_what_is_already_unbonding() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 100),))
    yield "operation", Unbond(0, 101)
    yield "error", "UnbondTooLarge"
    yield "post", None


@vector
def invalid_unbond_below_min_bond() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Unbond(0, 150)  # leaves 50
    yield "error", "BondBelowMinimum"
    yield "post", None


@vector
def invalid_unbond_of_nothing() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Unbond(0, 0)
    yield "error", "InvalidStakeAmount"
    yield "post", None


@vector
def invalid_unbond_unknown_validator() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Unbond(3, 10)
    yield "error", "UnknownValidator"
    yield "post", None


@vector
def invalid_unbond_last_validator() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(genesis=((0, 200),))
    yield "operation", Unbond(0, 200)
    yield "error", "LastValidator"
    yield "post", None


@vector
def invalid_unbond_too_many_unbondings() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 10), Unbond(0, 10)))
    yield "operation", Unbond(0, 10)
    yield "error", "TooManyUnbondings"
    yield "post", None


@vector
def invalid_unbond_replayed_nonce() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 10),))
    yield "operation", Unbond(0, 10, nonce=0)
    yield "error", "StakingNonceMismatch"
    yield "post", None


@vector
def invalid_unbond_bad_signature() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Unbond(0, 10, signer=1)
    yield "error", "BadStakingSignature"
    yield "post", None


# -- slash ------------------------------------------------------------------------------------


@vector
def slash_burns_the_share_and_jails() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Slash(0)
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(),
            "validators": {**GENESIS, "v0": validator(180, 20, jailed=True, slashed=20)},
        },
    )


@vector
def slash_removes_the_validator_at_the_end_of_the_block() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Slash(0),))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "validators": {
                "v1": validator(100, 10),
                "v0": validator(180, 0, jailed=True, slashed=20),
            },
            "total_power": 10,
            "updates": [("v0", 0)],
        },
    )


@vector
def slash_cuts_unbondings_too() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Unbond(0, 55),))  # 145 staying, 55 unbonding
    yield "operation", Slash(0)  # 14 of 145 and 5 of 55
    yield "error", None
    yield (
        "post",
        {
            "validators": {
                **GENESIS,
                "v0": validator(181, 20, unbonding=[(50, 5_000)], jailed=True, slashed=19, nonce=1),
            },
        },
    )


@vector
def slash_applied_once() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(ops=(Slash(0),))
    yield "operation", Slash(0)
    yield "error", None
    yield "post", {"validators": {**GENESIS, "v0": validator(180, 20, jailed=True, slashed=20)}}


@vector
def slash_of_an_unknown_validator_is_ignored() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre()
    yield "operation", Slash(0, address=consensus_address(CONSENSUS[5]))
    yield "error", None
    yield "post", {"validators": GENESIS, "balances": balances(), "total_power": 30}


@vector
def slash_of_the_last_validator_keeps_the_set() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(genesis=((0, 200),), ops=(Slash(0),))
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "validators": {"v0": validator(180, 20, jailed=True, slashed=20)},
            "total_power": 20,
            "updates": [],
        },
    )


@vector
def jailed_validator_unbonds_what_is_left() -> Iterator[tuple[str, Any]]:
    ops = (Slash(0), EndBlock(), Unbond(0, 180), EndBlock(dt_ms=5_000))
    yield "pre", Pre(ops=ops)
    yield "operation", EndBlock()
    yield "error", None
    yield (
        "post",
        {
            "balances": balances(v0=BALANCE + 180),
            "validators": {
                "v1": validator(100, 10),
                "v0": validator(0, 0, jailed=True, slashed=20, nonce=1),
            },
            "updates": [],
        },
    )


# -- the set ----------------------------------------------------------------------------------


@vector
def max_validators_by_bond() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(genesis=((0, 100), (1, 110), (2, 120)), ops=(Bond(3, 130),))
    yield "operation", EndBlock()
    yield "error", None
    updates = sorted([(CONSENSUS[0], ("v0", 0)), (CONSENSUS[3], ("v3", 13))])
    yield (
        "post",
        {
            "validators": {
                "v3": validator(130, 13, nonce=1),
                "v2": validator(120, 12),
                "v1": validator(110, 11),
                "v0": validator(100, 0),
            },
            "total_power": 36,
            "updates": [u for _, u in updates],
        },
    )


@vector
def max_validators_ties_go_to_the_lower_address() -> Iterator[tuple[str, Any]]:
    yield "pre", Pre(genesis=((0, 100), (1, 110), (2, 120)), ops=(Bond(3, 100),))
    yield "operation", EndBlock()
    yield "error", None
    first = "v3" if ADDRESSES[3] < ADDRESSES[0] else "v0"
    yield "post", {"updates": [(first, 10), ("v0", 0)] if first == "v3" else []}


@vector
def a_validator_leaves_and_another_enters_in_one_block() -> Iterator[tuple[str, Any]]:
    ops = (Unbond(1, 100), EndBlock(dt_ms=5_000), Bond(2, 100))
    yield "pre", Pre(ops=ops)
    yield "operation", EndBlock()
    yield "error", None
    updates = sorted([(CONSENSUS[1], ("v1", 0)), (CONSENSUS[2], ("v2", 10))])
    yield "post", {"total_power": 30, "updates": [u for _, u in updates]}


# -- running a vector -------------------------------------------------------------------------


def start(pre: Pre) -> Driver:
    """The staking state a vector starts from: its genesis and its pre's operations."""
    driver = Driver(pre)
    for op in pre.ops:
        driver.run(op)
    return driver


def run_vector(vector_fn: Vector) -> dict[str, Any]:
    """Replays a vector and checks its post (or its rejection); returns its parts."""
    return runner.run_vector(vector_fn, start)
