"""Helpers of the L1 contract tests: deploying the rollup on anvil, attesting and submitting
batches, reading custom errors, building public data records by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from zkbraid.settlement.l1_contracts import (
    BatchSubmission,
    Checkpoint,
    RollupSettings,
    attestation_digest,
    attestation_signatures,
    batch_data_hash,
    deploy_rollup,
    encode_batch,
    load_artifact,
    submit_gas_limit,
)

ROLLUP = load_artifact("Rollup")
GAS = 8_000_000
SETTINGS = RollupSettings(slot_seconds=100, exclusive_seconds=60, deposit_timeout=1000)
CHECKPOINT = Checkpoint(b"\x0f" * 32, b"\xa9" * 32, 7)


@dataclass(frozen=True)
class Validators:
    """Validator keys and stakes (deterministic keys: 0x01…01, 0x02…02, …)."""

    stakes: tuple[int, ...]
    keys: tuple[bytes, ...] = field(init=False)

    def __post_init__(self) -> None:
        keys = tuple(bytes([i + 1]) * 32 for i in range(len(self.stakes)))
        object.__setattr__(self, "keys", keys)

    def address(self, i: int) -> str:
        return str(Account.from_key(self.keys[i]).address)

    def addr_bytes(self, i: int) -> bytes:
        return bytes.fromhex(self.address(i)[2:])

    def as_mapping(self) -> dict[str, int]:
        return {self.address(i): s for i, s in enumerate(self.stakes)}


def revert_error(call: Any, tx: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The custom error `call` (a contract function) reverts with when called as `tx`."""
    try:
        call.call(tx)
    except ContractCustomError as exc:
        data = exc.data if isinstance(exc.data, str) else str(exc.args[0])
        return ROLLUP.decode_error(bytes.fromhex(data[2:]))
    raise AssertionError("the call did not revert with a custom error")


@dataclass
class L1Rollup:
    """A deployed rollup and what the tests need to drive it."""

    w3: Web3
    contract: Contract
    validators: Validators
    agent: str

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def state(self) -> tuple[bytes, int, bytes]:
        """(state root, batch count, history hash): what a refused batch must leave alone."""
        f = self.contract.functions
        return (
            bytes(f.stateRoot().call()),
            int(f.batchCount().call()),
            bytes(f.historyHash().call()),
        )

    def digest(
        self, records: Sequence[bytes], new_root: int | bytes, checkpoint: Checkpoint
    ) -> bytes:
        return attestation_digest(
            chain_id=self.w3.eth.chain_id,
            rollup=self.address,
            batch_index=int(self.contract.functions.batchCount().call()),
            data_hash=batch_data_hash(records),
            new_root=new_root,
            checkpoint=checkpoint,
        )

    def batch(
        self,
        records: Sequence[bytes],
        proofs: Sequence[bytes],
        roots: Sequence[int | bytes],
        *,
        checkpoint: Checkpoint = CHECKPOINT,
        signers: Sequence[int] | None = None,
        signatures: bytes | None = None,
    ) -> BatchSubmission:
        """The submission of a batch, attested by `signers` (default: every validator)."""
        if signatures is None:
            digest = self.digest(records, roots[-1], checkpoint)
            chosen = range(len(self.validators.keys)) if signers is None else signers
            signatures = attestation_signatures(digest, [self.validators.keys[i] for i in chosen])
        return encode_batch(records, proofs, roots, checkpoint, signatures)

    def submit(self, batch: BatchSubmission, sender: str | None = None) -> dict[str, Any]:
        """Sends the batch with the gas limit an agent sets (`BatchSubmission.gas_limit`) and
        returns the receipt; it must succeed."""
        tx = self.contract.functions.submitBatch(*batch.args()).transact(
            {"from": sender or self.agent, "gas": batch.gas_limit()}
        )
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx))
        assert receipt["status"] == 1, "the batch was refused"
        return receipt

    def refused(
        self, batch: BatchSubmission, sender: str | None = None
    ) -> tuple[str, tuple[Any, ...]]:
        """The custom error the batch is refused with; also sends it and checks that the failed
        transaction changed nothing."""
        before = self.state()
        tx = {"from": sender or self.agent, "gas": submit_gas_limit(batch.n_transactions, 8)}
        call = self.contract.functions.submitBatch(*batch.args())
        error = revert_error(call, tx)
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact(tx))
        assert receipt["status"] == 0
        assert self.state() == before
        return error

    def send(self, call: Any, sender: str | None = None, value: int = 0) -> dict[str, Any]:
        """Sends a contract call that must succeed; returns the receipt."""
        tx = call.transact({"from": sender or self.agent, "gas": 1_000_000, "value": value})
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx))
        assert receipt["status"] == 1
        return receipt

    def error_of(self, call: Any, sender: str | None = None, value: int = 0) -> str:
        """The name of the custom error a contract call reverts with."""
        return revert_error(call, {"from": sender or self.agent, "gas": 1_000_000, "value": value})[
            0
        ]


