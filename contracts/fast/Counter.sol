// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// A minimal fast-chain contract used by the integration tests and examples: storage, an event,
/// a revert with a reason, and a payable function.
contract Counter {
    uint256 public count;
    mapping(address => uint256) public paid;

    event Incremented(address indexed by, uint256 newCount);

    function increment(uint256 by) external returns (uint256) {
        require(by > 0 && by <= 1000, "by out of range");
        count += by;
        emit Incremented(msg.sender, count);
        return count;
    }

    function pay() external payable {
        paid[msg.sender] += msg.value;
    }
}
