// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Groth16Batch} from "./Groth16Batch.sol";

/// The ZK chain's public data records (`zkbraid.proving.statement`), as a batch publishes them
/// in calldata, and the three public inputs `txData` each one stands for. A record is its type
/// byte and narrow fields big-endian (the header), then its wide fields (sizes in bytes, then the
/// record's length):
///
///     RegisterKey      0x10 ‖ fee 8 ‖ eth_address 20                              ‖ pk_x 32 ‖ pk_y 32           93
///     Transfer         0x11 ‖ fee 8 ‖ from 4 ‖ to 4 ‖ token 2                     ‖ amount 16                   35
///     NftMint          0x12 ‖ fee 8 ‖ minter 4 ‖ collection 2 ‖ to 4              ‖ content 32                  51
///     NftTransfer      0x13 ‖ fee 8 ‖ from 4 ‖ to 4 ‖ nft_id 4                                                  21
///     Deposit          0x14 ‖ fee 8 ‖ deposit_id 8 ‖ to 4 ‖ token 2               ‖ recipient 20 ‖ amount 16    59
///     Withdraw         0x15 ‖ fee 8 ‖ from 4 ‖ token 2                            ‖ l1_recipient 20 ‖ amount 16 51
///     MoveToFast       0x16 ‖ fee 8 ‖ from 4 ‖ token 2                            ‖ amount 16                   31
///     MoveFromFast     0x17 ‖ fee 8 ‖ exit_id 8 ‖ to 4 ‖ token 2                  ‖ amount 16                   39
///     CreateCollection 0x18 ‖ fee 8 ‖ creator 4 ‖ collection 2 ‖ cap 4            ‖ minter 20                   39
///     GameMint         0x19 ‖ fee 8 ‖ report_id 8 ‖ collection 2 ‖ round 4 ‖ to 4 ‖ content 32 ‖ game 20      79
///     NftList          0x1A ‖ fee 8 ‖ owner 4 ‖ nft 4 ‖ token 2 ‖ expiry 8        ‖ price 16                    43
///     NftCancel        0x1B ‖ fee 8 ‖ owner 4 ‖ nft 4                                                           17
///     NftBuy           0x1C ‖ fee 8 ‖ buyer 4 ‖ nft 4 ‖ token 2 ‖ time 8          ‖ price 16                    43
///
///     txData[0] = the header as a big-endian integer; txData[1], txData[2] = the wide fields in
///     order (a 20-byte address as a big-endian integer), 0 where absent.
///
/// No hashing: the contract hands these numbers to the proof check as they are, so a record that
/// is not the one its proof was made for fails that check. Every input is a field element (below
/// r) by its width, except the 32-byte ones (roots, RegisterKey's key, NftMint's and GameMint's
/// content hashes), which `walk` checks (`Groth16Batch.PublicInputOutOfField`). Only Deposit and
/// Withdraw records act on L1 (the bridge); the others are data the proofs are checked against.
library PublicData {
    uint8 internal constant REGISTER_KEY = 0x10;
    uint8 internal constant TRANSFER = 0x11;
    uint8 internal constant NFT_MINT = 0x12;
    uint8 internal constant NFT_TRANSFER = 0x13;
    uint8 internal constant DEPOSIT = 0x14;
    uint8 internal constant WITHDRAW = 0x15;
    uint8 internal constant MOVE_TO_FAST = 0x16;
    uint8 internal constant MOVE_FROM_FAST = 0x17;
    uint8 internal constant CREATE_COLLECTION = 0x18;
    uint8 internal constant GAME_MINT = 0x19;
    uint8 internal constant NFT_LIST = 0x1A;
    uint8 internal constant NFT_CANCEL = 0x1B;
    uint8 internal constant NFT_BUY = 0x1C;

    /// r − 1 (`Groth16Batch`): an input is not a field element iff it is greater.
    uint256 private constant RM1 =
        21888242871839275222246405745257275088548364400416034343698204186575808495616;

    /// The most transactions a batch may hold (the walk marks Deposit/Withdraw records in one word).
    uint256 internal constant MAX_TRANSACTIONS = 256;

    /// A batch of more than MAX_TRANSACTIONS transactions.
    error BatchTooLarge(uint256 transactions);
    /// `roots` must hold one root more than there are transactions.
    error RootCountMismatch(uint256 transactions, uint256 roots);
    /// The record at byte `offset` has a type byte no transaction has.
    error UnknownRecordType(uint256 offset, uint8 txType);
    /// The record at byte `offset` runs past the end of the records.
    error RecordTruncated(uint256 offset);
    /// The records are not exactly `expected` records.
    error RecordCountMismatch(uint256 expected);

    /// The 5n public inputs of a batch of n transactions: for record i,
    /// [roots[i], roots[i + 1], txData0, txData1, txData2], and the batch's Deposit and Withdraw
    /// records as a bit mask over their indices (n ≤ 256; `isDeposit` tells them apart).
    ///
    /// Reverts `BatchTooLarge`, `RootCountMismatch`, `UnknownRecordType`, `RecordTruncated`,
    /// `RecordCountMismatch`, `Groth16Batch.PublicInputOutOfField`.
    function walk(bytes calldata records, bytes32[] calldata roots, uint256 n)
        internal
        pure
        returns (uint256[] memory inputs, uint256 bridge)
    {
        if (n > MAX_TRANSACTIONS) revert BatchTooLarge(n);
        if (roots.length != n + 1) revert RootCountMismatch(n, roots.length);
        uint256 err;
        uint256 recordsOffset;
        uint256 rootsOffset;
        assembly ("memory-safe") {
            recordsOffset := records.offset
            rootsOffset := roots.offset
        }
        (inputs, bridge, err) = _walk(recordsOffset, records.length, rootsOffset, n);
        if (err == 0) return (inputs, bridge);
        uint256 code = err & 0xff;
        if (code == 0) Groth16Batch.checkInputs(inputs); // reverts PublicInputOutOfField
        if (code == 1) revert UnknownRecordType(uint120(err >> 8), uint8(err >> 128));
        if (code == 2) revert RecordTruncated(err >> 8);
        revert RecordCountMismatch(n);
    }

    /// `walk`'s loop, over calldata offsets. `bridge` marks the Deposit and Withdraw records;
    /// err: 0, or 1 (unknown type), 2 (truncated), 3 (count) | the record's offset << 8 | its
    /// type << 128.
    function _walk(uint256 records, uint256 length, uint256 roots, uint256 n)
        private
        pure
        returns (uint256[] memory inputs, uint256 bridge, uint256 err)
    {
        assembly ("memory-safe") {
            inputs := mload(0x40)
            mstore(inputs, mul(n, 5))
            let out := add(inputs, 0x20)
            mstore(0x40, add(out, mul(n, 0xa0)))
            let p := 0 // the record's offset in `records`
            err := shl(255, gt(calldataload(roots), RM1))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if iszero(lt(p, length)) {
                    err := 3
                    break
                }
                let at := add(records, p)
                let word := calldataload(add(roots, shl(5, add(i, 1))))
                // Bit 255 of err: an input not below r. Roots are 32 bytes: each is checked as
                // the new root of its transaction (the first one before the loop).
                err := or(err, shl(255, gt(word, RM1)))
                mstore(add(out, 0x20), word)
                mstore(out, calldataload(add(roots, shl(5, i))))
                word := calldataload(at)
                // txData0 = the header (its first h bytes), then the wide fields; the bytes read
                // past a record are shifted out, and one running past the end is refused below.
                let size := 0
                switch shr(248, word)
                case 0x11 {
                    // Transfer: 19 ‖ 16
                    mstore(add(out, 0x40), shr(104, word))
                    mstore(add(out, 0x60), shr(128, calldataload(add(at, 19))))
                    mstore(add(out, 0x80), 0)
                    size := 35
                }
                case 0x10 {
                    // RegisterKey: 29 ‖ 32 ‖ 32
                    mstore(add(out, 0x40), shr(24, word))
                    word := calldataload(add(at, 29))
                    err := or(err, shl(255, gt(word, RM1)))
                    mstore(add(out, 0x60), word)
                    word := calldataload(add(at, 61))
                    err := or(err, shl(255, gt(word, RM1)))
                    mstore(add(out, 0x80), word)
                    size := 93
                }
                case 0x12 {
                    // NftMint: 19 ‖ 32
                    mstore(add(out, 0x40), shr(104, word))
                    word := calldataload(add(at, 19))
                    err := or(err, shl(255, gt(word, RM1)))
                    mstore(add(out, 0x60), word)
                    mstore(add(out, 0x80), 0)
                    size := 51
                }
                case 0x13 {
                    // NftTransfer: 21
                    mstore(add(out, 0x40), shr(88, word))
                    mstore(add(out, 0x60), 0)
                    mstore(add(out, 0x80), 0)
                    size := 21
                }
                case 0x14 {
                    // Deposit: 23 ‖ 20 ‖ 16
                    mstore(add(out, 0x40), shr(72, word))
                    mstore(add(out, 0x60), shr(96, calldataload(add(at, 23))))
                    mstore(add(out, 0x80), shr(128, calldataload(add(at, 43))))
                    size := 59
                    bridge := or(bridge, shl(i, 1))
                }
                case 0x15 {
                    // Withdraw: 15 ‖ 20 ‖ 16
                    mstore(add(out, 0x40), shr(136, word))
                    mstore(add(out, 0x60), shr(96, calldataload(add(at, 15))))
                    mstore(add(out, 0x80), shr(128, calldataload(add(at, 35))))
                    size := 51
                    bridge := or(bridge, shl(i, 1))
                }
                // The hybrid's records (docs/hybrid.md), after the first six so that those
                // meet the same comparisons as before.
                case 0x16 {
                    // MoveToFast: 15 ‖ 16
                    mstore(add(out, 0x40), shr(136, word))
                    mstore(add(out, 0x60), shr(128, calldataload(add(at, 15))))
                    mstore(add(out, 0x80), 0)
                    size := 31
                }
                case 0x17 {
                    // MoveFromFast: 23 ‖ 16
                    mstore(add(out, 0x40), shr(72, word))
                    mstore(add(out, 0x60), shr(128, calldataload(add(at, 23))))
                    mstore(add(out, 0x80), 0)
                    size := 39
                }
                case 0x18 {
                    // CreateCollection: 19 ‖ 20
                    mstore(add(out, 0x40), shr(104, word))
                    mstore(add(out, 0x60), shr(96, calldataload(add(at, 19))))
                    mstore(add(out, 0x80), 0)
                    size := 39
                }
                case 0x19 {
                    // GameMint: 27 ‖ 32 ‖ 20
                    mstore(add(out, 0x40), shr(40, word))
                    word := calldataload(add(at, 27))
                    err := or(err, shl(255, gt(word, RM1)))
                    mstore(add(out, 0x60), word)
                    mstore(add(out, 0x80), shr(96, calldataload(add(at, 59))))
                    size := 79
                }
                case 0x1a {
                    // NftList: 27 ‖ 16
                    mstore(add(out, 0x40), shr(40, word))
                    mstore(add(out, 0x60), shr(128, calldataload(add(at, 27))))
                    mstore(add(out, 0x80), 0)
                    size := 43
                }
                case 0x1b {
                    // NftCancel: 17
                    mstore(add(out, 0x40), shr(120, word))
                    mstore(add(out, 0x60), 0)
                    mstore(add(out, 0x80), 0)
                    size := 17
                }
                case 0x1c {
                    // NftBuy: 27 ‖ 16
                    mstore(add(out, 0x40), shr(40, word))
                    mstore(add(out, 0x60), shr(128, calldataload(add(at, 27))))
                    mstore(add(out, 0x80), 0)
                    size := 43
                }
                default {
                    err := or(1, or(shl(8, p), shl(128, shr(248, calldataload(at)))))
                    break
                }
                if gt(add(p, size), length) {
                    err := or(2, shl(8, p))
                    break
                }
                p := add(p, size)
                out := add(out, 0xa0)
            }
            if and(iszero(and(err, 0xff)), iszero(eq(p, length))) { err := 3 }
        }
    }

    /// Whether a Deposit (else a Withdraw) record's txData[0]: its type byte opens its 23-byte
    /// header, whereas a Withdraw's header has 15 bytes.
    function isDeposit(uint256 t0) internal pure returns (bool) {
        return t0 >> 176 == DEPOSIT;
    }

    /// A Deposit record's narrow fields, from its txData[0]: 0x14 ‖ fee ‖ deposit_id ‖ to ‖ token.
    function depositFields(uint256 t0)
        internal
        pure
        returns (uint64 fee, uint64 depositId, uint32 to, uint16 token)
    {
        token = uint16(t0);
        to = uint32(t0 >> 16);
        depositId = uint64(t0 >> 48);
        fee = uint64(t0 >> 112);
    }

    /// A Withdraw record's narrow fields, from its txData[0]: 0x15 ‖ fee ‖ from ‖ token.
    function withdrawFields(uint256 t0) internal pure returns (uint64 fee, uint32 from, uint16 token) {
        token = uint16(t0);
        from = uint32(t0 >> 16);
        fee = uint64(t0 >> 48);
    }
}
