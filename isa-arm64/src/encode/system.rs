//! System instructions: hints, breakpoints and the permanently undefined
//! instruction (for traps and padding), barriers, the cache maintenance that
//! makes freshly written code visible to instruction fetch, and reading the
//! cache type register.
//!
//! Publishing code on AArch64 takes, for each data cache line,
//! `dc cvau`; then `dsb ish`; for each instruction cache line, `ic ivau`;
//! then `dsb ish` and `isb`. The line sizes come from `ctr_el0`
//! (`mrs xt, ctr_el0`; bits 19:16 and 3:0 are log2 of the data and
//! instruction line sizes in words).

use super::reg_d;
use crate::regs::Gpr;

/// `nop`: also the padding between code and an aligned target.
pub const NOP: u32 = 0xD503_201F;

/// `brk #imm16`: a breakpoint exception carrying `imm16`.
pub fn brk(imm16: u16) -> u32 {
    0xD420_0000 | u32::from(imm16) << 5
}

/// `udf #imm16`: permanently undefined (a `SIGILL`); the word is `imm16`
/// itself, so it also pads data that must never run.
pub fn udf(imm16: u16) -> u32 {
    u32::from(imm16)
}

/// The barriers, inner shareable domain (all the cores that run the
/// process) and the instruction synchronization barrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Barrier {
    /// `dmb ish`: memory accesses before it are observed before those after.
    DmbIsh = 0xD503_3BBF,
    /// `dsb ish`: also waits for them, and for cache maintenance, to finish.
    DsbIsh = 0xD503_3B9F,
    /// `isb`: instructions after it are fetched anew.
    Isb = 0xD503_3FDF,
}

/// The barrier's word.
pub fn barrier(barrier: Barrier) -> u32 {
    barrier as u32
}

/// Cache maintenance by virtual address, to the point of unification
/// (where instruction fetch and data accesses meet):
/// `sys #3, c7, cN, #1, xt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum CacheOp {
    /// `dc cvau`: clean the data cache line holding the address.
    DcCvau = 0xD50B_7B20,
    /// `ic ivau`: invalidate the instruction cache line holding the address.
    IcIvau = 0xD50B_7520,
}

/// `dc cvau, xt` or `ic ivau, xt`.
pub fn cache_op(op: CacheOp, rt: Gpr) -> u32 {
    op as u32 | reg_d(rt.hw())
}

/// `mrs xt, ctr_el0`: the cache type register.
pub fn mrs_ctr_el0(rt: Gpr) -> u32 {
    0xD53B_0020 | reg_d(rt.hw())
}
