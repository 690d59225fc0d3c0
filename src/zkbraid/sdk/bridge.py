"""The bridge from the user's side: deposit L1 ETH to a ZK-chain account and follow it until
the chain credits it (the node tells where L1 and the rollup are: `braid_bridge`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.settlement.l1_contracts import load_artifact, revert_name, send_call


class NoL1(RuntimeError):
    """The node follows no L1 (started with --no-l1)."""


class ClaimFailed(RuntimeError):
    """L1 refused a claim or a refund (the message is the contract's error name)."""


class DepositTimeout(TimeoutError):
    """A deposit was not credited in time."""


@dataclass(frozen=True)
class DepositReceipt:
    """An L1 deposit as the bridge contract recorded it."""

    deposit_id: int
    l1_tx: str
    l1_height: int
    deadline: int


class Bridge:
    """The rollup's bridge on L1, found through a node."""

    def __init__(self, client: BraidClient) -> None:
        self.client = client
        info = client.rpc.call("braid_bridge")
        if info["l1"] is None:
            raise NoL1("this node follows no L1: the bridge is not available")
        self.l1_rpc: str = info["l1"]["rpc"]
        self.rollup: str = info["l1"]["rollup"]
        self.w3 = Web3(Web3.HTTPProvider(self.l1_rpc))
        self.artifact = load_artifact("Rollup")
        self.contract = self.w3.eth.contract(address=self.rollup, abi=self.artifact.abi)

    def deposit(
        self, wallet: Wallet, amount_wei: int, recipient: str | None = None
    ) -> DepositReceipt:
        """Sends `deposit(recipient)` with `amount_wei` from the wallet's L1 account (recipient:
        the ZK-chain account's bound address, the wallet's own by default) and waits for it."""
        to = Web3.to_checksum_address(recipient or wallet.address)
        receipt = send_call(
            self.w3, wallet.eth, self.contract.functions.deposit(to), value=amount_wei
        )
        if receipt["status"] != 1:
            raise RuntimeError(
                f"the deposit transaction 0x{bytes(receipt['transactionHash']).hex()} reverted"
            )
        (event,) = self.contract.events.Deposited().process_receipt(receipt)
        return DepositReceipt(
            int(event["args"]["id"]),
            "0x" + bytes(receipt["transactionHash"]).hex(),
            int(receipt["blockNumber"]),
            int(event["args"]["deadline"]),
        )

    def withdrawals(self, recipient: str) -> list[dict[str, Any]]:
        """The withdrawals L1 made claimable for `recipient` (from settled batches), each with
        whether it is still unclaimed."""
        events = self.contract.events.WithdrawalClaimable().get_logs(
            from_block=0, argument_filters={"recipient": Web3.to_checksum_address(recipient)}
        )
        out = []
        for e in events:
            wid = int(e["args"]["id"])
            stored = self.contract.functions.withdrawalOf(wid).call()
            out.append(
                {
                    "id": wid,
                    "amount": str(e["args"]["amount"]),
                    "batch": int(e["args"]["batchIndex"]),
                    "claimed": int(stored[1]) == 0,
                }
            )
        return out

    def claim(self, wallet: Wallet, withdrawal_id: int) -> str:
        """Claims a withdrawal on L1 (it pays its recipient once); returns the L1 tx hash.

        Raises ClaimFailed with the contract's error name.
        """
        return self._call_or_fail(wallet, self.contract.functions.claim(withdrawal_id))

    def refund(self, wallet: Wallet, deposit_id: int) -> str:
        """Refunds a deposit the chain did not credit by its deadline; returns the L1 tx hash.

        Raises ClaimFailed with the contract's error name.
        """
        return self._call_or_fail(wallet, self.contract.functions.refund(deposit_id))

    def _call_or_fail(self, wallet: Wallet, call: Any) -> str:
        sender = Web3.to_checksum_address(wallet.address)
        try:
            call.call({"from": sender})
        except (ContractCustomError, ContractLogicError) as e:
            raise ClaimFailed(revert_name(self.artifact, e)) from None
        receipt = send_call(self.w3, wallet.eth, call, gas=200_000)
        if receipt["status"] != 1:
            raise ClaimFailed("the transaction reverted")
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def status(self, deposit_id: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.client.rpc.call("braid_getDeposit", deposit_id)
        return result

    def wait_credited(
        self,
        deposit_id: int,
        timeout_s: float = 60.0,
        on_change: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Polls until the chain credits the deposit; returns its status.

        Raises DepositTimeout.
        """
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            status = self.status(deposit_id)
            if status is not None and status["status"] != last:
                last = status["status"]
                if on_change is not None:
                    on_change(status)
            if status is not None and status["status"] == "credited":
                return status
            time.sleep(0.25)
        raise DepositTimeout(f"deposit {deposit_id} was not credited within {timeout_s:g} s")
