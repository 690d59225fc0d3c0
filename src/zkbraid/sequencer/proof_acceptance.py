"""When a submitted proof is accepted, and what accepting it does (ARCHITECTURE.md, "the life
of a ZK-chain transaction", step 3).

A proof is checked against the statement the validators recorded when the transaction was
committed, never against anything the prover sends: the roots before and after it and its
public data record, all kept in the transaction's market job. Only the job's current assignee
may submit (the market's rule), and that is checked before the proof is, so a copied proof is
refused without a pairing check. The verifier is the chain's (its key is in the genesis).
"""

from __future__ import annotations

from eth_hash.auto import keccak

from zkbraid.market.records import JobKind, JobStatus
from zkbraid.market.transactions import SubmitProof
from zkbraid.proving.errors import InvalidProof
from zkbraid.proving.proof import Proof
from zkbraid.proving.statement import tx_data_from_pubdata
from zkbraid.sequencer.errors import AlreadyProven, ProvingUnavailable, UnknownProofJob
from zkbraid.sequencer.genesis import Genesis
from zkbraid.sequencer.receipts import ProofResult
from zkbraid.sequencer.state import SequencerState


def check_submission(state: SequencerState, genesis: Genesis, sub: SubmitProof) -> None:
    """Every rule a proof submission must pass; changes nothing.

    Raises BadSubmissionSignature, UnknownProofJob, AlreadyProven, NotAssignee, JobClosed,
    ProvingUnavailable, MalformedProof, MalformedPubdata, InvalidProof.
    """
    sub.check_signature()
    job = state.market.job(sub.tx_hash)
    if job is None or job.kind is not JobKind.TX:
        raise UnknownProofJob(f"0x{sub.tx_hash.hex()} is not a committed ZK-chain transaction")
    if job.status is JobStatus.DONE:
        raise AlreadyProven(f"0x{sub.tx_hash.hex()} is already proven")
    state.market.check_submission(sub.tx_hash, sub.prover)
    if genesis.verifier is None:
        raise ProvingUnavailable(
            "this chain's genesis names no verifying key: it accepts no proofs"
        )
    old_root = int.from_bytes(job.old_root, "big")
    new_root = int.from_bytes(job.new_root, "big")
    public = [old_root, new_root, *tx_data_from_pubdata(job.pubdata)]
    if not genesis.verifier.verify(Proof.from_bytes(sub.proof), public):
        raise InvalidProof(
            f"the proof does not show tx 0x{sub.tx_hash.hex()} taking root {old_root:#x} "
            f"to {new_root:#x}"
        )


def accept_proof(
    state: SequencerState, genesis: Genesis, sub: SubmitProof, height: int, time_ms: int
) -> ProofResult:
    """Checks a submission (`check_submission`) and records it: the job is done, proven by the
    submitter, who is paid the bounty.

    Raises what `check_submission` raises, before changing anything.
    """
    check_submission(state, genesis, sub)
    proof_hash = bytes(keccak(sub.proof))
    paid = state.market.proof_accepted(sub.tx_hash, sub.prover, proof_hash, height, time_ms)
    return ProofResult(proven=sub.tx_hash, prover=sub.prover, paid=paid)
