"""Every way the proving market's rules refuse an operation (STYLE.md §2).

Each is raised where its rule lives (jobs.py, batches.py, provers.py, state.py, codec.py) and
before anything changes: a refused proof, bundle or market transaction leaves the state, and so
its root, as it was. The node turns a user's into a failed transaction (or a check_tx rejection)
and the API into a JSON-RPC error named after the class. The errors of the transactions' own
encodings stay with them (`transactions.MalformedSequencerTx`, `market_txs.BadMarketSignature`),
as do the ZKPoW ledger's (`zkpow.InsufficientZkpow`) and the parameters' (`InvalidMarketParams`).
"""

from __future__ import annotations

from zkbraid.errors import (
    BraidError,
    MalformedInput,
    NonceError,
    NotFound,
    OutOfRange,
    Unauthorized,
)

# -- provers (provers.py) -----------------------------------------------------------------------


class AlreadyRegistered(Unauthorized):
    """A registration for an address that is already a registered prover."""


class UnknownProver(NotFound):
    """A heartbeat or deactivation of an address that never registered as a prover."""


class MarketNonceMismatch(NonceError):
    """A heartbeat or deactivation whose nonce is not the prover's next market nonce."""


# -- proofs and bundles (jobs.py, batches.py) -------------------------------------------------


class UnknownJob(NotFound):
    """A proof or bundle for something the market has no job for."""


class UnknownBatch(NotFound):
    """A bundle for a batch that does not exist."""


class JobClosed(NotFound):
    """A proof or bundle for a job that is already done."""


class NotAssignee(Unauthorized):
    """A proof or bundle from a prover that is not the job's current assignee."""


class InvalidBundle(MalformedInput):
    """A bundle that is not the batch's proofs, in order, with the roots the validators recorded."""


# -- the node's events (state.py): a violation is the node's bug, never a user's -----------------


class InvalidFee(OutOfRange):
    """A committed transaction's fee or root outside its range (a U64 fee, 256-bit roots)."""


class DuplicateJob(BraidError):
    """A transaction committed twice."""


class RootChainBroken(BraidError):
    """A committed transaction whose old root is not the previous one's new root."""


class BlockOutOfOrder(BraidError):
    """A market event at a height or time before the market's last step."""


# -- records (codec.py) -------------------------------------------------------------------------
