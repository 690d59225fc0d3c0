"""A batch's states as `braid batches` shows them, attested among them (cli/batches.py), from
the batch JSON the API serves (api/market_methods.py)."""

from __future__ import annotations

from typing import Any

from zkbraid.cli.batches import _line, _state


def _batch(**changes: Any) -> dict[str, Any]:
    batch: dict[str, Any] = {
        "index": 0,
        "start": 0,
        "count": 2,
        "proven": 2,
        "closed": True,
        "aggregating": False,
        "fees": "10",
        "bundleHash": "0xab",
        "aggregatedBy": None,
        "attestation": None,
    }
    return {**batch, **changes}


def test_a_bundled_batch_is_attested_once_the_validators_quorum_signed() -> None:
    assert _state(_batch(closed=False), 0) == "open"
    assert _state(_batch(), 0) == "closed"
    assert _state(_batch(aggregating=True), 0) == "aggregating"
    signing = {"signers": 2, "attested": False, "attestedHeight": None, "validatorSetNonce": None}
    assert _state(_batch(aggregatedBy="0x01", attestation=signing), 0) == "bundled"
    done = {"signers": 3, "attested": True, "attestedHeight": 9, "validatorSetNonce": 1}
    attested = _batch(aggregatedBy="0x01", attestation=done)
    assert _state(attested, 0) == "attested" and "signed by 3" in _line(attested, 0)
    assert _state(attested, 2) == "settled"
    assert "signed by" not in _line(_batch(), 0)  # a node without the field: no signers shown
