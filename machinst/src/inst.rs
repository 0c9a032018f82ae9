//! [`MachInst`]: what the shared parts of a backend must know about an
//! ISA's instructions. Everything else about an instruction (its encoding,
//! what its operands mean) stays in the ISA crate.

use std::fmt::Debug;

/// An ISA's machine instruction on virtual registers.
///
/// The instruction keeps its register operands beside it, as allocator
/// [`Operand`](kiln_regalloc::Operand)s in the [`VCode`](crate::VCode), so
/// the trait only asks for what the lowering driver and the emission driver
/// decide on their own: which instructions they create, which they may
/// remove, and which blocks they may skip.
pub trait MachInst: Clone + Debug {
    /// The first instruction of the entry block: it defines each parameter
    /// that arrives in a register, with one fixed def per parameter, and
    /// emits no code.
    fn args() -> Self;

    /// Reads incoming stack parameter `slot` (8-byte slots, in parameter
    /// order) into its single def.
    fn stack_arg(slot: u32) -> Self;

    /// An unconditional jump to the block's single successor, without
    /// operands.
    fn jump() -> Self;

    /// Whether this is the instruction [`MachInst::jump`] makes. A block
    /// holding only such a jump (and no allocator moves) is not emitted:
    /// jumps to it go straight to where it leads.
    fn is_jump(&self) -> bool;

    /// Whether the instruction only computes its defs: no memory access, no
    /// trap, no control flow, no other effect. Such an instruction is
    /// removed when none of its defs is read.
    fn is_pure(&self) -> bool;
}
