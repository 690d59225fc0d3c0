"""Free loopback ports for devnets, tests and benches, below the ephemeral range.

A port picked by binding port 0 comes from the range the kernel hands to outgoing connections,
so any client connecting somewhere (a node's HTTP client, CometBFT dialling a peer) can take it
before the process it was picked for binds it: on a busy machine running many devnets that
happens ("port … is in use"). Ports below that range are only ever taken by a listener.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable, Iterable

LOWEST_PORT = 20_000


def ephemeral_floor() -> int:
    """The lowest port the kernel hands to outgoing connections (Linux's ip_local_port_range;
    32768, the usual floor, elsewhere)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def port_free(port: int) -> bool:
    """Nothing listens on, or is connected from, 127.0.0.1:`port` (TIME_WAIT does not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_run(length: int, step: int = 1, rng: random.Random | None = None) -> int:
    """A port P below the ephemeral range with P, P + step, …, P + length - 1 free: P itself
    when `step` is `length`.

    Raises RuntimeError: none found."""
    return free_base(lambda base: range(base, base + length), length, step, rng)


def free_base(
    ports_of: Callable[[int], Iterable[int]],
    span: int,
    step: int = 1,
    rng: random.Random | None = None,
) -> int:
    """A base port B (a multiple of `step`) below the ephemeral range, B + span under it, with
    every port of `ports_of(B)` free.

    Raises RuntimeError: none found."""
    rng = rng or random.Random()
    top = max(LOWEST_PORT + span + step, ephemeral_floor()) - span
    for _ in range(200):
        base = rng.randrange(LOWEST_PORT, top, step)
        if all(port_free(p) for p in ports_of(base)):
            return base
    raise RuntimeError("no free port range below the ephemeral range")


def free_port() -> int:
    """One free port below the ephemeral range."""
    return free_run(1)
