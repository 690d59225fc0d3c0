// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {SNARK_SCALAR_FIELD} from "./SystemAddresses.sol";

/// @title GameReports: games report the winners of a round, and the ZK chain mints their prizes.
/// @notice Predeployed at 0x…7a03. The game is msg.sender; each winner gets a `Prize` event,
/// which the ledger turns into a GameMint on the ZK chain in collection `collection` (whose
/// minter must be the game, and which caps the mints of each round). A prize's NFT carries
/// `contentHash`.
/// @dev No constructor and no immutables: the runtime code is placed at genesis as it is.
contract GameReports {
    /// The most winners one `report` call may name.
    uint256 public constant MAX_WINNERS = 64;

    /// The id of the next prize: 0, 1, 2, … over all Prize events ever emitted.
    uint64 public nextReportId;

    /// `game` awards `winner` an NFT of `collection` with `contentHash`, for round `round`.
    event Prize(
        uint64 indexed reportId,
        address indexed game,
        uint16 collection,
        uint32 round,
        address winner,
        uint256 contentHash
    );

    /// `winners` and `contentHashes` differ in length.
    error LengthMismatch(uint256 winners, uint256 contentHashes);
    /// The report names no winner.
    error NoWinners();
    /// The report names more than MAX_WINNERS winners.
    error TooManyWinners(uint256 count, uint256 max);
    /// Winner `index` is the zero address (no ZK account can be bound to it).
    error ZeroWinner(uint256 index);
    /// Content hash `index` is not below the BN254 scalar field's order r.
    error ContentHashOutOfField(uint256 index, uint256 contentHash);

    /// @notice Reports the winners of round `round` of the caller's game.
    /// @param collection the ZK-chain collection the prizes are minted in.
    /// @param round the game round (the collection caps the mints of each).
    /// @param winners who wins, one prize each (an address may appear more than once).
    /// @param contentHashes the content hash of each prize's NFT, each below r.
    /// @return firstReportId the report id of the first prize; the others follow it.
    function report(
        uint16 collection,
        uint32 round,
        address[] calldata winners,
        uint256[] calldata contentHashes
    ) external returns (uint64 firstReportId) {
        uint256 n = winners.length;
        if (contentHashes.length != n) revert LengthMismatch(n, contentHashes.length);
        if (n == 0) revert NoWinners();
        if (n > MAX_WINNERS) revert TooManyWinners(n, MAX_WINNERS);
        firstReportId = nextReportId;
        for (uint256 i = 0; i < n; ++i) {
            address winner = winners[i];
            uint256 contentHash = contentHashes[i];
            if (winner == address(0)) revert ZeroWinner(i);
            if (contentHash >= SNARK_SCALAR_FIELD) revert ContentHashOutOfField(i, contentHash);
            emit Prize(firstReportId + uint64(i), msg.sender, collection, round, winner, contentHash);
        }
        nextReportId = firstReportId + uint64(n);
    }
}
