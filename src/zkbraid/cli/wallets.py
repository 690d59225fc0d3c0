"""How the `braid` commands name a key: a key file, or `dev:N`."""

from __future__ import annotations

from zkbraid.sdk.client import Wallet


def load_wallet(ref: str) -> Wallet:
    """A wallet from a key file, or `dev:N` for the devnet's N-th well-known account."""
    if ref.startswith("dev:"):
        return Wallet.dev(int(ref[4:]))
    return Wallet.load(ref)
