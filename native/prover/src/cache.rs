//! The checked key cached in arkworks' own serialization, keyed by the .zkey's SHA-256: a key is
//! checked once (the G2 subgroup checks take seconds), then loaded unchecked in a fraction of a
//! second. A cache file that does not parse is ignored and rewritten.

use std::fs;
use std::path::{Path, PathBuf};

use ark_bn254::{Bn254, Fr};
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use sha2::{Digest, Sha256};

use crate::error::NativeError;
use crate::zkey::{read_zkey, CircuitKey, Row};

/// Bumped whenever the cached layout changes.
const CACHE_MAGIC: &[u8; 8] = b"zkbpk\x00\x00\x01";

#[derive(CanonicalSerialize, CanonicalDeserialize)]
struct Cached {
    pk: ProvingKey<Bn254>,
    a: Vec<Vec<(Fr, u64)>>,
    b: Vec<Vec<(Fr, u64)>>,
    n_public: u64,
    domain_size: u64,
}

fn to_rows(rows: Vec<Vec<(Fr, u64)>>) -> Vec<Row> {
    rows.into_iter()
        .map(|r| r.into_iter().map(|(f, i)| (f, i as usize)).collect())
        .collect()
}

fn from_rows(rows: &[Row]) -> Vec<Vec<(Fr, u64)>> {
    rows.iter().map(|r| r.iter().map(|&(f, i)| (f, i as u64)).collect()).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fn cache_path(dir: &Path, zkey_hash: &str) -> PathBuf {
    dir.join(format!("{zkey_hash}.arkpk"))
}

fn read_cache(path: &Path) -> Option<CircuitKey> {
    let data = fs::read(path).ok()?;
    let body = data.strip_prefix(CACHE_MAGIC.as_slice())?;
    let c = Cached::deserialize_uncompressed_unchecked(body).ok()?;
    Some(CircuitKey {
        pk: c.pk,
        matrices: vec![to_rows(c.a), to_rows(c.b)],
        n_public: c.n_public as usize,
        domain_size: c.domain_size as usize,
    })
}

fn write_cache(path: &Path, key: &CircuitKey) -> Result<(), NativeError> {
    let cached = Cached {
        pk: key.pk.clone(),
        a: from_rows(&key.matrices[0]),
        b: from_rows(&key.matrices[1]),
        n_public: key.n_public as u64,
        domain_size: key.domain_size as u64,
    };
    let mut out = CACHE_MAGIC.to_vec();
    cached
        .serialize_uncompressed(&mut out)
        .map_err(|e| NativeError::Io(format!("cannot serialize the key: {e}")))?;
    let io = |e: std::io::Error| NativeError::Io(format!("{}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, &out).map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

/// The key of the .zkey at `zkey`: from the cache in `cache_dir` when present, else read with
/// every point checked and then cached. Returns the key, the zkey's hash, and whether it came
/// from the cache.
pub fn load_key(
    zkey: &Path,
    cache_dir: Option<&Path>,
) -> Result<(CircuitKey, String, bool), NativeError> {
    let data = fs::read(zkey).map_err(|e| NativeError::Io(format!("{}: {e}", zkey.display())))?;
    let hash = sha256_hex(&data);
    if let Some(dir) = cache_dir {
        if let Some(key) = read_cache(&cache_path(dir, &hash)) {
            return Ok((key, hash, true));
        }
    }
    let key = read_zkey(&data, true)?;
    drop(data);
    if let Some(dir) = cache_dir {
        write_cache(&cache_path(dir, &hash), &key)?;
    }
    Ok((key, hash, false))
}
