"""The Arena game (contracts/fast/games/Arena.sol) on the in-process fast chain, with the system
contracts predeployed: joins (open, and by proof through OwnershipGate against stub verifiers),
moves and scores, rounds ending by moves or by time, the winners reported as GameReports Prize
events, and examples/arena/arena.py driving it all through web3.py.

Each case is pre (a chain with the system contracts and a deployed arena, earlier blocks), the
operation (a block, or an `eth_call`), and post (what the arena answers, the decoded events).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import rlp
from eth_abi.abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from examples.arena.arena import (
    Arena,
    ArenaConfig,
    ArenaRefused,
    Direction,
    ProofMismatch,
    Signer,
    content_hash,
    error_name,
    load_artifact,
)
from web3 import Web3

from zkbraid.fast.chain import CallRequest, FastChain
from zkbraid.fast.errors import ExecutionReverted
from zkbraid.fast.system_contracts import (
    ADMITTED_TOPIC,
    OWNERSHIP_GATE,
    PrizeEvent,
    RootStatus,
    RootUpdate,
    prize_events,
)

from .helpers import ALICE, ETHER, GAS_CAP, addr, sign
from .test_rpc import EthApiProvider, Node
from .test_system_contracts import (
    PROOF,
    R1,
    R2,
    VERIFIER_TRUE,
    call_data,
    new_system_chain,
    record_of,
    verifier_accepting_only,
)

ARENA = load_artifact("Arena")
CREATION = bytes.fromhex(ARENA["bytecode"][2:])
PLAYERS = [Account.from_key((0x100 + i).to_bytes(32, "big")) for i in range(8)]
ALLOC = {addr(a): 100 * ETHER for a in [ALICE, *PLAYERS]}
ACCESS, PRIZES_COLLECTION = 7, 8
#: The cell each direction leads to, as (dx, dy) (the grid wraps around).
STEPS = {
    Direction.UP: (0, -1),
    Direction.RIGHT: (1, 0),
    Direction.DOWN: (0, 1),
    Direction.LEFT: (-1, 0),
}
MOVED_TOPIC = keccak(b"Moved(uint32,address,uint8,uint8,uint8,uint32)")
JOINED_TOPIC = keccak(b"Joined(uint32,address,uint8,uint8)")
ROUND_ENDED_TOPIC = keccak(b"RoundEnded(uint32,address[],uint32[])")


def config(**overrides: Any) -> ArenaConfig:
    fields: dict[str, Any] = {
        "access_collection": ACCESS,
        "prize_collection": PRIZES_COLLECTION,
        "moves_per_round": 12,
        "prizes_per_round": 2,
        "open": True,
    }
    return ArenaConfig(**(fields | overrides))


@dataclass
class Game:
    """A chain with the system contracts and one deployed Arena; blocks one second apart."""

    chain: FastChain
    arena: bytes
    time: int = 1
    nonces: dict[str, int] = field(default_factory=dict)

    @classmethod
    def new(
        cls, arena: ArenaConfig, verifier: bytes | None = None, alloc: dict[bytes, int] = ALLOC
    ) -> Game:
        _, chain = new_system_chain(verifier, genesis_alloc=alloc)
        chain.execute_block([], timestamp=1, root_updates=[RootUpdate(R1, 1, RootStatus.COMMITTED)])
        deploy = sign(ALICE, nonce=0, gas=3_000_000, data=CREATION + arena.constructor_args())
        address = keccak(rlp.encode([addr(ALICE), 0]))[12:]
        game = cls(chain, address, nonces={ALICE.address: 1})
        (outcome,) = game.block([chain.decode_transaction(deploy)])
        assert outcome.status == 1
        return game

    def tx(self, account: LocalAccount, data: bytes, gas: int = 900_000) -> Any:
        nonce = self.nonces.get(account.address, 0)
        self.nonces[account.address] = nonce + 1
        raw = sign(account, nonce=nonce, to=self.arena, data=data, gas=gas)
        return self.chain.decode_transaction(raw)

    def block(self, txs: list[Any], advance: int = 1) -> Any:
        """Executes `txs` in the next block, `advance` seconds after the last; its outcomes."""
        self.time += advance
        result = self.chain.execute_block(txs, timestamp=self.time)
        assert all(o.included for o in result.outcomes)
        return result.outcomes

    def play(self, account: LocalAccount, data: bytes) -> Any:
        """One transaction in its own block; its outcome."""
        (outcome,) = self.block([self.tx(account, data)])
        return outcome

    def view(self, signature: str, types: list[str], args: list[Any], out: list[str]) -> Any:
        data = call_data(signature, types, args)
        output = self.chain.call(CallRequest(to=self.arena, data=data), gas_cap=GAS_CAP)
        values = abi_decode(out, output)
        return values[0] if len(values) == 1 else values

    def refusal(self, account: LocalAccount, data: bytes) -> str | None:
        """The custom error an `eth_call` of `data` from `account` reverts with."""
        request = CallRequest(sender=addr(account), to=self.arena, data=data)
        with pytest.raises(ExecutionReverted) as caught:
            self.chain.call(request, gas_cap=GAS_CAP)
        return error_name(caught.value.data)

    def round(self) -> int:
        return int(self.view("round()", [], [], ["uint32"]))

    def player(self, account: LocalAccount, round_: int | None = None) -> tuple[Any, ...]:
        r = self.round() if round_ is None else round_
        return tuple(
            self.view(
                "playerOf(uint32,address)",
                ["uint32", "address"],
                [r, account.address],
                ["bool", "uint8", "uint8", "uint32", "uint32"],
            )
        )

    def gem(self, x: int, y: int) -> int:
        return int(self.view("gemAt(uint8,uint8)", ["uint8", "uint8"], [x, y], ["uint8"]))

    def scores(self, round_: int) -> list[tuple[bytes, int]]:
        players, points = self.view(
            "scores(uint32)", ["uint32"], [round_], ["address[]", "uint32[]"]
        )
        return [(bytes.fromhex(p[2:]), s) for p, s in zip(players, points, strict=True)]

    def logs(self, number: int, topic: bytes) -> list[Any]:
        (receipt,) = self.chain.block_receipts(record_of(self.chain, number))
        wanted = int.from_bytes(topic, "big")
        return [
            log for log in receipt.logs if log.address == self.arena and log.topics[0] == wanted
        ]


def join_open() -> bytes:
    return call_data("join()", [], [])


def join_proof(root: int, nullifier: int) -> bytes:
    return call_data(
        "join(uint256,uint256,uint256[8])",
        ["uint256", "uint256", "uint256[8]"],
        [root, nullifier, PROOF],
    )


def move(direction: int) -> bytes:
    return call_data("move(uint8)", ["uint8"], [direction])


END_ROUND = call_data("endRound()", [], [])


def best_direction(game: Game, account: LocalAccount) -> Direction:
    """The neighbouring cell with the most points left (UP first among equals)."""
    _, x, y, _, _ = game.player(account)
    return max(STEPS, key=lambda d: game.gem((x + STEPS[d][0]) % 16, (y + STEPS[d][1]) % 16))


def ranking(scores: list[tuple[bytes, int]], prizes: int) -> list[tuple[bytes, int]]:
    """The arena's rule: score > 0, best first, ties to the earlier joiner, at most `prizes`."""
    return sorted((s for s in scores if s[1] > 0), key=lambda s: -s[1])[:prizes]


