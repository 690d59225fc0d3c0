// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title FastExit: moves native coin from the fast chain back to the ZK chain.
/// @notice Predeployed at 0x…7a02. `exit` burns the coin sent with it (the fast chain's native
/// coin is ZK token 0) and emits `Exit`; the ledger reads the event after the block and pays the
/// amount out of the escrow to ZK account `zkAccount` (a MoveFromFast transaction).
/// @dev The burnt coin stays in this contract for ever: it has no function that sends value, no
/// receive or fallback function, no constructor and no immutables.
contract FastExit {
    /// Exits are at most this many wei (the ZK chain's amounts are 128-bit).
    uint256 public constant MAX_EXIT = type(uint128).max;

    /// The id of the next exit: 0, 1, 2, … over all exits ever made.
    uint64 public nextExitId;

    /// `amount` wei of `from` burnt here, to be paid to ZK account `zkAccount`.
    event Exit(uint64 indexed exitId, address indexed from, uint64 zkAccount, uint256 amount);

    /// `exit` was called without value.
    error ZeroExit();
    /// `exit` was called with 2^128 wei or more.
    error ExitTooLarge(uint256 amount);

    /// @notice Burns msg.value for ZK account `zkAccount`.
    /// @param zkAccount the index of the ZK-chain account to be paid.
    /// @return exitId the id of this exit (the MoveFromFast transaction names it).
    function exit(uint64 zkAccount) external payable returns (uint64 exitId) {
        if (msg.value == 0) revert ZeroExit();
        if (msg.value > MAX_EXIT) revert ExitTooLarge(msg.value);
        exitId = nextExitId;
        nextExitId = exitId + 1;
        emit Exit(exitId, msg.sender, zkAccount, msg.value);
    }
}
