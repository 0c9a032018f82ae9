//! The result of an allocation: a location for every operand, the moves to
//! insert between instructions, and what the frame must hold.

use crate::types::{Allocation, Inst, PRegSet, RegClass, VReg};

/// A single machine-level move that the backend inserts before an
/// instruction. Every edit is one instruction on x86-64 and AArch64: at most
/// one side is a spill slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Copy a value from one location to another of the same class (a
    /// register move, a spill store or a reload).
    Move {
        /// The location read.
        from: Allocation,
        /// The location written.
        to: Allocation,
    },
    /// Recompute the constant `vreg` into the register `to`, by emitting the
    /// instruction that defines `vreg` again.
    Remat {
        /// The constant to recompute.
        vreg: VReg,
        /// The register to write.
        to: Allocation,
    },
}

/// Counts of what the allocator inserted, for benchmarks and tuning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Register-to-register moves.
    pub moves: usize,
    /// Stores from a register to a spill slot.
    pub spills: usize,
    /// Loads from a spill slot to a register.
    pub reloads: usize,
    /// Constants recomputed instead of reloaded.
    pub remats: usize,
}

/// The result of [`allocate`](crate::allocate).
#[derive(Clone, Debug)]
pub struct Output {
    /// Locations of all operands, instruction after instruction.
    pub(crate) operand_allocs: Vec<Allocation>,
    /// Where the operands of each instruction start in `operand_allocs`
    /// (one more entry than there are instructions).
    pub(crate) operand_offsets: Vec<u32>,
    /// The edits, sorted by instruction, each executed just before it.
    pub(crate) edits: Vec<(Inst, Edit)>,
    /// The class of each spill slot.
    pub(crate) spill_slot_classes: Vec<RegClass>,
    /// Callee-saved registers written by the allocated code.
    pub(crate) used_callee_saved: PRegSet,
    /// What was inserted.
    pub(crate) stats: Stats,
}

impl Output {
    /// The locations of the operands of `inst`, in operand order.
    pub fn inst_allocs(&self, inst: Inst) -> &[Allocation] {
        let start = self.operand_offsets[inst.index()] as usize;
        let end = self.operand_offsets[inst.index() + 1] as usize;
        &self.operand_allocs[start..end]
    }

    /// All edits, in program order; each `(inst, edit)` is executed just
    /// before `inst` (after the edits listed before it for the same `inst`).
    pub fn edits(&self) -> &[(Inst, Edit)] {
        &self.edits
    }

    /// The edits to execute just before `inst`, in order.
    pub fn edits_before(&self, inst: Inst) -> impl Iterator<Item = Edit> + '_ {
        let start = self.edits.partition_point(|&(at, _)| at < inst);
        self.edits[start..]
            .iter()
            .take_while(move |&&(at, _)| at == inst)
            .map(|&(_, edit)| edit)
    }

    /// The number of spill slots the frame must provide.
    pub fn num_spill_slots(&self) -> usize {
        self.spill_slot_classes.len()
    }

    /// The class of each spill slot, indexed by slot number: the backend
    /// sizes each slot for its class.
    pub fn spill_slot_classes(&self) -> &[RegClass] {
        &self.spill_slot_classes
    }

    /// The callee-saved registers that the code writes: the prologue must
    /// save them and the epilogue restore them.
    pub fn used_callee_saved(&self) -> PRegSet {
        self.used_callee_saved
    }

    /// Counts of inserted moves, spills, reloads and rematerializations.
    pub fn stats(&self) -> Stats {
        self.stats
    }
}
