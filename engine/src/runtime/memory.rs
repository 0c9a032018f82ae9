//! Linear memory: a reservation of address space whose accessible part is
//! always a whole number of 64 KiB pages, with the bounds-checked accesses and
//! bulk operations that wasm defines. The interpreter, the SSA engine and
//! compiled code all use this one type.
//!
//! The base never moves: a memory reserves, when it is created, all the
//! address space it may ever grow into (its [`MemoryStyle`]), and growing
//! makes more of it accessible. A memory cannot grow beyond its reservation:
//! `memory.grow` then returns -1, as the store's page limit makes it do.

use super::reservation::{Reservation, host_page_size};
use super::vm::{Pinned, VmMemory};
use super::{CowImage, IDLE_RESERVATIONS};
use crate::error::TrapCode;
use crate::types::MemoryType;

/// The size of a wasm page.
pub(crate) const PAGE_SIZE: usize = 65536;

/// The most pages a 32-bit memory can have (4 GiB).
pub(crate) const MAX_PAGES: u64 = 65536;

/// How much address space a memory takes, as the engine's
/// [`Config`](crate::Config) decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryStyle {
    /// Bytes the memory's pages may occupy; it never grows beyond them.
    pub reservation: u64,
    /// Inaccessible bytes reserved after them, so that an access a little past
    /// the reservation faults too.
    pub guard: u64,
}

/// Whether this host can turn faults in compiled code into traps (see
/// [`crate::signals`]).
pub(crate) const SIGNAL_TRAPS_SUPPORTED: bool = cfg!(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
));

/// The engine's settings for memories (see [`Config`](crate::Config)'s
/// `signals_based_traps`, `memory_reservation` and `memory_guard_size`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryConfig {
    pub signals_based_traps: bool,
    pub reservation: u64,
    pub guard: u64,
}

impl Default for MemoryConfig {
    /// Wasmtime's defaults: 4 GiB and 32 MiB on 64-bit hosts, 10 MiB and
    /// 64 KiB on 32-bit hosts.
    fn default() -> MemoryConfig {
        let wide = cfg!(target_pointer_width = "64");
        MemoryConfig {
            signals_based_traps: SIGNAL_TRAPS_SUPPORTED,
            reservation: if wide { 4 << 30 } else { 10 << 20 },
            guard: if wide { 32 << 20 } else { 64 << 10 },
        }
    }
}

impl MemoryConfig {
    /// The address space a memory of type `ty` takes: with signal-based
    /// traps the whole reservation and the guard, whatever the type, so that
    /// compiled code may rely on them for every memory; with explicit checks
    /// only what the type's maximum needs.
    pub fn style(&self, ty: &MemoryType) -> MemoryStyle {
        if self.signals_based_traps {
            MemoryStyle {
                reservation: self.reservation,
                guard: self.guard,
            }
        } else {
            let maximum = ty.limits.max.unwrap_or(MAX_PAGES) * PAGE_SIZE as u64;
            MemoryStyle {
                reservation: self.reservation.min(maximum),
                guard: 0,
            }
        }
    }

    /// What compiled code may rely on for every memory: the bytes from its
    /// base within which an access either succeeds or faults into a trap
    /// (reservation and guard), or 0 with explicit checks.
    pub fn guarded_bytes(&self) -> u64 {
        if self.signals_based_traps {
            let guard = self.guard.next_multiple_of(host_page_size() as u64);
            self.reservation + guard
        } else {
            0
        }
    }
}

pub(crate) struct MemoryData {
    pub ty: MemoryType,
    /// The address space, guard included; its accessible bytes are the memory.
    /// It may be larger than the memory's style asked for (see
    /// [`super::pool`]).
    reservation: Reservation,
    /// The bytes of reservation and guard the memory's style asked for.
    guarded_bytes: u64,
    /// The most pages this memory may grow to: its type's maximum, capped by
    /// the store's limit and by the reservation.
    max_pages: u64,
    /// Where generated code finds the bytes.
    pub vm: Pinned<VmMemory>,
}

