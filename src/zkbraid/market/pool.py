"""The pool: where fees go and bounties come from (issue 4, rule 4; bounty.py has the curves).

The pool is the ZKPoW account `POOL_ADDRESS`, which no key controls. Every fee goes into it; the
share of a fee that is its job's base bounty, and the share set aside for its batch's
aggregation, are *reserved* (`MarketMeta.reserved`) until the job is done. A job's assignee is
paid its bounty out of the job's own base plus the pool's surplus over every reserve, so the
premiums of early jobs never eat the base of a later one nor an aggregation bounty: an assignee
is always paid at least its job's base. The pool never pays more than it holds, so the market
never mints ZKPoW.
"""

from __future__ import annotations

from eth_hash.auto import keccak

from zkbraid.market.book import Book
from zkbraid.market.bounty import bounty, payout
from zkbraid.market.records import Job

POOL_ADDRESS = bytes(keccak(b"zkbraid.market.pool"))[12:]
"""The ZKPoW account fees go into and bounties come out of (no key controls it)."""


def balance(book: Book) -> int:
    return book.zkpow.balance(POOL_ADDRESS)


def deposit(book: Book, fee: int, reserve: int) -> None:
    """A fee comes in; `reserve` of it is set aside for the bounties it funds."""
    book.zkpow.credit(POOL_ADDRESS, fee)
    book.meta.reserved += reserve
    book.save_meta()


def unreserve(book: Book, amount: int) -> None:
    """A done job's reserve is no longer set aside (it was paid out, or is freed)."""
    book.meta.reserved -= amount
    book.save_meta()


def available(book: Book, job: Job) -> int:
    """What the pool can pay for this unfinished job: its own base, set aside when its fee came
    in, plus the pool's surplus over every reserve (the premiums' fund)."""
    return balance(book) - book.meta.reserved + job.base


def bounty_of(book: Book, job: Job, time_ms: int) -> int:
    """What the job's assignee would be paid for a result included at `time_ms` with today's
    active provers (the pool permitting)."""
    waited = time_ms - job.created_ms
    amount = bounty(book.params, job.base, waited, book.registry.active_count)
    return payout(amount, available(book, job))


def pay(book: Book, prover: bytes, amount: int) -> None:
    """Moves `amount` from the pool to the prover."""
    book.zkpow.credit(POOL_ADDRESS, -amount)
    book.zkpow.credit(prover, amount)
