"""`braid batches [--follow]`: the ZK chain's batches, from open to settled on L1:
open → closed → aggregating → bundled → attested (more than 2/3 of the validators signed its
data, sequencer/attestations.py) → settled (L1 took it)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from zkbraid.cli import output as out
from zkbraid.sdk.client import BraidClient


def _state(batch: dict[str, Any], settled_txs: int) -> str:
    if batch["count"] and batch["start"] + batch["count"] <= settled_txs and batch["closed"]:
        return "settled"
    if batch["aggregatedBy"]:
        attestation = batch.get("attestation") or {}
        return "attested" if attestation.get("attested") else "bundled"
    if batch["aggregating"]:
        return "aggregating"
    return "closed" if batch["closed"] else "open"


def _line(batch: dict[str, Any], settled_txs: int) -> str:
    end = batch["start"] + batch["count"] - 1
    return (
        f"batch {batch['index']:>4}  {_state(batch, settled_txs):<11}  txs {batch['start']}..{end}"
        f" ({batch['count']}, {batch['proven']} proven)  fees {batch['fees']}"
        f"  bundle {batch['bundleHash'] or '-'}{_signers(batch)}"
    )


def _signers(batch: dict[str, Any]) -> str:
    attestation = batch.get("attestation")
    if not attestation or not attestation["signers"]:
        return ""
    return f"  signed by {attestation['signers']}"


def cmd_batches(args: argparse.Namespace) -> int:
    client = BraidClient(args.rpc)
    shown: dict[int, str] = {}
    index = 0
    while True:
        observed = client.rpc.call("braid_bridge")["observed"]
        settled = int(observed.get("settledTxs", 0))
        rows = []
        i = index
        while (batch := client.batch(i)) is not None:
            rows.append(batch)
            i += 1
        for batch in rows:
            line = _line(batch, settled)
            if args.json:
                batch["state"] = _state(batch, settled)
            if shown.get(batch["index"]) != line:
                shown[batch["index"]] = line
                if args.json:
                    out.result(batch, True)
                else:
                    print(line, flush=True)
        if not args.follow:
            return 0
        # a settled batch no longer changes: start the next look after the settled ones
        while index in shown and shown[index].split()[2] == "settled":
            index += 1
        time.sleep(args.poll_ms / 1000)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`braid batches`."""
    b = sub.add_parser(
        "batches", help="the ZK chain's batches: open, closed, bundled, attested, settled on L1"
    )
    b.add_argument("--follow", action="store_true", help="keep printing changes (Ctrl-C stops)")
    b.add_argument("--poll-ms", type=int, default=1000, help="how often to look with --follow")
    b.set_defaults(func=cmd_batches)
