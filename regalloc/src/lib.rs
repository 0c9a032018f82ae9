//! `kiln-regalloc`: the register allocator of kiln's machine backends.
//!
//! A backend describes its code on virtual registers through the
//! [`Function`] trait and its register file through a [`MachineEnv`];
//! [`allocate`] returns an [`Output`] with a location for every operand and
//! the moves, spills, reloads and rematerializations to insert. The crate
//! knows nothing of wasm or of kiln's SSA IR, so that it can be tested alone
//! on generated programs.
//!
//! The allocator is a linear scan on SSA form in the style of Wimmer and
//! Franz. The stages, one module each:
//!
//! 1. [`validate`]: the function keeps the trait's contract. [`allocate`]
//!    runs it in debug builds; a caller whose functions do not come from a
//!    tested backend runs it first in every build.
//! 2. `cfg`: loop depths, which weigh the cost of spilling; `loop_forest`:
//!    the loops that liveness may mark whole.
//! 3. `build`: liveness and live intervals with holes, and the physical
//!    registers reserved by fixed operands and clobbers.
//! 4. `linear_scan`: registers for intervals, with splitting and spilling.
//! 5. `spill_slots`: stack slots, reused when free.
//! 6. `resolve`, with `homes` and `parallel_move`: operand locations and the
//!    moves between instructions and on edges.
//! 7. `checker` ([`check`]): a symbolic proof that the result is right; it
//!    runs on every allocation in debug builds.

mod build;
mod cfg;
mod checker;
mod entry_regs;
mod error;
mod function;
mod homes;
mod interval;
mod linear_scan;
mod loop_forest;
mod operand;
mod output;
mod parallel_move;
mod resolve;
mod spill_slots;
#[cfg(test)]
mod test_code;
mod types;
mod validate;

pub use checker::{CheckError, check};
pub use error::AllocError;
pub use function::{Function, MachineEnv};
pub use operand::{Constraint, Operand, OperandKind};
pub use output::{Edit, Output, Stats};
pub use types::{Allocation, Block, Inst, PReg, PRegSet, RegClass, SpillSlot, VReg};
pub use validate::validate;

/// Allocates registers for `func` on the machine `env`.
///
/// In debug builds `func` is first held to the contract of [`Function`]
/// with [`validate`], and the result is run through [`check`]; a rejection
/// is returned as [`AllocError::Rejected`]. Release builds trust the
/// contract, which a backend's tests and fuzzing keep: a function that
/// breaks it may be refused, allocated wrongly or make this panic, so a
/// caller whose functions are not known to keep it calls [`validate`]
/// first.
pub fn allocate<F: Function>(func: &F, env: &MachineEnv) -> Result<Output, AllocError> {
    if cfg!(debug_assertions) {
        validate(func, env)?;
    }
    let search = cfg::DepthFirst::of(func);
    let loops = cfg::LoopInfo::compute(func, &search);
    let forest = loop_forest::LoopForest::compute(func, &search);
    let lifetimes = build::build_lifetimes(func, &loops, &forest)?;
    let build::Lifetimes {
        pools,
        hints,
        fixed,
        def_block,
        stack_ranges,
        hint_from,
    } = lifetimes;
    let intervals = pools.whole_intervals(&hints);
    let allocated = linear_scan::linear_scan(func, env, &loops, intervals, fixed, hint_from)?;
    let slots = spill_slots::assign_spill_slots(func, &allocated, &stack_ranges);
    let output = resolve::resolve(func, env, &def_block, &allocated, slots);
    if cfg!(debug_assertions) {
        check(func, env, &output).map_err(AllocError::Rejected)?;
    }
    Ok(output)
}
