//! kiln's internal calling convention for wasm-to-wasm calls, and the SysV
//! convention used for runtime helpers.
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

use crate::regs::{Gpr, R8, R9, R10, RAX, RCX, RDI, RDX, RSI, Xmm};
use kiln_regalloc::PReg;
use kiln_ssa::Type;

/// Integer argument registers, in order.
pub const INT_ARGS: [Gpr; 6] = [RDI, RSI, RDX, RCX, R8, R9];
/// Float argument registers, in order.
pub const FLOAT_ARGS: [Xmm; 8] = [
    Xmm(0),
    Xmm(1),
    Xmm(2),
    Xmm(3),
    Xmm(4),
    Xmm(5),
    Xmm(6),
    Xmm(7),
];
/// Integer result registers, in order.
pub const INT_RESULTS: [Gpr; 8] = [RAX, RDX, RCX, RSI, RDI, R8, R9, R10];
/// Float result registers, in order.
pub const FLOAT_RESULTS: [Xmm; 8] = FLOAT_ARGS;

/// Where one argument or result travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// In a register.
    Reg(PReg),
    /// In the stack argument area, at this 8-byte slot.
    Stack(u32),
}

/// The locations of the parameters of a function with these types
/// (`vmctx` included, first).
pub fn param_locations(params: &[Type]) -> Vec<Location> {
    let (mut ints, mut floats, mut stack) = (0, 0, 0);
    params
        .iter()
        .map(|ty| {
            if ty.is_float() && floats < FLOAT_ARGS.len() {
                floats += 1;
                Location::Reg(FLOAT_ARGS[floats - 1].preg())
            } else if !ty.is_float() && ints < INT_ARGS.len() {
                ints += 1;
                Location::Reg(INT_ARGS[ints - 1].preg())
            } else {
                stack += 1;
                Location::Stack(stack - 1)
            }
        })
        .collect()
}

/// The number of stack slots among `locations`.
pub fn stack_slots(locations: &[Location]) -> u32 {
    locations
        .iter()
        .filter(|loc| matches!(loc, Location::Stack(_)))
        .count() as u32
}

/// The locations of results of these types: registers while they last,
/// then slots of the result area, which the caller reserves right after
/// its stack arguments (`Location::Stack(j)` is the `j`-th slot of it).
pub fn result_locations(results: &[Type]) -> Vec<Location> {
    let (mut ints, mut floats, mut stack) = (0, 0, 0);
    results
        .iter()
        .map(|ty| {
            let reg = if ty.is_float() {
                floats += 1;
                FLOAT_RESULTS.get(floats - 1).map(|x| x.preg())
            } else {
                ints += 1;
                INT_RESULTS.get(ints - 1).map(|r| r.preg())
            };
            reg.map(Location::Reg).unwrap_or_else(|| {
                stack += 1;
                Location::Stack(stack - 1)
            })
        })
        .collect()
}

/// SysV argument registers, used for runtime helpers (all integers).
pub const SYSV_ARGS: [Gpr; 6] = [RDI, RSI, RDX, RCX, R8, R9];
