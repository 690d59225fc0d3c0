"""The fast chain's system contracts (docs/hybrid.md): addresses, genesis code, calls and events.

| address   | contract            | what the ledger does with it                                  |
| --------- | ------------------- | ------------------------------------------------------------- |
| `0x…7a01` | `ZkRoots`           | writes recent ZK roots with a system call at a block's start  |
| `0x…7a02` | `FastExit`          | reads its `Exit` logs after a block (fast → ZK moves)         |
| `0x…7a03` | `GameReports`       | reads its `Prize` logs after a block (GameMint on the ZK side)|
| `0x…7a04` | `OwnershipGate`     | nothing: games call it                                        |
| `0x…7a05` | `OwnershipVerifier` | nothing: the gate calls it                                    |

The contracts are contracts/fast/system/, compiled into contracts/artifacts/ (their runtime code
is placed at genesis as it is: none has a constructor or immutables). `execution.execute_block`
makes the system call from `root_updates`; `exit_events` and `prize_events` read a stored
block's receipts, keeping only the logs the system contracts emitted themselves (a game can emit
an event of the same signature, never from these addresses).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_bloom.bloom import BloomFilter
from eth_hash.auto import keccak

from zkbraid.fast.zk_roots import SNARK_SCALAR_FIELD, RootStatus, RootUpdate

if TYPE_CHECKING:  # the SDK reads addresses and ABIs here without loading py-evm (fast/db.py)
    from zkbraid.fast.db import BlockRecord

ARTIFACTS_DIR = Path(__file__).resolve().parents[3] / "contracts" / "artifacts"


def _system_address(low: int) -> bytes:
    return low.to_bytes(20, "big")


ZK_ROOTS = _system_address(0x7A01)
FAST_EXIT = _system_address(0x7A02)
GAME_REPORTS = _system_address(0x7A03)
OWNERSHIP_GATE = _system_address(0x7A04)
OWNERSHIP_VERIFIER = _system_address(0x7A05)
#: The sender of the ledger's system call (as EIP-4788's); nobody holds its key.
SYSTEM_ADDRESS = bytes.fromhex("fffffffffffffffffffffffffffffffffffffffe")
#: Gas of the system call (as EIP-4788's); not counted in the block's gas.
SYSTEM_CALL_GAS = 30_000_000

#: How many roots `ZkRoots` holds (the oldest is evicted by the next).
ZK_ROOTS_CAPACITY = 256
#: The most winners one `GameReports.report` names.
MAX_WINNERS = 64

#: The artifact of each predeployed contract, by address (the verifier is given separately).
SYSTEM_CONTRACTS: dict[bytes, str] = {
    ZK_ROOTS: "ZkRoots",
    FAST_EXIT: "FastExit",
    GAME_REPORTS: "GameReports",
    OWNERSHIP_GATE: "OwnershipGate",
}


class ArtifactMissing(RuntimeError):
    """A system contract's artifact is not in contracts/artifacts (run the compile script)."""


@dataclass(frozen=True)
class SystemArtifact:
    """A compiled system contract: its ABI and runtime code."""

    name: str
    abi: list[dict[str, Any]]
    runtime: bytes

    def selector(self, function: str) -> bytes:
        """The 4-byte selector of the function `function` (by name; unique in these ABIs)."""
        for item in self.abi:
            if item.get("type") == "function" and item["name"] == function:
                return _selector(item)
        raise KeyError(f"{self.name} has no function {function}")

    def error_name(self, revert_data: bytes) -> str | None:
        """The name of this contract's custom error that `revert_data` holds, if any."""
        for item in self.abi:
            if item.get("type") == "error" and _selector(item) == bytes(revert_data[:4]):
                return str(item["name"])
        return None


def _selector(item: dict[str, Any]) -> bytes:
    types = ",".join(str(arg["type"]) for arg in item["inputs"])
    return bytes(keccak(f"{item['name']}({types})".encode()))[:4]


@cache
def load_system_artifact(name: str) -> SystemArtifact:
    """The committed artifact of system contract `name`. Raises ArtifactMissing."""
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.exists():
        raise ArtifactMissing(f"{path} is missing: run `node scripts/compile_contracts.js`")
    raw = json.loads(path.read_text())
    runtime = bytes.fromhex(raw["deployedBytecode"][2:])
    if not runtime:
        raise ArtifactMissing(f"{path} has no runtime code")
    return SystemArtifact(name=name, abi=raw["abi"], runtime=runtime)


def system_genesis_code(verifier_runtime: bytes | None) -> dict[bytes, bytes]:
    """Runtime code of the system contracts by address, for `FastParams.genesis_code`.

    `verifier_runtime` is the OwnershipVerifier's runtime code; without it nothing is placed at
    0x…7a05 and every `OwnershipGate.admit` reverts `InvalidOwnershipProof`.
    """
    code = {
        address: load_system_artifact(name).runtime for address, name in SYSTEM_CONTRACTS.items()
    }
    if verifier_runtime:
        code[OWNERSHIP_VERIFIER] = bytes(verifier_runtime)
    return code


