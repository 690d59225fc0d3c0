// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Groth16Batch, VK_WORDS} from "./Groth16Batch.sol";
import {VerifyingKeyHolder} from "./VerifyingKeyHolder.sol";

/// A stand-alone Groth16 verifier of one key (given at deployment): one proof alone, or a batch in
/// one pairing check (`Groth16Batch`). The rollup verifies batches itself; this contract is the
/// single-proof baseline of the gas benchmark and lets tests and tools run either check.
contract Groth16Verifier is VerifyingKeyHolder {
    event Verified(bool ok);

    constructor(uint256[VK_WORDS] memory key) VerifyingKeyHolder(key) {}

    /// True iff `proof` (256 bytes) verifies for the five `inputs`.
    function verifyProof(bytes calldata proof, uint256[] calldata inputs) public view returns (bool) {
        return Groth16Batch.verify(verifyingKey(), proof, inputs);
    }

    /// True iff every proof of `proofs` (n × 256 bytes) verifies for its five inputs
    /// `inputs[5i .. 5i + 4]`, by one pairing check.
    function verifyBatch(bytes calldata proofs, uint256[] calldata inputs) public view returns (bool) {
        return Groth16Batch.verifyBatch(verifyingKey(), proofs, inputs);
    }

    /// `verifyProof` as a transaction (its gas is one proof's cost on L1, calldata included).
    function checkProof(bytes calldata proof, uint256[] calldata inputs) external {
        emit Verified(verifyProof(proof, inputs));
    }

    /// `verifyBatch` as a transaction.
    function checkBatch(bytes calldata proofs, uint256[] calldata inputs) external {
        emit Verified(verifyBatch(proofs, inputs));
    }
}
