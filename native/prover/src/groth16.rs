//! Proving and verifying, and the 256-byte Ethereum encoding of proofs and keys (points as
//! 32-byte big-endian words, a G2 coordinate's c1 before its c0, the identity as zeros).

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_groth16::{prepare_verifying_key, Groth16, PreparedVerifyingKey, Proof, VerifyingKey};

use crate::error::NativeError;
use crate::field::{be_bytes, bigint_be, fq_plain, g1_unchecked, g1_valid, g2_unchecked, g2_valid};
use crate::reduction::CircomReduction;
use crate::zkey::CircuitKey;

pub const PROOF_BYTES: usize = 256;

fn fq_word(chunk: &[u8]) -> Option<Fq> {
    fq_plain(bigint_be(chunk))
}

/// A G1 point from 64 bytes, checked; None if it is not one.
pub fn decode_g1(b: &[u8]) -> Option<G1Affine> {
    let p = g1_unchecked(fq_word(&b[0..32])?, fq_word(&b[32..64])?);
    g1_valid(&p).then_some(p)
}

/// A G2 point from 128 bytes (x.c1, x.c0, y.c1, y.c0), checked.
pub fn decode_g2(b: &[u8]) -> Option<G2Affine> {
    let x = Fq2::new(fq_word(&b[32..64])?, fq_word(&b[0..32])?);
    let y = Fq2::new(fq_word(&b[96..128])?, fq_word(&b[64..96])?);
    let p = g2_unchecked(x, y);
    g2_valid(&p).then_some(p)
}

fn word(f: Fq) -> Vec<u8> {
    be_bytes(f.into_bigint())
}

pub fn encode_g1(p: &G1Affine) -> Vec<u8> {
    match p.xy() {
        None => vec![0u8; 64],
        Some((x, y)) => [word(x), word(y)].concat(),
    }
}

pub fn encode_g2(p: &G2Affine) -> Vec<u8> {
    match p.xy() {
        None => vec![0u8; 128],
        Some((x, y)) => [word(x.c1), word(x.c0), word(y.c1), word(y.c0)].concat(),
    }
}

pub fn encode_proof(p: &Proof<Bn254>) -> Vec<u8> {
    [encode_g1(&p.a), encode_g2(&p.b), encode_g1(&p.c)].concat()
}

/// A proof from its 256 bytes; None for anything that is not three valid points.
pub fn decode_proof(b: &[u8]) -> Option<Proof<Bn254>> {
    if b.len() != PROOF_BYTES {
        return None;
    }
    Some(Proof { a: decode_g1(&b[0..64])?, b: decode_g2(&b[64..192])?, c: decode_g1(&b[192..256])? })
}

/// α₁ ‖ β₂ ‖ γ₂ ‖ δ₂ ‖ IC₀ ‖ IC₁ … in the encoding above.
pub fn encode_vk(vk: &VerifyingKey<Bn254>) -> Vec<u8> {
    let mut out = encode_g1(&vk.alpha_g1);
    for p in [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2] {
        out.extend(encode_g2(p));
    }
    for p in &vk.gamma_abc_g1 {
        out.extend(encode_g1(p));
    }
    out
}

/// Inverse of `encode_vk`, every point checked.
pub fn decode_vk(b: &[u8]) -> Result<VerifyingKey<Bn254>, NativeError> {
    let bad = |why: &str| NativeError::format("verifying key", why);
    let fixed = 64 + 3 * 128;
    if b.len() < fixed + 64 || (b.len() - fixed) % 64 != 0 {
        return Err(bad("wrong length"));
    }
    let invalid = || bad("a point is off the curve, out of its subgroup or has a coordinate >= q");
    let g2_at = |i: usize| decode_g2(&b[64 + 128 * i..192 + 128 * i]).ok_or_else(invalid);
    Ok(VerifyingKey {
        alpha_g1: decode_g1(&b[0..64]).ok_or_else(invalid)?,
        beta_g2: g2_at(0)?,
        gamma_g2: g2_at(1)?,
        delta_g2: g2_at(2)?,
        gamma_abc_g1: b[fixed..]
            .chunks(64)
            .map(|c| decode_g1(c).ok_or_else(invalid))
            .collect::<Result<_, _>>()?,
    })
}

/// A scalar from 32 big-endian bytes; None if it is not below r.
pub fn decode_fr(b: &[u8]) -> Option<Fr> {
    if b.len() != 32 {
        return None;
    }
    Fr::from_bigint(bigint_be(b))
}

/// A proof of `witness` (wire order, wire 0 = 1) with the blinding factors `r`, `s`.
pub fn prove(key: &CircuitKey, witness: &[Fr], r: Fr, s: Fr) -> Result<Proof<Bn254>, NativeError> {
    if witness.len() != key.pk.a_query.len() {
        return Err(NativeError::Witness(format!(
            "the witness has {} wires, the key {}",
            witness.len(),
            key.pk.a_query.len()
        )));
    }
    Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
        &key.pk,
        r,
        s,
        &key.matrices,
        key.n_public + 1,
        key.domain_size,
        witness,
    )
    .map_err(|e| NativeError::Witness(format!("cannot prove: {e}")))
}

/// The pairing check; false for a wrong number of inputs.
pub fn verify(pvk: &PreparedVerifyingKey<Bn254>, proof: &Proof<Bn254>, public: &[Fr]) -> bool {
    if public.len() + 1 != pvk.vk.gamma_abc_g1.len() {
        return false;
    }
    Groth16::<Bn254>::verify_proof(pvk, proof, public).unwrap_or(false)
}

pub fn prepare(vk: &VerifyingKey<Bn254>) -> PreparedVerifyingKey<Bn254> {
    prepare_verifying_key(vk)
}

