"""The fast chain's parameters: one typed, frozen object with documented defaults (STYLE.md §7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

GWEI = 10**9
UINT256_MAX = 2**256 - 1

#: Chain id of the fast chain ("zl" in ASCII); the ZK chain has its own.
DEFAULT_CHAIN_ID = 0x7A6C


@dataclass(frozen=True)
class FastParams:
    """Everything that fixes the fast chain's rules; two nodes with equal params agree on blocks."""

    #: EIP-155 chain id every transaction must be signed for.
    chain_id: int = DEFAULT_CHAIN_ID
    #: Gas limit of every block (constant: no validator votes it up or down).
    block_gas_limit: int = 30_000_000
    #: Balances (wei) of the genesis state, by 20-byte address.
    genesis_alloc: Mapping[bytes, int] = field(default_factory=dict)
    #: Runtime code of the genesis state, by address (predeployed contracts).
    genesis_code: Mapping[bytes, bytes] = field(default_factory=dict)
    #: Timestamp (unix seconds) of the genesis block.
    genesis_timestamp: int = 0
    #: Base fee of block 1 (EIP-1559), wei per gas.
    initial_base_fee: int = GWEI
    #: Whether the base fee follows EIP-1559's adjustment; if not it stays at `initial_base_fee`.
    base_fee_adjusts: bool = True
    #: Floor under the adjusting base fee, so that blocks far below target (the common case with
    #: ~100 ms blocks) do not drive it to zero and wallets' default fees stay sane.
    min_base_fee: int = GWEI
    #: Largest accepted raw transaction, in bytes (geth's txpool uses 128 KiB too).
    max_tx_size: int = 128 * 1024
    #: Priority fees go to this address (there is no proposer reward on the fast chain).
    fee_recipient: bytes = b"\x00" * 20
    #: `web3_clientVersion`.
    client_version: str = "zkbraid/0.1.0/fast-evm/py-evm-0.12.1b1"

    def __post_init__(self) -> None:
        if not 0 < self.chain_id < 2**64:
            raise ValueError(f"chain_id must be in (0, 2^64), got {self.chain_id}")
        if not 21_000 <= self.block_gas_limit < 2**63:
            raise ValueError(f"block_gas_limit out of range: {self.block_gas_limit}")
        if self.initial_base_fee < 0 or self.min_base_fee < 0:
            raise ValueError("fees must not be negative")
        if self.base_fee_adjusts and self.initial_base_fee < self.min_base_fee:
            raise ValueError("initial_base_fee is below min_base_fee")
        if len(self.fee_recipient) != 20:
            raise ValueError("fee_recipient must be a 20-byte address")
        if self.genesis_timestamp < 0:
            raise ValueError("genesis_timestamp must not be negative")
        for address, balance in self.genesis_alloc.items():
            if len(address) != 20:
                raise ValueError(f"genesis address must be 20 bytes: {address.hex()}")
            if not 0 <= balance <= UINT256_MAX:
                raise ValueError(f"genesis balance out of range for {address.hex()}")
        for address, code in self.genesis_code.items():
            if len(address) != 20:
                raise ValueError(f"genesis address must be 20 bytes: {address.hex()}")
            if not code or len(code) > 24_576:
                raise ValueError(f"genesis code of 0x{address.hex()} is empty or over 24 KiB")
