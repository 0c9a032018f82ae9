//! [`VCode`]: a function as machine instructions on virtual registers,
//! grouped in blocks, as the register allocator reads it.

use crate::inst::MachInst;
use kiln_regalloc::{Block, Function, Inst, Operand, PRegSet, RegClass, VReg};

/// One block of machine code.
#[derive(Clone, Debug)]
pub struct MachBlock {
    /// First instruction and one past the last.
    pub range: (Inst, Inst),
    /// Successors, in branch order.
    pub succs: Vec<Block>,
    /// Predecessors.
    pub preds: Vec<Block>,
    /// Parameters.
    pub params: Vec<VReg>,
    /// Arguments for the parameters of each successor.
    pub branch_args: Vec<Vec<VReg>>,
}

/// A lowered function: instructions of type `I`, their operands and
/// clobbers, and blocks in program order (block 0 is the entry).
#[derive(Clone, Debug)]
pub struct VCode<I> {
    /// Instructions in program order.
    pub insts: Vec<I>,
    /// Operands of all instructions, concatenated.
    pub operands: Vec<Operand>,
    /// Where each instruction's operands start in `operands` (one extra
    /// entry at the end).
    pub operand_starts: Vec<u32>,
    /// Registers each instruction destroys.
    pub clobbers: Vec<PRegSet>,
    /// Blocks in program order; block 0 is the entry.
    pub blocks: Vec<MachBlock>,
    /// The class of every virtual register.
    pub vreg_classes: Vec<RegClass>,
    /// The defining instruction of each constant virtual register, emitted
    /// again to recompute it instead of reloading it.
    pub constants: Vec<Option<I>>,
    /// Stack slots the largest call needs for outgoing arguments and
    /// results.
    pub outgoing_slots: u32,
}

impl<I> VCode<I> {
    /// The operands of `inst`.
    pub fn operands_of(&self, inst: Inst) -> &[Operand] {
        let start = self.operand_starts[inst.index()] as usize;
        let end = self.operand_starts[inst.index() + 1] as usize;
        &self.operands[start..end]
    }
}

impl<I: MachInst> Function for VCode<I> {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }

    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }

    fn num_vregs(&self) -> usize {
        self.vreg_classes.len()
    }

    fn block_insts(&self, block: Block) -> (Inst, Inst) {
        self.blocks[block.index()].range
    }

    fn block_succs(&self, block: Block) -> &[Block] {
        &self.blocks[block.index()].succs
    }

    fn block_preds(&self, block: Block) -> &[Block] {
        &self.blocks[block.index()].preds
    }

    fn block_params(&self, block: Block) -> &[VReg] {
        &self.blocks[block.index()].params
    }

    fn branch_args(&self, block: Block, succ_index: usize) -> &[VReg] {
        &self.blocks[block.index()].branch_args[succ_index]
    }

    fn inst_operands(&self, inst: Inst) -> &[Operand] {
        self.operands_of(inst)
    }

    fn inst_clobbers(&self, inst: Inst) -> PRegSet {
        self.clobbers[inst.index()]
    }

    fn vreg_class(&self, vreg: VReg) -> RegClass {
        self.vreg_classes[vreg.index()]
    }

    fn is_constant(&self, vreg: VReg) -> bool {
        self.constants[vreg.index()].is_some()
    }
}
