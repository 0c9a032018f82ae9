//! The contract between compiled code and the engine that runs it, the
//! same for every ISA: the records compiled code reads and writes at fixed
//! offsets, the signatures of the functions each side calls, and how
//! values and statuses travel. `machinst/README.md` tells the whole
//! contract; the engine asserts that its records have these layouts.
//!
//! Statuses: every function on the boundary that may fail returns 0 for
//! success or `1 + trap code` (`kiln_ssa::TrapCode as u32`), so that 0
//! stays free to mean success.

use kiln_ssa::TrapCode;

/// Offsets in the store's `VmRuntime` record, which every instance
/// context points to at `VmLayout::RUNTIME` (and a host-function record at
/// [`host_record::RUNTIME`]).
pub mod vm_runtime {
    /// `u64`: the lowest stack pointer compiled code may use. The
    /// prologue of every function compares its lowered stack pointer with
    /// it and traps with `StackOverflow` below it.
    pub const STACK_LIMIT: i32 = 0;
    /// `u64`: the stack pointer a trap unwinds to: the innermost entry
    /// trampoline's landing pad.
    pub const ENTRY_SP: i32 = 8;
    /// `u32`: the code of the last trap.
    pub const TRAP_CODE: i32 = 16;
    /// [`TrapHook`](super::TrapHook): the engine's function that records a
    /// trap's backtrace, called by trap stubs before they unwind.
    pub const TRAP_HOOK: i32 = 24;
}

/// Offsets in the record a host function's context points to.
pub mod host_record {
    /// `*mut VmRuntime`, like at the start of every context, so that the
    /// stack check and the trap path work the same.
    pub const RUNTIME: i32 = 0;
    /// [`HostShim`](super::HostShim): what the host-exit trampoline calls.
    pub const SHIM: i32 = 8;
}

/// Called by a trap stub as `hook(runtime, fp, pc)` while the trapping
/// frames are still on the stack: `fp` heads the chain of frame pointers
/// (`[fp]` = the caller's frame pointer, `[fp + 8]` = the return address)
/// and `pc` lies inside the trapping function.
pub type TrapHook = extern "C" fn(runtime: *mut u8, fp: u64, pc: u64);

/// Called by a host-exit trampoline with the host-function record, the
/// value array holding the arguments (and receiving the results), and the
/// calling wasm function's context (null when the caller is an entry
/// trampoline). Returns a status.
pub type HostShim = extern "C" fn(record: *mut u8, values: *mut u64, caller_vmctx: *mut u8) -> u32;

/// How the engine calls an entry trampoline: the callee's code and
/// context, and the value array holding the arguments (and receiving the
/// results). Returns a status.
pub type EntryTrampoline =
    unsafe extern "C" fn(callee: *const u8, vmctx: *mut u8, values: *mut u64) -> u32;

/// What every runtime helper returns (in two registers: `rax:rdx` on
/// x86-64, `x0:x1` on AArch64). Compiled code checks `status` after every
/// helper call and traps with `status - 1` when it is not 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperReturn {
    /// The helper's result, when it has one (`i32` results in the low 32
    /// bits).
    pub value: u64,
    /// 0, or `1 + trap code`.
    pub status: u64,
}

impl HelperReturn {
    /// Success with `value`.
    pub fn value(value: u64) -> HelperReturn {
        HelperReturn { value, status: 0 }
    }

    /// A trap with `code`.
    pub fn trap(code: TrapCode) -> HelperReturn {
        HelperReturn {
            value: 0,
            status: u64::from(trap_status(code)),
        }
    }
}

/// The status that reports a trap with `code`.
pub fn trap_status(code: TrapCode) -> u32 {
    code as u32 + 1
}

/// The number of 8-byte slots of a trampoline's value array for a
/// function with `params` parameters and `results` results: arguments go
/// in, results come out, in the same slots (`i32`/`f32` in the low bits,
/// zero-extended).
pub fn value_slots(params: usize, results: usize) -> usize {
    params.max(results)
}
