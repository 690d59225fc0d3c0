// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// The words of a verifying key (five public inputs: alpha, beta, gamma, delta, IC[0..5]).
uint256 constant VK_WORDS = 26;

/// Groth16 over BN254 on the EIP-196/197 precompiles (ecAdd 0x06, ecMul 0x07, ecPairing 0x08):
/// many proofs of one verifying key checked in ONE pairing check, and one proof alone.
///
/// The key is 26 words, in the order `zkbraid.proving.verifying_key.verifying_key_words` hashes
/// (G2 coordinates with the imaginary half first, as the pairing precompile takes them):
///
///     alpha.x, alpha.y, beta (4), gamma (4), delta (4), IC[0].x, IC[0].y, ..., IC[5].x, IC[5].y
///
/// A proof is 256 bytes (`zkbraid.proving.proof.Proof.to_bytes`):
///
///     A.x ‖ A.y ‖ B.x.c1 ‖ B.x.c0 ‖ B.y.c1 ‖ B.y.c0 ‖ C.x ‖ C.y
///
/// Batched check (random linear combination, FACTS.md "Settling proofs on L1"): proof i holds iff
/// e(A_i, B_i) = e(α, β)·e(L_i, γ)·e(C_i, δ) with L_i = IC_0 + Σ_j x_ij·IC_j. With challenges
/// r_0 = 1 and 128-bit r_i (i ≥ 1) drawn by Fiat–Shamir from keccak256 over all proofs and all
/// public inputs, the batch holds iff
///
///     ∏_i e(−r_i·A_i, B_i) · e(s·α, β) · e(Σ_i r_i·L_i, γ) · e(Σ_i r_i·C_i, δ) = 1,  s = Σ_i r_i
///
/// and the public-input term folds across proofs:
///     Σ_i r_i·L_i = s·IC_0 + Σ_j (Σ_i r_i·x_ij)·IC_j,
/// six ecMul for the whole batch, whatever its size. A cheating batch passes with probability
/// about 2^-128 over the challenges, which the prover cannot choose: they are hashes of
/// everything it committed to (never a block hash). n proofs cost n + 3 pairings and 2(n − 1) + 7
/// ecMul.
///
/// Gas. Each precompile call is given a bounded allowance (ecAdd 1,000, ecMul 12,000, the pairing
/// twice its EIP-1108 price): a call that fails burns what it was given, so a bounded allowance
/// leaves the caller the gas to name the failure, and a later repricing up to those bounds
/// changes nothing. Short of gas, a precompile fails and a check would answer false for valid
/// proofs (an `eth_estimateGas` finds such a limit): so the check first makes sure it has the gas
/// it needs, and reverts `InsufficientGas` otherwise. Callers still set gas explicitly.
///
/// Checks. Every public input must be below r (else x and x + r would state the same thing): a
/// larger one is refused by name. Points must be on the curve (G2 also in its subgroup) and their
/// coordinates below q: the precompiles fail otherwise (EIP-196/197), which makes the check fail;
/// on that (rare) path the proofs' coordinates are then examined so that an out-of-range one is
/// refused by name rather than as a failed check.
library Groth16Batch {
    /// The base field modulus of BN254 (point coordinates).
    uint256 internal constant Q =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// The scalar field modulus of BN254 (public inputs).
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// r − 1 (an input is out of the field iff it is greater).
    uint256 private constant RM1 =
        21888242871839275222246405745257275088548364400416034343698204186575808495616;
    uint256 internal constant N_PUBLIC = 5;
    uint256 internal constant PROOF_BYTES = 256;

    /// EIP-1108 prices.
    uint256 private constant PAIRING_BASE = 45_000;
    uint256 private constant PAIRING_PER_PAIR = 34_000;
    uint256 private constant EC_MUL = 6_000;
    uint256 private constant EC_ADD = 150;

    /// Less gas is left than the check needs (`gasForBatch`): set a higher gas limit.
    error InsufficientGas(uint256 needed, uint256 available);
    /// `proofs` is not a positive multiple of 256 bytes, or `inputs` is not 5 per proof.
    error BatchShapeMismatch(uint256 proofBytes, uint256 inputs);
    /// A coordinate of proof `proofIndex` is not below the base field modulus q.
    error ProofCoordinateOutOfField(uint256 proofIndex);
    /// Public input `inputIndex` (proof inputIndex / 5, input inputIndex % 5) is not below r.
    error PublicInputOutOfField(uint256 inputIndex);

    /// True iff every proof of `proofs` (n × 256 bytes) verifies under `vk` for its five inputs
    /// `inputs[5i .. 5i + 4]`, by one pairing check (library docstring).
    ///
    /// Reverts `PublicInputOutOfField`, `BatchShapeMismatch`, `InsufficientGas`,
    /// `ProofCoordinateOutOfField`.
    function verifyBatch(uint256[VK_WORDS] memory vk, bytes calldata proofs, uint256[] memory inputs)
        internal
        view
        returns (bool)
    {
        checkInputs(inputs);
        return verifyBatchOfFieldElements(vk, proofs, inputs);
    }

    /// `verifyBatch` for a caller that has already made sure that every input is below r (the
    /// rollup's record walk does, where it reads the inputs).
    ///
    /// Reverts `BatchShapeMismatch`, `InsufficientGas`, `ProofCoordinateOutOfField`.
    function verifyBatchOfFieldElements(uint256[VK_WORDS] memory vk, bytes calldata proofs, uint256[] memory inputs)
        internal
        view
        returns (bool ok)
    {
        uint256 n = proofs.length / PROOF_BYTES;
        if (n == 0 || proofs.length != n * PROOF_BYTES || inputs.length != n * N_PUBLIC) {
            revert BatchShapeMismatch(proofs.length, inputs.length);
        }
        _requireGas(gasForBatch(n));
        bytes32 seed = challengeSeed(proofs, inputs);
        // Memory at s, allocated here (the two steps below share it):
        //   s+0x00 acc.x  s+0x20 acc.y  s+0x40 t.x  s+0x60 t.y  s+0x80 scalar  (acc += scalar·t)
        //   s+0xa0 seed   s+0xc0 i      (r_i = keccak256(seed ‖ i) >> 128)
        //   s+0xe0 A.x    s+0x100 A.y   s+0x120 scalar  (the ecMul giving −r_i·A_i)
        //   s+0x140 .. s+0x1c0  f_j = Σ_i r_i·x_ij mod r (j = 0..4)   s+0x1e0  Σ_i r_i
        //   s+0x200 ..  the pairing input: n + 3 pairs of 6 words
        uint256 s;
        uint256 proofsOffset;
        assembly ("memory-safe") {
            s := mload(0x40)
            mstore(0x40, add(add(s, 0x200), mul(add(n, 3), 0xc0)))
            mstore(add(s, 0xa0), seed)
            proofsOffset := proofs.offset
        }
        ok = _foldProofs(s, proofsOffset, proofsOffset + proofs.length, inputs);
        ok = ok && _pairingCheck(s, vk, n);
        if (!ok) _checkCoordinates(proofs, n);
    }

    /// The per-proof part of `verifyBatch` (its memory layout): pairs 0..n−1, acc = Σ r_i·C_i, the
    /// folded inputs f_j and Σ r_i. False if a precompile failed (a point off the curve or a
    /// coordinate ≥ q).
    function _foldProofs(uint256 s, uint256 proofs, uint256 end, uint256[] memory inputs)
        private
        view
        returns (bool ok)
    {
        assembly ("memory-safe") {
            // `inputs` walks the inputs and `proofs` the proofs (fewer stack slots).
            inputs := add(inputs, 0x20)
            // Proof 0, r_0 = 1: f_j = x_0j, (−A_0, B_0), acc = C_0.
            let f0 := mload(inputs)
            let f1 := mload(add(inputs, 0x20))
            let f2 := mload(add(inputs, 0x40))
            let f3 := mload(add(inputs, 0x60))
            let f4 := mload(add(inputs, 0x80))
            mstore(add(s, 0x1e0), 1)
            mstore(add(s, 0xc0), 0)
            let pair := add(s, 0x200)
            calldatacopy(pair, proofs, 0xc0)
            // −A_0: y → q − y, the only coordinate not handed to a precompile as it came.
            ok := lt(mload(add(pair, 0x20)), Q)
            mstore(add(pair, 0x20), mod(sub(Q, mload(add(pair, 0x20))), Q))
            calldatacopy(s, add(proofs, 0xc0), 0x40)
            for { proofs := add(proofs, 0x100) } lt(proofs, end) { proofs := add(proofs, 0x100) } {
                inputs := add(inputs, 0xa0)
                pair := add(pair, 0xc0)
                // i, the proof's index, lives at s + 0xc0 (the challenge's input).
                mstore(add(s, 0xc0), add(mload(add(s, 0xc0)), 1))
                let r := shr(128, keccak256(add(s, 0xa0), 0x40))
                mstore(add(s, 0x1e0), add(mload(add(s, 0x1e0)), r))
                f0 := addmod(f0, mulmod(r, mload(inputs), R), R)
                f1 := addmod(f1, mulmod(r, mload(add(inputs, 0x20)), R), R)
                f2 := addmod(f2, mulmod(r, mload(add(inputs, 0x40)), R), R)
                f3 := addmod(f3, mulmod(r, mload(add(inputs, 0x60)), R), R)
                f4 := addmod(f4, mulmod(r, mload(add(inputs, 0x80)), R), R)
                // Pair i: ((r − r_i)·A_i = −r_i·A_i, B_i).
                calldatacopy(add(s, 0xe0), proofs, 0x40)
                mstore(add(s, 0x120), sub(R, r))
                ok := and(ok, staticcall(12000, 0x07, add(s, 0xe0), 0x60, pair, 0x40))
                calldatacopy(add(pair, 0x40), add(proofs, 0x40), 0x80)
                // acc += r_i·C_i
                calldatacopy(add(s, 0x40), add(proofs, 0xc0), 0x40)
                mstore(add(s, 0x80), r)
                ok := and(ok, staticcall(12000, 0x07, add(s, 0x40), 0x60, add(s, 0x40), 0x40))
                ok := and(ok, staticcall(1000, 0x06, s, 0x80, s, 0x40))
            }
            mstore(add(s, 0x140), f0)
            mstore(add(s, 0x160), f1)
            mstore(add(s, 0x180), f2)
            mstore(add(s, 0x1a0), f3)
            mstore(add(s, 0x1c0), f4)
        }
    }

    /// The rest of `verifyBatch` (its memory layout): the last three pairs, (Σ r_i·C_i, δ),
    /// (s·α, β) and (s·IC_0 + Σ_j f_j·IC_{j+1}, γ), then the pairing check itself.
    function _pairingCheck(uint256 s, uint256[VK_WORDS] memory vk, uint256 n) private view returns (bool ok) {
        assembly ("memory-safe") {
            let pair := add(add(s, 0x200), mul(n, 0xc0))
            mcopy(pair, s, 0x40)
            mcopy(add(pair, 0x40), add(vk, 0x140), 0x80)
            pair := add(pair, 0xc0)
            mcopy(add(s, 0x40), vk, 0x40)
            mstore(add(s, 0x80), mload(add(s, 0x1e0)))
            ok := staticcall(12000, 0x07, add(s, 0x40), 0x60, pair, 0x40)
            mcopy(add(pair, 0x40), add(vk, 0x40), 0x80)
            pair := add(pair, 0xc0)
            mcopy(add(s, 0x40), add(vk, 0x1c0), 0x40)
            ok := and(ok, staticcall(12000, 0x07, add(s, 0x40), 0x60, s, 0x40))
            for { let j := 0 } lt(j, 5) { j := add(j, 1) } {
                mcopy(add(s, 0x40), add(vk, add(0x200, mul(j, 0x40))), 0x40)
                mstore(add(s, 0x80), mload(add(s, add(0x140, mul(j, 0x20)))))
                ok := and(ok, staticcall(12000, 0x07, add(s, 0x40), 0x60, add(s, 0x40), 0x40))
                ok := and(ok, staticcall(1000, 0x06, s, 0x80, s, 0x40))
            }
            mcopy(pair, s, 0x40)
            mcopy(add(pair, 0x40), add(vk, 0xc0), 0x80)
            // Twice the pairing's price (EIP-1108: 45,000 + 34,000 a pair): a failed call burns
            // what it was given, and the caller still has gas to name the failure.
            if ok {
                let pairingGas := mul(2, add(45000, mul(34000, add(n, 3))))
                ok := staticcall(pairingGas, 0x08, add(s, 0x200), mul(add(n, 3), 0xc0), s, 0x20)
                // (after the call: Yul evaluates arguments right to left)
                ok := and(ok, eq(mload(s), 1))
            }
        }
    }

    /// True iff `proof` (256 bytes) verifies under `vk` for `inputs` (five), with four pairings
    /// and five ecMul: e(−A, B)·e(α, β)·e(L, γ)·e(C, δ) = 1, L = IC_0 + Σ_j x_j·IC_j. What one
    /// proof costs alone (the baseline of the batched check).
    ///
    /// Reverts `BatchShapeMismatch`, `PublicInputOutOfField`, `InsufficientGas`,
    /// `ProofCoordinateOutOfField`.
    function verify(uint256[VK_WORDS] memory vk, bytes calldata proof, uint256[] memory inputs)
        internal
        view
        returns (bool ok)
    {
        if (proof.length != PROOF_BYTES || inputs.length != N_PUBLIC) {
            revert BatchShapeMismatch(proof.length, inputs.length);
        }
        checkInputs(inputs);
        _requireGas(PAIRING_BASE + 4 * PAIRING_PER_PAIR + 5 * (EC_MUL + EC_ADD) + 20_000);
        assembly ("memory-safe") {
            let s := mload(0x40)
            let pairs := add(s, 0xa0)
            // acc = IC_0 + Σ_j x_j·IC_{j+1}
            mcopy(s, add(vk, 0x1c0), 0x40)
            ok := 1
            let ic := add(vk, 0x200)
            let xs := add(inputs, 0x20)
            for { let j := 0 } lt(j, 5) { j := add(j, 1) } {
                mcopy(add(s, 0x40), ic, 0x40)
                mstore(add(s, 0x80), mload(xs))
                ok := and(ok, staticcall(12000, 0x07, add(s, 0x40), 0x60, add(s, 0x40), 0x40))
                ok := and(ok, staticcall(1000, 0x06, s, 0x80, s, 0x40))
                ic := add(ic, 0x40)
                xs := add(xs, 0x20)
            }
            // (−A, B)
            calldatacopy(pairs, proof.offset, 0xc0)
            ok := and(ok, lt(mload(add(pairs, 0x20)), Q))
            mstore(add(pairs, 0x20), mod(sub(Q, mload(add(pairs, 0x20))), Q))
            // (α, β)
            let pair := add(pairs, 0xc0)
            mcopy(pair, vk, 0xc0)
            // (L, γ)
            pair := add(pair, 0xc0)
            mcopy(pair, s, 0x40)
            mcopy(add(pair, 0x40), add(vk, 0xc0), 0x80)
            // (C, δ)
            pair := add(pair, 0xc0)
            calldatacopy(pair, add(proof.offset, 0xc0), 0x40)
            mcopy(add(pair, 0x40), add(vk, 0x140), 0x80)
            // Twice the price of four pairs (see the library docstring).
            if ok {
                ok := staticcall(362000, 0x08, pairs, 0x300, s, 0x20)
                ok := and(ok, eq(mload(s), 1))
            }
        }
        if (!ok) _checkCoordinates(proof, 1);
    }

    /// The gas `verifyBatch` of n proofs must have left when it starts: the precompiles' prices
    /// (n + 3 pairs, 2(n − 1) + 7 ecMul, n + 4 ecAdd), 1/63 of the pairing's (a call gets at most
    /// 63/64 of what is left), and a generous bound on the rest (3,000 a proof, 20,000 more).
    function gasForBatch(uint256 n) internal pure returns (uint256) {
        uint256 pairing = PAIRING_BASE + PAIRING_PER_PAIR * (n + 3);
        return pairing + pairing / 63 + EC_MUL * (2 * n + 5) + EC_ADD * (n + 4) + 3_000 * n + 20_000;
    }

    /// Reverts `InsufficientGas` unless `needed` gas is left: short of gas, a precompile fails
    /// and the check would answer false for valid proofs (and `eth_estimateGas` would find that
    /// limit); this way it answers only with enough gas, or reverts by name.
    function _requireGas(uint256 needed) private view {
        if (gasleft() < needed) revert InsufficientGas(needed, gasleft());
    }

    /// The Fiat–Shamir seed: keccak256(keccak256(proofs) ‖ keccak256(inputs as 32-byte words)).
    /// r_i for i ≥ 1 is the high 128 bits of keccak256(seed ‖ i as a 32-byte word).
    function challengeSeed(bytes calldata proofs, uint256[] memory inputs) internal pure returns (bytes32 seed) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, proofs.offset, proofs.length)
            mstore(m, keccak256(m, proofs.length))
            mstore(add(m, 0x20), keccak256(add(inputs, 0x20), mul(mload(inputs), 0x20)))
            seed := keccak256(m, 0x40)
        }
    }

    /// Reverts `PublicInputOutOfField` naming the first input not below r.
    function checkInputs(uint256[] memory inputs) internal pure {
        bool bad;
        assembly ("memory-safe") {
            let p := add(inputs, 0x20)
            for { let e := add(p, shl(5, mload(inputs))) } lt(p, e) { p := add(p, 0x20) } {
                bad := or(bad, gt(mload(p), RM1))
            }
        }
        if (!bad) return;
        for (uint256 k = 0; k < inputs.length; ++k) {
            if (inputs[k] >= R) revert PublicInputOutOfField(k);
        }
    }

    /// Reverts `ProofCoordinateOutOfField` naming the first proof with a coordinate not below q
    /// (after a failed check: the precompiles refuse such coordinates).
    function _checkCoordinates(bytes calldata proofs, uint256 n) private pure {
        for (uint256 i = 0; i < n; ++i) {
            for (uint256 w = 0; w < 8; ++w) {
                uint256 at = i * PROOF_BYTES + w * 32;
                if (uint256(bytes32(proofs[at:at + 32])) >= Q) revert ProofCoordinateOutOfField(i);
            }
        }
    }
}
