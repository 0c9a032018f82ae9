//! `kiln-isa-amd64`: kiln's x86-64 backend.
//!
//! - [`regs`]: registers and the allocator's view of them;
//! - [`encode`]: a table-driven x86-64 assembler.

pub mod encode;
pub mod regs;
