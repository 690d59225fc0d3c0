// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {SNARK_SCALAR_FIELD, SYSTEM_ADDRESS} from "./SystemAddresses.sol";

/// @title ZkRoots: the recent ZK-chain state roots the fast chain knows, and each one's status.
/// @notice Predeployed at 0x…7a01. The ledger writes it with one system call from SYSTEM_ADDRESS
/// at the start of a fast block (no transaction, no fee); games and `OwnershipGate` read it.
/// It keeps the last `CAPACITY` roots recorded, in a ring: recording one more evicts the oldest,
/// which becomes unknown again. A root's status only rises: committed, then proven, then settled.
/// @dev No constructor and no immutables: the runtime code is placed at genesis as it is.
/// The system call has no receipt, so the contract emits no events.
contract ZkRoots {
    /// How many roots are kept: the 257th recorded evicts the first.
    uint256 public constant CAPACITY = 256;

    uint8 public constant UNKNOWN = 0;
    uint8 public constant COMMITTED = 1;
    uint8 public constant PROVEN = 2;
    uint8 public constant SETTLED = 3;

    struct Record {
        uint64 zkHeight;
        uint8 status;
    }

    /// Status and height of every root in the ring (status 0: not held).
    mapping(uint256 root => Record) private _records;
    /// The ring of held roots: root number n (0, 1, 2, …) lives in slot n % CAPACITY.
    uint256[CAPACITY] private _ring;
    /// How many roots were ever recorded (evicted ones included).
    uint64 private _recorded;

    /// `update` was called by someone other than SYSTEM_ADDRESS.
    error NotSystem(address caller);
    /// `update`'s three arrays differ in length.
    error LengthMismatch(uint256 roots, uint256 zkHeights, uint256 statuses);
    /// A root is 0 or not below the BN254 scalar field's order r.
    error RootOutOfField(uint256 root);
    /// A status is none of COMMITTED, PROVEN, SETTLED.
    error InvalidStatus(uint256 root, uint8 status);
    /// A held root was given a lower status than it has.
    error StatusLowered(uint256 root, uint8 current, uint8 requested);

    /// @notice Records roots and raises their status (system call only).
    /// @dev A root not held is recorded at `zkHeights[i]` with `statuses[i]`, evicting the oldest
    /// held root when the ring is full. A held root keeps the height it was first recorded at and
    /// takes `statuses[i]` if that is not lower (an equal status changes nothing).
    /// @param roots ZK-chain state roots, each in (0, r).
    /// @param zkHeights the ZK-chain height of each root.
    /// @param statuses COMMITTED (1), PROVEN (2) or SETTLED (3) for each root.
    function update(
        uint256[] calldata roots,
        uint64[] calldata zkHeights,
        uint8[] calldata statuses
    ) external {
        if (msg.sender != SYSTEM_ADDRESS) revert NotSystem(msg.sender);
        uint256 n = roots.length;
        if (zkHeights.length != n || statuses.length != n) {
            revert LengthMismatch(n, zkHeights.length, statuses.length);
        }
        uint64 count = _recorded;
        for (uint256 i = 0; i < n; ++i) {
            uint256 root = roots[i];
            uint8 status = statuses[i];
            if (root == 0 || root >= SNARK_SCALAR_FIELD) revert RootOutOfField(root);
            if (status < COMMITTED || status > SETTLED) revert InvalidStatus(root, status);
            Record storage record = _records[root];
            uint8 current = record.status;
            if (current != UNKNOWN) {
                if (status < current) revert StatusLowered(root, current, status);
                if (status > current) record.status = status;
                continue;
            }
            uint256 slot = count % CAPACITY;
            if (count >= CAPACITY) delete _records[_ring[slot]];
            _ring[slot] = root;
            _records[root] = Record(zkHeights[i], status);
            ++count;
        }
        _recorded = count;
    }

    /// @notice The status of `root`: 0 unknown (never recorded, or evicted), 1 committed,
    /// 2 proven, 3 settled.
    function statusOf(uint256 root) external view returns (uint8) {
        return _records[root].status;
    }

    /// @notice Whether `root` is one of the last `CAPACITY` roots recorded.
    function isKnown(uint256 root) external view returns (bool) {
        return _records[root].status != UNKNOWN;
    }

    /// @notice The ZK-chain height `root` was recorded at (0 for a root not held).
    function heightOf(uint256 root) external view returns (uint64) {
        return _records[root].zkHeight;
    }

    /// @notice The newest root recorded, its ZK-chain height and status; all 0 before the first.
    function latest() external view returns (uint256 root, uint64 zkHeight, uint8 status) {
        uint64 count = _recorded;
        if (count == 0) return (0, 0, UNKNOWN);
        root = _ring[(count - 1) % CAPACITY];
        Record memory record = _records[root];
        return (root, record.zkHeight, record.status);
    }

    /// @notice How many roots were ever recorded (evicted ones included).
    function recorded() external view returns (uint64) {
        return _recorded;
    }
}
