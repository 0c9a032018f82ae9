//! [`HugePageAlloc`]: a global allocator for hosts that compile large
//! modules, which puts large blocks on transparent huge pages.
//!
//! The compiler's working set grows with the function it compiles: a
//! function of a hundred thousand instructions spreads its instructions,
//! values, live intervals and tables over tens of megabytes, read again by
//! every pass. On 4 KiB pages that is thousands of pages, far more than the
//! processor's TLB maps, so past a size every pass pays page-table walks on
//! top of its cache misses, and compile time grows faster than the function.
//! A 2 MiB page maps 512 times as much. Most Linux systems give huge pages
//! only to memory that asks for them (transparent huge pages in `madvise`
//! mode), and the system allocator does not ask.
//!
//! So on Linux, blocks of at least [`BIG`] bytes are mappings of their own,
//! aligned to and sized in whole huge pages, advised `MADV_HUGEPAGE` before
//! anything touches them (a huge page is only given to a range that has no
//! small page in it yet); they grow in place when the mapping after them is
//! free, else by moving to a new mapping. Smaller blocks, and every block on
//! other systems, come from the system allocator. The kernel may still
//! refuse huge pages; the blocks work the same.
//!
//! The `kiln` command installs it; a host installs it with
//! `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};

/// The size of a huge page, and the alignment and unit of big blocks.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// The smallest block that gets a mapping of its own.
#[cfg(target_os = "linux")]
const BIG: usize = HUGE_PAGE;

/// The system allocator, with large blocks on huge pages.
///
/// ```no_run
/// #[global_allocator]
/// static ALLOCATOR: kiln::HugePageAlloc = kiln::HugePageAlloc::new();
/// ```
#[derive(Default)]
pub struct HugePageAlloc;

impl HugePageAlloc {
    /// The allocator, for a `static`.
    pub const fn new() -> HugePageAlloc {
        HugePageAlloc
    }
}

/// Whether a block of this layout is a mapping of its own.
#[cfg(target_os = "linux")]
fn is_big(layout: Layout) -> bool {
    layout.size() >= BIG && layout.align() <= HUGE_PAGE
}

#[cfg(not(target_os = "linux"))]
fn is_big(_: Layout) -> bool {
    false
}

#[cfg(target_os = "linux")]
mod mapping {
    use super::HUGE_PAGE;

    /// The length of the mapping of a block of `size` bytes.
    pub(super) fn length(size: usize) -> usize {
        size.next_multiple_of(HUGE_PAGE)
    }

    /// Maps `length` bytes (a multiple of [`HUGE_PAGE`]) at an address
    /// aligned to [`HUGE_PAGE`], advised for huge pages; null if the
    /// system has no room.
    pub(super) fn map(length: usize) -> *mut u8 {
        let padded = length + HUGE_PAGE;
        // SAFETY: an anonymous private mapping at an address of the
        // kernel's choice touches no existing memory.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                padded,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = (raw as usize).next_multiple_of(HUGE_PAGE);
        let head = start - raw as usize;
        let tail = padded - head - length;
        // SAFETY: the head and tail lie inside the mapping just made and
        // outside the aligned range kept; a range of length zero is skipped.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((start + length) as *mut libc::c_void, tail);
            }
            libc::madvise(start as *mut libc::c_void, length, libc::MADV_HUGEPAGE);
        }
        start as *mut u8
    }

    /// Grows the mapping at `ptr` from `old` to `new` bytes where it is,
    /// if the addresses after it are free; false if they are not.
    pub(super) fn grow_in_place(ptr: *mut u8, old: usize, new: usize) -> bool {
        // SAFETY: `ptr..ptr + old` is a mapping this allocator made; without
        // MREMAP_MAYMOVE the kernel only extends it into free addresses.
        let grown = unsafe { libc::mremap(ptr.cast(), old, new, 0) };
        if grown == libc::MAP_FAILED {
            return false;
        }
        // SAFETY: the range is the part just added to this mapping.
        unsafe {
            libc::madvise(ptr.add(old).cast(), new - old, libc::MADV_HUGEPAGE);
        }
        true
    }

    /// Unmaps `length` bytes at `ptr`.
    ///
    /// # Safety
    /// `ptr..ptr + length` is a mapping this allocator made, or the end of
    /// one, and nothing uses it any more.
    pub(super) unsafe fn unmap(ptr: *mut u8, length: usize) {
        // SAFETY: the caller's contract.
        unsafe {
            libc::munmap(ptr.cast(), length);
        }
    }
}