# -- joining and moving -----------------------------------------------------------------------


def test_open_join_places_players_and_moves_collect_gems() -> None:
    # pre: an open arena, round 1; two players join in one block.
    game = Game.new(config(moves_per_round=0, seconds_per_round=1000))
    a, b = PLAYERS[:2]
    outcomes = game.block([game.tx(a, join_open()), game.tx(b, join_open())])
    assert [o.status for o in outcomes] == [1, 1]
    (receipt_a, _) = game.chain.block_receipts(record_of(game.chain, game.chain.head().number))
    (joined,) = receipt_a.logs
    assert joined.topics == (int.from_bytes(JOINED_TOPIC, "big"), 1, int.from_bytes(addr(a), "big"))
    joined_at = abi_decode(["uint8", "uint8"], joined.data)
    (is_in, ax, ay, score, moves) = game.player(a)
    assert is_in is True and (ax, ay) == joined_at and (score, moves) == (0, 0)
    # operation: `a` moves right, onto a cell whose gem is worth `points`.
    target = ((ax + 1) % 16, ay)
    points = game.gem(*target)
    outcome = game.play(a, move(Direction.RIGHT))
    # post: a's position and score; the Moved event; the gem is gone; the move was cheap.
    assert outcome.status == 1
    assert game.player(a) == (True, *target, points, 1)
    assert game.gem(*target) == 0
    (log,) = game.logs(game.chain.head().number, MOVED_TOPIC)
    assert log.topics[1] == 1 and log.topics[2] == int.from_bytes(addr(a), "big")
    assert abi_decode(["uint8", "uint8", "uint8", "uint32"], log.data) == (*target, points, points)
    # (The round's first pick-up writes its bitmap of picked cells for the first time.)
    assert outcome.gas_used <= (65_000 if points else 50_000)
    # Back and forth: the gem taken once is not there the second time.
    back = game.play(a, move(Direction.LEFT))
    left_points = game.player(a)[3] - points
    again = game.play(a, move(Direction.RIGHT))
    assert 30_000 <= again.gas_used <= 50_000 and back.gas_used <= 65_000
    assert game.player(a) == (True, *target, points + left_points, 3)
    assert game.view("movesMade()", [], [], ["uint32"]) == 3
    assert game.scores(1) == [(addr(a), points + left_points), (addr(b), 0)]


