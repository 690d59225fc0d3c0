"""Settlement's JSON-RPC methods (`braid_*`): what a submission agent posts to L1 for a batch —
its records, proofs and roots, the fast chain's checkpoint, and the validators' attestation, as
the chain recorded them (sequencer/attestations.py) — and for a change of the validator set
(`updateValidators`: the new set and the old set's signatures, sequencer/validator_sets.py)."""

from __future__ import annotations

from typing import Any

from zkbraid.api.jsonrpc import Params, hexb, param, quantity
from zkbraid.api.view import NodeView
from zkbraid.errors import NotFound


class ValidatorSetNotReady(NotFound):
    """The validator set is not recorded, or not attested by the set it replaces yet."""


class BatchNotReady(NotFound):
    """The batch does not exist, is not bundled or not attested yet, the node does not follow
    L1, or its L1 is not the one the chain's validators attest for."""


def build(node: NodeView) -> dict[str, Any]:
    """The settlement methods over a node."""

    def batch_submission(params: Params) -> dict[str, Any]:
        """`submitBatch`'s arguments for market batch `batch` as L1 batch `l1Batch` (the
        rollup's `batchCount` when it is posted): its records, proofs and roots, and its
        committed attestation record — the fixed checkpoint and the validators' signatures,
        ascending by signer (what DataAvailability.sol takes), those of the members of the
        validator set that attested it (`validatorSetNonce`: L1 must hold that set when the
        batch is posted, `braid_getValidatorSet`). The digest names the market batch's index
        as the L1 index (sequencer/attestations.py), so `l1Batch` must equal it.

        Raises BatchNotReady: not bundled, not attested yet (retry), no L1, another L1 or
        rollup than the chain's, or another L1 index.
        """
        index = quantity(param(params, 0, "batch"), "batch")
        l1_index = quantity(param(params, 1, "l1Batch"), "l1Batch")
        l1 = node.l1_status()
        if l1 is None:
            raise BatchNotReady("this node follows no L1")
        chain_l1 = node.params.l1
        if l1.chain_id != chain_l1.chain_id or bytes.fromhex(l1.rollup[2:]) != chain_l1.rollup:
            raise BatchNotReady(
                f"this node follows rollup {l1.rollup} on L1 chain {l1.chain_id}; the chain's"
                f" validators attest for 0x{chain_l1.rollup.hex()} on chain {chain_l1.chain_id}"
            )
        if l1_index != index:
            raise BatchNotReady(
                f"batch {index}'s attestation names L1 batch {index}, not {l1_index}: batches are"
                " posted in order, one L1 batch each"
            )
        with node.lock:
            state = node.state
            market = state.market
            batch = market.batch(index)
            if batch is None or not batch.aggregated_by:
                raise BatchNotReady(f"batch {index} is not bundled yet")
            record = state.attestations.record(index)
            attesting_set = (
                None if record is None else state.validator_sets.record(record.set_nonce)
            )
            if record is None or not record.attested or attesting_set is None:
                signed = 0 if record is None else len(record.signatures)
                raise BatchNotReady(
                    f"batch {index} is not attested yet ({signed} validator signatures, more"
                    " than 2/3 of the voting power needed)"
                )
            records: list[bytes] = []
            roots: list[bytes] = []
            hashes: list[bytes] = []
            for seq in range(batch.start, batch.start + batch.count):
                tx_hash = market.tx_at(seq)
                job = market.job(tx_hash) if tx_hash is not None else None
                if tx_hash is None or job is None:
                    raise BatchNotReady(f"batch {index}: transaction {seq} is missing")
                if not roots:
                    roots.append(job.old_root)
                roots.append(job.new_root)
                records.append(job.pubdata)
                hashes.append(tx_hash)
        proofs = []
        for tx_hash in hashes:
            proof = node.ledger.proof(tx_hash)
            if proof is None:
                raise BatchNotReady(f"batch {index}: 0x{tx_hash.hex()} has no stored proof")
            proofs.append(proof)
        checkpoint = record.checkpoint
        return {
            "batch": index,
            "l1Batch": l1_index,
            "txHashes": [hexb(h) for h in hashes],
            "records": [hexb(r) for r in records],
            "proofs": [hexb(p) for p in proofs],
            "roots": [hexb(r) for r in roots],
            "checkpoint": {
                "fastStateRoot": hexb(checkpoint.fast_state_root),
                "ledgerAppHash": hexb(checkpoint.ledger_app_hash),
                "ledgerHeight": checkpoint.ledger_height,
            },
            "dataHash": hexb(record.data_hash),
            "attestedHeight": record.attested_height,
            "validatorSetNonce": record.set_nonce,
            "attestations": [
                {"validator": hexb(s.validator), "signature": hexb(s.signature)}
                for s in record.signatures  # ascending by signer, as recorded
                if attesting_set.stake_of(s.validator)  # L1 refuses a non-member's
            ],
        }

    def validator_set(params: Params) -> dict[str, Any]:
        """Validator set `nonce` (default: the current one) as L1's `updateValidators` takes
        it: members ascending with their stakes, and the signatures of the set it replaces,
        ascending by signer; `attested` once they hold more than 2/3 of that set's stake.
        `current` is the newest nonce.

        Raises ValidatorSetNotReady: no such set.
        """
        with node.lock:
            sets = node.state.validator_sets
            current = sets.nonce
            raw = param(params, 0, "nonce", None)
            nonce = current if raw is None else quantity(raw, "nonce")
            record = sets.record(nonce)
            if record is None:
                raise ValidatorSetNotReady(
                    f"validator set {nonce} is not recorded (the current set is {current})"
                )
        return {
            "nonce": record.nonce,
            "current": current,
            "validators": [hexb(a) for a in record.validators],
            "stakes": record.stakes,
            "totalStake": record.total_stake,
            "recordedHeight": record.recorded_height,
            "attested": record.attested,
            "attestedHeight": record.attested_height if record.attested else None,
            "signatures": [
                {"validator": hexb(s.validator), "stake": s.stake, "signature": hexb(s.signature)}
                for s in record.signers
            ],
        }

    return {"braid_getBatchSubmission": batch_submission, "braid_getValidatorSet": validator_set}
