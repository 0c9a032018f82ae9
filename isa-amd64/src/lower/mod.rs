//! Instruction selection: SSA in, [`VCode`] out.
//!
//! This module lays out the machine blocks and drives the lowering:
//!
//! 1. blocks reachable from the entry, in reverse post-order;
//! 2. a new entry block that receives the parameters in their ABI registers
//!    and jumps to the SSA entry (the allocator wants an entry without
//!    parameters);
//! 3. critical edges split by blocks that only jump;
//! 4. each SSA instruction lowered by [`ops`], where compares fold into
//!    their branch, select or trap and adds into addresses;
//! 5. machine instructions whose results nobody reads removed.

mod addresses;
mod calls;
mod cfg;
mod conditions;
mod fold;
mod ops;

use crate::Features;
use crate::inst::MachInst;
use crate::vcode::{MachBlock, VCode};
use kiln_regalloc::{Block as MBlock, Inst as MInst, Operand, PRegSet, RegClass, VReg};
use kiln_ssa::target::CompileError;
use kiln_ssa::{Block, Function, Type, Value};

/// Where a machine block comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockOrigin {
    /// The entry that receives the parameters.
    Entry,
    /// An SSA block.
    Ssa(Block),
    /// The split of edge number `succ` out of an SSA block.
    Split(Block, usize),
}

/// A machine instruction being built, with its operands and clobbers.
struct Pending {
    inst: MachInst,
    operands: Vec<Operand>,
    clobbers: PRegSet,
}

/// A machine block being built.
#[derive(Default)]
struct PendingBlock {
    insts: Vec<Pending>,
    succs: Vec<MBlock>,
    params: Vec<VReg>,
    branch_args: Vec<Vec<VReg>>,
}

/// The state of lowering one function.
pub(crate) struct Lowerer<'a> {
    func: &'a Function,
    features: Features,
    cfg: cfg::BlockLayout,
    fold: fold::Folding,
    vreg_classes: Vec<RegClass>,
    constants: Vec<Option<MachInst>>,
    blocks: Vec<PendingBlock>,
    current: usize,
    outgoing_slots: u32,
}

/// The register class of values of type `ty`.
pub(crate) fn class_of(ty: Type) -> RegClass {
    if ty.is_float() {
        RegClass::Float
    } else {
        RegClass::Int
    }
}

/// Lowers `func` to machine instructions on virtual registers.
pub fn lower(func: &Function, features: Features) -> Result<VCode, CompileError> {
    if func.values.iter().any(|value| value.ty == Type::V128) {
        return Err(CompileError {
            function: func.name.clone(),
            message: "v128 values (SIMD) are not supported yet".into(),
        });
    }
    let cfg = cfg::BlockLayout::compute(func);
    let fold = fold::Folding::compute(func, &cfg.reachable);
    let mut lowerer = Lowerer {
        func,
        features,
        vreg_classes: func.values.iter().map(|v| class_of(v.ty)).collect(),
        constants: vec![None; func.values.len()],
        blocks: (0..cfg.order.len())
            .map(|_| PendingBlock::default())
            .collect(),
        cfg,
        fold,
        current: 0,
        outgoing_slots: 0,
    };
    for index in 0..lowerer.cfg.order.len() {
        lowerer.current = index;
        match lowerer.cfg.order[index] {
            BlockOrigin::Entry => lowerer.lower_entry()?,
            BlockOrigin::Ssa(block) => lowerer.lower_block(block)?,
            BlockOrigin::Split(block, succ) => lowerer.lower_split(block, succ),
        }
    }
    Ok(lowerer.finish())
}