def test_moves_wrap_around_the_grid() -> None:
    game = Game.new(config(moves_per_round=0, seconds_per_round=1000))
    a = PLAYERS[0]
    game.play(a, join_open())
    _, x, y, _, _ = game.player(a)
    for direction, count in [(Direction.UP, 16), (Direction.LEFT, 16), (Direction.DOWN, 3)]:
        for _ in range(count):
            assert game.play(a, move(direction)).status == 1
    assert game.player(a)[1:3] == (x, (y + 3) % 16)


def test_invalid_move_by_a_player_who_did_not_join() -> None:
    game = Game.new(config())
    game.play(PLAYERS[0], join_open())
    assert game.refusal(PLAYERS[1], move(Direction.UP)) == "NotPlaying"
    # A transaction doing it is included, fails, and changes nothing.
    assert game.play(PLAYERS[1], move(Direction.UP)).status == 0
    assert game.view("movesMade()", [], [], ["uint32"]) == 0


def test_invalid_move_direction() -> None:
    game = Game.new(config())
    game.play(PLAYERS[0], join_open())
    assert game.refusal(PLAYERS[0], move(4)) == "BadDirection"


def test_invalid_join_twice_in_a_round() -> None:
    game = Game.new(config())
    game.play(PLAYERS[0], join_open())
    assert game.refusal(PLAYERS[0], join_open()) == "AlreadyJoined"


def test_invalid_join_without_a_proof_on_a_gated_arena() -> None:
    game = Game.new(config(open=False), VERIFIER_TRUE)
    assert game.refusal(PLAYERS[0], join_open()) == "ProofRequired"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((ACCESS, PRIZES_COLLECTION, 0, 0, 2, True), "NoRoundLength"),
        ((ACCESS, PRIZES_COLLECTION, 5, 0, 0, True), "BadPrizeCount"),
        ((ACCESS, PRIZES_COLLECTION, 5, 0, 65, True), "BadPrizeCount"),
    ],
)
def test_invalid_constructor_arguments(args: tuple[Any, ...], error: str) -> None:
    from eth_abi.abi import encode as abi_encode

    _, chain = new_system_chain(None, genesis_alloc=ALLOC)
    encoded = abi_encode(["uint16", "uint16", "uint32", "uint32", "uint8", "bool"], list(args))
    request = CallRequest(sender=addr(ALICE), data=CREATION + encoded)
    with pytest.raises(ExecutionReverted) as caught:
        chain.call(request, gas_cap=GAS_CAP)
    assert error_name(caught.value.data) == error
    # The client refuses the same arguments before any transaction.
    with pytest.raises(ValueError):
        ArenaConfig(*args)


# -- rounds and prizes ------------------------------------------------------------------------


