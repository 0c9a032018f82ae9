//! `kiln-isa-arm64`: the foundation of kiln's AArch64 backend.
//!
//! It holds what is true of the ISA alone:
//!
//! - [`abi`]: the internal calling convention's register lists;
//! - [`regs`]: the register file, the AAPCS64 roles of its registers, and the
//!   allocator's view of it;
//! - [`encode`]: pure functions from operands to 32-bit instruction words,
//!   checked against GNU `as` by the golden tests;
//! - [`trampolines`]: the entry and host-exit trampolines between the engine
//!   and compiled code.
//!
//! Lowering, register-allocation glue and emission (code buffer, labels,
//! veneers, frames) are not written yet: they will be built on the shared
//! machine layer. The README says what is here and what is not.

#![warn(missing_docs)]

pub mod abi;
pub mod encode;
pub mod regs;
pub mod trampolines;
