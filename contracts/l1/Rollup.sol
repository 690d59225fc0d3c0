// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Bridge} from "./Bridge.sol";
import {DataAvailability} from "./DataAvailability.sol";
import {Groth16Batch, VK_WORDS} from "./Groth16Batch.sol";
import {PublicData} from "./PublicData.sol";
import {SubmissionSlots} from "./SubmissionSlots.sol";
import {VerifyingKeyHolder} from "./VerifyingKeyHolder.sol";

/// The ZK chain's rollup on L1: its state root, its batch history, and the bridge.
///
/// A batch is n contiguous ZK-chain transactions. `submitBatch` takes
///   - `records`: their public data records concatenated (`PublicData`), n of them;
///   - `proofs`: their Groth16 proofs, n × 256 bytes, in the same order;
///   - `roots`: n + 1 state roots: the current one, then the root after each transaction;
///   - `checkpoint`: the fast chain's state root and the ledger's app hash and height;
///   - `signatures`: the validators' attestation of the batch (`DataAvailability`).
/// Proof i's public inputs are [roots[i], roots[i + 1], txData(record i)], so the chain of roots
/// is the proofs' own statement; all proofs are checked in one pairing check (`Groth16Batch`).
/// An accepted batch moves the state root to roots[n], marks its deposits included, makes its
/// withdrawals claimable, emits `BatchSettled` with everything it settled, and folds it into the
/// batch history, one hash over all batches so far:
///     historyHash' = keccak256(abi.encode(historyHash, batchIndex, previousRoot, newRoot,
///                                         dataHash, fastStateRoot, ledgerAppHash, ledgerHeight))
/// with dataHash = keccak256(records); historyHash starts as the genesis root. A node holding the
/// batches checks the whole history with one call; the events carry each batch's values. (A slot
/// per batch would cost 22.1k gas a batch; overwriting one costs 5k.) Every rejection is a named
/// error and changes nothing.
contract Rollup is VerifyingKeyHolder, DataAvailability, SubmissionSlots, Bridge {
    /// The fast chain's checkpoint a batch carries (validium: only this reaches L1).
    struct Checkpoint {
        bytes32 fastStateRoot;
        bytes32 ledgerAppHash;
        uint64 ledgerHeight;
    }

    /// The ZK chain's state root after the last accepted batch (its genesis root before any).
    bytes32 public stateRoot;
    /// The hash of all accepted batches (contract docstring).
    bytes32 public historyHash;

    /// The batch does not start at the contract's state root.
    error PreviousRootMismatch(bytes32 stateRoot, bytes32 batchFirstRoot);
    /// The checkpoint's ledger height is below the last accepted one.
    error CheckpointTooOld(uint64 ledgerHeight, uint64 lastLedgerHeight);
    /// The batched proof check failed: some proof does not verify for its roots and record.
    error InvalidBatchProof();

    event BatchSettled(
        uint256 indexed batchIndex,
        bytes32 newRoot,
        bytes32 dataHash,
        bytes32 previousRoot,
        uint256 txCount,
        bytes32 fastStateRoot,
        bytes32 ledgerAppHash,
        uint64 ledgerHeight,
        address indexed submitter
    );

    constructor(
        uint256[VK_WORDS] memory verifyingKey_,
        bytes32 genesisRoot,
        address[] memory validators,
        uint256[] memory stakes,
        uint256 slotSeconds_,
        uint256 exclusiveSeconds_,
        uint256 depositTimeout_
    )
        VerifyingKeyHolder(verifyingKey_)
        DataAvailability(validators, stakes)
        SubmissionSlots(slotSeconds_, exclusiveSeconds_)
        Bridge(depositTimeout_)
    {
        if (uint256(genesisRoot) >= Groth16Batch.R) revert Groth16Batch.PublicInputOutOfField(0);
        stateRoot = genesisRoot;
        historyHash = genesisRoot;
    }

    /// The number of accepted batches; the next batch's index.
    function batchCount() external view returns (uint256) {
        return _head.batchCount;
    }

    /// The ledger height of the last accepted checkpoint; checkpoints never go back.
    function lastLedgerHeight() external view returns (uint256) {
        return _head.lastLedgerHeight;
    }

    /// Accepts a batch (contract docstring).
    ///
    /// Reverts `NotSlotAgent`, `NotAnAgent`, `RootCountMismatch`, `PreviousRootMismatch`,
    /// `CheckpointTooOld`, the attestation's errors (`InsufficientQuorum` …), the records' errors
    /// (`UnknownRecordType`, `RecordTruncated`, `RecordCountMismatch`), the bridge's (Deposit and
    /// Withdraw records), the proof check's (`BatchShapeMismatch`, `ProofCoordinateOutOfField`,
    /// `PublicInputOutOfField`) and `InvalidBatchProof`.
    function submitBatch(
        bytes calldata records,
        bytes calldata proofs,
        bytes32[] calldata roots,
        Checkpoint calldata checkpoint,
        bytes calldata signatures
    ) external {
        _checkSubmitter(msg.sender);
        uint256 n = proofs.length / Groth16Batch.PROOF_BYTES;
        (uint256[] memory inputs, uint256 bridge) = PublicData.walk(records, roots, n);
        if (roots[0] != stateRoot) revert PreviousRootMismatch(stateRoot, roots[0]);
        if (checkpoint.ledgerHeight < _head.lastLedgerHeight) {
            revert CheckpointTooOld(checkpoint.ledgerHeight, _head.lastLedgerHeight);
        }
        uint256 batchIndex = _head.batchCount;
        bytes32 dataHash = keccak256(records);
        _checkAttestation(batchIndex, dataHash, roots[n], checkpoint, signatures);
        if (bridge != 0) _applyBridgeRecords(inputs, bridge, batchIndex);
        if (!_verifyProofs(proofs, inputs)) revert InvalidBatchProof();
        _settle(batchIndex, dataHash, roots[0], roots[n], n, checkpoint);
    }

    /// The proof check; `virtual` so that a test harness can exercise the rest of `submitBatch`
    /// with records no circuit proves yet (contracts/l1/test/).
    function _verifyProofs(bytes calldata proofs, uint256[] memory inputs) internal view virtual returns (bool) {
        // The record walk has checked that every input is a field element.
        return Groth16Batch.verifyBatchOfFieldElements(verifyingKey(), proofs, inputs);
    }

    /// Reverts unless the validators attest the batch (`DataAvailability`).
    function _checkAttestation(
        uint256 batchIndex,
        bytes32 dataHash,
        bytes32 newRoot,
        Checkpoint calldata checkpoint,
        bytes calldata signatures
    ) private view {
        bytes32 digest = attestationDigest(
            batchIndex,
            dataHash,
            newRoot,
            checkpoint.fastStateRoot,
            checkpoint.ledgerAppHash,
            checkpoint.ledgerHeight
        );
        _checkQuorum(digest, signatures);
    }

    /// Records the accepted batch and announces it.
    function _settle(
        uint256 batchIndex,
        bytes32 dataHash,
        bytes32 previousRoot,
        bytes32 newRoot,
        uint256 n,
        Checkpoint calldata checkpoint
    ) private {
        stateRoot = newRoot;
        _head.batchCount = uint64(batchIndex + 1);
        _head.lastLedgerHeight = checkpoint.ledgerHeight;
        historyHash = keccak256(
            abi.encode(
                historyHash,
                batchIndex,
                previousRoot,
                newRoot,
                dataHash,
                checkpoint.fastStateRoot,
                checkpoint.ledgerAppHash,
                checkpoint.ledgerHeight
            )
        );
        emit BatchSettled(
            batchIndex,
            newRoot,
            dataHash,
            previousRoot,
            n,
            checkpoint.fastStateRoot,
            checkpoint.ledgerAppHash,
            checkpoint.ledgerHeight,
            msg.sender
        );
    }

    /// Deposit records mark their deposits included; Withdraw records make their amounts claimable.
    function _applyBridgeRecords(uint256[] memory inputs, uint256 bridge, uint256 batchIndex) private {
        for (uint256 i = 0; bridge >> i != 0; ++i) {
            if ((bridge >> i) & 1 == 0) continue;
            uint256 t0 = inputs[5 * i + 2];
            if (PublicData.isDeposit(t0)) {
                (uint64 fee, uint64 depositId,, uint16 token) = PublicData.depositFields(t0);
                _includeDeposit(depositId, fee, token, inputs[5 * i + 3], inputs[5 * i + 4], batchIndex);
            } else {
                (,, uint16 token) = PublicData.withdrawFields(t0);
                _addWithdrawal(token, inputs[5 * i + 3], inputs[5 * i + 4], batchIndex);
            }
        }
    }
}
