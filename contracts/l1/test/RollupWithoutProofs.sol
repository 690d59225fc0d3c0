// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Groth16Batch, VK_WORDS} from "../Groth16Batch.sol";
import {Rollup} from "../Rollup.sol";

/// TEST ONLY: the rollup with its proof check replaced by a switch, so that tests can drive the
/// rest of `submitBatch` (records, bridge, attestation, slots) with records that no circuit
/// proves yet (Deposit, Withdraw). Never deploy it on a real chain.
contract RollupWithoutProofs is Rollup {
    bool public proofsValid = true;

    constructor(
        uint256[VK_WORDS] memory verifyingKey_,
        bytes32 genesisRoot,
        address[] memory validators,
        uint256[] memory stakes,
        uint256 slotSeconds_,
        uint256 exclusiveSeconds_,
        uint256 depositTimeout_
    ) Rollup(verifyingKey_, genesisRoot, validators, stakes, slotSeconds_, exclusiveSeconds_, depositTimeout_) {}

    /// What the proof check answers from now on.
    function setProofsValid(bool valid) external {
        proofsValid = valid;
    }

    function _verifyProofs(bytes calldata proofs, uint256[] memory inputs) internal view override returns (bool) {
        if (proofs.length == 0 || proofs.length % Groth16Batch.PROOF_BYTES != 0) {
            revert Groth16Batch.BatchShapeMismatch(proofs.length, inputs.length);
        }
        return proofsValid;
    }
}
