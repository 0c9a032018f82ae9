//! A small hand-built [`Function`] for the unit tests of the crate.

use crate::function::Function;
use crate::operand::Operand;
use crate::types::{Block, Inst, PRegSet, RegClass, VReg};

/// A small function: blocks of instructions, built by hand.
#[derive(Default)]
pub(crate) struct Code {
    pub(crate) insts: Vec<(Vec<Operand>, PRegSet)>,
    pub(crate) blocks: Vec<CodeBlock>,
    pub(crate) classes: Vec<RegClass>,
    pub(crate) constants: Vec<VReg>,
}

/// One block of a [`Code`].
#[derive(Default)]
pub(crate) struct CodeBlock {
    range: (u32, u32),
    params: Vec<VReg>,
    succs: Vec<Block>,
    preds: Vec<Block>,
    args: Vec<Vec<VReg>>,
}

impl Code {
    /// An empty function over `count` integer values.
    pub(crate) fn with_vregs(count: u32) -> Code {
        Code {
            classes: vec![RegClass::Int; count as usize],
            ..Code::default()
        }
    }

    /// Adds a block of `insts`, with its parameters and its successors (with
    /// their arguments).
    pub(crate) fn block(
        &mut self,
        params: &[u32],
        insts: Vec<Vec<Operand>>,
        succs: &[(u32, &[u32])],
    ) {
        self.block_with_clobbers(
            params,
            insts
                .into_iter()
                .map(|ops| (ops, PRegSet::empty()))
                .collect(),
            succs,
        );
    }

    /// Adds a block like [`Code::block`], with the clobbers of each
    /// instruction.
    pub(crate) fn block_with_clobbers(
        &mut self,
        params: &[u32],
        insts: Vec<(Vec<Operand>, PRegSet)>,
        succs: &[(u32, &[u32])],
    ) {
        let first = self.insts.len() as u32;
        self.insts.extend(insts);
        self.blocks.push(CodeBlock {
            range: (first, self.insts.len() as u32),
            params: params.iter().map(|&v| VReg(v)).collect(),
            succs: succs.iter().map(|&(s, _)| Block(s)).collect(),
            preds: Vec::new(),
            args: succs
                .iter()
                .map(|(_, args)| args.iter().map(|&v| VReg(v)).collect())
                .collect(),
        });
    }

    /// Fills in the predecessors from the successors.
    pub(crate) fn link(mut self) -> Code {
        for b in 0..self.blocks.len() {
            for s in self.blocks[b].succs.clone() {
                self.blocks[s.index()].preds.push(Block(b as u32));
            }
        }
        self
    }
}

impl Function for Code {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }
    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn num_vregs(&self) -> usize {
        self.classes.len()
    }
    fn block_insts(&self, block: Block) -> (Inst, Inst) {
        let (first, end) = self.blocks[block.index()].range;
        (Inst(first), Inst(end))
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
        &self.blocks[block.index()].args[succ_index]
    }
    fn inst_operands(&self, inst: Inst) -> &[Operand] {
        &self.insts[inst.index()].0
    }
    fn inst_clobbers(&self, inst: Inst) -> PRegSet {
        self.insts[inst.index()].1
    }
    fn vreg_class(&self, vreg: VReg) -> RegClass {
        self.classes[vreg.index()]
    }
    fn is_constant(&self, vreg: VReg) -> bool {
        self.constants.contains(&vreg)
    }
}

impl Code {
    /// A function of blocks with one empty instruction each, no values, and
    /// the successors given per block: only its control flow matters.
    pub(crate) fn control_flow(succs: &[&[u32]]) -> Code {
        let mut code = Code::default();
        for block_succs in succs {
            let succs: Vec<(u32, &[u32])> = block_succs.iter().map(|&s| (s, &[][..])).collect();
            code.block(&[], vec![vec![]], &succs);
        }
        code.link()
    }
}
