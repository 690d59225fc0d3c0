//! The errors of the extension; lib.rs turns each into a Python exception.

use std::fmt;

#[derive(Debug)]
pub enum NativeError {
    /// A file that is not what it should be (zkey, wtns, cached key, verifying key).
    Format(String),
    /// The witness does not fit the key.
    Witness(String),
    /// Reading or writing a file.
    Io(String),
    /// A thread pool could not be made.
    Threads(String),
}

impl NativeError {
    pub fn format(what: &str, why: &str) -> Self {
        NativeError::Format(format!("{what}: {why}"))
    }
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NativeError::Format(m)
            | NativeError::Witness(m)
            | NativeError::Io(m)
            | NativeError::Threads(m) => f.write_str(m),
        }
    }
}
