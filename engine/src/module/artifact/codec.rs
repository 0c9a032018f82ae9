//! The encoding of an artifact's metadata: little-endian integers, lengths
//! before lists and strings. The [`Reader`] checks every length against what
//! is left, so that a damaged artifact is an error, never a panic or a huge
//! allocation.

use crate::error::{Error, Result};

/// Appends values to a buffer.
#[derive(Default)]
pub(super) struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub fn bool(&mut self, value: bool) {
        self.u8(value.into());
    }

    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn usize(&mut self, value: usize) {
        self.u64(value as u64);
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        self.usize(bytes.len());
        self.bytes.extend_from_slice(bytes);
    }

    pub fn str(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    pub fn option<T>(&mut self, value: Option<T>, mut write: impl FnMut(&mut Writer, T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    /// A length, then each item.
    pub fn list<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Writer, &T)) {
        self.usize(items.len());
        for item in items {
            write(self, item);
        }
    }
}

/// The error for metadata that does not decode.
pub(super) fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Artifact(format!("corrupt metadata: {what}"))
}

/// Reads values back, each checked against the bytes left.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        if len > self.bytes.len() {
            return Err(corrupt("it ends early"));
        }
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(corrupt(format!("{other} is not a boolean"))),
        }
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| corrupt("a size is too large"))
    }

    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.usize()?;
        self.take(len)
    }

    pub fn str(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| corrupt("a name is not UTF-8"))
    }

    pub fn option<T>(
        &mut self,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.bool()? {
            true => read(self).map(Some),
            false => Ok(None),
        }
    }

    /// A length, then that many items. Each item takes at least
    /// `min_item_size` bytes, so a length beyond what is left is refused
    /// before anything is allocated.
    pub fn list<T>(
        &mut self,
        min_item_size: usize,
        mut read: impl FnMut(&mut Reader<'a>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let len = self.usize()?;
        if len.saturating_mul(min_item_size.max(1)) > self.bytes.len() {
            return Err(corrupt("a list is longer than the artifact"));
        }
        (0..len).map(|_| read(self)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_and_short_input_is_an_error() {
        let mut writer = Writer::default();
        writer.u32(7);
        writer.str("kiln");
        writer.list(&[1u64, 2, 3], |w, &v| w.u64(v));
        writer.option(Some(true), Writer::bool);
        let mut reader = Reader::new(&writer.bytes);
        assert_eq!(reader.u32().unwrap(), 7);
        assert_eq!(reader.str().unwrap(), "kiln");
        assert_eq!(reader.list(8, Reader::u64).unwrap(), [1, 2, 3]);
        assert_eq!(reader.option(Reader::bool).unwrap(), Some(true));
        assert!(reader.is_empty());
        for len in 0..writer.bytes.len() {
            let mut reader = Reader::new(&writer.bytes[..len]);
            let all = (|| {
                reader.u32()?;
                reader.str()?;
                reader.list(8, Reader::u64)?;
                reader.option(Reader::bool)
            })();
            assert!(all.is_err(), "{len} bytes read as a whole");
        }
    }

    #[test]
    fn a_huge_length_is_refused_before_allocating() {
        let mut writer = Writer::default();
        writer.u64(u64::MAX / 2);
        let error = Reader::new(&writer.bytes).list(8, Reader::u64).unwrap_err();
        assert!(error.to_string().contains("longer than the artifact"));
    }
}
