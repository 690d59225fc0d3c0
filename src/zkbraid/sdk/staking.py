"""Proof of stake from a validator's side (staking/): bond ZKPoW for voting power with the
ed25519 consensus key the validator votes with, unbond it, and read the validator set.

    from zkbraid.sdk import BraidClient, Wallet
    from zkbraid.sdk.staking import Staking
    staking = Staking(BraidClient("http://127.0.0.1:8645"))
    me = Wallet.dev(1)
    staking.wait(staking.send_bond(me, 1_000 * 10**18, consensus_key))  # power in that block
    staking.wait(staking.send_unbond(me, 1_000 * 10**18))     # leaves after the unbonding period
    staking.validators()                                      # every validator, by power

Amounts are ZKPoW base units (10^-18 ZKPoW). Each transaction is signed by the wallet's Ethereum
key (EIP-191 personal_sign over a readable text, staking/transactions.py) with the validator's
next staking nonce, counting its pending transactions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zkbraid.staking.transactions import StakingTx, sign_bond, sign_unbond

if TYPE_CHECKING:
    from zkbraid.sdk.client import BraidClient, Wallet


class Staking:
    """The staking methods of a node."""

    def __init__(self, client: BraidClient) -> None:
        self.client = client

    # -- reads -----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The set's total power, the staking parameters and every validator."""
        result: dict[str, Any] = self.client.rpc.call("braid_validators")
        return result

    def validators(self) -> list[dict[str, Any]]:
        """Every validator (address, consensus key, bonded, power, unbonding entries, jailed,
        slashed, nonces), by voting power, then bond."""
        validators: list[dict[str, Any]] = self.summary()["validators"]
        return validators

    def validator(self, address: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.client.rpc.call("braid_getValidator", address)
        return result

    def next_nonce(self, address: str) -> int:
        """The staking nonce the address's next Bond or Unbond carries, counting its pending
        ones (0 before its first)."""
        return int(self.client.rpc.call("braid_getStakingNonce", address))

    # -- transactions ----------------------------------------------------------------------

    def send(self, tx: StakingTx) -> str:
        """Submits a signed staking transaction; returns its hash."""
        return str(self.client.rpc.call("braid_sendStakingTx", "0x" + tx.encode().hex()))

    def send_bond(
        self, wallet: Wallet, amount: int, consensus_key: bytes, *, nonce: int | None = None
    ) -> str:
        """Bonds `amount` of the wallet's ZKPoW to the validator it is (a new one with
        `consensus_key`, its CometBFT ed25519 public key; an existing one names its own)."""
        n = self.next_nonce(wallet.address) if nonce is None else nonce
        return self.send(sign_bond(bytes(wallet.eth.key), consensus_key, amount, n))

    def send_unbond(self, wallet: Wallet, amount: int, *, nonce: int | None = None) -> str:
        """Unbonds `amount`: it keeps voting for the unbonding period, then returns to the
        wallet's ZKPoW balance."""
        n = self.next_nonce(wallet.address) if nonce is None else nonce
        return self.send(sign_unbond(bytes(wallet.eth.key), amount, n))

    def wait(self, tx_hash: str, timeout: float = 30.0) -> dict[str, Any]:
        """Waits until the transaction is ordered; raises TxFailed if it failed."""
        return self.client.wait(tx_hash, timeout)
