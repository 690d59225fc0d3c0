// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {OWNERSHIP_VERIFIER, SNARK_SCALAR_FIELD, ZK_ROOTS} from "./SystemAddresses.sol";
import {ZkRoots} from "./ZkRoots.sol";

/// The ownership circuit's verifier, as OwnershipVerifier (at 0x…7a05) implements it.
interface IOwnershipVerifier {
    /// Whether `proof` verifies over `inputs` = [root, collection, game, round, player, nullifier].
    function verifyProof(
        uint256[8] calldata proof,
        uint256[6] calldata inputs
    ) external view returns (bool);
}

/// @title OwnershipGate: admits a player to a game round by a ZK proof of owning an NFT.
/// @notice Predeployed at 0x…7a04. The game is msg.sender. The player proves, against a ZK-chain
/// state root the fast chain holds (`ZkRoots`), that they own an NFT of `collection` without
/// revealing which; the nullifier (one per NFT, game and round) admits once.
/// @dev No constructor and no immutables: the runtime code is placed at genesis as it is.
contract OwnershipGate {
    /// Whether a nullifier has admitted someone.
    mapping(uint256 nullifier => bool) public nullifierUsed;

    /// `player` was admitted to round `round` of `game` with an NFT of `collection`.
    event Admitted(
        address indexed game,
        address indexed player,
        uint16 collection,
        uint32 round,
        uint256 nullifier
    );

    /// `root` is not one of the ZK-chain roots `ZkRoots` holds (never recorded, or evicted).
    error RootNotHeld(uint256 root);
    /// `nullifier` has admitted someone already.
    error NullifierUsed(uint256 nullifier);
    /// `nullifier` is not below the BN254 scalar field's order r.
    error NullifierOutOfField(uint256 nullifier);
    /// The ownership proof does not verify (or the verifier gave no answer).
    error InvalidOwnershipProof();

    /// @notice Admits `player` to round `round` of the calling game; reverts unless the proof
    /// verifies over [root, collection, msg.sender, round, player, nullifier].
    /// @param player the address the proof is for (the game passes its own msg.sender).
    /// @param collection the ZK-chain collection the player owns an NFT of.
    /// @param round the game round.
    /// @param root a ZK-chain state root held by `ZkRoots`.
    /// @param nullifier poseidon([secret, nft id, game, round]); each admits once.
    /// @param proof the Groth16 proof (a, b, c as 8 words).
    function admit(
        address player,
        uint16 collection,
        uint32 round,
        uint256 root,
        uint256 nullifier,
        uint256[8] calldata proof
    ) external {
        if (!ZkRoots(ZK_ROOTS).isKnown(root)) revert RootNotHeld(root);
        if (nullifierUsed[nullifier]) revert NullifierUsed(nullifier);
        // The verifier may reduce its inputs mod r: n and n + r must not be two nullifiers.
        if (nullifier >= SNARK_SCALAR_FIELD) revert NullifierOutOfField(nullifier);
        uint256[6] memory inputs = [
            root,
            uint256(collection),
            uint256(uint160(msg.sender)),
            uint256(round),
            uint256(uint160(player)),
            nullifier
        ];
        // A low-level call: an address without code answers with success and no data, which a
        // high-level call would decode into a revert without a name.
        (bool ok, bytes memory answer) = OWNERSHIP_VERIFIER.staticcall(
            abi.encodeCall(IOwnershipVerifier.verifyProof, (proof, inputs))
        );
        if (!ok || answer.length != 32 || uint256(bytes32(answer)) != 1) {
            revert InvalidOwnershipProof();
        }
        nullifierUsed[nullifier] = true;
        emit Admitted(msg.sender, player, collection, round, nullifier);
    }
}
