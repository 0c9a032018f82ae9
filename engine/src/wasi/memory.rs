//! Guest memory as WASI calls see it: pointers and lengths that come from the
//! guest are checked against the memory's size before every access, so a bad
//! pointer becomes the `fault` errno, never a panic or an access outside.

use super::abi::layout::IOVEC_SIZE;
use super::errno::{Errno, WasiResult};

/// The calling instance's linear memory during one WASI call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One buffer of an `iovec` array: where it starts and how long it is.
#[derive(Clone, Copy)]
pub(crate) struct IoVec {
    pub ptr: u32,
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    /// A view of `bytes`, the whole of the guest's memory.
    pub fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    /// The `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        self.bytes.get(start..end).ok_or(Errno::Fault)
    }

    /// The `len` bytes at `ptr`, mutably.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        self.bytes.get_mut(start..end).ok_or(Errno::Fault)
    }

    /// Copies `data` to `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        Ok(self
            .slice(ptr, N as u32)?
            .try_into()
            .expect("slice has length N"))
    }

    /// The little-endian `u8` at `ptr`.
    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }

    /// The little-endian `u16` at `ptr`.
    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    /// The little-endian `u32` at `ptr`.
    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    /// The little-endian `u64` at `ptr`.
    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    /// Stores `value` at `ptr`.
    pub fn write_u8(&mut self, ptr: u32, value: u8) -> WasiResult<()> {
        self.write_bytes(ptr, &[value])
    }

    /// Stores `value` little-endian at `ptr`.
    pub fn write_u16(&mut self, ptr: u32, value: u16) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Stores `value` little-endian at `ptr`.
    pub fn write_u32(&mut self, ptr: u32, value: u32) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Stores `value` little-endian at `ptr`.
    pub fn write_u64(&mut self, ptr: u32, value: u64) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Stores a byte count (a `size`, which is 32 bits in wasm32) at `ptr`.
    pub fn write_size(&mut self, ptr: u32, value: usize) -> WasiResult<()> {
        self.write_u32(ptr, u32::try_from(value).map_err(|_| Errno::Overflow)?)
    }

    /// The `count` entries of the `iovec` array at `ptr`, each checked to lie
    /// inside the memory.
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<IoVec>> {
        let size = count.checked_mul(IOVEC_SIZE).ok_or(Errno::Fault)?;
        self.slice(ptr, size)?;
        (0..count)
            .map(|i| {
                let entry = ptr + i * IOVEC_SIZE;
                let iovec = IoVec {
                    ptr: self.read_u32(entry)?,
                    len: self.read_u32(entry + 4)?,
                };
                self.slice(iovec.ptr, iovec.len)?;
                Ok(iovec)
            })
            .collect()
    }

    /// The bytes of a path argument. Paths are byte strings on the host, so
    /// they are not required to be UTF-8; a NUL byte inside is refused.
    pub fn path(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        let bytes = self.slice(ptr, len)?;
        if bytes.contains(&0) {
            return Err(Errno::Inval);
        }
        Ok(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_past_the_end_are_faults() {
        let mut bytes = vec![0u8; 16];
        let mut memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.read_u64(8), Ok(0));
        assert_eq!(memory.read_u64(9), Err(Errno::Fault));
        assert_eq!(memory.write_u32(u32::MAX, 1), Err(Errno::Fault));
        assert_eq!(memory.slice(16, 0).map(<[u8]>::len), Ok(0));
        assert_eq!(memory.slice(17, 0).map(<[u8]>::len), Err(Errno::Fault));
    }

    #[test]
    fn iovecs_must_point_inside_memory() {
        let mut bytes = vec![0u8; 32];
        bytes[0..4].copy_from_slice(&24u32.to_le_bytes());
        bytes[4..8].copy_from_slice(&8u32.to_le_bytes());
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.iovecs(0, 1).map(|v| v[0].len), Ok(8));
        let mut bytes = vec![0u8; 32];
        bytes[0..4].copy_from_slice(&24u32.to_le_bytes());
        bytes[4..8].copy_from_slice(&9u32.to_le_bytes());
        let memory = GuestMemory::new(&mut bytes);
        assert!(matches!(memory.iovecs(0, 1), Err(Errno::Fault)));
        assert!(matches!(memory.iovecs(0, u32::MAX), Err(Errno::Fault)));
    }
}
