//! The container both snarkjs/circom binary files share: a 4-byte magic, a u32 version, a u32
//! section count, then sections of (u32 type, u64 size, bytes), all little-endian.

use std::collections::HashMap;

use crate::error::NativeError;

/// A parsed container: each section type mapped to its bytes (the first of a type wins).
pub struct BinFile<'a> {
    sections: HashMap<u32, &'a [u8]>,
}

impl<'a> BinFile<'a> {
    /// Splits `data` into its sections; refuses another magic or a truncated section.
    pub fn parse(data: &'a [u8], magic: &[u8; 4], what: &'static str) -> Result<Self, NativeError> {
        let mut r = Reader::new(data, what);
        if r.take(4)? != magic {
            return Err(NativeError::format(what, "wrong magic bytes"));
        }
        let _version = r.u32()?;
        let n_sections = r.u32()?;
        let mut sections = HashMap::new();
        for _ in 0..n_sections {
            let kind = r.u32()?;
            let size = usize::try_from(r.u64()?)
                .map_err(|_| NativeError::format(what, "section too large"))?;
            let body = r.take(size)?;
            sections.entry(kind).or_insert(body);
        }
        Ok(Self { sections })
    }

    /// A reader over section `kind`; an error when the file has none.
    pub fn section(&self, kind: u32, what: &'static str) -> Result<Reader<'a>, NativeError> {
        self.sections
            .get(&kind)
            .map(|body| Reader::new(body, what))
            .ok_or_else(|| NativeError::format(what, &format!("section {kind} is missing")))
    }
}

/// A bounds-checked little-endian cursor.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], what: &'static str) -> Self {
        Self { data, pos: 0, what }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], NativeError> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.data.len());
        let end = end.ok_or_else(|| NativeError::format(self.what, "truncated"))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub fn u32(&mut self) -> Result<u32, NativeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64, NativeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub fn usize32(&mut self) -> Result<usize, NativeError> {
        Ok(self.u32()? as usize)
    }
}