def test_end_round_reports_the_best_scorers_as_prizes() -> None:
    # pre: an open arena of 12 moves a round, 2 prizes; three players join, then play greedily
    # (a), not at all (c), and b moves once whatever the gem.
    game = Game.new(config(moves_per_round=12, prizes_per_round=2))
    a, b, c = PLAYERS[:3]
    game.block([game.tx(p, join_open()) for p in (a, b, c)])
    assert game.refusal(a, END_ROUND) == "RoundNotOver"
    game.play(b, move(Direction.DOWN))
    for _ in range(11):
        assert game.play(a, move(best_direction(game, a))).status == 1
    # The 12th move ended the round: no more moves or joins.
    assert game.view("roundOver()", [], [], ["bool"]) is True
    assert game.refusal(a, move(Direction.UP)) == "RoundOver"
    assert game.refusal(PLAYERS[3], join_open()) == "RoundOver"
    scores = game.scores(1)
    assert scores[0][1] > 0  # greedy a found gems
    winners = ranking(scores, 2)
    # operation: anyone (c, who did not score) ends the round.
    outcome = game.play(c, END_ROUND)
    assert outcome.status == 1
    # post: one Prize per winner, best first, in the prize collection, for round 1, with the
    # content hash keccak(round, winner, score) mod r; RoundEnded says the same; round 2 began.
    record = record_of(game.chain, game.chain.head().number)
    tx_hash = record.raw_transactions[0]
    prizes = prize_events(record)
    assert prizes == tuple(
        PrizeEvent(
            i, game.arena, PRIZES_COLLECTION, 1, w, content_hash(1, w, s), keccak(tx_hash), i
        )
        for i, (w, s) in enumerate(winners)
    )
    assert content_hash(1, winners[0][0], winners[0][1]) == game.view(
        "contentHash(uint32,address,uint32)",
        ["uint32", "address", "uint32"],
        [1, "0x" + winners[0][0].hex(), winners[0][1]],
        ["uint256"],
    )
    (ended,) = game.logs(record.header.block_number, ROUND_ENDED_TOPIC)
    ended_winners, ended_scores = abi_decode(["address[]", "uint32[]"], ended.data)
    assert [bytes.fromhex(w[2:]) for w in ended_winners] == [w for w, _ in winners]
    assert list(ended_scores) == [s for _, s in winners]
    assert game.round() == 2
    assert game.view("movesMade()", [], [], ["uint32"]) == 0
    assert game.scores(2) == [] and game.scores(1) == scores


def test_the_ranking_keeps_the_best_and_the_earlier_of_equals() -> None:
    # Eight players, two moves each in a 16-move round, 3 prizes: the arena's ranking is
    # the stable sort by score (ties to the earlier joiner).
    game = Game.new(config(moves_per_round=16, prizes_per_round=3))
    game.block([game.tx(p, join_open()) for p in PLAYERS])
    for i in range(2):
        directions = [Direction.RIGHT if (i + j) % 3 else Direction.DOWN for j in range(8)]
        game.block([game.tx(p, move(d)) for p, d in zip(PLAYERS, directions, strict=True)])
    scores = game.scores(1)
    game.play(ALICE, END_ROUND)
    prizes = prize_events(record_of(game.chain, game.chain.head().number))
    assert [(p.winner, p.content_hash) for p in prizes] == [
        (w, content_hash(1, w, s)) for w, s in ranking(scores, 3)
    ]


def test_a_full_arena_ends_its_round_well_within_a_block() -> None:
    # The worst case of endRound: MAX_PLAYERS (256) players, all moved, 64 prizes.
    crowd = [Account.from_key((0x1000 + i).to_bytes(32, "big")) for i in range(257)]
    game = Game.new(
        config(moves_per_round=256, prizes_per_round=64),
        alloc=ALLOC | {addr(a): ETHER for a in crowd},
    )
    for i in range(0, 256, 64):
        game.block([game.tx(p, join_open()) for p in crowd[i : i + 64]])
    assert game.refusal(crowd[256], join_open()) == "ArenaFull"
    for i in range(0, 256, 64):
        game.block([game.tx(p, move(best_direction(game, p))) for p in crowd[i : i + 64]])
    scores = game.scores(1)
    (outcome,) = game.block([game.tx(ALICE, END_ROUND, gas=10_000_000)])
    assert outcome.status == 1 and outcome.gas_used < 3_000_000
    prizes = prize_events(record_of(game.chain, game.chain.head().number))
    assert [(p.winner, p.report_id) for p in prizes] == [
        (w, i) for i, (w, _) in enumerate(ranking(scores, 64))
    ]
    assert len(prizes) == 64


def test_a_round_nobody_scored_in_ends_without_a_report() -> None:
    # A player joined and never moved; the 5-second round ends with no winner to report.
    game = Game.new(config(moves_per_round=0, seconds_per_round=5))
    game.play(PLAYERS[0], join_open())
    (outcome,) = game.block([game.tx(PLAYERS[0], END_ROUND)], advance=5)
    assert outcome.status == 1
    record = record_of(game.chain, game.chain.head().number)
    assert prize_events(record) == ()
    (ended,) = game.logs(record.header.block_number, ROUND_ENDED_TOPIC)
    assert abi_decode(["address[]", "uint32[]"], ended.data) == ((), ())
    assert game.round() == 2


