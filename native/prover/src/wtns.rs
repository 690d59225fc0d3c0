//! A reader of circom's `.wtns`: section 1 (the field's size, its modulus, the number of
//! wires), section 2 (each wire's value, 32 bytes little-endian, plain form, in wire order).

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

use crate::binfile::BinFile;
use crate::error::NativeError;
use crate::field::fr_le;

const WHAT: &str = "wtns";

/// The witness's values, each checked below r, wire 0 being the constant 1.
pub fn read_wtns(data: &[u8]) -> Result<Vec<Fr>, NativeError> {
    let file = BinFile::parse(data, b"wtns", WHAT)?;
    let mut h = file.section(1, WHAT)?;
    let n8 = h.usize32()?;
    if n8 != 32 || h.take(32)? != Fr::MODULUS.to_bytes_le().as_slice() {
        return Err(NativeError::format(WHAT, "not a witness over BN254's scalar field"));
    }
    let n = h.usize32()?;
    let mut body = file.section(2, WHAT)?;
    let values = body.take(n.checked_mul(32).ok_or_else(|| NativeError::format(WHAT, "size"))?)?;
    let witness: Option<Vec<Fr>> = values.chunks(32).map(fr_le).collect();
    let witness = witness.ok_or_else(|| NativeError::format(WHAT, "a value is not below r"))?;
    if witness.first() != Some(&Fr::from(1u64)) {
        return Err(NativeError::format(WHAT, "wire 0 is not 1"));
    }
    Ok(witness)
}
