"""The hybrid from the user's side (docs/hybrid.md): move the fast chain's coin (ZK token 0)
between the chains and follow each move until the other chain has it.

    from zkbraid.sdk import BraidClient, Wallet
    from zkbraid.sdk.hybrid import Hybrid
    hybrid = Hybrid(BraidClient("http://127.0.0.1:8645"))
    alice = Wallet.dev(1)
    hybrid.move_to_fast(alice, 10**15)             # ZK -> fast: credited in the next fast block
    receipt = hybrid.exit_to_zk(alice, 10**15)      # fast -> ZK: FastExit.exit(zkAccount)
    hybrid.wait_for_exit(receipt.exit_id)           # paid by the next ZK block's MoveFromFast

ZK→fast is a ZK-chain transaction (`BraidClient.send_move_to_fast`); the fast block after its
ZK block credits the sender's address. Fast→ZK is a fast-chain transaction calling the system
contract FastExit (0x…7a02) with the amount as its value, over the node's Ethereum JSON-RPC
(the same URL as its other namespaces); the next ZK block pays it out of the escrow, or refuses
it (`EscrowInsufficient`: never more than was moved onto the fast chain; the coin stays burnt).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from zkbraid.fast.system_contracts import FAST_EXIT, load_system_artifact
from zkbraid.sdk.client import TxTimeout

if TYPE_CHECKING:
    from zkbraid.sdk.client import BraidClient, Wallet

POLL_S = 0.05


class ExitFailed(RuntimeError):
    """The fast chain did not take an exit: the node refused its transaction (the rule's name
    is in the message) or `FastExit.exit` reverted (`ZeroExit`, `ExitTooLarge`)."""


class ExitRefused(RuntimeError):
    """The ZK chain refused to pay an exit (its record's reason names the rule, e.g.
    `EscrowInsufficient`); the exited coin stays burnt on the fast chain."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(f"exit {record['id']} refused: {record['reason']}")
        self.record = record


@dataclass(frozen=True)
class FastExitReceipt:
    """An exit the fast chain took (FastExit's `Exit` event)."""

    exit_id: int
    tx_hash: str
    fast_block: int
    """The EVM block number it is in."""
    gas_cost: int
    """The wei its sender paid for gas (on top of the amount)."""


@dataclass(frozen=True)
class MoveReceipt:
    """A ZK→fast move, committed on the ZK chain and credited on the fast chain."""

    status: dict[str, Any]
    """The MoveToFast's status (braid_getTransaction)."""
    credited_height: int
    """The height of the fast block that credited it."""
    fast_balance: int
    """The address's fast-chain balance right after (wei)."""