def test_a_round_by_time_ends_at_its_seconds() -> None:
    # pre: rounds of 10 seconds (no move limit); deployed at t = 2.
    game = Game.new(config(moves_per_round=0, seconds_per_round=10))
    start = game.view("roundStartedAt()", [], [], ["uint64"])
    a = PLAYERS[0]
    game.play(a, join_open())
    game.block([game.tx(a, move(best_direction(game, a)))], advance=start + 9 - game.time)
    assert game.refusal(a, END_ROUND) == "RoundNotOver"
    # operation: the block at start + 10 holds an endRound.
    (outcome,) = game.block([game.tx(a, END_ROUND)], advance=1)
    assert outcome.status == 1 and game.round() == 2
    assert game.view("roundStartedAt()", [], [], ["uint64"]) == start + 10


def test_a_second_round_needs_joining_again() -> None:
    game = Game.new(config(moves_per_round=1))
    a, b = PLAYERS[:2]
    game.block([game.tx(a, join_open()), game.tx(b, join_open())])
    game.play(a, move(Direction.UP))
    game.play(b, END_ROUND)
    # Round 2: both were players of round 1 and are not of round 2.
    assert game.round() == 2
    assert game.refusal(a, move(Direction.UP)) == "NotPlaying"
    assert game.player(a, 2) == (False, 0, 0, 0, 0)
    assert game.player(a, 1)[0] is True
    assert game.play(a, join_open()).status == 1
    assert game.play(a, move(Direction.UP)).status == 1
    assert game.player(a, 2)[4] == 1


# -- joining by proof (OwnershipGate, stub verifiers) -------------------------------------------


def gate_call(arena: bytes, player: LocalAccount, round_: int, root: int, nullifier: int) -> bytes:
    """What the gate must ask the verifier when `player` joins round `round_` of `arena`."""
    inputs = [root, ACCESS, int.from_bytes(arena, "big"), round_]
    inputs += [int.from_bytes(addr(player), "big"), nullifier]
    return call_data(
        "verifyProof(uint256[8],uint256[6])", ["uint256[8]", "uint256[6]"], [PROOF, inputs]
    )


def test_join_with_a_proof_goes_through_the_gate_and_a_nullifier_admits_once() -> None:
    # pre: a gated arena; the stub verifier accepts exactly the statement for PLAYERS[0] in
    # round 1 of this arena (address: ALICE's first creation) with nullifier 0xabc.
    arena = keccak(rlp.encode([addr(ALICE), 0]))[12:]
    a, b = PLAYERS[:2]
    verifier = verifier_accepting_only(gate_call(arena, a, 1, R1, 0xABC))
    game = Game.new(config(open=False), verifier)
    assert game.arena == arena
    # Another statement (other player, other nullifier, root not held) is refused by name.
    assert game.refusal(b, join_proof(R1, 0xABC)) == "InvalidOwnershipProof"
    assert game.refusal(a, join_proof(R1, 0xABD)) == "InvalidOwnershipProof"
    assert game.refusal(a, join_proof(R2, 0xABC)) == "RootNotHeld"
    # operation: a joins with the proof.
    outcome = game.play(a, join_proof(R1, 0xABC))
    # post: the gate's Admitted (game = the arena, player = a), then the arena's Joined.
    assert outcome.status == 1
    (receipt,) = game.chain.block_receipts(record_of(game.chain, game.chain.head().number))
    admitted, joined = receipt.logs
    assert admitted.address == OWNERSHIP_GATE
    assert admitted.topics == (
        int.from_bytes(ADMITTED_TOPIC, "big"),
        int.from_bytes(arena, "big"),
        int.from_bytes(addr(a), "big"),
    )
    assert abi_decode(["uint16", "uint32", "uint256"], admitted.data) == (ACCESS, 1, 0xABC)
    assert joined.address == arena and game.player(a)[0] is True
    # The nullifier is spent: nobody joins with it again.
    assert game.refusal(b, join_proof(R1, 0xABC)) == "NullifierUsed"


