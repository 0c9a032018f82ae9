//! Making freshly written code visible to instruction fetch on AArch64.
//!
//! AArch64 does not keep its instruction caches coherent with data writes:
//! code written through the data side may sit in a data cache line while a
//! stale line of the instruction cache (or an instruction already fetched)
//! still holds what was at that address before. Before new code runs, each
//! data cache line of it is cleaned to the point of unification (`dc
//! cvau`), each instruction cache line invalidated there (`ic ivau`, which
//! reaches every core of the inner shareable domain), with `dsb ish` after
//! each pass and an `isb` on this thread, the sequence of the architecture
//! manual (and of Wasmtime and compiler-rt's `__clear_cache`). The line
//! sizes come from the cache type register `ctr_el0`, which also says when
//! a pass is not needed (`IDC`, `DIC`).
//!
//! Other threads may run the code too: `membarrier` with `SYNC_CORE` makes
//! every thread of the process execute a context synchronization event, as
//! Wasmtime does. Kernels (and emulators) without it leave that to the
//! synchronization through which another thread learns of the code.

use std::arch::asm;

/// `CTR_EL0.IDC`: cleaning the data cache is not needed for coherence.
const IDC: u64 = 1 << 28;
/// `CTR_EL0.DIC`: invalidating the instruction cache is not needed.
const DIC: u64 = 1 << 29;

/// `membarrier` commands (`linux/membarrier.h`).
const MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE: libc::c_long = 1 << 5;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: libc::c_long = 1 << 6;

/// The cache type register.
fn cache_type() -> u64 {
    let ctr: u64;
    // SAFETY: Linux lets user space read `ctr_el0` (or traps and emulates
    // the read); it has no side effects.
    unsafe { asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack, preserves_flags)) };
    ctr
}

/// The start of every line of `line` bytes that holds part of `range`.
fn lines(range: &[u8], line: usize) -> impl Iterator<Item = usize> {
    let start = range.as_ptr() as usize;
    let end = start + range.len();
    (start & !(line - 1)..end).step_by(line)
}

/// Makes the code in `code`, written through data accesses, what
/// instruction fetch sees from now on, on every core.
pub(super) fn publish(code: &[u8]) {
    let ctr = cache_type();
    if ctr & IDC == 0 {
        // `DminLine`, bits 19:16: log2 of the smallest data line in words.
        for line in lines(code, 4 << ((ctr >> 16) & 0xF)) {
            // SAFETY: `line` lies in a line that holds part of `code`, which
            // is mapped readable; cleaning a cache line changes no memory.
            unsafe { asm!("dc cvau, {}", in(reg) line, options(nostack, preserves_flags)) };
        }
    }
    // SAFETY: a barrier changes no memory or register.
    unsafe { asm!("dsb ish", options(nostack, preserves_flags)) };
    if ctr & DIC == 0 {
        // `IminLine`, bits 3:0: log2 of the smallest instruction line in words.
        for line in lines(code, 4 << (ctr & 0xF)) {
            // SAFETY: as for `dc cvau`; invalidating an instruction cache
            // line only makes later fetches read memory again.
            unsafe { asm!("ic ivau, {}", in(reg) line, options(nostack, preserves_flags)) };
        }
    }
    // SAFETY: barriers change no memory or register.
    unsafe { asm!("dsb ish", "isb", options(nostack, preserves_flags)) };
    synchronize_other_threads();
}

/// Has every thread of the process execute a context synchronization
/// event (`isb`), so that none runs instructions it fetched before.
fn synchronize_other_threads() {
    let membarrier = |command: libc::c_long| {
        // SAFETY: `membarrier` with these commands and no flags reads and
        // writes no memory of the process.
        unsafe { libc::syscall(libc::SYS_membarrier, command, 0, 0) }
    };
    if membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) == 0 {
        return;
    }
    // The process must register its intent once; a kernel without the
    // command (`EINVAL`, `ENOSYS`) leaves nothing more to do.
    if std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
        && membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) == 0
    {
        membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_of_a_range_cover_it_from_its_first_line_on() {
        let bytes = [0u8; 200];
        let range = &bytes[10..150];
        let start = range.as_ptr() as usize;
        let covered: Vec<usize> = lines(range, 64).collect();
        assert_eq!(covered[0], start & !63);
        assert!(covered.windows(2).all(|pair| pair[1] - pair[0] == 64));
        assert!(covered.last().unwrap() + 64 >= start + range.len());
        assert!(*covered.last().unwrap() < start + range.len());
    }

    #[test]
    fn the_cache_type_register_gives_line_sizes_of_16_to_2048_bytes() {
        let ctr = cache_type();
        for log2_words in [(ctr >> 16) & 0xF, ctr & 0xF] {
            assert!((2..=9).contains(&log2_words), "ctr_el0 = {ctr:#x}");
        }
    }
}