class Hybrid:
    """Moves between the chains through one node. `fast_rpc_url`: where the fast chain's
    Ethereum JSON-RPC is (default: the node's own URL, which serves `eth_*` too)."""

    def __init__(self, client: BraidClient, fast_rpc_url: str | None = None) -> None:
        self.client = client
        self.w3 = Web3(Web3.HTTPProvider(fast_rpc_url or client.url))
        self.artifact = load_system_artifact("FastExit")
        self.fast_exit = self.w3.eth.contract(
            address=Web3.to_checksum_address(FAST_EXIT), abi=self.artifact.abi
        )

    # -- reads -----------------------------------------------------------------------------

    def state(self, recent: int = 20) -> dict[str, Any]:
        """braid_hybrid: the escrow, the queues, pending and recently settled exits and prizes."""
        result: dict[str, Any] = self.client.rpc.call("braid_hybrid", recent)
        return result

    def exit(self, exit_id: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.client.rpc.call("braid_getExit", exit_id)
        return result

    def prize(self, report_id: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.client.rpc.call("braid_getPrize", report_id)
        return result

    def fast_balance(self, address: str) -> int:
        """An address's balance of the fast chain's coin (wei), at the latest fast block."""
        return int(self.w3.eth.get_balance(Web3.to_checksum_address(address)))

    # -- ZK -> fast ------------------------------------------------------------------------

    def move_to_fast(
        self, wallet: Wallet, amount: int, *, fee: int | None = None, timeout: float = 30.0
    ) -> MoveReceipt:
        """Sends a MoveToFast of `amount` and waits until the fast chain has credited it.

        Raises the node's errors (RpcError), TxFailed, TxTimeout.
        """
        status = self.client.wait(self.client.send_move_to_fast(wallet, amount, fee=fee), timeout)
        credited = self.wait_for_fast_credit(int(status["height"]), timeout)
        return MoveReceipt(status, credited, self.fast_balance(wallet.address))

    def wait_for_fast_credit(self, zk_height: int, timeout: float = 30.0) -> int:
        """Waits for the fast block that applies the credits of the ZK block at `zk_height`
        (the first fast block after it); returns that block's height.

        Raises TxTimeout.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for block in self.client.blocks(zk_height + 1, 100):
                if block["chain"] == "FAST":
                    return int(block["height"])
            time.sleep(POLL_S)
        raise TxTimeout(f"no fast block after the ZK block at {zk_height} within {timeout:g} s")

    def wait_for_fast_balance(self, address: str, at_least: int, timeout: float = 30.0) -> int:
        """Polls eth_getBalance until `address` holds at least `at_least` wei; returns it.

        Raises TxTimeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            balance = self.fast_balance(address)
            if balance >= at_least:
                return balance
            if time.monotonic() >= deadline:
                raise TxTimeout(
                    f"{address} holds {balance} wei, not {at_least}, after {timeout:g} s"
                )
            time.sleep(POLL_S)

    # -- fast -> ZK ------------------------------------------------------------------------

    def exit_to_zk(
        self, wallet: Wallet, amount: int, zk_account: int | None = None, timeout: float = 30.0
    ) -> FastExitReceipt:
        """Sends `FastExit.exit(zk_account)` with `amount` wei from the wallet's fast-chain
        address (to its own ZK account by default) and waits for the fast block that takes it.
        The ZK chain pays it in its next block (`wait_for_exit`).

        Raises ExitFailed; ValueError: the wallet has no ZK account and none was named.
        """
        account = self.client.account_index(wallet.address) if zk_account is None else zk_account
        sender = Web3.to_checksum_address(wallet.address)
        call: Any = self.fast_exit.functions.exit(account)
        fields: dict[str, Any] = {
            "from": sender,
            "value": amount,
            "nonce": self.w3.eth.get_transaction_count(sender, "pending"),
            "chainId": self.w3.eth.chain_id,
        }
        try:
            tx: Any = call.build_transaction(fields)  # estimates the gas: a revert shows here
            signed = wallet.eth.sign_transaction(tx)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except (ContractCustomError, ContractLogicError) as e:
            data = e.data if isinstance(e.data, str) else ""
            name = self.artifact.error_name(bytes.fromhex(data[2:])) if data[:2] == "0x" else None
            raise ExitFailed(f"FastExit.exit reverts: {name or e}") from None
        except Web3RPCError as e:
            raise ExitFailed(f"the node refused the exit: {_rpc_message(e)}") from None
        receipt = self.w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=timeout, poll_latency=POLL_S
        )
        if receipt["status"] != 1:
            raise ExitFailed(f"the exit transaction 0x{bytes(tx_hash).hex()} reverted")
        (event,) = self.fast_exit.events.Exit().process_receipt(receipt)
        return FastExitReceipt(
            exit_id=int(event["args"]["exitId"]),
            tx_hash="0x" + bytes(tx_hash).hex(),
            fast_block=int(receipt["blockNumber"]),
            gas_cost=int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"]),
        )

    def wait_for_exit(
        self, exit_id: int, timeout: float = 30.0, *, check: bool = True
    ) -> dict[str, Any]:
        """Polls until the ZK chain settled exit `exit_id` (paid or refused); returns its
        record (braid_getExit).

        Raises ExitRefused (when `check`), TxTimeout.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.exit(exit_id)
            if record is not None and record["status"] != "pending":
                if check and record["status"] == "refused":
                    raise ExitRefused(record)
                return record
            time.sleep(POLL_S)
        raise TxTimeout(f"exit {exit_id} was not settled within {timeout:g} s")


def _rpc_message(e: Web3RPCError) -> str:
    """`Name: message` of a node's JSON-RPC error (its `data.error` names the rule)."""
    error = e.rpc_response.get("error") if e.rpc_response else None
    if isinstance(error, dict):
        data = error.get("data")
        name = data.get("error") if isinstance(data, dict) else None
        message = str(error.get("message", e))
        return f"{name}: {message}" if name else message
    return str(e)
