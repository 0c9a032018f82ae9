//! `kiln-isa-arm64`: kiln's AArch64 backend.
//!
//! A function goes through:
//!
//! 1. `lower`: SSA to machine instructions (`inst`) on virtual
//!    registers, by pattern matching on the use-def graph, through the
//!    shared lowering driver of `kiln-machinst` into its `VCode`;
//! 2. `kiln_regalloc::allocate`: registers, spills and moves;
//! 3. `emit`: prologue, instructions, edits and trap stubs, through the
//!    shared emission driver and the encoder ([`encode`]) into a
//!    [`CompiledFunction`](kiln_ssa::target::CompiledFunction), with
//!    AArch64's label uses of limited range (veneers and constant islands
//!    come from the shared code buffer).
//!
//! Only what is true of AArch64 lives here: the instructions, their
//! selection and encoding, the registers ([`regs`], [`abi`]), the frame's
//! prologue and epilogue, the trap stubs, and the [`trampolines`] that
//! connect compiled code to the engine. The README gives the AArch64
//! side of the contract with the engine; `kiln-machinst`'s README gives the
//! rest.

#![warn(missing_docs)]

pub mod abi;
mod backend;
mod emit;
pub mod encode;
mod inst;
mod lower;
pub mod regs;
pub mod trampolines;

pub use backend::{Arm64Backend, Listing};
pub use trampolines::{entry_trampoline, host_exit_trampoline};