# -- ZkRoots (the roots and their updates: fast/zk_roots.py) -----------------------------------


def encode_root_updates(updates: Sequence[RootUpdate]) -> bytes:
    """The calldata of `ZkRoots.update(roots, zkHeights, statuses)` for `updates`, in order."""
    selector = load_system_artifact("ZkRoots").selector("update")
    arguments = abi_encode(
        ["uint256[]", "uint64[]", "uint8[]"],
        [
            [u.root for u in updates],
            [u.zk_height for u in updates],
            [int(u.status) for u in updates],
        ],
    )
    return selector + bytes(arguments)


# -- events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExitEvent:
    """A `FastExit.Exit`: `amount` wei of `sender` burnt, to be paid to ZK account `zk_account`."""

    exit_id: int
    sender: bytes
    zk_account: int
    amount: int
    #: The transaction that made the exit, and the log's block-wide index.
    tx_hash: bytes
    log_index: int


@dataclass(frozen=True)
class PrizeEvent:
    """A `GameReports.Prize`: `game` awards `winner` an NFT of `collection` for `round`."""

    report_id: int
    game: bytes
    collection: int
    round: int
    winner: bytes
    content_hash: int
    #: The transaction that reported it, and the log's block-wide index.
    tx_hash: bytes
    log_index: int


def _event_topic(signature: str) -> bytes:
    return bytes(keccak(signature.encode()))


EXIT_TOPIC = _event_topic("Exit(uint64,address,uint64,uint256)")
PRIZE_TOPIC = _event_topic("Prize(uint64,address,uint16,uint32,address,uint256)")
ADMITTED_TOPIC = _event_topic("Admitted(address,address,uint16,uint32,uint256)")


@dataclass(frozen=True)
class SystemLog:
    """A log of a stored block: emitter, topics, data, its transaction and block-wide index."""

    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    tx_hash: bytes
    log_index: int


def block_logs(record: BlockRecord, emitter: bytes) -> Iterator[SystemLog]:
    """The logs `emitter` emitted in a stored block, in order.

    The header's bloom rules out most blocks without decoding a receipt.
    """
    if emitter not in BloomFilter(int(record.header.bloom)):
        return
    log_index = 0
    for raw_tx, encoded in zip(record.raw_transactions, record.receipts, strict=True):
        payload = encoded[1:] if encoded[0] < 0x80 else encoded
        logs = rlp.decode(payload)[3]
        tx_hash: bytes | None = None
        for address, topics, data in logs:
            if address == emitter:
                if tx_hash is None:
                    tx_hash = bytes(keccak(raw_tx))
                yield SystemLog(bytes(address), tuple(topics), bytes(data), tx_hash, log_index)
            log_index += 1


def exit_events(record: BlockRecord) -> tuple[ExitEvent, ...]:
    """The `Exit` events `FastExit` emitted in a stored block, in order."""
    exits = []
    for log in block_logs(record, FAST_EXIT):
        if len(log.topics) != 3 or log.topics[0] != EXIT_TOPIC:
            continue
        zk_account, amount = abi_decode(["uint64", "uint256"], log.data)
        exits.append(
            ExitEvent(
                exit_id=int.from_bytes(log.topics[1], "big"),
                sender=log.topics[2][12:],
                zk_account=zk_account,
                amount=amount,
                tx_hash=log.tx_hash,
                log_index=log.log_index,
            )
        )
    return tuple(exits)


def prize_events(record: BlockRecord) -> tuple[PrizeEvent, ...]:
    """The `Prize` events `GameReports` emitted in a stored block, in order."""
    prizes = []
    for log in block_logs(record, GAME_REPORTS):
        if len(log.topics) != 3 or log.topics[0] != PRIZE_TOPIC:
            continue
        collection, round_, winner, content_hash = abi_decode(
            ["uint16", "uint32", "address", "uint256"], log.data
        )
        prizes.append(
            PrizeEvent(
                report_id=int.from_bytes(log.topics[1], "big"),
                game=log.topics[2][12:],
                collection=collection,
                round=round_,
                winner=bytes.fromhex(winner[2:]),
                content_hash=content_hash,
                tx_hash=log.tx_hash,
                log_index=log.log_index,
            )
        )
    return tuple(prizes)


__all__ = [
    "ADMITTED_TOPIC",
    "EXIT_TOPIC",
    "FAST_EXIT",
    "GAME_REPORTS",
    "MAX_WINNERS",
    "OWNERSHIP_GATE",
    "OWNERSHIP_VERIFIER",
    "PRIZE_TOPIC",
    "SNARK_SCALAR_FIELD",
    "SYSTEM_ADDRESS",
    "SYSTEM_CALL_GAS",
    "SYSTEM_CONTRACTS",
    "ZK_ROOTS",
    "ZK_ROOTS_CAPACITY",
    "ArtifactMissing",
    "ExitEvent",
    "PrizeEvent",
    "RootStatus",
    "RootUpdate",
    "SystemArtifact",
    "SystemLog",
    "block_logs",
    "encode_root_updates",
    "exit_events",
    "load_system_artifact",
    "prize_events",
    "system_genesis_code",
]
