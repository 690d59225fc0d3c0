// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Groth16Batch, VK_WORDS} from "./Groth16Batch.sol";

/// The circuit's Groth16 verifying key, given at deployment and kept in the contract's code
/// (immutables: reading all 26 words costs a few hundred gas, against about 55k from storage).
///
/// The key is the 26 words of `zkbraid.proving.verifying_key.verifying_key_words` (snarkjs's
/// verification_key.json: alpha, beta, gamma, delta, IC[0..5]; G2 halves imaginary first).
/// `verifyingKeyHash` is keccak256 over those words, the same value as
/// `zkbraid.proving.verifying_key.verifying_key_hash`, so a node checks that the deployed key is
/// its genesis key.
abstract contract VerifyingKeyHolder {
    /// A coordinate of the verifying key is not below the base field modulus q.
    error VerifyingKeyOutOfField(uint256 wordIndex);

    uint256 private immutable _k0;
    uint256 private immutable _k1;
    uint256 private immutable _k2;
    uint256 private immutable _k3;
    uint256 private immutable _k4;
    uint256 private immutable _k5;
    uint256 private immutable _k6;
    uint256 private immutable _k7;
    uint256 private immutable _k8;
    uint256 private immutable _k9;
    uint256 private immutable _k10;
    uint256 private immutable _k11;
    uint256 private immutable _k12;
    uint256 private immutable _k13;
    uint256 private immutable _k14;
    uint256 private immutable _k15;
    uint256 private immutable _k16;
    uint256 private immutable _k17;
    uint256 private immutable _k18;
    uint256 private immutable _k19;
    uint256 private immutable _k20;
    uint256 private immutable _k21;
    uint256 private immutable _k22;
    uint256 private immutable _k23;
    uint256 private immutable _k24;
    uint256 private immutable _k25;

    /// keccak256 of the key's 26 words (contract docstring).
    bytes32 public immutable verifyingKeyHash;

    constructor(uint256[VK_WORDS] memory key) {
        for (uint256 i = 0; i < VK_WORDS; ++i) {
            if (key[i] >= Groth16Batch.Q) revert VerifyingKeyOutOfField(i);
        }
        _k0 = key[0];
        _k1 = key[1];
        _k2 = key[2];
        _k3 = key[3];
        _k4 = key[4];
        _k5 = key[5];
        _k6 = key[6];
        _k7 = key[7];
        _k8 = key[8];
        _k9 = key[9];
        _k10 = key[10];
        _k11 = key[11];
        _k12 = key[12];
        _k13 = key[13];
        _k14 = key[14];
        _k15 = key[15];
        _k16 = key[16];
        _k17 = key[17];
        _k18 = key[18];
        _k19 = key[19];
        _k20 = key[20];
        _k21 = key[21];
        _k22 = key[22];
        _k23 = key[23];
        _k24 = key[24];
        _k25 = key[25];
        verifyingKeyHash = keccak256(abi.encodePacked(key));
    }

    /// The key's 26 words (contract docstring).
    function verifyingKey() public view returns (uint256[VK_WORDS] memory vk) {
        vk[0] = _k0;
        vk[1] = _k1;
        vk[2] = _k2;
        vk[3] = _k3;
        vk[4] = _k4;
        vk[5] = _k5;
        vk[6] = _k6;
        vk[7] = _k7;
        vk[8] = _k8;
        vk[9] = _k9;
        vk[10] = _k10;
        vk[11] = _k11;
        vk[12] = _k12;
        vk[13] = _k13;
        vk[14] = _k14;
        vk[15] = _k15;
        vk[16] = _k16;
        vk[17] = _k17;
        vk[18] = _k18;
        vk[19] = _k19;
        vk[20] = _k20;
        vk[21] = _k21;
        vk[22] = _k22;
        vk[23] = _k23;
        vk[24] = _k24;
        vk[25] = _k25;
    }
}
