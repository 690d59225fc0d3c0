"""The command-line prover's figures for people."""

from __future__ import annotations

import pytest

from zkbraid.proving.worker import zkpow


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "0 ZKPoW"),
        (10**18, "1 ZKPoW"),
        (9 * 10**15, "0.009 ZKPoW"),
        (-5 * 10**16, "-0.05 ZKPoW"),
        (10_000 * 10**18 + 9 * 10**15, "10000.009 ZKPoW"),
        (1, "0.000000000000000001 ZKPoW"),
    ],
)
def test_amounts_in_zkpow(amount: int, shown: str) -> None:
    assert zkpow(amount) == shown