impl Drop for MemoryData {
    fn drop(&mut self) {
        let reservation = std::mem::replace(&mut self.reservation, Reservation::empty());
        IDLE_RESERVATIONS.give_back(reservation);
    }
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
    /// A zeroed memory of `ty.limits.min` pages laid out as `style` says, in
    /// an idle reservation of the process or a new one, or `None` when it would exceed
    /// `limit_pages` or the reservation, or the address space cannot be
    /// reserved.
    pub fn new(ty: MemoryType, limit_pages: u64, style: MemoryStyle) -> Option<MemoryData> {
        let reservation_pages = style.reservation / PAGE_SIZE as u64;
        let max_pages = ty
            .limits
            .max
            .unwrap_or(MAX_PAGES)
            .min(limit_pages)
            .min(reservation_pages);
        if ty.limits.min > max_pages {
            return None;
        }
        let guard = style.guard.next_multiple_of(host_page_size() as u64);
        let size = usize::try_from(reservation_pages * PAGE_SIZE as u64 + guard).ok()?;
        let reservation = match IDLE_RESERVATIONS.take(size) {
            Some(reservation) => reservation,
            None => Reservation::new(size).ok()?,
        };
        let mut memory = MemoryData {
            ty,
            vm: Pinned::new(VmMemory {
                base: reservation.base(),
                length: 0,
            }),
            reservation,
            guarded_bytes: size as u64,
            max_pages,
        };
        memory.resize(ty.limits.min)?;
        Some(memory)
    }

    fn resize(&mut self, pages: u64) -> Option<()> {
        let len = pages as usize * PAGE_SIZE;
        self.reservation.set_accessible(len).ok()?;
        self.vm.set(VmMemory {
            base: self.reservation.base(),
            length: len as u64,
        });
        Some(())
    }

    /// Makes the memory's first `image.len()` bytes a copy-on-write mapping
    /// of `image`. Fails, changing nothing, if the memory is smaller or the
    /// mapping cannot be made.
    pub fn map_image(&mut self, image: &CowImage) -> std::io::Result<()> {
        if image.len() > self.reservation.accessible() {
            return Err(std::io::Error::other("the image is larger than the memory"));
        }
        // SAFETY: the range is accessible memory of this memory's own
        // reservation, and `&mut self` means that nothing borrows its bytes.
        unsafe { image.map_at(self.reservation.base()) }
    }

    /// The memory's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.reservation.bytes()
    }

    /// The memory's bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.reservation.bytes_mut()
    }

    /// How many bytes from the base are reserved for this memory, guard
    /// included: an access that ends within them either lies inside the
    /// memory or faults. This is what the memory's style asked for, so that
    /// whether a module may import the memory does not depend on which
    /// reservation the pool happened to hand out.
    pub fn guarded_bytes(&self) -> u64 {
        self.guarded_bytes
    }

    /// Whether `address` lies in the memory's reservation or guard.
    pub fn reserves(&self, address: usize) -> bool {
        self.reservation.contains(address)
    }

    /// The current size in pages.
    pub fn pages(&self) -> u64 {
        (self.reservation.accessible() / PAGE_SIZE) as u64
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
        let bytes = self.bytes();
        let r = range(addr.into(), offset.into(), N as u64, bytes.len())?;
        Ok(bytes[r].try_into().expect("range has length N"))
    }

    /// Writes `bytes` at `addr + offset`.
    #[inline]
    pub fn write(&mut self, addr: u32, offset: u32, bytes: &[u8]) -> Result<(), TrapCode> {
        let memory = self.bytes_mut();
        let r = range(addr.into(), offset.into(), bytes.len() as u64, memory.len())?;
        memory[r].copy_from_slice(bytes);
        Ok(())
    }

    /// The bytes `[addr, addr + len)`, or an out-of-bounds trap.
    pub fn slice_mut(&mut self, addr: u32, len: u32) -> Result<&mut [u8], TrapCode> {
        let bytes = self.bytes_mut();
        let r = range(addr.into(), 0, len.into(), bytes.len())?;
        Ok(&mut bytes[r])
    }

    /// `memory.fill`: checks the whole range before writing anything.
    pub fn fill(&mut self, dst: u32, value: u8, len: u32) -> Result<(), TrapCode> {
        self.slice_mut(dst, len)?.fill(value);
        Ok(())
    }

    /// `memory.copy` within this memory; the ranges may overlap.
    pub fn copy_within(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapCode> {
        let bytes = self.bytes_mut();
        let src = range(src.into(), 0, len.into(), bytes.len())?;
        let dst = range(dst.into(), 0, len.into(), bytes.len())?;
        bytes.copy_within(src, dst.start);
        Ok(())
    }
}
