"""The fast chain's ownership-proof verifier: its Solidity source, rendered from the ownership
circuit's verification key, and its compiled runtime code.

    python -m zkbraid.hybrid.verifier_source           (re)write OwnershipVerifier.sol from the
                                                       built dev keys, then compile it:
                                                       node scripts/compile_contracts.js
    python -m zkbraid.hybrid.verifier_source --check   exit 1 if the committed source is stale

`contracts/fast/system/OwnershipVerifier.sol` is predeployed as runtime code at
`OWNERSHIP_VERIFIER_ADDRESS` (docs/hybrid.md, "Fast-chain system contracts"): no constructor, no
storage, no immutables; the key is constants. `verifyProof(uint256[8] proof, uint256[6] inputs)`
takes the proof as `Proof.to_bytes`'s eight words and the inputs [root, collection, game,
round, player, nullifier]; it returns false for any proof that does not verify (inputs not below
r and coordinates not below q included) and reverts only when given too little gas to decide.
The check is contracts/l1/Groth16Batch.sol's single-proof one (the project's own, Apache-2.0):
e(−A, B)·e(α, β)·e(L, γ)·e(C, δ) = 1, L = IC_0 + Σ_j x_j·IC_{j+1}, on the EIP-196/197
precompiles, each call given a bounded allowance.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zkbraid.proving.artifacts import DEV_KEYS, OWNERSHIP, OWNERSHIP_PUBLIC, REPO_ROOT, find_keys
from zkbraid.proving.errors import ArtifactsMissing, ToolError
from zkbraid.proving.proof import BN254_Q
from zkbraid.proving.verifying_key import (
    MalformedVerifyingKey,
    verifying_key_hash,
    verifying_key_words,
)
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams

SOURCE_PATH = REPO_ROOT / "contracts" / "fast" / "system" / "OwnershipVerifier.sol"
ARTIFACT_PATH = REPO_ROOT / "contracts" / "artifacts" / "OwnershipVerifier.json"
OWNERSHIP_VERIFIER_ADDRESS = bytes.fromhex("0000000000000000000000000000000000007a05")
N_INPUTS = len(OWNERSHIP_PUBLIC)
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617

# EIP-1108 prices, and the allowance each precompile call gets (as Groth16Batch.sol: a failed
# call burns only its allowance; the pairing gets twice its price).
_PAIRING = 45_000 + 4 * 34_000
_EC_MUL, _EC_ADD = 6_000, 150
# What the check must have left when it starts: the precompiles' prices, 1/63 of the pairing's
# (a call gets at most 63/64 of what is left) and a generous bound on the rest.
GAS_NEEDED = _PAIRING + _PAIRING // 63 + N_INPUTS * (_EC_MUL + _EC_ADD) + 20_000


class VerifierStale(ToolError):
    """The committed OwnershipVerifier.sol is not what the current verification key renders."""


def _constants(words: list[int]) -> list[tuple[str, int]]:
    names = ["ALPHA_X", "ALPHA_Y"]
    for point in ("BETA", "GAMMA", "DELTA"):
        names += [f"{point}_X1", f"{point}_X0", f"{point}_Y1", f"{point}_Y0"]
    n_ic = (len(words) - len(names)) // 2
    for i in range(n_ic):
        names += [f"IC{i}_X", f"IC{i}_Y"]
    return list(zip(names, words, strict=True))


def render_verifier(verification_key: str | Mapping[str, Any]) -> str:
    """OwnershipVerifier.sol for a snarkjs verification key of the ownership circuit.

    Raises `MalformedVerifyingKey`, and `ToolError` for a key with another number of inputs.
    """
    if isinstance(verification_key, str):
        try:
            verification_key = json.loads(verification_key)
        except ValueError:
            raise MalformedVerifyingKey("the verification key is not JSON") from None
    if not isinstance(verification_key, Mapping):
        raise MalformedVerifyingKey("the verification key is not a JSON object")
    words = verifying_key_words(verification_key)
    if verification_key.get("nPublic") != N_INPUTS:
        raise ToolError(
            f"the key has {verification_key.get('nPublic')} public inputs, the ownership "
            f"circuit {N_INPUTS}"
        )
    vk_hash = verifying_key_hash(verification_key).hex()
    constants = "\n".join(
        f"    uint256 internal constant {name} =\n        {value};"
        for name, value in _constants(words)
    )
    # L = IC_0 + Σ_j x_j·IC_{j+1}: acc at s, the ecMul's (point, scalar) at s + 0x40.
    fold = []
    for j in range(N_INPUTS):
        fold.append(
            f"            // + {OWNERSHIP_PUBLIC[j]}·IC{j + 1}\n"
            f"            mstore(add(s, 0x40), IC{j + 1}_X)\n"
            f"            mstore(add(s, 0x60), IC{j + 1}_Y)\n"
            f"            mstore(add(s, 0x80), calldataload(add(inputs, {hex(32 * j)})))\n"
            "            ok := and(ok, staticcall(12000, 0x07, add(s, 0x40), 0x60, add(s, 0x40),"
            " 0x40))\n"
            "            ok := and(ok, staticcall(1000, 0x06, s, 0x80, s, 0x40))"
        )
    fold_text = "\n".join(fold)
    return f"""\
// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// GENERATED by `python -m zkbraid.hybrid.verifier_source` from the ownership circuit's
// verification key (verifying key hash 0x{vk_hash}). Do not edit: regenerate
// it, then `node scripts/compile_contracts.js`, whenever the circuit or its keys change
// (tests/proving/test_ownership.py fails while it is stale).

/// The Groth16 verifier of NFT ownership proofs (circuits/ownership.circom; docs/hybrid.md,
/// "Ownership proofs"), predeployed on the fast chain at 0x0000000000000000000000000000000000007a05
/// as runtime code: the verifying key is constants, nothing is stored, there is no constructor.
///
/// A proof is eight words, `zkbraid.proving.proof.Proof.to_bytes` in order:
///
///     A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y
///
/// and its public inputs are [root, collection, game, round, player, nullifier]. The check is
/// contracts/l1/Groth16Batch.sol's for one proof: e(−A, B)·e(α, β)·e(L, γ)·e(C, δ) = 1 with
/// L = IC_0 + Σ_j x_j·IC_{{j+1}}, on the EIP-196/197 precompiles (ecAdd 0x06, ecMul 0x07, ecPairing
/// 0x08), each call given a bounded allowance.
contract OwnershipVerifier {{
    /// The base field modulus of BN254 (point coordinates).
    uint256 internal constant Q =
        {BN254_Q};
    /// The scalar field modulus of BN254 (public inputs).
    uint256 internal constant R =
        {R};
    /// The gas the check must have left when it starts (precompiles at their EIP-1108 prices,
    /// 1/63 of the pairing's, and a bound on the rest): short of it, a precompile would fail
    /// and a valid proof would look invalid.
    uint256 internal constant GAS_NEEDED = {GAS_NEEDED};
    /// keccak256 of the key's words (zkbraid.proving.verifying_key.verifying_key_hash).
    bytes32 public constant VERIFYING_KEY_HASH =
        0x{vk_hash};

    // The verifying key: G2 coordinates with the imaginary half (c1) first, as the pairing
    // precompile takes them.
{constants}

    /// Less gas is left than the check needs: call again with a higher gas limit.
    error InsufficientGas(uint256 needed, uint256 available);

    /// True iff `proof` verifies for `inputs` ([root, collection, game, round, player,
    /// nullifier]). False, never a revert, for any proof that does not verify: an input not
    /// below r, a coordinate not below q, a point off the curve. Reverts `InsufficientGas` only.
    function verifyProof(uint256[8] calldata proof, uint256[{N_INPUTS}] calldata inputs)
        external
        view
        returns (bool ok)
    {{
        if (gasleft() < GAS_NEEDED) revert InsufficientGas(GAS_NEEDED, gasleft());
        assembly ("memory-safe") {{
            // Every input below r (else x and x + r would state the same), every coordinate
            // below q (A.y is negated here, not by a precompile that would refuse it).
            ok := 1
            for {{ let i := 0 }} lt(i, {N_INPUTS}) {{ i := add(i, 1) }} {{
                ok := and(ok, lt(calldataload(add(inputs, shl(5, i))), R))
            }}
            for {{ let i := 0 }} lt(i, 8) {{ i := add(i, 1) }} {{
                ok := and(ok, lt(calldataload(add(proof, shl(5, i))), Q))
            }}
            // Memory at s: s+0x00 acc.x, s+0x20 acc.y, s+0x40 point.x, s+0x60 point.y,
            // s+0x80 scalar (acc += scalar·point); s+0xa0 .. s+0x3a0 the four pairs.
            let s := mload(0x40)
            mstore(s, IC0_X)
            mstore(add(s, 0x20), IC0_Y)
{fold_text}
            let p := add(s, 0xa0)
            // (−A, B)
            mstore(p, calldataload(proof))
            mstore(add(p, 0x20), mod(sub(Q, calldataload(add(proof, 0x20))), Q))
            calldatacopy(add(p, 0x40), add(proof, 0x40), 0x80)
            // (α, β)
            mstore(add(p, 0xc0), ALPHA_X)
            mstore(add(p, 0xe0), ALPHA_Y)
            mstore(add(p, 0x100), BETA_X1)
            mstore(add(p, 0x120), BETA_X0)
            mstore(add(p, 0x140), BETA_Y1)
            mstore(add(p, 0x160), BETA_Y0)
            // (L, γ)
            mstore(add(p, 0x180), mload(s))
            mstore(add(p, 0x1a0), mload(add(s, 0x20)))
            mstore(add(p, 0x1c0), GAMMA_X1)
            mstore(add(p, 0x1e0), GAMMA_X0)
            mstore(add(p, 0x200), GAMMA_Y1)
            mstore(add(p, 0x220), GAMMA_Y0)
            // (C, δ)
            calldatacopy(add(p, 0x240), add(proof, 0xc0), 0x40)
            mstore(add(p, 0x280), DELTA_X1)
            mstore(add(p, 0x2a0), DELTA_X0)
            mstore(add(p, 0x2c0), DELTA_Y1)
            mstore(add(p, 0x2e0), DELTA_Y0)
            // Twice the price of four pairs: a failed call burns only what it was given.
            if ok {{
                ok := staticcall({2 * _PAIRING}, 0x08, p, 0x300, s, 0x20)
                // (after the call: Yul evaluates arguments right to left)
                ok := and(ok, eq(mload(s), 1))
            }}
        }}
    }}
}}
"""


def committed_source() -> str:
    """The committed OwnershipVerifier.sol (raises `ArtifactsMissing`)."""
    try:
        return SOURCE_PATH.read_text()
    except OSError:
        raise ArtifactsMissing(f"{SOURCE_PATH} is missing") from None


def check_committed(verification_key: str | Mapping[str, Any]) -> None:
    """Raises `VerifierStale` unless the committed source is what `verification_key` renders."""
    if committed_source() != render_verifier(verification_key):
        raise VerifierStale(
            f"{SOURCE_PATH.relative_to(REPO_ROOT)} is not the current ownership key's verifier: "
            "run `python -m zkbraid.hybrid.verifier_source` and `node scripts/compile_contracts.js`"
        )


def ownership_verifier_artifact() -> dict[str, Any]:
    """contracts/artifacts/OwnershipVerifier.json (raises `ArtifactsMissing`)."""
    try:
        data: dict[str, Any] = json.loads(ARTIFACT_PATH.read_text())
    except (OSError, ValueError):
        raise ArtifactsMissing(
            f"{ARTIFACT_PATH} is missing or unreadable: run node scripts/compile_contracts.js"
        ) from None
    return data


def ownership_verifier_runtime() -> bytes:
    """The runtime code of OwnershipVerifier, for the fast chain's genesis (at
    `OWNERSHIP_VERIFIER_ADDRESS`). Raises `ArtifactsMissing`."""
    code = str(ownership_verifier_artifact()["deployedBytecode"])
    return bytes.fromhex(code.removeprefix("0x"))


def _vkey(params: ZkParams) -> str:
    return find_keys(params, DEV_KEYS, OWNERSHIP).verification_key_json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zkbraid.hybrid.verifier_source",
        description="Render contracts/fast/system/OwnershipVerifier.sol from the ownership"
        " circuit's built development keys (python -m zkbraid.proving.build).",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument("--out", type=Path, default=SOURCE_PATH, help="where to write it")
    args = parser.parse_args(argv)
    try:
        vkey = _vkey(DEFAULT_PARAMS)
        if args.check:
            check_committed(vkey)
            print(f"{SOURCE_PATH.relative_to(REPO_ROOT)} is up to date")
            return 0
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(render_verifier(vkey))
        print(f"wrote {args.out}; now run: node scripts/compile_contracts.js")
        return 0
    except (ToolError, ArtifactsMissing, MalformedVerifyingKey) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


__all__ = [
    "ARTIFACT_PATH",
    "GAS_NEEDED",
    "OWNERSHIP_VERIFIER_ADDRESS",
    "SOURCE_PATH",
    "VerifierStale",
    "check_committed",
    "committed_source",
    "ownership_verifier_artifact",
    "ownership_verifier_runtime",
    "render_verifier",
]


if __name__ == "__main__":
    raise SystemExit(main())
