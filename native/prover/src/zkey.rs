//! A reader of snarkjs's Groth16 `.zkey` (BN254), every point checked.
//!
//! Sections: 1 the protocol (1 = Groth16); 2 the header (q, r, the number of wires, of public
//! inputs, the domain size, α₁, β₁, β₂, γ₂, δ₁, δ₂); 3 the IC points (γ_abc); 4 the
//! coefficients of the A and B matrices (C is A·B, circom's way); 5 A (G1), 6 B (G1), 7 B (G2),
//! 8 the private wires' C points (l_query), 9 the H points (one per domain element). Coordinates
//! are in Montgomery form, 32 bytes little-endian; a coefficient is Montgomery-encoded twice.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use rayon::prelude::*;

use crate::binfile::{BinFile, Reader};
use crate::error::NativeError;
use crate::field::{bigint_le, fq_montgomery, g1_unchecked, g1_valid, g2_unchecked, g2_valid};

const WHAT: &str = "zkey";
const G1_BYTES: usize = 64;
const G2_BYTES: usize = 128;

/// One row of a constraint matrix: (coefficient, wire) pairs.
pub type Row = Vec<(Fr, usize)>;

/// Everything a proof needs: the key, A's and B's rows over the whole domain, and its shape.
pub struct CircuitKey {
    pub pk: ProvingKey<Bn254>,
    /// [A, B], each one row per domain element.
    pub matrices: Vec<Vec<Row>>,
    pub n_public: usize,
    pub domain_size: usize,
}

fn g1(bytes: &[u8]) -> Result<G1Affine, NativeError> {
    Ok(g1_unchecked(fq_montgomery(&bytes[..32], WHAT)?, fq_montgomery(&bytes[32..64], WHAT)?))
}

fn g2(bytes: &[u8]) -> Result<G2Affine, NativeError> {
    let f = |i: usize| fq_montgomery(&bytes[32 * i..32 * i + 32], WHAT);
    Ok(g2_unchecked(Fq2::new(f(0)?, f(1)?), Fq2::new(f(2)?, f(3)?)))
}

fn g1_list(r: &mut Reader<'_>, n: usize) -> Result<Vec<G1Affine>, NativeError> {
    let body = r.take(n.checked_mul(G1_BYTES).ok_or_else(|| NativeError::format(WHAT, "size"))?)?;
    body.par_chunks(G1_BYTES).map(g1).collect()
}

fn g2_list(r: &mut Reader<'_>, n: usize) -> Result<Vec<G2Affine>, NativeError> {
    let body = r.take(n.checked_mul(G2_BYTES).ok_or_else(|| NativeError::format(WHAT, "size"))?)?;
    body.par_chunks(G2_BYTES).map(g2).collect()
}

fn modulus(r: &mut Reader<'_>, expected: &[u8], name: &str) -> Result<(), NativeError> {
    let n8 = r.usize32()?;
    if n8 != 32 || r.take(32)? != expected {
        return Err(NativeError::format(WHAT, &format!("not a BN254 key ({name} differs)")));
    }
    Ok(())
}

/// Parses a .zkey. With `check`, refuses any point off the curve or out of its subgroup (the
/// slow part: G2's subgroup checks), done in parallel.
pub fn read_zkey(data: &[u8], check: bool) -> Result<CircuitKey, NativeError> {
    let file = BinFile::parse(data, b"zkey", WHAT)?;
    if file.section(1, WHAT)?.u32()? != 1 {
        return Err(NativeError::format(WHAT, "not a Groth16 key"));
    }
    let mut h = file.section(2, WHAT)?;
    modulus(&mut h, &Fq::MODULUS.to_bytes_le(), "q")?;
    modulus(&mut h, &Fr::MODULUS.to_bytes_le(), "r")?;
    let n_vars = h.usize32()?;
    let n_public = h.usize32()?;
    let domain_size = h.usize32()?;
    if n_public >= n_vars || !domain_size.is_power_of_two() || domain_size < n_public + 1 {
        return Err(NativeError::format(WHAT, "inconsistent header"));
    }
    let alpha_g1 = g1(h.take(G1_BYTES)?)?;
    let beta_g1 = g1(h.take(G1_BYTES)?)?;
    let beta_g2 = g2(h.take(G2_BYTES)?)?;
    let gamma_g2 = g2(h.take(G2_BYTES)?)?;
    let delta_g1 = g1(h.take(G1_BYTES)?)?;
    let delta_g2 = g2(h.take(G2_BYTES)?)?;

    let gamma_abc_g1 = g1_list(&mut file.section(3, WHAT)?, n_public + 1)?;
    let (a, b) = read_coefficients(&mut file.section(4, WHAT)?, n_vars, domain_size)?;
    let a_query = g1_list(&mut file.section(5, WHAT)?, n_vars)?;
    let b_g1_query = g1_list(&mut file.section(6, WHAT)?, n_vars)?;
    let b_g2_query = g2_list(&mut file.section(7, WHAT)?, n_vars)?;
    let l_query = g1_list(&mut file.section(8, WHAT)?, n_vars - n_public - 1)?;
    let h_query = g1_list(&mut file.section(9, WHAT)?, domain_size)?;

    let pk = ProvingKey {
        vk: VerifyingKey { alpha_g1, beta_g2, gamma_g2, delta_g2, gamma_abc_g1 },
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    if check && !key_points_valid(&pk) {
        return Err(NativeError::format(WHAT, "a point is off the curve or out of its subgroup"));
    }
    Ok(CircuitKey { pk, matrices: vec![a, b], n_public, domain_size })
}

/// Every point of the key on its curve and in its prime-order subgroup.
pub fn key_points_valid(pk: &ProvingKey<Bn254>) -> bool {
    let vk = &pk.vk;
    let g1s = [vk.alpha_g1, pk.beta_g1, pk.delta_g1];
    let g2s = [vk.beta_g2, vk.gamma_g2, vk.delta_g2];
    g1s.iter().all(g1_valid)
        && g2s.iter().all(g2_valid)
        && [&vk.gamma_abc_g1, &pk.a_query, &pk.b_g1_query, &pk.h_query, &pk.l_query]
            .into_par_iter()
            .all(|list| list.par_iter().all(g1_valid))
        && pk.b_g2_query.par_iter().all(g2_valid)
}

fn read_coefficients(
    r: &mut Reader<'_>,
    n_vars: usize,
    domain_size: usize,
) -> Result<(Vec<Row>, Vec<Row>), NativeError> {
    let n = r.usize32()?;
    let mut matrices = [vec![Row::new(); domain_size], vec![Row::new(); domain_size]];
    for _ in 0..n {
        let matrix = r.usize32()?;
        let row = r.usize32()?;
        let wire = r.usize32()?;
        let raw = bigint_le(r.take(32)?);
        if matrix > 1 || row >= domain_size || wire >= n_vars || raw >= Fr::MODULUS {
            return Err(NativeError::format(WHAT, "coefficient out of range"));
        }
        // Montgomery-encoded twice: undo one encoding, then read the rest as Montgomery form.
        let once = Fr::new_unchecked(raw).into_bigint();
        matrices[matrix][row].push((Fr::new_unchecked(once), wire));
    }
    let [a, b] = matrices;
    Ok((a, b))
}