impl Lowerer<'_> {
    fn error(&self, message: impl Into<String>) -> CompileError {
        CompileError {
            function: self.func.name.clone(),
            message: message.into(),
        }
    }

    /// The virtual register that holds an SSA value when it is read (see
    /// [`fold::Folding::register_of`]).
    fn vreg(&self, value: Value) -> VReg {
        VReg(self.fold.register_of(value).0)
    }

    /// A fresh virtual register.
    fn new_vreg(&mut self, class: RegClass) -> VReg {
        self.vreg_classes.push(class);
        self.constants.push(None);
        VReg(self.vreg_classes.len() as u32 - 1)
    }

    /// Appends an instruction to the current block.
    fn emit(&mut self, inst: MachInst, operands: Vec<Operand>) {
        self.emit_with_clobbers(inst, operands, PRegSet::empty());
    }

    fn emit_with_clobbers(&mut self, inst: MachInst, operands: Vec<Operand>, clobbers: PRegSet) {
        self.blocks[self.current].insts.push(Pending {
            inst,
            operands,
            clobbers,
        });
    }

    /// The entry: parameters arrive in their ABI locations.
    fn lower_entry(&mut self) -> Result<(), CompileError> {
        let params = &self.func.signature.params;
        let locations = crate::abi::param_locations(params);
        let mut operands = Vec::new();
        let mut args = Vec::new();
        let mut stack_params = Vec::new();
        for (&ty, location) in params.iter().zip(&locations) {
            let vreg = self.new_vreg(class_of(ty));
            args.push(vreg);
            match *location {
                crate::abi::Location::Reg(reg) => operands.push(Operand::fixed_def(vreg, reg)),
                crate::abi::Location::Stack(slot) => stack_params.push((vreg, slot)),
            }
        }
        self.emit(MachInst::Args, operands);
        for (vreg, slot) in stack_params {
            self.emit(MachInst::StackArg { slot }, vec![Operand::reg_def(vreg)]);
        }
        self.emit(MachInst::Jump, Vec::new());
        let entry = self.cfg.ssa_index(self.func.entry());
        let block = &mut self.blocks[self.current];
        block.succs.push(entry);
        block.branch_args.push(args);
        Ok(())
    }

    /// A block that only passes the arguments of a split edge on.
    fn lower_split(&mut self, from: Block, succ: usize) {
        let terminator = self.func.terminator(from).expect("a block with successors");
        let target = &self.func.inst(terminator).targets[succ];
        let args = target.args.iter().map(|&v| self.vreg(v)).collect();
        let to = self.cfg.ssa_index(target.block);
        self.emit(MachInst::Jump, Vec::new());
        let block = &mut self.blocks[self.current];
        block.succs.push(to);
        block.branch_args.push(args);
    }

    /// An SSA block: its parameters, instructions and terminator.
    fn lower_block(&mut self, block: Block) -> Result<(), CompileError> {
        let params = self
            .func
            .block(block)
            .params
            .iter()
            .map(|&v| VReg(v.0))
            .collect();
        self.blocks[self.current].params = params;
        for &inst in &self.func.block(block).insts {
            if !self.fold.is_folded(inst) {
                self.lower_inst(block, inst)?;
            }
        }
        Ok(())
    }

    /// Records the successors of the current block's terminator: each target
    /// goes straight to its block, or through the block splitting the edge.
    fn set_successors(&mut self, block: Block) {
        let terminator = self.func.terminator(block).expect("a terminator");
        let targets = &self.func.inst(terminator).targets;
        for (index, target) in targets.iter().enumerate() {
            let (succ, args) = match self.cfg.split_of(block, index) {
                Some(split) => (split, Vec::new()),
                None => (
                    self.cfg.ssa_index(target.block),
                    target.args.iter().map(|&v| self.vreg(v)).collect(),
                ),
            };
            let current = &mut self.blocks[self.current];
            current.succs.push(succ);
            current.branch_args.push(args);
        }
    }

    /// Removes instructions whose defs are all unused and that have no
    /// other effect, then flattens the blocks into a [`VCode`].
    fn finish(self) -> VCode {
        let mut uses = vec![0u32; self.vreg_classes.len()];
        for block in &self.blocks {
            for pending in &block.insts {
                for op in pending.operands.iter().filter(|op| !op.is_def()) {
                    uses[op.vreg.index()] += 1;
                }
            }
            for args in &block.branch_args {
                for vreg in args {
                    uses[vreg.index()] += 1;
                }
            }
        }
        let mut keep: Vec<Vec<bool>> = self
            .blocks
            .iter()
            .map(|b| vec![true; b.insts.len()])
            .collect();
        for (b, block) in self.blocks.iter().enumerate().rev() {
            for (i, pending) in block.insts.iter().enumerate().rev() {
                let removable = is_removable(&pending.inst)
                    && pending
                        .operands
                        .iter()
                        .filter(|op| op.is_def())
                        .all(|op| uses[op.vreg.index()] == 0);
                if removable {
                    keep[b][i] = false;
                    for op in pending.operands.iter().filter(|op| !op.is_def()) {
                        uses[op.vreg.index()] -= 1;
                    }
                }
            }
        }
        let mut vcode = VCode {
            vreg_classes: self.vreg_classes,
            constants: self.constants,
            outgoing_slots: self.outgoing_slots,
            operand_starts: vec![0],
            ..VCode::default()
        };
        for (b, block) in self.blocks.into_iter().enumerate() {
            let start = MInst(vcode.insts.len() as u32);
            for (i, pending) in block.insts.into_iter().enumerate() {
                if keep[b][i] {
                    vcode.insts.push(pending.inst);
                    vcode.operands.extend(pending.operands);
                    vcode.operand_starts.push(vcode.operands.len() as u32);
                    vcode.clobbers.push(pending.clobbers);
                }
            }
            let end = MInst(vcode.insts.len() as u32);
            vcode.blocks.push(MachBlock {
                range: (start, end),
                succs: block.succs,
                preds: Vec::new(),
                params: block.params,
                branch_args: block.branch_args,
            });
        }
        for b in 0..vcode.blocks.len() {
            for s in 0..vcode.blocks[b].succs.len() {
                let succ = vcode.blocks[b].succs[s];
                vcode.blocks[succ.index()].preds.push(MBlock(b as u32));
            }
        }
        vcode
    }
}

/// Whether an instruction only computes its defs (no memory access, no trap,
/// no control flow), so that it can go when they are unused.
fn is_removable(inst: &MachInst) -> bool {
    matches!(
        inst,
        MachInst::Const { .. }
            | MachInst::FloatConst { .. }
            | MachInst::Alu { .. }
            | MachInst::AluImm { .. }
            | MachInst::Imul { .. }
            | MachInst::ImulImm { .. }
            | MachInst::Lea { .. }
            | MachInst::ShiftCl { .. }
            | MachInst::ShiftImm { .. }
            | MachInst::IntUnary { .. }
            | MachInst::CondSet { .. }
            | MachInst::CondMove { .. }
            | MachInst::FloatCondMove { .. }
            | MachInst::Sse { .. }
            | MachInst::FloatSign { .. }
            | MachInst::MovToFloat { .. }
            | MachInst::MovFromFloat { .. }
    )
}
