//! [`VCode`]: a function as machine instructions on virtual registers,
//! grouped in blocks, as the register allocator reads it.

use crate::inst::MachInst;
use kiln_regalloc::{Block, Function, Inst, Operand, PRegSet, RegClass, VReg};
use kiln_ssa::flat_lists::FlatLists;

/// One block of machine code.
#[derive(Clone, Debug)]
pub struct MachBlock {
    /// First instruction and one past the last.
    pub range: (Inst, Inst),
}

/// The blocks' parameters, successors with their branch arguments, and
/// predecessors, each kind in one flat list for the whole function: a
/// function of many small blocks then costs a few growing vectors instead
/// of four small ones per block. Blocks are added in order, and their
/// lists while they are the last block.
#[derive(Clone, Debug, Default)]
pub struct ControlFlow {
    /// Parameters of all blocks, and where each block's begin.
    params: Vec<VReg>,
    param_starts: Vec<u32>,
    /// Successors of all blocks, in branch order, and where each block's
    /// begin.
    succs: Vec<Block>,
    succ_starts: Vec<u32>,
    /// Branch arguments of all edges (in the order of `succs`), and where
    /// each edge's begin.
    args: Vec<VReg>,
    arg_starts: Vec<u32>,
    /// Predecessors of every block, filled in by
    /// [`ControlFlow::find_preds`].
    preds: FlatLists<Block>,
}

/// The run of `pool` that `starts[index]` begins, ending where the next
/// begins or at the end of the pool.
fn run<'a, T>(pool: &'a [T], starts: &[u32], index: usize) -> &'a [T] {
    let end = starts
        .get(index + 1)
        .map_or(pool.len(), |&end| end as usize);
    &pool[starts[index] as usize..end]
}

impl ControlFlow {
    /// Lists with room for `blocks` blocks.
    pub fn with_capacity(blocks: usize) -> ControlFlow {
        ControlFlow {
            param_starts: Vec::with_capacity(blocks),
            succs: Vec::with_capacity(blocks * 2),
            succ_starts: Vec::with_capacity(blocks),
            arg_starts: Vec::with_capacity(blocks * 2),
            ..ControlFlow::default()
        }
    }

    /// Adds a block with no parameters or successors yet.
    pub fn push_block(&mut self) {
        self.param_starts.push(self.params.len() as u32);
        self.succ_starts.push(self.succs.len() as u32);
    }

    /// Adds a parameter to the last block.
    pub fn push_param(&mut self, param: VReg) {
        self.params.push(param);
    }

    /// Adds a successor to the last block, with its branch arguments.
    pub fn push_succ(&mut self, succ: Block, args: impl IntoIterator<Item = VReg>) {
        self.succs.push(succ);
        self.arg_starts.push(self.args.len() as u32);
        self.args.extend(args);
    }

    /// Fills in every block's predecessors from the successors, once all
    /// blocks are added: in block order, a block listed once per edge.
    pub fn find_preds(&mut self) {
        let blocks = self.succ_starts.len();
        let mut edges = Vec::with_capacity(self.succs.len());
        for b in 0..blocks {
            for &succ in run(&self.succs, &self.succ_starts, b) {
                edges.push((succ.0, Block(b as u32)));
            }
        }
        self.preds = FlatLists::from_pairs(blocks, &edges);
    }

    /// The parameters of block `b`.
    pub fn params(&self, b: usize) -> &[VReg] {
        run(&self.params, &self.param_starts, b)
    }

    /// The successors of block `b`, in branch order.
    pub fn succs(&self, b: usize) -> &[Block] {
        run(&self.succs, &self.succ_starts, b)
    }

    /// The arguments block `b` passes to its successor number `index`.
    pub fn branch_args(&self, b: usize, index: usize) -> &[VReg] {
        let edge = self.succ_starts[b] as usize + index;
        run(&self.args, &self.arg_starts, edge)
    }

    /// The predecessors of block `b` (after [`ControlFlow::find_preds`]).
    pub fn preds(&self, b: usize) -> &[Block] {
        self.preds.get(b)
    }

    /// The branch arguments of every edge, one after another.
    pub fn all_branch_args(&self) -> &[VReg] {
        &self.args
    }
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
    /// The blocks' parameters, successors, branch arguments and
    /// predecessors.
    pub flow: ControlFlow,
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
    /// Whether the function calls nothing. Calls are the only instructions
    /// that destroy registers besides their operands
    /// ([`LowerCtx::emit_with_clobbers`](crate::LowerCtx::emit_with_clobbers)).
    pub fn is_leaf(&self) -> bool {
        self.clobbers.iter().all(|clobbers| clobbers.is_empty())
    }

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
        self.flow.succs(block.index())
    }

    fn block_preds(&self, block: Block) -> &[Block] {
        self.flow.preds(block.index())
    }

    fn block_params(&self, block: Block) -> &[VReg] {
        self.flow.params(block.index())
    }

    fn branch_args(&self, block: Block, succ_index: usize) -> &[VReg] {
        self.flow.branch_args(block.index(), succ_index)
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
