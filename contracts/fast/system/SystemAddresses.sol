// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// The fast chain's system addresses (docs/hybrid.md, "Fast-chain system contracts"). The
// contracts are predeployed at genesis (FastParams.genesis_code, src/zkbraid/fast/
// system_contracts.py) and have no constructor: these are constants, not immutables.

// The sender of the ledger's system call at the start of a fast block (as EIP-4788's).
address constant SYSTEM_ADDRESS = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE;
// Recent ZK-chain state roots and their status (`ZkRoots`).
address constant ZK_ROOTS = 0x0000000000000000000000000000000000007A01;
// Burns native coin for the ZK chain (`FastExit`).
address constant FAST_EXIT = 0x0000000000000000000000000000000000007a02;
// Games' prize reports (`GameReports`).
address constant GAME_REPORTS = 0x0000000000000000000000000000000000007a03;
// Admission by ownership proof (`OwnershipGate`).
address constant OWNERSHIP_GATE = 0x0000000000000000000000000000000000007A04;
// The ownership circuit's Groth16 verifier (`OwnershipVerifier`).
address constant OWNERSHIP_VERIFIER = 0x0000000000000000000000000000000000007A05;

// The BN254 scalar field's order r: ZK-chain roots, content hashes and nullifiers are below it.
uint256 constant SNARK_SCALAR_FIELD =
    21888242871839275222246405745257275088548364400416034343698204186575808495617;
