// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {RollupHead} from "./RollupHead.sol";

/// Submission agents and their time slots.
///
/// The slot rule: L1 time (block.timestamp, seconds) is cut into slots of `slotSeconds`; slot k
/// is [k·slotSeconds, (k + 1)·slotSeconds) and belongs to `agents[k mod agents.length]`, the
/// agents in their order of registration. During the first `exclusiveSeconds` of its slot only
/// that agent may submit; for the rest of the slot (the grace period) any registered agent may,
/// so a missing agent delays a batch by at most `exclusiveSeconds`. An agent registering shifts
/// the schedule of later slots (the modulus changes); agents read it from `slotAt`.
/// Registration is open to anyone and needs no bond: the slots only spread the L1 gas among
/// agents and stop them racing to pay for the same batch, they guard no value.
abstract contract SubmissionSlots is RollupHead {
    uint256 public immutable slotSeconds;
    uint256 public immutable exclusiveSeconds;

    mapping(uint256 index => address) private _agents;
    mapping(address agent => bool) public isAgent;

    /// slotSeconds must be positive and exclusiveSeconds at most slotSeconds.
    error InvalidSlotSettings(uint256 slotSeconds, uint256 exclusiveSeconds);
    error AgentAlreadyRegistered(address agent);
    error TooManyAgents();
    /// The sender is not a registered submission agent.
    error NotAnAgent(address sender);
    /// Within the exclusive part of `slot`, only `slotAgent` may submit; anyone registered may
    /// from `graceStartsAt` (a timestamp) on.
    error NotSlotAgent(uint256 slot, address slotAgent, uint256 graceStartsAt);

    event AgentRegistered(address indexed agent, uint256 index);

    constructor(uint256 slotSeconds_, uint256 exclusiveSeconds_) {
        if (slotSeconds_ == 0 || exclusiveSeconds_ > slotSeconds_) {
            revert InvalidSlotSettings(slotSeconds_, exclusiveSeconds_);
        }
        slotSeconds = slotSeconds_;
        exclusiveSeconds = exclusiveSeconds_;
    }

    /// Registers the sender as a submission agent (it gets the next index of `agents`).
    function registerAgent() external {
        if (isAgent[msg.sender]) revert AgentAlreadyRegistered(msg.sender);
        isAgent[msg.sender] = true;
        uint256 index = _head.agentCount;
        if (index == type(uint32).max) revert TooManyAgents();
        _agents[index] = msg.sender;
        _head.agentCount = uint32(index + 1);
        emit AgentRegistered(msg.sender, index);
    }

    /// The registered agents in slot order.
    function agents() external view returns (address[] memory list) {
        list = new address[](_head.agentCount);
        for (uint256 i = 0; i < list.length; ++i) {
            list[i] = _agents[i];
        }
    }

    /// The slot at `timestamp`, its agent (address(0) while none is registered) and whether
    /// `timestamp` is in its exclusive part (contract docstring).
    function slotAt(uint256 timestamp) public view returns (uint256 slot, address agent, bool exclusive) {
        slot = timestamp / slotSeconds;
        uint256 count = _head.agentCount;
        if (count != 0) agent = _agents[slot % count];
        exclusive = timestamp - slot * slotSeconds < exclusiveSeconds;
    }

    /// Reverts unless `sender` may submit now (contract docstring).
    ///
    /// Reverts `NotSlotAgent`, `NotAnAgent`.
    function _checkSubmitter(address sender) internal view {
        (uint256 slot, address agent, bool exclusive) = slotAt(block.timestamp);
        if (sender == agent) return;
        if (exclusive) revert NotSlotAgent(slot, agent, slot * slotSeconds + exclusiveSeconds);
        if (!isAgent[sender]) revert NotAnAgent(sender);
    }
}
