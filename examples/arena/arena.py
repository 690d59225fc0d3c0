"""A small client of the Arena game (contracts/fast/games/Arena.sol) on the fast chain.

The node serves the fast chain's Ethereum JSON-RPC at its RPC URL, so this is plain web3.py:

    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:8645"))
    host, alice = Signer.dev(0), Signer.dev(1)
    arena = Arena.deploy(w3, host, ArenaConfig(access_collection=7, prize_collection=8,
                                               moves_per_round=50, prizes_per_round=3))
    arena.join(alice, proof)            # what `braid zk prove-ownership --game <arena.address>
                                        #   --round <arena.round()>` printed, parsed as JSON
    arena.move(alice, Direction.RIGHT)  # -> Move(x, y, points, score)
    arena.end_round(host)               # -> RoundResult(winners, prizes) once the round is over
    arena.scores()                      # {player: score} of the current round

The API is `Arena.deploy`, `join`, `move`, `end_round`, `scores`, `round` (plus `round_over`,
`player`, `gem_at`, `config`); `join`, `move` and `end_round` check the call first (`eth_call`),
so a refusal raises `ArenaRefused` with the contract's error name (OwnershipGate's too: a
refused proof is `RootNotHeld`, `NullifierUsed` or `InvalidOwnershipProof`) and spends nothing.
To measure throughput, `signed_move` / `send_move` sign with a nonce kept by the `Signer`
itself and never wait for a receipt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any, cast

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import TxParams, TxReceipt, Wei

ARTIFACTS = Path(__file__).resolve().parents[2] / "contracts" / "artifacts"
#: GameReports, predeployed on the fast chain (docs/hybrid.md).
GAME_REPORTS = "0x0000000000000000000000000000000000007a03"
#: The BN254 scalar field's order r: prize content hashes are below it.
SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617
#: Arena's limits (its MAX_PRIZES and GRID).
MAX_PRIZES = 64
GRID = 16
#: Gas limits of the calls whose cost does not depend on the chain's state. A join with a proof
#: is set, not estimated: the verifier needs its 240,773 gas to be left two calls deep.
MOVE_GAS = 100_000
OPEN_JOIN_GAS = 200_000
PROOF_JOIN_GAS = 700_000
#: Fees: the fast chain's base fee does not go below 1 gwei and rarely above it.
MIN_MAX_FEE = 10 * 10**9
PRIORITY_FEE = 1
RECEIPT_TIMEOUT_S = 30.0


class Direction(IntEnum):
    """`Arena.move`'s directions (y grows downwards; moves wrap around the grid's edges)."""

    UP = 0
    RIGHT = 1
    DOWN = 2
    LEFT = 3


class ArenaRefused(RuntimeError):
    """The arena (or the OwnershipGate it calls) refused a call; `error` is the custom error's
    name (None when the revert data names none), `data` the revert data."""

    def __init__(self, action: str, error: str | None, data: bytes) -> None:
        self.error = error
        self.data = data
        super().__init__(f"{action} refused: {error or 'reverted ' + ('0x' + data.hex())}")


class ProofMismatch(ValueError):
    """An ownership proof is not for this arena, player, round or access collection."""


@dataclass(frozen=True)
class ArenaConfig:
    """The Arena's constructor arguments (see contracts/fast/games/Arena.sol).

    A round is over after `moves_per_round` moves (0: no move limit) or `seconds_per_round`
    seconds (0: no time limit), whichever comes first; at least one must be set. `open` admits
    anyone without a proof: for benchmarks and tests only.
    """

    access_collection: int
    prize_collection: int
    moves_per_round: int = 0
    seconds_per_round: int = 0
    prizes_per_round: int = 3
    open: bool = False

    def __post_init__(self) -> None:
        for name, value, bits in [
            ("access_collection", self.access_collection, 16),
            ("prize_collection", self.prize_collection, 16),
            ("moves_per_round", self.moves_per_round, 32),
            ("seconds_per_round", self.seconds_per_round, 32),
        ]:
            if not 0 <= value < 2**bits:
                raise ValueError(f"{name} must be a uint{bits}, got {value}")
        if self.moves_per_round == 0 and self.seconds_per_round == 0:
            raise ValueError("a round needs moves_per_round or seconds_per_round")
        if not 1 <= self.prizes_per_round <= MAX_PRIZES:
            raise ValueError(f"prizes_per_round must be in 1..{MAX_PRIZES}")

    def constructor_args(self) -> bytes:
        """The ABI-encoded constructor arguments (appended to the creation code)."""
        return bytes(
            abi_encode(
                ["uint16", "uint16", "uint32", "uint32", "uint8", "bool"],
                [
                    self.access_collection,
                    self.prize_collection,
                    self.moves_per_round,
                    self.seconds_per_round,
                    self.prizes_per_round,
                    self.open,
                ],
            )
        )


@dataclass
class Signer:
    """An account that signs fast-chain transactions with a nonce it keeps itself (fetched once,
    at first use, as the node's pending count), so many can be sent without a round trip each."""

    account: LocalAccount
    nonce: int | None = None
    chain_id: int | None = None

    @classmethod
    def dev(cls, index: int) -> Signer:
        """anvil's dev account `index` (INSECURE: its key is public), funded on the devnet."""
        from zkbraid.zk.genesis import dev_eth_private_key

        return cls(Account.from_key(dev_eth_private_key(index)))

    @property
    def address(self) -> str:
        return str(self.account.address)

    def sign(self, w3: Web3, tx: TxParams) -> bytes:
        """Signs `tx` with the next nonce and advances it (nonce and chain id are fetched from
        the node at first use only)."""
        if self.nonce is None:
            self.nonce = w3.eth.get_transaction_count(self.account.address, "pending")
        if self.chain_id is None:
            self.chain_id = w3.eth.chain_id
        fields = {**tx, "nonce": self.nonce, "chainId": self.chain_id}
        signed = self.account.sign_transaction(cast(dict[str, Any], fields))
        self.nonce += 1
        return bytes(signed.raw_transaction)

    def send(self, w3: Web3, tx: TxParams) -> HexBytes:
        """Signs and submits `tx`; the nonce is given back if the node refuses it."""
        raw = self.sign(w3, tx)
        try:
            return w3.eth.send_raw_transaction(raw)
        except Exception:
            self.nonce = None  # refetched: the node says which nonce comes next
            raise


@dataclass(frozen=True)
class PlayerState:
    """A player's state in one round (all zero when they did not join it)."""

    joined: bool
    x: int
    y: int
    score: int
    moves: int


@dataclass(frozen=True)
class Move:
    """One move's outcome: where the player stands, the points picked up, their round's total."""

    round: int
    player: str
    x: int
    y: int
    points: int
    score: int


@dataclass(frozen=True)
class Prize:
    """A GameReports Prize: the ZK chain mints `winner` an NFT of `collection` with
    `content_hash` (report ids count every prize of the chain)."""

    report_id: int
    collection: int
    round: int
    winner: str
    content_hash: int


@dataclass(frozen=True)
class RoundResult:
    """What `end_round` did: the winners best first with their scores, and the prizes."""

    round: int
    winners: list[tuple[str, int]]
    prizes: list[Prize]
    receipt: TxReceipt


def content_hash(round_: int, winner: str | bytes, score: int) -> int:
    """A prize's content hash, as Arena.contentHash: keccak256(abi.encode(round, winner,
    score)) mod r."""
    address = winner if isinstance(winner, str) else "0x" + winner.hex()
    encoded = abi_encode(["uint32", "address", "uint32"], [round_, address, score])
    return int.from_bytes(keccak(encoded), "big") % SNARK_SCALAR_FIELD


@cache
def load_artifact(name: str = "Arena") -> dict[str, Any]:
    """A compiled contract of contracts/artifacts (abi, bytecode, deployedBytecode)."""
    return cast(dict[str, Any], json.loads((ARTIFACTS / f"{name}.json").read_text()))


@cache
def _errors() -> dict[bytes, str]:
    """Custom errors by selector: Arena's and those of the system contracts it calls."""
    names: dict[bytes, str] = {}
    for contract in ("Arena", "OwnershipGate", "GameReports"):
        for item in load_artifact(contract)["abi"]:
            if item["type"] == "error":
                types = ",".join(i["type"] for i in item["inputs"])
                names[bytes(keccak(f"{item['name']}({types})".encode()))[:4]] = item["name"]
    return names


def error_name(revert_data: bytes) -> str | None:
    """The name of the Arena or system-contract error `revert_data` holds, if any."""
    return _errors().get(bytes(revert_data[:4]))


def _revert_data(error: ContractLogicError) -> bytes:
    data = error.data
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    return b""


def proof_arguments(proof: Mapping[str, Any]) -> tuple[int, int, list[int]]:
    """(root, nullifier, the 8 proof words) of a `braid zk prove-ownership` JSON object."""
    words = [int(w, 16) if isinstance(w, str) else int(w) for w in proof["proof"]]
    if len(words) != 8:
        raise ProofMismatch(f"a proof has 8 words, this one {len(words)}")
    return _number(proof["root"]), _number(proof["nullifier"]), words


def _number(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


class Arena:
    """A deployed Arena on the fast chain, reached through `w3`."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(address=self.address, abi=load_artifact()["abi"])
        self._reports: Contract = w3.eth.contract(
            address=to_checksum_address(GAME_REPORTS), abi=load_artifact("GameReports")["abi"]
        )
        self._max_fee: int | None = None

    # -- deploying ------------------------------------------------------------------------

    @classmethod
    def deploy(cls, w3: Web3, deployer: Signer, config: ArenaConfig) -> Arena:
        """Deploys an Arena with `config` and waits for it. Raises ArenaRefused."""
        data = HexBytes(load_artifact()["bytecode"]) + config.constructor_args()
        call: TxParams = {"from": deployer.account.address, "data": data}
        try:
            gas = w3.eth.estimate_gas(call)
        except ContractLogicError as e:
            raise ArenaRefused("deploy", error_name(_revert_data(e)), _revert_data(e)) from e
        arena_fee = max(MIN_MAX_FEE, 2 * w3.eth.gas_price)
        tx: TxParams = {
            "data": data,
            "gas": gas + gas // 5,
            "maxFeePerGas": Wei(arena_fee),
            "maxPriorityFeePerGas": Wei(PRIORITY_FEE),
        }
        receipt = _wait(w3, deployer.send(w3, tx))
        if receipt["status"] != 1 or receipt["contractAddress"] is None:
            raise ArenaRefused("deploy", None, b"")
        return cls(w3, receipt["contractAddress"])

    # -- playing --------------------------------------------------------------------------

    def join(self, player: Signer, proof: Mapping[str, Any] | None = None) -> PlayerState:
        """Joins the current round, with an ownership proof (a `braid zk prove-ownership` JSON
        object for this arena, round and player) or, on an open arena, without. Waits; returns
        where the player was placed. Raises ProofMismatch, ArenaRefused."""
        if proof is None:
            data = self.contract.encode_abi("join()", [])
            gas = OPEN_JOIN_GAS
        else:
            self._check_proof(player, proof)
            root, nullifier, words = proof_arguments(proof)
            data = self.contract.encode_abi(
                "join(uint256,uint256,uint256[8])", [root, nullifier, words]
            )
            gas = PROOF_JOIN_GAS
        receipt = self._send_checked("join", player, HexBytes(data), gas)
        (event,) = self.contract.events.Joined().process_receipt(receipt, errors=DISCARD)
        return PlayerState(True, event["args"]["x"], event["args"]["y"], 0, 0)

    def move(self, player: Signer, direction: Direction | int) -> Move:
        """Moves `player` one cell and waits for the block. Raises ArenaRefused."""
        receipt = self._send_checked("move", player, self.move_data(direction), MOVE_GAS)
        (event,) = self.contract.events.Moved().process_receipt(receipt, errors=DISCARD)
        args = event["args"]
        return Move(
            args["round"], args["player"], args["x"], args["y"], args["points"], args["score"]
        )

    def end_round(self, sender: Signer) -> RoundResult:
        """Ends the current round once it is over (anyone may) and waits: the winners, and
        the Prize events GameReports emitted for them. Raises ArenaRefused (`RoundNotOver`)."""
        data = HexBytes(self.contract.encode_abi("endRound", []))
        receipt = self._send_checked("endRound", sender, data, gas=None)
        (ended,) = self.contract.events.RoundEnded().process_receipt(receipt, errors=DISCARD)
        args = ended["args"]
        prizes = [
            Prize(
                e["args"]["reportId"],
                e["args"]["collection"],
                e["args"]["round"],
                e["args"]["winner"],
                e["args"]["contentHash"],
            )
            for e in self._reports.events.Prize().process_receipt(receipt, errors=DISCARD)
            if e["address"] == self._reports.address and e["args"]["game"] == self.address
        ]
        winners = list(zip(args["winners"], args["scores"], strict=True))
        return RoundResult(args["round"], winners, prizes, receipt)

    # -- throughput: no waiting -----------------------------------------------------------

    def move_data(self, direction: Direction | int) -> HexBytes:
        """The calldata of `move(direction)`."""
        return HexBytes(self.contract.encode_abi("move", [int(direction)]))

    def signed_move(self, player: Signer, direction: Direction | int) -> bytes:
        """A signed `move` with the player's next local nonce (not sent, not checked)."""
        return player.sign(self.w3, self._tx(self.move_data(direction), MOVE_GAS))

    def send_move(self, player: Signer, direction: Direction | int) -> HexBytes:
        """Submits a `move` without checking it or waiting for it; returns its hash."""
        return player.send(self.w3, self._tx(self.move_data(direction), MOVE_GAS))

    # -- reading --------------------------------------------------------------------------

    def round(self) -> int:
        """The current round (1, 2, …)."""
        return int(self.contract.functions.round().call())

    def round_over(self) -> bool:
        """Whether the current round is over (`end_round` may be called)."""
        return bool(self.contract.functions.roundOver().call())

    def scores(self, round_: int | None = None) -> dict[str, int]:
        """Each player's score in `round_` (default: the current round), in the order joined."""
        r = self.round() if round_ is None else round_
        players, points = self.contract.functions.scores(r).call()
        return dict(zip(players, points, strict=True))

    def player(self, address: str, round_: int | None = None) -> PlayerState:
        """`address`'s state in `round_` (default: the current round)."""
        r = self.round() if round_ is None else round_
        return PlayerState(*self.contract.functions.playerOf(r, address).call())

    def gem_at(self, x: int, y: int) -> int:
        """The points of the gem at (x, y) this round (0: none, or picked up)."""
        return int(self.contract.functions.gemAt(x, y).call())

    def config(self) -> ArenaConfig:
        """The arena's constructor arguments, read back."""
        f = self.contract.functions
        return ArenaConfig(
            access_collection=f.accessCollection().call(),
            prize_collection=f.prizeCollection().call(),
            moves_per_round=f.movesPerRound().call(),
            seconds_per_round=f.secondsPerRound().call(),
            prizes_per_round=f.prizesPerRound().call(),
            open=f.open().call(),
        )

    # -- internals ------------------------------------------------------------------------

    def _check_proof(self, player: Signer, proof: Mapping[str, Any]) -> None:
        expected = {
            "game": self.address.lower(),
            "player": player.address.lower(),
            "round": self.round(),
            "collection": self.contract.functions.accessCollection().call(),
        }
        for key, want in expected.items():
            got = proof.get(key)
            if isinstance(got, str) and isinstance(want, str):
                got = got.lower()
            if got != want:
                raise ProofMismatch(f"the proof's {key} is {got!r}, this join needs {want!r}")

    def _tx(self, data: bytes, gas: int) -> TxParams:
        if self._max_fee is None:
            self._max_fee = max(MIN_MAX_FEE, 2 * self.w3.eth.gas_price)
        return {
            "to": self.address,
            "data": HexBytes(data),
            "gas": gas,
            "maxFeePerGas": Wei(self._max_fee),
            "maxPriorityFeePerGas": Wei(PRIORITY_FEE),
        }

    def _send_checked(self, action: str, signer: Signer, data: bytes, gas: int | None) -> TxReceipt:
        """Checks the call first (a refusal costs nothing and has a name), then sends it and
        waits. `gas` None: estimated (its cost depends on the state), with a margin."""
        call: TxParams = {
            "from": signer.account.address,
            "to": self.address,
            "data": HexBytes(data),
        }
        try:
            if gas is None:
                estimate = self.w3.eth.estimate_gas(call)
                gas = estimate + estimate // 5 + 50_000
            else:
                self.w3.eth.call(call)
        except ContractLogicError as e:
            raise ArenaRefused(action, error_name(_revert_data(e)), _revert_data(e)) from e
        receipt = _wait(self.w3, signer.send(self.w3, self._tx(data, gas)))
        if receipt["status"] != 1:
            # Something earlier in the same block changed the outcome (the round ended).
            raise ArenaRefused(action, None, b"")
        return receipt


def _wait(w3: Web3, tx_hash: HexBytes) -> TxReceipt:
    return w3.eth.wait_for_transaction_receipt(
        tx_hash, timeout=RECEIPT_TIMEOUT_S, poll_latency=0.02
    )


__all__ = [
    "GAME_REPORTS",
    "Arena",
    "ArenaConfig",
    "ArenaRefused",
    "Direction",
    "Move",
    "PlayerState",
    "Prize",
    "ProofMismatch",
    "RoundResult",
    "Signer",
    "content_hash",
    "error_name",
    "load_artifact",
    "proof_arguments",
]
