"""The frozen circomlibjs vectors (tests/vectors/circomlibjs.json) are what circomlibjs says
today, for the inputs this code makes today."""

import pytest

from tests.vectors import circomlibjs as vectors


def request_of(frozen: dict[str, object]) -> dict[str, object]:
    """The request the frozen file answers, rebuilt from its records."""
    data: dict[str, list[dict[str, object]]] = frozen  # type: ignore[assignment]
    verify_fields = ("msg", "r8x", "r8y", "s", "ax", "ay")
    return {
        "poseidon": [r["inputs"] for r in data["poseidon"]],
        "sign": [{"prv": r["prv"], "msg": r["msg"]} for r in data["sign"]],
        "verify": [{k: r[k] for k in verify_fields} for r in data["verify"]],
        "pack": [r["point"] for r in data["pack"]],
        "unpack": [r["packed"] for r in data["unpack"]],
        "add": [[r["a"], r["b"]] for r in data["add"]],
        "mul": [[r["point"], r["scalar"]] for r in data["mul"]],
        "points": [r["point"] for r in data["points"]],
    }


def test_frozen_inputs_are_todays() -> None:
    # The Python-made signatures included: signing is deterministic.
    frozen = vectors.load_frozen()
    assert request_of(frozen) == vectors.build_request()
    assert [r["name"] for r in frozen["verify"]] == [c.name for c in vectors.python_signed_cases()]
    assert vectors.dumps(frozen) == vectors.FROZEN.read_text()


def test_frozen_file_is_circomlibjs_output() -> None:
    try:
        fresh = vectors.make_vectors()
    except vectors.NodeMissing as exc:
        pytest.skip(str(exc))
    assert vectors.dumps(fresh) == vectors.FROZEN.read_text(), (
        "circomlibjs disagrees with the frozen vectors: see `git diff` after "
        "`python -m tests.vectors.circomlibjs --write`"
    )