def test_each_round_takes_a_new_proof() -> None:
    game = Game.new(config(open=False, moves_per_round=1), VERIFIER_TRUE)
    a = PLAYERS[0]
    assert game.play(a, join_proof(R1, 1)).status == 1
    game.play(a, move(Direction.UP))
    game.play(a, END_ROUND)
    # Round 2: round 1's nullifier is spent; a new one (the same NFT's for round 2) admits.
    assert game.refusal(a, join_proof(R1, 1)) == "NullifierUsed"
    assert game.play(a, join_proof(R1, 2)).status == 1
    assert game.player(a, 2)[0] is True


# -- the client (examples/arena/arena.py) over web3.py ------------------------------------------


def web3_node(verifier: bytes | None = None) -> tuple[Node, Web3]:
    store, chain = new_system_chain(verifier, genesis_alloc=ALLOC)
    chain.execute_block([], timestamp=1, root_updates=[RootUpdate(R1, 1, RootStatus.COMMITTED)])
    node = Node(store, chain)
    node.time = 2
    return node, Web3(EthApiProvider(node.api))


def test_the_client_plays_a_round() -> None:
    _, w3 = web3_node()
    host, a, b = Signer(ALICE), Signer(PLAYERS[0]), Signer(PLAYERS[1])
    arena = Arena.deploy(w3, host, config(moves_per_round=6, prizes_per_round=1))
    assert arena.config() == config(moves_per_round=6, prizes_per_round=1)
    assert arena.round() == 1 and not arena.round_over()
    placed = arena.join(a)
    assert arena.player(a.address) == placed
    arena.join(b)
    with pytest.raises(ArenaRefused) as refused:
        arena.join(a)
    assert refused.value.error == "AlreadyJoined"
    with pytest.raises(ArenaRefused, match="RoundNotOver"):
        arena.end_round(host)
    total = 0
    for _ in range(5):
        x, y = arena.player(a.address).x, arena.player(a.address).y
        best = max(
            Direction, key=lambda d: arena.gem_at((x + STEPS[d][0]) % 16, (y + STEPS[d][1]) % 16)
        )
        step = arena.move(a, best)
        total += step.points
        assert (step.round, step.player, step.score) == (1, a.address, total)
    # Sent without waiting, signed with the local nonce.
    tx_hash = arena.send_move(b, Direction.LEFT)
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    assert arena.round_over()
    scores = arena.scores()
    assert list(scores) == [a.address, b.address] and scores[a.address] == total
    result = arena.end_round(b)
    best_player, best_score = max(scores.items(), key=lambda kv: kv[1])
    assert result.round == 1 and result.winners == [(best_player, best_score)]
    assert [(p.winner, p.collection, p.round, p.content_hash) for p in result.prizes] == [
        (best_player, PRIZES_COLLECTION, 1, content_hash(1, best_player, best_score))
    ]
    assert arena.round() == 2
    with pytest.raises(ArenaRefused, match="NotPlaying"):
        arena.move(a, Direction.UP)


def test_the_client_joins_with_a_proof() -> None:
    _, w3 = web3_node(VERIFIER_TRUE)
    host, a, b = Signer(ALICE), Signer(PLAYERS[0]), Signer(PLAYERS[1])
    arena = Arena.deploy(w3, host, config(open=False))
    proof = {
        "root": hex(R1),
        "collection": ACCESS,
        "game": arena.address.lower(),
        "round": 1,
        "player": a.address.lower(),
        "nullifier": hex(0xABC),
        "proof": ["0x" + w.to_bytes(32, "big").hex() for w in PROOF],
    }
    with pytest.raises(ArenaRefused, match="ProofRequired"):
        arena.join(a)
    for wrong in [{"round": 2}, {"player": b.address}, {"game": host.address}, {"collection": 1}]:
        with pytest.raises(ProofMismatch):
            arena.join(a, proof | wrong)
    assert arena.join(a, proof).joined
    with pytest.raises(ArenaRefused) as refused:
        arena.join(b, proof | {"player": b.address})
    assert refused.value.error == "NullifierUsed"
    with pytest.raises(ArenaRefused, match="RootNotHeld"):
        arena.join(b, proof | {"player": b.address, "root": hex(R2), "nullifier": "0x1"})
    # The nonces the failed joins did not use are still the signers' next ones.
    assert b.nonce in (None, w3.eth.get_transaction_count(b.address))
    assert arena.player(b.address).joined is False
