//! The interface between the allocator and a backend: the [`Function`] trait
//! that describes code on virtual registers, and the [`MachineEnv`] that
//! describes the target's register file.
//!
//! The allocator knows nothing else about the code: not what an instruction
//! does, only which registers it reads and writes, under which constraints,
//! and which registers it destroys.

use crate::operand::Operand;
use crate::types::{Block, Inst, PReg, PRegSet, RegClass, VReg};

/// Code on virtual registers, in SSA form, as the allocator sees it.
///
/// The contract (checked by [`allocate`](crate::allocate) before it starts):
///
/// - Blocks are `0..num_blocks()`, block 0 is the entry and has no
///   parameters, and every block is reachable from it. The order of the
///   instruction indices is the order the allocator scans the code in, so a
///   reverse post-order that keeps loop bodies together gives the best code.
/// - Each block's instructions are a non-empty range of consecutive indices;
///   together they cover `0..num_insts()`. The last instruction of a block is
///   its terminator: it has no defs, and when the block has exactly one
///   successor the terminator has no operands at all (the allocator places
///   the moves for that edge just before it).
/// - There are no critical edges: an edge from a block with several
///   successors goes to a block with a single predecessor.
/// - Every virtual register is defined exactly once, by a def operand or as
///   a block parameter, and that definition dominates its uses.
/// - Branch arguments travel on edges: the terminator of a block passes
///   [`Function::branch_args`] to the parameters of each successor.
pub trait Function {
    /// The number of instructions.
    fn num_insts(&self) -> usize;

    /// The number of blocks.
    fn num_blocks(&self) -> usize;

    /// The number of virtual registers.
    fn num_vregs(&self) -> usize;

    /// The first and one-past-last instruction of `block`.
    fn block_insts(&self, block: Block) -> (Inst, Inst);

    /// The successors of `block`, in the order of [`Function::branch_args`].
    fn block_succs(&self, block: Block) -> &[Block];

    /// The predecessors of `block`.
    fn block_preds(&self, block: Block) -> &[Block];

    /// The parameters of `block` (SSA values defined on entry).
    fn block_params(&self, block: Block) -> &[VReg];

    /// The values that the terminator of `block` passes to the parameters of
    /// its successor number `succ_index`.
    fn branch_args(&self, block: Block, succ_index: usize) -> &[VReg];

    /// The operands of `inst`.
    fn inst_operands(&self, inst: Inst) -> &[Operand];

    /// The registers whose contents `inst` destroys (a call's caller-saved
    /// registers). The defs of `inst` are written after the clobber, so a
    /// call's result may live in a clobbered register.
    fn inst_clobbers(&self, inst: Inst) -> PRegSet;

    /// The class of `vreg`.
    fn vreg_class(&self, vreg: VReg) -> RegClass;

    /// Whether `vreg` is a constant that the backend can recompute anywhere
    /// (its definition reads nothing and has no side effect). The allocator
    /// may then emit [`Edit::Remat`](crate::Edit::Remat) instead of spilling
    /// and reloading it.
    fn is_constant(&self, vreg: VReg) -> bool;
}

/// The register file of a target, as the allocator needs to know it.
#[derive(Clone, Debug)]
pub struct MachineEnv {
    /// The registers the allocator may hand out, per class (indexed by
    /// [`RegClass::index`]), in order of preference.
    pub allocatable: [Vec<PReg>; 2],
    /// The registers a function must preserve for its caller. Using one costs
    /// a save and a restore, so the allocator prefers the others.
    pub callee_saved: PRegSet,
    /// The registers that calls destroy (what a call's
    /// [`Function::inst_clobbers`] usually returns).
    pub caller_saved: PRegSet,
    /// One register per class that is never allocated: the allocator uses it
    /// to move between two spill slots and to break cycles of moves.
    pub scratch: [PReg; 2],
}

impl MachineEnv {
    /// The allocatable registers of `class`.
    pub fn regs(&self, class: RegClass) -> &[PReg] {
        &self.allocatable[class.index()]
    }

    /// The scratch register of `class`.
    pub fn scratch(&self, class: RegClass) -> PReg {
        self.scratch[class.index()]
    }
}
