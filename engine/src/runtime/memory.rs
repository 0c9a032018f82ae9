//! Linear memory: a byte vector whose length is always a whole number of 64 KiB
//! pages, with the bounds-checked accesses and bulk operations that wasm defines.

use super::vm::{Pinned, VmMemory};
use crate::error::TrapCode;
use crate::types::MemoryType;

/// The size of a wasm page.
pub(crate) const PAGE_SIZE: usize = 65536;

/// The most pages a 32-bit memory can have (4 GiB).
pub(crate) const MAX_PAGES: u64 = 65536;

pub(crate) struct MemoryData {
    pub ty: MemoryType,
    pub bytes: Vec<u8>,
    /// The most pages this memory may grow to: its type's maximum, capped by the
    /// store's limit.
    max_pages: u64,
    /// Where generated code finds the bytes; updated whenever they move.
    pub vm: Pinned<VmMemory>,
}

/// The byte range `[addr + offset, addr + offset + len)` if it lies inside
/// `size` bytes.
fn range(
    addr: u64,
    offset: u64,
    len: u64,
    size: usize,
) -> Result<std::ops::Range<usize>, TrapCode> {
    let start = addr + offset;
    match start.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(start as usize..end as usize),
        _ => Err(TrapCode::MemoryOutOfBounds),
    }
}

impl MemoryData {
    /// A zeroed memory of `ty.limits.min` pages, or `None` when it would exceed
    /// `limit_pages` or cannot be allocated.
    pub fn new(ty: MemoryType, limit_pages: u64) -> Option<MemoryData> {
        let max_pages = ty.limits.max.unwrap_or(MAX_PAGES).min(limit_pages);
        if ty.limits.min > max_pages {
            return None;
        }
        let mut memory = MemoryData {
            ty,
            bytes: Vec::new(),
            max_pages,
            vm: Pinned::new(VmMemory {
                base: std::ptr::null_mut(),
                length: 0,
            }),
        };
        memory.resize(ty.limits.min)?;
        Some(memory)
    }

    fn resize(&mut self, pages: u64) -> Option<()> {
        let len = pages as usize * PAGE_SIZE;
        self.bytes.try_reserve_exact(len - self.bytes.len()).ok()?;
        self.bytes.resize(len, 0);
        self.vm.set(VmMemory {
            base: self.bytes.as_mut_ptr(),
            length: len as u64,
        });
        Some(())
    }

    /// The current size in pages.
    pub fn pages(&self) -> u64 {
        (self.bytes.len() / PAGE_SIZE) as u64
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` when the
    /// memory may not or cannot grow that far (it then stays as it was).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old
            .checked_add(delta)
            .filter(|&new| new <= self.max_pages)?;
        self.resize(new)?;
        Some(old)
    }

    /// Reads `N` bytes at `addr + offset`.
    #[inline]
    pub fn read<const N: usize>(&self, addr: u32, offset: u32) -> Result<[u8; N], TrapCode> {
        let r = range(addr.into(), offset.into(), N as u64, self.bytes.len())?;
        Ok(self.bytes[r].try_into().expect("range has length N"))
    }

    /// Writes `bytes` at `addr + offset`.
    #[inline]
    pub fn write(&mut self, addr: u32, offset: u32, bytes: &[u8]) -> Result<(), TrapCode> {
        let r = range(
            addr.into(),
            offset.into(),
            bytes.len() as u64,
            self.bytes.len(),
        )?;
        self.bytes[r].copy_from_slice(bytes);
        Ok(())
    }

    /// The bytes `[addr, addr + len)`, or an out-of-bounds trap.
    pub fn slice_mut(&mut self, addr: u32, len: u32) -> Result<&mut [u8], TrapCode> {
        let r = range(addr.into(), 0, len.into(), self.bytes.len())?;
        Ok(&mut self.bytes[r])
    }

    /// `memory.fill`: checks the whole range before writing anything.
    pub fn fill(&mut self, dst: u32, value: u8, len: u32) -> Result<(), TrapCode> {
        self.slice_mut(dst, len)?.fill(value);
        Ok(())
    }

    /// `memory.copy` within this memory; the ranges may overlap.
    pub fn copy_within(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapCode> {
        let src = range(src.into(), 0, len.into(), self.bytes.len())?;
        let dst = range(dst.into(), 0, len.into(), self.bytes.len())?;
        self.bytes.copy_within(src, dst.start);
        Ok(())
    }
}
