"""The one runner of the project's vectors, in the consensus specs' style (STYLE.md §5).

A vector is a generator that yields, in order:

    ("pre", …)               what the state starts from
    (OPERATION, …)           what is applied to it: one operation ("operation"), or a list of
                             blocks ("blocks", the block-level vectors of tests/vectors/blocks.py)
    ("error", …)             the named rejection it must raise (a class name, a class, or a
                             block's (class name, reason)), None if valid
    ("post", …)              what the state is after it (the sections of a driver's summary the
                             vector pins down), None if rejected

`run_vector` replays one through a `Driver` and checks it: vectors named `invalid_*`, and only
they, name a rejection and have no post; a rejected operation raises exactly the named error
and leaves the driver's summary and roots as they were; a valid one leaves the post. The ZK
chain's vectors check themselves as they are generated (tests/unit/zk/vectors.py) and use
`drain` and `expect_rejection` only; the market's, staking's and the block transition's use
`run_vector` whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from zkbraid.errors import BraidError

Part = tuple[str, Any]
Vector = Iterator[Part]
VectorFn = Callable[[], Vector]
Error = str | type[BraidError] | tuple[str, str]
"""A named rejection: its class's name, its class, or (class name, reason) where the error
carries a `reason` (a block's InvalidBlock names the rule or header field it broke)."""

F = TypeVar("F", bound=Callable[[], Any])


def registry(vectors: dict[str, F]) -> Callable[[F], F]:
    """The `@vector` decorator of a vector module: registers each generator by its name."""

    def vector(fn: F) -> F:
        if fn.__name__ in vectors:
            raise ValueError(f"two vectors named {fn.__name__}")
        vectors[fn.__name__] = fn
        return fn

    return vector


def drain(vector: Vector, operation: str = "operation") -> dict[str, Any]:
    """A vector's parts by name, once they are the four parts in their order."""
    parts = dict(vector)
    assert list(parts) == ["pre", operation, "error", "post"], list(parts)
    return parts


def check_named(name: str, error: object, post: object) -> None:
    """Vectors named `invalid_*`, and only they, name a rejection and have no post."""
    invalid = name.startswith("invalid_")
    assert invalid == (error is not None) == (post is None), (
        f"{name}: invalid vectors, and only they, name a rejection and have no post"
    )


def matches(e: BraidError, error: Error) -> bool:
    """Whether `e` is the named rejection `error`."""
    if isinstance(error, tuple):
        reason: object = getattr(e, "reason", None)
        return bool((e.name, reason) == error)
    if isinstance(error, str):
        return bool(e.name == error)
    return isinstance(e, error)


def describe(e: BraidError) -> str:
    reason = getattr(e, "reason", None)
    return e.name if reason is None else f"{e.name} ({reason})"


def expect_rejection(call: Callable[[], object], error: Error, what: str = "") -> BraidError:
    """Runs `call`, which must raise the named rejection `error`; returns it.

    Raises AssertionError: it raised another, or nothing.
    """
    try:
        call()
    except BraidError as e:
        assert matches(e, error), f"{what}: rejected with {describe(e)}, not {error}: {e}"
        return e
    raise AssertionError(f"{what}: accepted, expected {error}")


def check_post(summary: dict[str, Any], post: dict[str, Any], what: str = "") -> None:
    """The sections of a driver's summary a vector's post pins down are the post."""
    got = {k: summary[k] for k in post}
    assert got == post, f"{what}: post differs:\n got  {got}\n want {post}"


class Driver(Protocol):
    """A state fed operations the way the node feeds them, as a vector sees it."""

    def run(self, op: Any) -> None:
        """Applies one operation (a vector's pre builds the state with several)."""

    def summary(self) -> dict[str, Any]:
        """What a vector's post pins down."""

    def roots(self) -> tuple[object, ...]:
        """The roots a rejected operation must leave unchanged."""


def run_vector(
    fn: VectorFn, start: Callable[[Any], Driver], operation: str = "operation"
) -> dict[str, Any]:
    """Replays a vector through the driver `start(pre)` and checks its post (or its rejection);
    returns its parts."""
    name = getattr(fn, "__name__", repr(fn))
    parts = drain(fn(), operation)
    op, error, post = parts[operation], parts["error"], parts["post"]
    check_named(name, error, post)
    driver = start(parts["pre"])
    if error is not None:
        before, roots = driver.summary(), driver.roots()
        expect_rejection(lambda: driver.run(op), error, name)
        assert driver.summary() == before, f"{name}: a rejection changed the state"
        assert driver.roots() == roots, f"{name}: a rejection changed a root"
        return parts
    driver.run(op)
    check_post(driver.summary(), post, name)
    return parts
