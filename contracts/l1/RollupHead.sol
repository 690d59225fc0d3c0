// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// The one storage slot every batch reads, shared by the rollup's parts: the batch counter and
/// the last checkpoint's ledger height (`Rollup`), the validator set's nonce and total stake
/// (`DataAvailability`) and the number of submission agents (`SubmissionSlots`). Packed so that a
/// batch pays one cold read (2,100 gas) for all of them instead of three.
abstract contract RollupHead {
    struct Head {
        uint64 batchCount;
        uint64 lastLedgerHeight;
        uint64 totalStake;
        uint32 validatorSetNonce;
        uint32 agentCount;
    }

    Head internal _head;
}
