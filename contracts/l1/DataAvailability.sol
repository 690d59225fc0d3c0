// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {RollupHead} from "./RollupHead.sol";

/// The sequencer's validator set on L1 and its attestations (EIP-712 typed data).
///
/// A batch is accepted only with signatures of validators holding MORE than 2/3 of the set's
/// total stake over the batch's attestation digest: its index, its data hash (keccak256 of its
/// published records), the ZK state root it ends at and the fast chain's checkpoint (its state
/// root and the ledger's app hash and height: the fast chain is a validium, its data stays with
/// the validators and only this checkpoint reaches L1). The set changes only by a >2/3 quorum
/// of the current set over the new set and its nonce.
///
/// EIP-712 domain: name "zkbraid", version "1", this chain's id, this contract's address.
///     BatchAttestation(uint256 batchIndex,bytes32 dataHash,bytes32 newRoot,bytes32 fastStateRoot,
///                      bytes32 ledgerAppHash,uint256 ledgerHeight)
///     ValidatorSet(uint256 nonce,address[] validators,uint256[] stakes)   (nonce: the new set's)
///
/// Stakes are voting powers (CometBFT's units), not token amounts: each and their total below 2^64.
///
/// Signatures are 65 bytes each, r ‖ s ‖ v (v = 27 or 28, s ≤ n/2: no malleable twin), given in
/// strictly ascending order of the signers' addresses, so no signer counts twice.
abstract contract DataAvailability is RollupHead {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("zkbraid");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 internal constant BATCH_TYPEHASH = keccak256(
        "BatchAttestation(uint256 batchIndex,bytes32 dataHash,bytes32 newRoot,bytes32 fastStateRoot,"
        "bytes32 ledgerAppHash,uint256 ledgerHeight)"
    );
    bytes32 internal constant VALIDATORS_TYPEHASH =
        keccak256("ValidatorSet(uint256 nonce,address[] validators,uint256[] stakes)");
    /// Half the order of secp256k1: a signature with a larger s is the malleable twin of one with
    /// n − s (EIP-2).
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    uint256 public constant MAX_VALIDATORS = 256;
    uint256 private constant MAX_STAKE = 1 << 64;
    uint256 private constant SIGNATURE_BYTES = 65;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    address[] private _validators;
    mapping(uint256 nonce => mapping(address validator => uint256)) private _stakes;

    /// A validator set with no validator.
    error EmptyValidatorSet();
    /// More than MAX_VALIDATORS validators.
    error TooManyValidators(uint256 count);
    /// The validators and stakes arrays differ in length.
    error ValidatorStakeCountMismatch(uint256 validators, uint256 stakes);
    /// Validators must be given in strictly ascending address order (none zero, none twice).
    error ValidatorsNotAscending(uint256 index);
    /// A stake is 0, or the total reaches 2^64.
    error StakeOutOfRange(uint256 index);
    /// The validator set's nonce would pass 2^32 − 1.
    error TooManyValidatorSetUpdates();
    /// The signatures are not a whole number of 65-byte signatures.
    error MalformedSignatures(uint256 length);
    /// Signature `index` has s > n/2 (the malleable twin of a valid signature).
    error MalleableSignature(uint256 index);
    /// Signature `index` has v other than 27/28 or recovers no address.
    error InvalidSignature(uint256 index);
    /// `signer` signed twice.
    error DuplicateSigner(address signer);
    /// Signature `index` is out of the strictly ascending order of signer addresses.
    error SignersNotAscending(uint256 index);
    /// `signer` is not in the current validator set.
    error NotAValidator(address signer);
    /// The signers hold `signedStake` of `total`, not more than two thirds.
    error InsufficientQuorum(uint256 signedStake, uint256 total);

    event ValidatorsUpdated(uint256 indexed nonce, address[] validators, uint256[] stakes, uint256 totalStake);

    constructor(address[] memory validators, uint256[] memory stakes) {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
        _setValidators(0, validators, stakes);
    }

    /// The set's nonce: 0 for the set given at deployment, +1 at each update.
    function validatorSetNonce() public view returns (uint256) {
        return _head.validatorSetNonce;
    }

    /// The current set's total stake.
    function totalStake() external view returns (uint256) {
        return _head.totalStake;
    }

    /// The current set, in ascending address order, and its stakes.
    function validatorSet() external view returns (address[] memory validators, uint256[] memory stakes) {
        validators = _validators;
        stakes = new uint256[](validators.length);
        uint256 nonce = _head.validatorSetNonce;
        for (uint256 i = 0; i < validators.length; ++i) {
            stakes[i] = _stakes[nonce][validators[i]];
        }
    }

    /// `validator`'s stake in the current set (0 if it is not in it).
    function stakeOf(address validator) external view returns (uint256) {
        return _stakes[_head.validatorSetNonce][validator];
    }

    /// The EIP-712 domain separator (contract docstring).
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    /// The digest validators sign to attest batch `batchIndex` (contract docstring).
    function attestationDigest(
        uint256 batchIndex,
        bytes32 dataHash,
        bytes32 newRoot,
        bytes32 fastStateRoot,
        bytes32 ledgerAppHash,
        uint256 ledgerHeight
    ) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(BATCH_TYPEHASH, batchIndex, dataHash, newRoot, fastStateRoot, ledgerAppHash, ledgerHeight)
        );
        return _typedDigest(structHash);
    }

    /// The digest the current set signs to replace itself by `validators` with `stakes`, which
    /// become the set of nonce `nonce` (the current nonce + 1).
    function validatorSetDigest(uint256 nonce, address[] calldata validators, uint256[] calldata stakes)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                VALIDATORS_TYPEHASH,
                nonce,
                keccak256(abi.encodePacked(validators)),
                keccak256(abi.encodePacked(stakes))
            )
        );
        return _typedDigest(structHash);
    }

    /// Replaces the validator set, with signatures of more than 2/3 of the current set's stake
    /// over `validatorSetDigest(validatorSetNonce + 1, newSet, newStakes)`.
    ///
    /// Reverts with the set's errors (`EmptyValidatorSet` …) and the quorum's (`_checkQuorum`).
    function updateValidators(address[] calldata newSet, uint256[] calldata newStakes, bytes calldata signatures)
        external
    {
        uint256 nonce = uint256(_head.validatorSetNonce) + 1;
        _checkQuorum(validatorSetDigest(nonce, newSet, newStakes), signatures);
        delete _validators;
        _setValidators(nonce, newSet, newStakes);
    }

    /// Reverts unless `signatures` carry more than 2/3 of the current stake over `digest`.
    ///
    /// Reverts `MalformedSignatures`, `MalleableSignature`, `InvalidSignature`, `DuplicateSigner`,
    /// `SignersNotAscending`, `NotAValidator`, `InsufficientQuorum`.
    function _checkQuorum(bytes32 digest, bytes calldata signatures) internal view {
        if (signatures.length % SIGNATURE_BYTES != 0) revert MalformedSignatures(signatures.length);
        uint256 count = signatures.length / SIGNATURE_BYTES;
        Head memory head = _head;
        uint256 nonce = head.validatorSetNonce;
        uint256 signed;
        address last;
        for (uint256 k = 0; k < count; ++k) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(signatures.offset, mul(k, SIGNATURE_BYTES))
                r := calldataload(p)
                s := calldataload(add(p, 0x20))
                v := byte(0, calldataload(add(p, 0x40)))
            }
            if (uint256(s) > HALF_N) revert MalleableSignature(k);
            if (v != 27 && v != 28) revert InvalidSignature(k);
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) revert InvalidSignature(k);
            if (signer == last) revert DuplicateSigner(signer);
            if (signer < last) revert SignersNotAscending(k);
            uint256 stake = _stakes[nonce][signer];
            if (stake == 0) revert NotAValidator(signer);
            signed += stake;
            last = signer;
        }
        if (signed * 3 <= uint256(head.totalStake) * 2) revert InsufficientQuorum(signed, head.totalStake);
    }

    function _setValidators(uint256 nonce, address[] memory validators, uint256[] memory stakes) private {
        if (validators.length == 0) revert EmptyValidatorSet();
        if (validators.length > MAX_VALIDATORS) revert TooManyValidators(validators.length);
        if (validators.length != stakes.length) {
            revert ValidatorStakeCountMismatch(validators.length, stakes.length);
        }
        uint256 total;
        address last;
        for (uint256 i = 0; i < validators.length; ++i) {
            if (validators[i] <= last) revert ValidatorsNotAscending(i);
            if (stakes[i] == 0 || stakes[i] >= MAX_STAKE) revert StakeOutOfRange(i);
            _stakes[nonce][validators[i]] = stakes[i];
            _validators.push(validators[i]);
            total += stakes[i];
            if (total >= MAX_STAKE) revert StakeOutOfRange(i);
            last = validators[i];
        }
        if (nonce > type(uint32).max) revert TooManyValidatorSetUpdates();
        _head.validatorSetNonce = uint32(nonce);
        _head.totalStake = uint64(total);
        emit ValidatorsUpdated(nonce, validators, stakes, total);
    }

    function _typedDigest(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
