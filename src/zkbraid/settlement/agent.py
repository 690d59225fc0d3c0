"""A submission agent (ARCHITECTURE.md, step 5): posts the chain's next fully proven, bundled
and attested batch to the rollup contract in its own time slot, and is paid in ZKPoW by the
sequencer once the chain observes the batch settled (sequencer/settlement.py).

The rollup's next batch starts at its current state root: the agent finds the market batch that
starts there, asks the node for its submission (records, proofs, roots, checkpoint and the
validators' attestation, `braid_getBatchSubmission`), simulates `submitBatch` from its own
address first (so it never pays gas for a batch another agent posted, or outside its slot), then
sends it with an explicit gas limit (the pairing precompile fails silently when short of gas).
A batch whose L1 transaction is reorged out is simply posted again: the rollup's root did not move.

Validator sets: the chain numbers every change of its bonded set (sequencer/validator_sets.py),
and a batch's attestation names the set that made it (`validatorSetNonce`). Before posting a
batch the agent brings the rollup to that set, posting each attested set in turn with
`updateValidators` (the new set, signed by more than 2/3 of the set it replaces); while no
attested batch waits, it brings the rollup to the newest attested set, so L1 follows the chain
even when no batch is due. A set posted by another agent first is simply skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted

from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.rpc import NodeUnreachable, RpcError
from zkbraid.settlement.l1_contracts import (
    Checkpoint,
    encode_batch,
    load_artifact,
    order_signatures,
    revert_name,
    send_call,
    submit_gas_limit,
)


class NotSubmitted(RuntimeError):
    """The rollup refused the batch for a reason other than the slot (named by its error)."""


@dataclass(frozen=True)
class SetPosted:
    """A validator set the agent installed on L1."""

    nonce: int
    validators: int
    signatures: int
    l1_tx: str
    gas_used: int


@dataclass(frozen=True)
class Posted:
    """A batch the agent posted."""

    market_batch: int
    l1_batch: int
    tx_count: int
    l1_tx: str
    l1_height: int
    gas_used: int


def _b(hex_str: str) -> bytes:
    return bytes.fromhex(hex_str[2:] if hex_str.startswith("0x") else hex_str)


class SubmissionAgent:
    """One agent: its L1 key, the node it reads batches from, the rollup it posts to."""

    def __init__(
        self, client: BraidClient, wallet: Wallet, progress: Callable[[str], None] = print
    ) -> None:
        info = client.rpc.call("braid_bridge")["l1"]
        if info is None:
            raise RuntimeError("this node follows no L1: there is nothing to submit to")
        self.client = client
        self.wallet = wallet
        self.address = Web3.to_checksum_address(wallet.address)
        self.w3 = Web3(Web3.HTTPProvider(info["rpc"]))
        self.artifact = load_artifact("Rollup")
        self.rollup = self.w3.eth.contract(address=info["rollup"], abi=self.artifact.abi)
        self.progress = progress
        self._scan_from = 0

    def _send(self, call: Any, gas: int) -> Any:
        return send_call(self.w3, self.wallet.eth, call, gas=gas)

    def register(self) -> bool:
        """Registers as an agent on L1 unless it is one; returns whether it registered now."""
        if self.address in self.rollup.functions.agents().call():
            return False
        receipt = self._send(self.rollup.functions.registerAgent(), 200_000)
        if receipt["status"] != 1:
            raise NotSubmitted("registerAgent reverted")
        return True

    def next_batch(self) -> tuple[int, int] | None:
        """(market batch, L1 batch index) of the batch L1 takes next, once it is bundled."""
        root = bytes(self.rollup.functions.stateRoot().call())
        l1_index = int(self.rollup.functions.batchCount().call())
        index = self._scan_from
        while True:
            batch = self.client.batch(index)
            if batch is None:
                return None
            if batch["oldRoot"] is not None and _b(batch["oldRoot"]) == root:
                self._scan_from = index
                return (index, l1_index) if batch["aggregatedBy"] else None
            index += 1

    def l1_set_nonce(self) -> int:
        return int(self.rollup.functions.validatorSetNonce().call())

    def sync_validators(self, target: int | None = None) -> list[SetPosted]:
        """Installs on L1 the chain's attested validator sets after the rollup's, in order, up
        to set `target` (None: the newest attested); stops at the first set not attested yet.

        Raises NotSubmitted: the rollup refuses a set for another reason than a race.
        """
        posted: list[SetPosted] = []
        while True:
            l1_nonce = self.l1_set_nonce()
            if target is not None and l1_nonce >= target:
                return posted
            try:
                update = self.client.rpc.call("braid_getValidatorSet", l1_nonce + 1)
            except RpcError as e:
                if e.name == "ValidatorSetNotReady":
                    return posted  # L1 holds the chain's newest set
                raise
            if not update["attested"]:
                return posted  # its predecessor's signatures are still coming in
            signed = [(_b(s["validator"]), _b(s["signature"])) for s in update["signatures"]]
            call = self.rollup.functions.updateValidators(
                [Web3.to_checksum_address(v) for v in update["validators"]],
                update["stakes"],
                order_signatures(signed),
            )
            gas = 120_000 + 50_000 * len(update["validators"]) + 10_000 * len(signed)
            try:
                call.call({"from": self.address, "gas": gas})
            except (ContractCustomError, ContractLogicError) as e:
                if self.l1_set_nonce() > l1_nonce:
                    continue  # another agent installed it first
                name = revert_name(self.artifact, e)
                raise NotSubmitted(
                    f"the rollup refuses validator set {l1_nonce + 1}: {name}"
                ) from None
            receipt = self._send(call, gas)
            if receipt["status"] != 1:
                continue  # lost a race in the same L1 block: look again
            done = SetPosted(
                l1_nonce + 1,
                len(update["validators"]),
                len(signed),
                "0x" + bytes(receipt["transactionHash"]).hex(),
                int(receipt["gasUsed"]),
            )
            posted.append(done)
            self.progress(
                f"installed validator set {done.nonce} on L1 ({done.validators} validators,"
                f" signed by {done.signatures} of the previous set, {done.gas_used:,} gas):"
                f" {done.l1_tx}"
            )

    def submit(self, market_batch: int, l1_batch: int) -> Posted | None:
        """Posts a batch if the rollup would take it from this agent now (None: not attested
        yet, not its slot yet, or another agent was first).

        Raises NotSubmitted: the rollup refuses it for another reason.
        """
        try:
            sub = self.client.rpc.call("braid_getBatchSubmission", market_batch, l1_batch)
        except RpcError as e:
            if e.name == "BatchNotReady":
                # bundled, not yet attested by the validators: look again; meanwhile L1 may
                # take the newest set (a batch attested later names that set or a newer one)
                self.sync_validators()
                return None
            raise
        set_nonce = int(sub.get("validatorSetNonce", 0))
        self.sync_validators(set_nonce)
        l1_nonce = self.l1_set_nonce()
        if l1_nonce < set_nonce:
            return None  # L1 does not hold the attesting set yet (its signatures are coming)
        if l1_nonce > set_nonce:
            raise NotSubmitted(
                f"L1 holds validator set {l1_nonce}, newer than set {set_nonce} that attested"
                f" batch {market_batch}: the rollup would refuse its signatures"
            )
        signed = [(_b(a["validator"]), _b(a["signature"])) for a in sub["attestations"]]
        cp = sub["checkpoint"]
        batch = encode_batch(
            [_b(r) for r in sub["records"]],
            [_b(p) for p in sub["proofs"]],
            [_b(r) for r in sub["roots"]],
            Checkpoint(_b(cp["fastStateRoot"]), _b(cp["ledgerAppHash"]), cp["ledgerHeight"]),
            order_signatures(signed),
        )
        call = self.rollup.functions.submitBatch(*batch.args())
        gas = submit_gas_limit(batch.n_transactions, len(signed))
        try:
            call.call({"from": self.address, "gas": gas})
        except (ContractCustomError, ContractLogicError) as e:
            name = revert_name(self.artifact, e)
            if name in ("NotSlotAgent", "PreviousRootMismatch", "CheckpointTooOld"):
                return None  # not our turn, or someone posted it first: nothing is spent
            raise NotSubmitted(f"the rollup refuses batch {market_batch}: {name}") from None
        receipt = self._send(call, gas)
        if receipt["status"] != 1:
            return None  # lost a race in the same L1 block: the next look decides
        return Posted(
            market_batch,
            l1_batch,
            batch.n_transactions,
            "0x" + bytes(receipt["transactionHash"]).hex(),
            int(receipt["blockNumber"]),
            int(receipt["gasUsed"]),
        )

    def run(
        self,
        *,
        count: int | None = None,
        exit_when_idle: bool = False,
        poll_s: float = 0.5,
        stop: Callable[[], bool] = lambda: False,
    ) -> list[Posted]:
        """Posts batches as they become ready, in its slots, until `count` are posted, or
        nothing is left (`exit_when_idle`), or `stop()`."""
        posted: list[Posted] = []
        unreachable = False
        while not stop() and (count is None or len(posted) < count):
            try:
                ready = self.next_batch()
                if ready is None:
                    self.sync_validators()
                    done = None
                else:
                    done = self.submit(*ready)
            except (NodeUnreachable, requests.RequestException, TimeExhausted) as e:
                # the node restarts, or the L1 does not answer for a while: the batch waits
                if not unreachable:
                    self.progress(f"waiting: {e}")
                unreachable = True
                time.sleep(max(poll_s, 1.0))
                continue
            if unreachable:
                self.progress("the node and the L1 answer again")
                unreachable = False
            if ready is None and exit_when_idle:
                break
            if done is None:
                time.sleep(poll_s)
                continue
            posted.append(done)
            self.progress(
                f"posted batch {done.market_batch} as L1 batch {done.l1_batch}"
                f" ({done.tx_count} txs, {done.gas_used:,} gas, {done.gas_used // done.tx_count:,}"
                f" a tx) in L1 block {done.l1_height}: {done.l1_tx}"
            )
        return posted