def deploy(
    w3: Web3,
    verification_key: str,
    genesis_root: int,
    validators: Validators,
    *,
    settings: RollupSettings = SETTINGS,
    artifact: str = "Rollup",
) -> L1Rollup:
    """A fresh rollup with one registered agent (anvil's account 0)."""
    contract = deploy_rollup(
        w3,
        w3.eth.accounts[0],
        verification_key,
        genesis_root,
        validators.as_mapping(),
        settings,
        artifact=artifact,
    )
    rollup = L1Rollup(w3, contract, validators, w3.eth.accounts[0])
    rollup.send(contract.functions.registerAgent())
    return rollup


def mine_at(w3: Web3, timestamp: int) -> None:
    """Mines an empty block at `timestamp`: calls then run at it, and the next transactions a
    few (wall-clock) seconds after."""
    w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def latest_timestamp(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


# Records built by hand (proving/statement.py's layouts), for contract-level tests.


def _be(value: int, width: int) -> bytes:
    return value.to_bytes(width, "big")


def transfer_record(frm: int, to: int, amount: int, *, fee: int = 1, token: int = 0) -> bytes:
    return b"\x11" + _be(fee, 8) + _be(frm, 4) + _be(to, 4) + _be(token, 2) + _be(amount, 16)


def deposit_record(
    deposit_id: int, to: int, recipient: bytes, amount: int, *, fee: int = 0, token: int = 0
) -> bytes:
    return (
        b"\x14"
        + _be(fee, 8)
        + _be(deposit_id, 8)
        + _be(to, 4)
        + _be(token, 2)
        + recipient
        + _be(amount, 16)
    )


def withdraw_record(
    frm: int, l1_recipient: bytes, amount: int, *, fee: int = 1, token: int = 0
) -> bytes:
    return b"\x15" + _be(fee, 8) + _be(frm, 4) + _be(token, 2) + l1_recipient + _be(amount, 16)


def fake_proofs(n: int) -> list[bytes]:
    """n proof-shaped blobs, for the harness whose proof check is a switch."""
    return [bytes([i + 1]) * 256 for i in range(n)]


def made_up_batch(
    rollup: L1Rollup,
    records: Sequence[bytes] | None = None,
    *,
    signers: Sequence[int] | None = None,
    checkpoint: Checkpoint = CHECKPOINT,
) -> BatchSubmission:
    """A batch for `RollupWithoutProofs` (default: one Transfer) from the current root, with
    made-up roots and proofs (its proof check is a switch)."""
    records = list(records) if records is not None else [transfer_record(0, 1, 5)]
    current = int.from_bytes(rollup.state()[0], "big")
    roots = [current + i for i in range(len(records) + 1)]
    return rollup.batch(
        records, fake_proofs(len(records)), roots, checkpoint=checkpoint, signers=signers
    )
