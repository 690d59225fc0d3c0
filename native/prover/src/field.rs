//! Field elements and points from bytes, every value checked: coordinates below q, scalars below
//! r, points on the curve and in the prime-order subgroup.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};

use crate::error::NativeError;

/// A 32-byte little-endian integer.
pub fn bigint_le(bytes: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[8 * i..8 * i + 8]);
        *limb = u64::from_le_bytes(word);
    }
    BigInt::new(limbs)
}

/// A 32-byte big-endian integer.
pub fn bigint_be(bytes: &[u8]) -> BigInt<4> {
    let mut le = [0u8; 32];
    le.copy_from_slice(&bytes[..32]);
    le.reverse();
    bigint_le(&le)
}

/// A base-field element from its Montgomery form (as snarkjs keeps points in a .zkey).
pub fn fq_montgomery(bytes: &[u8], what: &str) -> Result<Fq, NativeError> {
    let raw = bigint_le(bytes);
    if raw >= Fq::MODULUS {
        return Err(NativeError::format(what, "coordinate not below q"));
    }
    Ok(Fq::new_unchecked(raw))
}

/// A base-field element from a plain integer; None when it is not below q.
pub fn fq_plain(value: BigInt<4>) -> Option<Fq> {
    Fq::from_bigint(value)
}

/// A scalar from a plain little-endian integer; None when it is not below r.
pub fn fr_le(bytes: &[u8]) -> Option<Fr> {
    Fr::from_bigint(bigint_le(bytes))
}

/// A G1 point from (x, y); (0, 0) is the point at infinity, as snarkjs writes it.
/// Unchecked: see `check_g1`.
pub fn g1_unchecked(x: Fq, y: Fq) -> G1Affine {
    if x.is_zero() && y.is_zero() {
        G1Affine::identity()
    } else {
        G1Affine::new_unchecked(x, y)
    }
}

/// A G2 point from (x, y); (0, 0) is the point at infinity. Unchecked: see `check_g2`.
pub fn g2_unchecked(x: Fq2, y: Fq2) -> G2Affine {
    if x.is_zero() && y.is_zero() {
        G2Affine::identity()
    } else {
        G2Affine::new_unchecked(x, y)
    }
}

/// On the curve and in the prime-order subgroup (the identity passes).
pub fn g1_valid(p: &G1Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

pub fn g2_valid(p: &G2Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

/// A plain integer as 32 big-endian bytes.
pub fn be_bytes<B: BigInteger>(value: B) -> Vec<u8> {
    value.to_bytes_be()
}
