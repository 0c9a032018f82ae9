//! kiln's internal calling convention on x86-64 for wasm-to-wasm calls,
//! and the SysV convention used for runtime helpers. The location
//! algorithm is shared ([`CallConv`]); only the registers are x86-64's.
//!
//! Internal convention (see the README for the full contract):
//!
//! - integer arguments (the callee's `vmctx` first) in `rdi rsi rdx rcx r8
//!   r9`, float arguments in `xmm0`-`xmm7`, the rest on the stack, 8 bytes
//!   each in parameter order, at `[rsp]`, `[rsp+8]`, ... at the call (the
//!   caller reserves and releases that area);
//! - integer results in `rax rdx rcx rsi rdi r8 r9 r10`, float results in
//!   `xmm0`-`xmm7`, the rest in a result area of 8-byte slots that the
//!   caller reserves right after its stack arguments (the callee writes them
//!   at `[rbp+16+8*(stack params + j)]`);
//! - `rbx rbp r12-r15` are preserved, everything else is destroyed.

use crate::regs::{R8, R9, R10, RAX, RCX, RDI, RDX, RSI, Xmm};
use kiln_machinst::CallConv;
use kiln_regalloc::PReg;

const FLOATS: [PReg; 8] = [
    Xmm(0).preg(),
    Xmm(1).preg(),
    Xmm(2).preg(),
    Xmm(3).preg(),
    Xmm(4).preg(),
    Xmm(5).preg(),
    Xmm(6).preg(),
    Xmm(7).preg(),
];

/// SysV argument registers, used for runtime helpers (all integers).
pub const SYSV_ARGS: [PReg; 6] = [
    RDI.preg(),
    RSI.preg(),
    RDX.preg(),
    RCX.preg(),
    R8.preg(),
    R9.preg(),
];

/// The internal convention.
pub const INTERNAL: CallConv = CallConv {
    int_args: &SYSV_ARGS,
    float_args: &FLOATS,
    int_results: &[
        RAX.preg(),
        RDX.preg(),
        RCX.preg(),
        RSI.preg(),
        RDI.preg(),
        R8.preg(),
        R9.preg(),
        R10.preg(),
    ],
    float_results: &FLOATS,
};
