// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// The bridge between L1 ETH and the ZK chain's token 0: deposits in (exactly once, or refunded
/// after a timeout) and withdrawals out (claimable once their batch is accepted).
///
/// Deposits. `deposit(recipient)` holds the ETH under the next deposit id (0, 1, 2, …) with a
/// deadline `block.timestamp + depositTimeout`. A batch's Deposit record (id, recipient, amount)
/// marks it included, exactly once; `refund(id)` pays the depositor back, once, after the
/// deadline, if no batch included it. A batch including a refunded, already included or unknown
/// deposit, or one whose recipient or amount differ from the stored ones, is refused. The node
/// must therefore stop putting a deposit into ZK blocks early enough before its deadline that
/// the batch holding it settles in time: after the deadline a refund wins the race and that
/// batch can never settle.
///
/// Withdrawals. Each Withdraw record of an accepted batch gets the next withdrawal id and makes
/// (l1_recipient, amount) claimable; `claim(id)` pays it, once (anyone may call it; the ETH goes
/// to the recipient).
///
/// ETH amounts are below 2^96 wei (there is less ETH than that), so a deposit, a Deposit record
/// and a Withdraw record above it are refused; the ZK chain's token 0 is backed by deposits only.
abstract contract Bridge {
    enum DepositStatus {
        None,
        Pending,
        Included,
        Refunded
    }

    struct StoredDeposit {
        address depositor;
        uint64 deadline;
        DepositStatus status;
        address recipient;
        uint96 amount;
    }

    struct Withdrawal {
        address recipient;
        uint96 amount;
    }

    uint256 private constant MAX_AMOUNT = 1 << 96;

    uint256 public immutable depositTimeout;
    uint64 public depositCount;
    uint64 public withdrawalCount;
    mapping(uint256 depositId => StoredDeposit) private _deposits;
    mapping(uint256 withdrawalId => Withdrawal) private _withdrawals;

    error ZeroDeposit();
    error ZeroRecipient();
    /// An amount of 2^96 wei or more (contract docstring).
    error AmountTooLarge(uint256 amount);
    error UnknownDeposit(uint256 depositId);
    error DepositAlreadyIncluded(uint256 depositId);
    error DepositAlreadyRefunded(uint256 depositId);
    /// A refund before the deposit's deadline.
    error DepositNotExpired(uint256 depositId, uint256 deadline);
    /// A Deposit record whose recipient or amount is not the deposit's.
    error DepositMismatch(uint256 depositId);
    /// A Deposit record with a fee (deposits are free on the ZK chain).
    error DepositFeeNotZero(uint256 depositId);
    /// A Deposit or Withdraw record of a token other than 0 (L1 ETH).
    error NotEthToken(uint256 token);
    error UnknownWithdrawal(uint256 withdrawalId);
    error AlreadyClaimed(uint256 withdrawalId);
    /// Sending ETH to `to` failed (nothing changed: the refund or claim can be tried again).
    error PaymentFailed(address to, uint256 amount);

    event Deposited(uint256 indexed id, address indexed recipient, uint256 amount, uint256 deadline);
    event DepositIncluded(uint256 indexed id, uint256 indexed batchIndex);
    event Refunded(uint256 indexed id, address indexed depositor, uint256 amount);
    event WithdrawalClaimable(
        uint256 indexed id, address indexed recipient, uint256 amount, uint256 indexed batchIndex
    );
    event Claimed(uint256 indexed id, address indexed recipient, uint256 amount);

    constructor(uint256 depositTimeout_) {
        depositTimeout = depositTimeout_;
    }

    /// Deposits the sent ETH for `recipient` on the ZK chain; returns the deposit id.
    ///
    /// Reverts `ZeroDeposit`, `ZeroRecipient`, `AmountTooLarge`.
    function deposit(address recipient) external payable returns (uint256 id) {
        if (msg.value == 0) revert ZeroDeposit();
        if (recipient == address(0)) revert ZeroRecipient();
        if (msg.value >= MAX_AMOUNT) revert AmountTooLarge(msg.value);
        id = depositCount++;
        uint64 deadline = uint64(block.timestamp + depositTimeout);
        _deposits[id] = StoredDeposit(msg.sender, deadline, DepositStatus.Pending, recipient, uint96(msg.value));
        emit Deposited(id, recipient, msg.value, deadline);
    }

    /// Pays deposit `id` back to its depositor: once, after its deadline, if no batch included it.
    ///
    /// Reverts `UnknownDeposit`, `DepositAlreadyIncluded`, `DepositAlreadyRefunded`,
    /// `DepositNotExpired`, `PaymentFailed`.
    function refund(uint256 id) external {
        StoredDeposit storage d = _deposits[id];
        _requirePending(id, d.status);
        if (block.timestamp <= d.deadline) revert DepositNotExpired(id, d.deadline);
        d.status = DepositStatus.Refunded;
        _pay(d.depositor, d.amount);
        emit Refunded(id, d.depositor, d.amount);
    }

    /// Pays withdrawal `id` to its recipient, once.
    ///
    /// Reverts `UnknownWithdrawal`, `AlreadyClaimed`, `PaymentFailed`.
    function claim(uint256 id) external {
        if (id >= withdrawalCount) revert UnknownWithdrawal(id);
        Withdrawal memory w = _withdrawals[id];
        if (w.recipient == address(0) && w.amount == 0) revert AlreadyClaimed(id);
        delete _withdrawals[id];
        _pay(w.recipient, w.amount);
        emit Claimed(id, w.recipient, w.amount);
    }

    /// Deposit `id`: depositor, recipient, amount, deadline and status.
    function depositOf(uint256 id) external view returns (StoredDeposit memory) {
        return _deposits[id];
    }

    /// Withdrawal `id`: recipient and amount (both zero once claimed).
    function withdrawalOf(uint256 id) external view returns (Withdrawal memory) {
        return _withdrawals[id];
    }

    /// Marks deposit `id` included by batch `batchIndex`, from a Deposit record's fields.
    ///
    /// Reverts `DepositFeeNotZero`, `NotEthToken`, `UnknownDeposit`, `DepositAlreadyIncluded`,
    /// `DepositAlreadyRefunded`, `DepositMismatch`.
    function _includeDeposit(
        uint256 id,
        uint256 fee,
        uint256 token,
        uint256 recipient,
        uint256 amount,
        uint256 batchIndex
    ) internal {
        if (fee != 0) revert DepositFeeNotZero(id);
        if (token != 0) revert NotEthToken(token);
        StoredDeposit storage d = _deposits[id];
        _requirePending(id, d.status);
        if (uint160(d.recipient) != recipient || d.amount != amount) revert DepositMismatch(id);
        d.status = DepositStatus.Included;
        emit DepositIncluded(id, batchIndex);
    }

    /// Makes a Withdraw record's (recipient, amount) claimable under the next withdrawal id.
    ///
    /// Reverts `NotEthToken`, `AmountTooLarge`.
    function _addWithdrawal(uint256 token, uint256 recipient, uint256 amount, uint256 batchIndex) internal {
        if (token != 0) revert NotEthToken(token);
        if (amount >= MAX_AMOUNT) revert AmountTooLarge(amount);
        uint256 id = withdrawalCount++;
        _withdrawals[id] = Withdrawal(address(uint160(recipient)), uint96(amount));
        emit WithdrawalClaimable(id, address(uint160(recipient)), amount, batchIndex);
    }

    function _requirePending(uint256 id, DepositStatus status) private pure {
        if (status == DepositStatus.Pending) return;
        if (status == DepositStatus.None) revert UnknownDeposit(id);
        if (status == DepositStatus.Included) revert DepositAlreadyIncluded(id);
        revert DepositAlreadyRefunded(id);
    }

    function _pay(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}
