// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {PublicData} from "../PublicData.sol";

/// TEST ONLY: `PublicData`'s record walk, exposed so that tests compare it record by record with
/// `zkbraid.proving.statement.tx_data_from_pubdata` and with records built by hand.
contract PublicDataHarness {
    /// `PublicData.walk` of n records and n + 1 roots.
    function walk(bytes calldata records, bytes32[] calldata roots, uint256 n)
        external
        pure
        returns (uint256[] memory inputs, uint256 bridge)
    {
        return PublicData.walk(records, roots, n);
    }

    /// Whether a bridge record's txData[0] is a Deposit's (else a Withdraw's).
    function isDeposit(uint256 t0) external pure returns (bool) {
        return PublicData.isDeposit(t0);
    }

    /// A Deposit record's narrow fields from its txData[0].
    function depositFields(uint256 t0) external pure returns (uint64, uint64, uint32, uint16) {
        return PublicData.depositFields(t0);
    }

    /// A Withdraw record's narrow fields from its txData[0].
    function withdrawFields(uint256 t0) external pure returns (uint64, uint32, uint16) {
        return PublicData.withdrawFields(t0);
    }
}
