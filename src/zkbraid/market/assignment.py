"""Assignment: which active prover proves a job (issue 4, rule 2).

Every validator must pick the same prover, and no single party may choose it in advance
(ARCHITECTURE.md, "the life of a ZK-chain transaction", step 3: "by a seed all validators agree
on (block hash, tx index, attempt)"). The seed of an assignment is

    keccak("zkbraid.market.assign" ‖ block hash ‖ job kind (1) ‖ job seq (8) ‖ job id ‖ attempt (4))

where the block hash is that of the block before the one that assigns (the assigning block's own
hash commits to the state this assignment writes, so it cannot be an input to it), the job seq is
the transaction's position in the ZK chain's order (or the batch index of an aggregation job), the
job id is the transaction's hash (or the batch's job id), and the attempt counts the job's earlier
assignments. The prover is the candidate at index seed mod n of the candidates sorted by address.
A proposer knows the previous block hash when it builds its block, but it does not control it
alone: that hash commits to the block another proposer made (a VRF or L1 beacon would remove even
that influence; not yet).

The fairness rule (unless `MarketParams.second_job_while_idle`):

1. The candidates are the *assignable* provers (provers.py: active, with a heartbeat fresh enough
   to last through a deadline) that hold fewer than `max_jobs_per_prover` jobs.
2. Among them only those holding the fewest jobs are eligible: no prover is given a second job
   while an assignable prover holds none, nor a third while one holds one, and so on.
3. On reassignment, provers that already held this job (and missed it or left it) are passed
   over while any other candidate exists, so a job goes to *another* active prover.
4. With no candidate the job waits, unassigned, with its bounty rising, until a prover frees up.

With `second_job_while_idle`, rule 2 is dropped: every candidate below the limit is equally
likely, however many jobs it holds.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence

from eth_hash.auto import keccak

from zkbraid.market.params import MarketParams

_DOMAIN = b"zkbraid.market.assign"


def assignment_seed(block_hash: bytes, kind: int, seq: int, job_id: bytes, attempt: int) -> bytes:
    """The seed of the `attempt`-th assignment of a job, from the previous block's hash."""
    return bytes(
        keccak(
            _DOMAIN
            + block_hash
            + kind.to_bytes(1, "big")
            + seq.to_bytes(8, "big")
            + job_id
            + attempt.to_bytes(4, "big")
        )
    )


def pick(seed: bytes, candidates: Sequence[bytes]) -> bytes:
    """The candidate at index seed mod n (candidates sorted by address; the bias of a 256-bit
    seed reduced mod n is below 2^-240)."""
    return candidates[int.from_bytes(seed, "big") % len(candidates)]


class Assigner:
    """Assignable provers by the number of jobs they hold, for the fairness rule."""

    def __init__(self, params: MarketParams) -> None:
        self._max = params.max_jobs_per_prover
        self._spread = params.second_job_while_idle
        self._load: dict[bytes, int] = {}
        self._assignable: set[bytes] = set()
        # _buckets[k]: assignable provers holding k jobs (k < max), sorted by address.
        self._buckets: list[list[bytes]] = [[] for _ in range(self._max)]

    def load(self, address: bytes) -> int:
        """Jobs the prover holds."""
        return self._load.get(address, 0)

    def set_assignable(self, address: bytes, assignable: bool) -> None:
        if assignable == (address in self._assignable):
            return
        self._unbucket(address)
        if assignable:
            self._assignable.add(address)
        else:
            self._assignable.discard(address)
        self._bucket(address)

    def add_load(self, address: bytes, delta: int) -> None:
        """The prover took (+1) or gave up (-1) a job."""
        self._unbucket(address)
        load = self.load(address) + delta
        if load < 0:
            raise ValueError(f"0x{address.hex()} would hold a negative number of jobs")
        if load:
            self._load[address] = load
        else:
            self._load.pop(address, None)
        self._bucket(address)

    def candidates(self, exclude: Collection[bytes] = ()) -> list[bytes]:
        """The provers a job may go to under the fairness rule, sorted by address (rules 1–3 of
        the module docstring; `exclude`: the job's earlier assignees, passed over if possible)."""
        return list(self._preferred(exclude))

    def choose(self, seed: bytes, exclude: Collection[bytes] = ()) -> bytes | None:
        """The prover the seed picks among the candidates, or None if there is none."""
        candidates = self._preferred(exclude)
        return pick(seed, candidates) if candidates else None

    def _preferred(self, exclude: Collection[bytes]) -> Sequence[bytes]:
        if exclude:
            preferred = self._candidates(exclude)
            if preferred:
                return preferred
        return self._candidates(())

    def _candidates(self, exclude: Collection[bytes]) -> Sequence[bytes]:
        if self._spread:
            merged = [a for bucket in self._buckets for a in bucket if a not in exclude]
            return sorted(merged)
        for bucket in self._buckets:
            eligible = [a for a in bucket if a not in exclude] if exclude else bucket
            if eligible:
                return eligible  # the bucket itself when nothing is excluded: no copy
        return []

    def _unbucket(self, address: bytes) -> None:
        load = self.load(address)
        if address in self._assignable and load < self._max:
            bucket = self._buckets[load]
            i = bisect.bisect_left(bucket, address)
            if i < len(bucket) and bucket[i] == address:
                del bucket[i]

    def _bucket(self, address: bytes) -> None:
        load = self.load(address)
        if address in self._assignable and load < self._max:
            bisect.insort(self._buckets[load], address)
