"""Blocks of the global order.

One sequence of blocks braids two chains: each block belongs to the ZK chain or the fast chain,
links to the previous block of the global order and to the previous block of its own chain, and
carries its chain's state root after it and an app hash committing to every state (both chains'
roots and the sequencer's own state).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import rlp
from eth_hash.auto import keccak

from zkbraid.errors import MalformedInput

ZERO_HASH = b"\x00" * 32


class ChainKind(IntEnum):
    """Which chain a block (or a transaction) belongs to."""

    ZK = 0
    FAST = 1

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class BlockHeader:
    height: int
    """Position in the global order (the first block is 1)."""
    chain: ChainKind
    chain_height: int
    """Position within its own chain (the chain's first block is 1)."""
    parent_hash: bytes
    """Hash of the previous block of the global order."""
    chain_parent_hash: bytes
    """Hash of the previous block of the same chain (ZERO_HASH for the chain's first)."""
    timestamp_ms: int
    tx_root: bytes
    state_root: bytes
    """The block's chain's state root after it (ZK: the Poseidon root, 32 bytes big-endian)."""
    app_hash: bytes
    """keccak(zk root ‖ fast root ‖ sequencer root) after the block."""

    def encode(self) -> bytes:
        return bytes(
            rlp.encode(
                [
                    self.height,
                    int(self.chain),
                    self.chain_height,
                    self.parent_hash,
                    self.chain_parent_hash,
                    self.timestamp_ms,
                    self.tx_root,
                    self.state_root,
                    self.app_hash,
                ]
            )
        )

    @property
    def hash(self) -> bytes:
        return keccak(self.encode())

    @classmethod
    def decode(cls, raw: bytes) -> BlockHeader:
        try:
            items = rlp.decode(raw)
            h, c, ch, parent, cparent, ts, txr, sr, ah = items
            return cls(
                height=_int(h),
                chain=ChainKind(_int(c)),
                chain_height=_int(ch),
                parent_hash=bytes(parent),
                chain_parent_hash=bytes(cparent),
                timestamp_ms=_int(ts),
                tx_root=bytes(txr),
                state_root=bytes(sr),
                app_hash=bytes(ah),
            )
        except (rlp.DecodingError, ValueError, TypeError) as e:
            raise MalformedInput(f"malformed block header: {e}") from e


def _int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def tx_root(tx_hashes: list[bytes]) -> bytes:
    """Binary keccak Merkle root of the block's transaction hashes (ZERO_HASH when empty)."""
    if not tx_hashes:
        return ZERO_HASH
    level = list(tx_hashes)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [keccak(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def app_hash(zk_root: bytes, fast_root: bytes, seq_root: bytes) -> bytes:
    """The one hash every validator agrees on after a block."""
    return keccak(zk_root + fast_root + seq_root)
