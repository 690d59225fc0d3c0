//! zkbraid_native: zkbraid's Groth16 prover and verifier over BN254, for snarkjs's `.zkey` keys
//! and circom's `.wtns` witnesses, built on arkworks (MIT/Apache-2.0) and exposed to Python.
//!
//! - `ProvingKey.load(zkey, cache_dir)`: the key, checked once and cached (cache.rs);
//!   `ProvingKey.prove(wtns, randomness, threads)`: a 256-byte proof and the public inputs;
//! - `VerifyingKey(data).verify(proof, public)`: True or False, never an exception for a bad
//!   proof (points checked on the curve and in the subgroup, coordinates below q, inputs below r).
//!
//! Work runs on a rayon pool of `threads` threads (default: every core), with the GIL released.
//! A panic never crosses into Python: it becomes a `NativeError`.

mod binfile;
mod cache;
mod error;
mod field;
mod groth16;
mod reduction;
mod wtns;
mod zkey;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::PreparedVerifyingKey;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::NativeError;
use crate::zkey::CircuitKey;

create_exception!(zkbraid_native, NativeProverError, PyException, "A key, witness or file the native prover cannot use.");

fn py_err(e: NativeError) -> PyErr {
    NativeProverError::new_err(e.to_string())
}

/// Runs `f` on a pool of `threads` threads (None: every core), a panic turned into an error.
fn run<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, NativeError> + Send,
) -> Result<T, NativeError> {
    let pool = pool(threads)?;
    match catch_unwind(AssertUnwindSafe(|| pool.install(f))) {
        Ok(result) => result,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            Err(NativeError::Format(format!("internal error in the native prover: {why}")))
        }
    }
}

/// The number of threads when none is asked for: every core.
fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn pool(threads: Option<usize>) -> Result<Arc<ThreadPool>, NativeError> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let n = threads.unwrap_or_else(default_threads);
    if n == 0 || n > 1024 {
        return Err(NativeError::Threads(format!("threads must be between 1 and 1024, not {n}")));
    }
    let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = pools.get(&n) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("zkbraid-prover-{i}"))
            .build()
            .map_err(|e| NativeError::Threads(e.to_string()))?,
    );
    pools.insert(n, p.clone());
    Ok(p)
}

/// A circuit's proving key (from a snarkjs .zkey).
#[pyclass(frozen, module = "zkbraid_native")]
struct ProvingKey {
    key: Arc<CircuitKey>,
    #[pyo3(get)]
    zkey_sha256: String,
    #[pyo3(get)]
    from_cache: bool,
}

#[pymethods]
impl ProvingKey {
    /// Reads `zkey`, checking every point, and caches the checked key under `cache_dir`; loads
    /// the cached key (unchecked) when it is there. Raises NativeProverError.
    #[staticmethod]
    #[pyo3(signature = (zkey, cache_dir=None, threads=None))]
    fn load(
        py: Python<'_>,
        zkey: PathBuf,
        cache_dir: Option<PathBuf>,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let (key, zkey_sha256, from_cache) =
            py.detach(|| run(threads, || cache::load_key(&zkey, cache_dir.as_deref())))
                .map_err(py_err)?;
        Ok(Self { key: Arc::new(key), zkey_sha256, from_cache })
    }

    /// The number of public inputs.
    #[getter]
    fn n_public(&self) -> usize {
        self.key.n_public
    }

    /// The number of wires a witness has.
    #[getter]
    fn n_wires(&self) -> usize {
        self.key.pk.a_query.len()
    }

    #[getter]
    fn domain_size(&self) -> usize {
        self.key.domain_size
    }

    /// The key's verifying key, in `VerifyingKey`'s encoding.
    fn verifying_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &groth16::encode_vk(&self.key.pk.vk))
    }

    /// A proof from circom's .wtns bytes: (the 256-byte proof, the public inputs as 32-byte
    /// big-endian words). `randomness`: 64 fresh random bytes (the blinding factors r and s).
    /// Raises NativeProverError for a witness that does not fit the key.
    #[pyo3(signature = (wtns, randomness, threads=None))]
    fn prove<'py>(
        &self,
        py: Python<'py>,
        wtns: Vec<u8>,
        randomness: Vec<u8>,
        threads: Option<usize>,
    ) -> PyResult<(Bound<'py, PyBytes>, Vec<Bound<'py, PyBytes>>)> {
        if randomness.len() != 64 {
            return Err(NativeProverError::new_err("randomness is 64 bytes"));
        }
        let key = self.key.clone();
        let (proof, public) = py
            .detach(move || {
                run(threads, move || {
                    let witness = wtns::read_wtns(&wtns)?;
                    let r = Fr::from_le_bytes_mod_order(&randomness[..32]);
                    let s = Fr::from_le_bytes_mod_order(&randomness[32..]);
                    let proof = groth16::prove(&key, &witness, r, s)?;
                    let public: Vec<Vec<u8>> = witness[1..=key.n_public]
                        .iter()
                        .map(|x| x.into_bigint().to_bytes_be())
                        .collect();
                    Ok((groth16::encode_proof(&proof), public))
                })
            })
            .map_err(py_err)?;
        Ok((PyBytes::new(py, &proof), public.iter().map(|p| PyBytes::new(py, p)).collect()))
    }
}

/// A prepared verifying key: α₁ ‖ β₂ ‖ γ₂ ‖ δ₂ ‖ IC₀ ‖ IC₁ …, each point as 32-byte big-endian
/// words (a G2 coordinate's c1 first), the identity as zeros.
#[pyclass(frozen, module = "zkbraid_native")]
struct VerifyingKey {
    pvk: PreparedVerifyingKey<Bn254>,
}

#[pymethods]
impl VerifyingKey {
    /// Raises NativeProverError for a key with a point off the curve or out of its subgroup.
    #[new]
    fn new(data: Vec<u8>) -> PyResult<Self> {
        let pvk = run(Some(1), || Ok(groth16::prepare(&groth16::decode_vk(&data)?))).map_err(py_err)?;
        Ok(Self { pvk })
    }

    #[getter]
    fn n_public(&self) -> usize {
        self.pvk.vk.gamma_abc_g1.len() - 1
    }

    /// True if `proof` (256 bytes) verifies for `public` (32-byte big-endian words). False for
    /// anything else: wrong lengths, coordinates >= q, points off the curve or out of the
    /// subgroup, inputs >= r; never an exception.
    fn verify(&self, py: Python<'_>, proof: Vec<u8>, public: Vec<Vec<u8>>) -> bool {
        py.detach(|| {
            run(Some(1), || {
                let Some(proof) = groth16::decode_proof(&proof) else { return Ok(false) };
                let inputs: Option<Vec<Fr>> = public.iter().map(|b| groth16::decode_fr(b)).collect();
                let Some(inputs) = inputs else { return Ok(false) };
                Ok(groth16::verify(&self.pvk, &proof, &inputs))
            })
            .unwrap_or(false)
        })
    }
}

/// The number of threads a call uses when given none (every core).
#[pyfunction]
fn default_thread_count() -> usize {
    default_threads()
}

#[pymodule]
fn zkbraid_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ProvingKey>()?;
    m.add_class::<VerifyingKey>()?;
    m.add_function(wrap_pyfunction!(default_thread_count, m)?)?;
    m.add("NativeProverError", m.py().get_type::<NativeProverError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