// SAFETY: a big block is a fresh mapping, zeroed by the kernel, aligned to
// a huge page (at least its layout's alignment, which `is_big` bounds) and
// at least as long as its layout; it is unmapped only by `dealloc` and
// `realloc`, which receive its layout and so find the same length. Every
// other block comes from and goes back to `System` unchanged.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if is_big(layout) {
            return mapping::map(mapping::length(layout.size()));
        }
        // SAFETY: the caller keeps `GlobalAlloc::alloc`'s contract, which
        // is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_big(layout) {
            // SAFETY: as for `alloc`; a new mapping is zeroed.
            return unsafe { self.alloc(layout) };
        }
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(target_os = "linux")]
        if is_big(layout) {
            // SAFETY: a big layout's block is a mapping of this length.
            unsafe { mapping::unmap(ptr, mapping::length(layout.size())) };
            return;
        }
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller keeps `realloc`'s contract: `new_size` is
        // non-zero and, rounded to the alignment, does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_big(layout) && !is_big(new_layout) {
            // SAFETY: `ptr` came from `System` with `layout`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        #[cfg(target_os = "linux")]
        if is_big(layout) && is_big(new_layout) {
            let (old, new) = (mapping::length(layout.size()), mapping::length(new_size));
            if new == old {
                return ptr;
            }
            if new < old {
                // SAFETY: the tail past `new` is the end of this block's
                // mapping, and the caller gives up everything past
                // `new_size`.
                unsafe { mapping::unmap(ptr.add(new), old - new) };
                return ptr;
            }
            if mapping::grow_in_place(ptr, old, new) {
                return ptr;
            }
        }
        // SAFETY: `new_layout` is valid (above); the old block is read
        // for the bytes both blocks hold, then freed with its own layout.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Allocates, fills, grows, shrinks and frees blocks across the size
    /// where they become mappings of their own, checking their contents
    /// at every step.
    #[test]
    fn blocks_keep_their_contents_across_sizes() {
        let alloc = HugePageAlloc::new();
        let sizes = [100, 1 << 20, 3 << 20, 9 << 20, 4 << 20, 100];
        let mut layout = Layout::from_size_align(sizes[0], 16).unwrap();
        // SAFETY: each block is used within its layout and freed once.
        unsafe {
            let mut block = alloc.alloc(layout);
            assert!(!block.is_null());
            let fill = |block: *mut u8, len: usize| {
                for i in (0..len).step_by(4093) {
                    *block.add(i) = (i % 251) as u8;
                }
            };
            let check = |block: *mut u8, len: usize| {
                for i in (0..len).step_by(4093) {
                    assert_eq!(*block.add(i), (i % 251) as u8, "byte {i} of {len}");
                }
            };
            fill(block, layout.size());
            for &size in &sizes[1..] {
                block = alloc.realloc(block, layout, size);
                assert!(!block.is_null());
                assert_eq!(block as usize % 16, 0);
                check(block, layout.size().min(size));
                layout = Layout::from_size_align(size, 16).unwrap();
                fill(block, size);
            }
            alloc.dealloc(block, layout);
        }
    }

    #[test]
    fn big_zeroed_blocks_are_zero_and_aligned() {
        let alloc = HugePageAlloc::new();
        let layout = Layout::from_size_align(5 << 20, 4096).unwrap();
        // SAFETY: the block is read within its layout and freed once.
        unsafe {
            let block = alloc.alloc_zeroed(layout);
            assert!(!block.is_null());
            assert_eq!(block as usize % 4096, 0);
            assert!((0..layout.size()).step_by(4096).all(|i| *block.add(i) == 0));
            alloc.dealloc(block, layout);
        }
    }
}
