//! kiln's internal calling convention on AArch64 for wasm-to-wasm calls,
//! and AAPCS64 for runtime helpers. The location algorithm is shared
//! ([`CallConv`]); only the registers are AArch64's.
//!
//! Internal convention (the same shape as on x86-64):
//!
//! - integer arguments (the callee's `vmctx` first) in `x0`-`x7`, float
//!   arguments in `v0`-`v7`, the rest on the stack, 8 bytes each in
//!   parameter order, at `[sp]`, `[sp+8]`, ... at the call (the caller
//!   reserves and releases that area);
//! - integer results in `x0`-`x7`, float results in `v0`-`v7`, the rest in
//!   a result area of 8-byte slots that the caller reserves right after its
//!   stack arguments (the callee writes them at `[x29+16+8*(stack params +
//!   j)]`);
//! - `x19`-`x28`, `x29`, `sp` and the low 64 bits of `v8`-`v15` are
//!   preserved, everything else is destroyed; `x18` is never touched.
//!
//! Runtime helpers are AAPCS64 functions taking integers only, in `x0`-`x7`.

use kiln_machinst::CallConv;
use kiln_regalloc::{PReg, RegClass};

const fn gpr(hw: u8) -> PReg {
    PReg::new(hw, RegClass::Int)
}

const fn fpr(hw: u8) -> PReg {
    PReg::new(hw, RegClass::Float)
}

/// `x0`-`x7`: integer arguments and results of both conventions.
pub const INT_REGS: [PReg; 8] = [
    gpr(0),
    gpr(1),
    gpr(2),
    gpr(3),
    gpr(4),
    gpr(5),
    gpr(6),
    gpr(7),
];

/// `v0`-`v7`: float arguments and results.
pub const FLOAT_REGS: [PReg; 8] = [
    fpr(0),
    fpr(1),
    fpr(2),
    fpr(3),
    fpr(4),
    fpr(5),
    fpr(6),
    fpr(7),
];

/// The internal convention.
pub const INTERNAL: CallConv = CallConv {
    int_args: &INT_REGS,
    float_args: &FLOAT_REGS,
    int_results: &INT_REGS,
    float_results: &FLOAT_REGS,
};
