// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {GameReports} from "../system/GameReports.sol";
import {OwnershipGate} from "../system/OwnershipGate.sol";
import {GAME_REPORTS, OWNERSHIP_GATE, SNARK_SCALAR_FIELD} from "../system/SystemAddresses.sol";

/// @title Arena: a gem-collecting game on a 16×16 grid, played in rounds on the fast chain.
/// @notice The hybrid's game (docs/hybrid.md, issue 14). Each round, players who own an NFT of
/// the access collection on the ZK chain join with an ownership proof (`OwnershipGate`, which
/// shows neither their account nor their NFT), then walk the grid one cell per move, picking up
/// the gems they step on (0–3 points a cell, each gem once a round). When the round is over
/// (after `movesPerRound` moves by all players together, or `secondsPerRound` seconds, whichever
/// comes first), anyone calls `endRound`: the `prizesPerRound` best scorers are reported to
/// `GameReports`, and the ZK chain mints each an NFT of the prize collection (whose minter must
/// be this contract, and whose cap per round at least `prizesPerRound`). The next round starts at
/// once with a new grid and an empty roster: players prove ownership again (nullifiers are per
/// round).
/// @dev An `open` arena admits anyone through `join()` without a proof: for benchmarks and tests
/// only, never for a game whose prizes are worth something. The grid comes from the previous
/// block's hash, so the sequencer can see it before the round: fine for a demonstration game.
contract Arena {
    /// The grid's side: cells (x, y) with 0 <= x, y < GRID; moves wrap around its edges.
    uint8 public constant GRID = 16;
    /// The most players one round seats (`endRound` reads each one's score).
    uint256 public constant MAX_PLAYERS = 256;
    /// The most prizes a round may award (GameReports.MAX_WINNERS).
    uint256 public constant MAX_PRIZES = 64;
    /// Directions of `move`: y - 1, x + 1, y + 1, x - 1.
    uint8 public constant UP = 0;
    uint8 public constant RIGHT = 1;
    uint8 public constant DOWN = 2;
    uint8 public constant LEFT = 3;

    /// The ZK-chain collection whose NFT holders may play (each round's `OwnershipGate` check).
    uint16 public immutable accessCollection;
    /// The ZK-chain game collection the prizes are minted in (its minter is this contract).
    uint16 public immutable prizeCollection;
    /// A round is over after this many moves in it (0: no limit by moves).
    uint32 public immutable movesPerRound;
    /// A round is over this many seconds after it started (0: no limit by time).
    uint32 public immutable secondsPerRound;
    /// How many of a round's best scorers win a prize.
    uint8 public immutable prizesPerRound;
    /// Whether `join()` admits anyone without a proof (benchmarks and tests only).
    bool public immutable open;

    /// A player's state in one round (one storage slot).
    struct Player {
        bool joined;
        uint8 x;
        uint8 y;
        uint32 score;
        uint32 moves;
    }

    // One slot: what every move reads.
    /// The current round: 1, 2, 3, …
    uint32 public round;
    /// Moves made in the current round, by all players.
    uint32 public movesMade;
    /// When the current round started (block timestamp, seconds).
    uint64 public roundStartedAt;
    /// The current round's grid seed.
    bytes16 private _seed;

    /// Per round, the cells whose gem was picked up: bit y·GRID + x.
    mapping(uint32 round => uint256 cells) public collected;
    mapping(uint32 round => mapping(address player => Player)) private _players;
    /// Per round, its players in the order they joined (ties in score go to the earlier).
    mapping(uint32 round => address[]) private _roster;

    /// Round `round` started at `startedAt` (seconds).
    event RoundStarted(uint32 indexed round, uint64 startedAt);
    /// `player` joined round `round`, placed at (x, y).
    event Joined(uint32 indexed round, address indexed player, uint8 x, uint8 y);
    /// `player` moved to (x, y), picking up `points`; `score` is their round's total.
    event Moved(
        uint32 indexed round,
        address indexed player,
        uint8 x,
        uint8 y,
        uint8 points,
        uint32 score
    );
    /// Round `round` ended; `winners` (best first, with their `scores`) were reported.
    event RoundEnded(uint32 indexed round, address[] winners, uint32[] scores);

    /// The constructor was given neither a move limit nor a time limit: a round would never end.
    error NoRoundLength();
    /// The constructor was given 0 or more than MAX_PRIZES prizes per round.
    error BadPrizeCount(uint8 count, uint256 max);
    /// `join()` without a proof, on an arena that is not open.
    error ProofRequired();
    /// `player` has joined round `round` already.
    error AlreadyJoined(address player, uint32 round);
    /// Round `round` has MAX_PLAYERS players.
    error ArenaFull(uint32 round, uint256 max);
    /// `player` has not joined round `round` (join again each round).
    error NotPlaying(address player, uint32 round);
    /// `direction` is not UP, RIGHT, DOWN or LEFT.
    error BadDirection(uint8 direction);
    /// Round `round` is over: no more joins or moves until `endRound`.
    error RoundOver(uint32 round);
    /// `endRound` before round `round` is over.
    error RoundNotOver(uint32 round);

    /// @param accessCollection_ the ZK-chain collection whose holders may play.
    /// @param prizeCollection_ the ZK-chain game collection of the prizes (minter: this contract).
    /// @param movesPerRound_ moves after which a round is over (0: no move limit).
    /// @param secondsPerRound_ seconds after which a round is over (0: no time limit).
    /// @param prizesPerRound_ how many best scorers win (1..MAX_PRIZES).
    /// @param open_ admit anyone without a proof (benchmarks and tests only).
    constructor(
        uint16 accessCollection_,
        uint16 prizeCollection_,
        uint32 movesPerRound_,
        uint32 secondsPerRound_,
        uint8 prizesPerRound_,
        bool open_
    ) {
        if (movesPerRound_ == 0 && secondsPerRound_ == 0) revert NoRoundLength();
        if (prizesPerRound_ == 0 || prizesPerRound_ > MAX_PRIZES) {
            revert BadPrizeCount(prizesPerRound_, MAX_PRIZES);
        }
        accessCollection = accessCollection_;
        prizeCollection = prizeCollection_;
        movesPerRound = movesPerRound_;
        secondsPerRound = secondsPerRound_;
        prizesPerRound = prizesPerRound_;
        open = open_;
        _startRound(1);
    }

    // -- playing --------------------------------------------------------------------------

    /// @notice Joins the current round of an open arena, without a proof.
    function join() external {
        if (!open) revert ProofRequired();
        uint32 r = _joinableRound();
        _seat(r);
    }

    /// @notice Joins the current round with a proof of owning an NFT of `accessCollection`,
    /// made for this arena, this round and msg.sender (`braid zk prove-ownership`).
    /// @dev Reverts with OwnershipGate's errors (RootNotHeld, NullifierUsed,
    /// NullifierOutOfField, InvalidOwnershipProof) when the gate refuses.
    /// @param root the ZK-chain state root the proof is against (held by ZkRoots).
    /// @param nullifier the proof's nullifier (one per NFT, arena and round).
    /// @param proof the Groth16 proof as 8 words.
    function join(uint256 root, uint256 nullifier, uint256[8] calldata proof) external {
        uint32 r = _joinableRound();
        OwnershipGate(OWNERSHIP_GATE).admit(
            msg.sender,
            accessCollection,
            r,
            root,
            nullifier,
            proof
        );
        _seat(r);
    }

    /// @notice Moves one cell (UP, RIGHT, DOWN or LEFT, wrapping around the edges) and picks up
    /// the gem there, if any is left.
    /// @param direction 0 up, 1 right, 2 down, 3 left.
    function move(uint8 direction) external {
        uint32 r = round;
        if (_over()) revert RoundOver(r);
        Player storage p = _players[r][msg.sender];
        if (!p.joined) revert NotPlaying(msg.sender, r);
        uint8 x = p.x;
        uint8 y = p.y;
        if (direction == UP) y = (y + GRID - 1) % GRID;
        else if (direction == RIGHT) x = (x + 1) % GRID;
        else if (direction == DOWN) y = (y + 1) % GRID;
        else if (direction == LEFT) x = (x + GRID - 1) % GRID;
        else revert BadDirection(direction);
        uint8 cell = y * GRID + x;
        uint8 points = 0;
        uint256 taken = collected[r];
        if (taken & (uint256(1) << cell) == 0) {
            points = _gem(_seed, cell);
            if (points != 0) collected[r] = taken | (uint256(1) << cell);
        }
        uint32 score = p.score + points;
        p.x = x;
        p.y = y;
        p.score = score;
        p.moves += 1;
        movesMade += 1;
        emit Moved(r, msg.sender, x, y, points, score);
    }

    /// @notice Ends the current round once it is over: reports its best scorers (score > 0, at
    /// most `prizesPerRound`, best first, ties to the earlier joiner) to GameReports, then
    /// starts the next round.
    /// @return winners the reported winners, best first (empty when nobody scored).
    function endRound() external returns (address[] memory winners) {
        uint32 r = round;
        if (!_over()) revert RoundNotOver(r);
        uint32[] memory points;
        (winners, points) = _best(r);
        if (winners.length != 0) {
            uint256[] memory hashes = new uint256[](winners.length);
            for (uint256 i = 0; i < winners.length; ++i) {
                hashes[i] = contentHash(r, winners[i], points[i]);
            }
            GameReports(GAME_REPORTS).report(prizeCollection, r, winners, hashes);
        }
        emit RoundEnded(r, winners, points);
        _startRound(r + 1);
    }

    // -- reading --------------------------------------------------------------------------

    /// @notice Whether the current round is over (`endRound` may be called).
    function roundOver() external view returns (bool) {
        return _over();
    }

    /// @notice `player`'s state in round `round_` (all zero if they did not join it).
    function playerOf(
        uint32 round_,
        address player
    ) external view returns (bool joined, uint8 x, uint8 y, uint32 score, uint32 moves) {
        Player storage p = _players[round_][player];
        return (p.joined, p.x, p.y, p.score, p.moves);
    }

    /// @notice The players of round `round_` in the order they joined, and their scores.
    function scores(
        uint32 round_
    ) external view returns (address[] memory players, uint32[] memory points) {
        players = _roster[round_];
        points = new uint32[](players.length);
        for (uint256 i = 0; i < players.length; ++i) {
            points[i] = _players[round_][players[i]].score;
        }
    }

    /// @notice The points of the gem at (x, y) in the current round (0: none, or picked up).
    function gemAt(uint8 x, uint8 y) external view returns (uint8) {
        if (x >= GRID || y >= GRID) return 0;
        uint8 cell = y * GRID + x;
        if (collected[round] & (uint256(1) << cell) != 0) return 0;
        return _gem(_seed, cell);
    }

    /// @notice The content hash of a prize: keccak256(abi.encode(round, winner, score)) mod r.
    function contentHash(uint32 round_, address winner, uint32 score) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(round_, winner, score))) % SNARK_SCALAR_FIELD;
    }

    // -- internals ------------------------------------------------------------------------

    function _over() internal view returns (bool) {
        if (movesPerRound != 0 && movesMade >= movesPerRound) return true;
        return secondsPerRound != 0 && block.timestamp >= roundStartedAt + secondsPerRound;
    }

    /// The current round, if msg.sender may join it.
    function _joinableRound() internal view returns (uint32 r) {
        r = round;
        if (_over()) revert RoundOver(r);
        if (_players[r][msg.sender].joined) revert AlreadyJoined(msg.sender, r);
        if (_roster[r].length >= MAX_PLAYERS) revert ArenaFull(r, MAX_PLAYERS);
    }

    /// Seats msg.sender in round `r` at a cell drawn from the seed and their address.
    function _seat(uint32 r) internal {
        uint8 cell = uint8(uint256(keccak256(abi.encodePacked(_seed, msg.sender))));
        uint8 x = cell % GRID;
        uint8 y = cell / GRID;
        _players[r][msg.sender] = Player({joined: true, x: x, y: y, score: 0, moves: 0});
        _roster[r].push(msg.sender);
        emit Joined(r, msg.sender, x, y);
    }

    function _startRound(uint32 r) internal {
        round = r;
        movesMade = 0;
        roundStartedAt = uint64(block.timestamp);
        // The parent's hash (none in an eth_call on the genesis block: deployments are estimated
        // there before the first block).
        bytes32 parent = block.number == 0 ? bytes32(0) : blockhash(block.number - 1);
        _seed = bytes16(keccak256(abi.encode(parent, address(this), r)));
        emit RoundStarted(r, uint64(block.timestamp));
    }

    /// The points of the gem cell `cell` holds under `seed`: 0 (a quarter of the cells) to 3.
    function _gem(bytes16 seed, uint8 cell) internal pure returns (uint8) {
        return uint8(uint256(keccak256(abi.encodePacked(seed, cell))) % 4);
    }

    /// Round `r`'s best scorers (score > 0), best first, at most `prizesPerRound`: an insertion
    /// into a short sorted list, so a tie keeps the earlier joiner ahead.
    function _best(uint32 r) internal view returns (address[] memory, uint32[] memory) {
        address[] storage roster = _roster[r];
        uint256 k = prizesPerRound;
        address[] memory best = new address[](k);
        uint32[] memory top = new uint32[](k);
        uint256 count = 0;
        for (uint256 j = 0; j < roster.length; ++j) {
            address a = roster[j];
            uint32 s = _players[r][a].score;
            if (s == 0 || (count == k && s <= top[k - 1])) continue;
            uint256 i = count < k ? count++ : k - 1;
            while (i > 0 && top[i - 1] < s) {
                best[i] = best[i - 1];
                top[i] = top[i - 1];
                --i;
            }
            best[i] = a;
            top[i] = s;
        }
        address[] memory winners = new address[](count);
        uint32[] memory points = new uint32[](count);
        for (uint256 i = 0; i < count; ++i) {
            winners[i] = best[i];
            points[i] = top[i];
        }
        return (winners, points);
    }
}
