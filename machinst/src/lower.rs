//! The lowering driver: SSA in, [`VCode`] out, with the per-instruction
//! rules supplied by the ISA through [`LowerRules`].
//!
//! 1. The blocks are laid out ([`BlockLayout`]): a new entry, the reachable
//!    SSA blocks in reverse post-order, critical edges split.
//! 2. SSA uses are counted, so that the ISA can decide which instructions
//!    fold into their single user (a compare into its branch, an address
//!    computation into its load) before lowering starts.
//! 3. The entry gets the parameters from their ABI locations, split edges
//!    get a jump, and every SSA instruction that did not fold is handed to
//!    [`LowerRules::lower_inst`], which appends machine instructions with
//!    their operands to the current block through [`LowerCtx`].
//! 4. Machine instructions that only compute unused defs are removed, and
//!    the blocks are flattened into a [`VCode`].
//!
//! Every SSA value has the virtual register of the same number, unless the
//! ISA says that it shares the register of another value
//! ([`LowerCtx::share_register`]): a zero extension that costs nothing, for
//! example.

use crate::abi::{CallConv, Location, class_of, stack_slots};
use crate::inst::MachInst;
use crate::layout::{BlockLayout, BlockOrigin};
use crate::vcode::{ControlFlow, MachBlock, VCode};
use kiln_regalloc::{Inst as MInst, Operand, PRegSet, RegClass, VReg};
use kiln_ssa::target::CompileError;
use kiln_ssa::{Block, Function, Inst, Type, Value};
use smallvec::SmallVec;
use std::ops::Range;

/// What an ISA supplies to the lowering driver: its rules for one SSA
/// instruction at a time. The implementing type holds the [`LowerCtx`]
/// and whatever the ISA decided about the function beforehand (which
/// instructions fold, which CPU features to use).
pub trait LowerRules<'a> {
    /// The ISA's machine instruction.
    type Inst: MachInst;

    /// The driver's state, which the rules append instructions to.
    fn cx(&mut self) -> &mut LowerCtx<'a, Self::Inst>;

    /// Gives the driver's state back when every block is lowered.
    fn into_cx(self) -> LowerCtx<'a, Self::Inst>;

    /// Whether `inst` is lowered as part of its user, so that the driver
    /// skips it.
    fn is_folded(&self, inst: Inst) -> bool;

    /// Lowers `inst` of `block` into the current machine block. A
    /// terminator also calls [`LowerCtx::set_successors`].
    fn lower_inst(&mut self, block: Block, inst: Inst) -> Result<(), CompileError>;
}

/// Lowers the function of `rules`' context, block after block.
pub fn lower<'a, R: LowerRules<'a>>(mut rules: R) -> Result<VCode<R::Inst>, CompileError> {
    let cx = rules.cx();
    let func = cx.func;
    for index in 0..cx.layout.order.len() {
        let cx = rules.cx();
        cx.start_block();
        match cx.layout.order[index] {
            BlockOrigin::Entry => cx.lower_entry(),
            BlockOrigin::Split(block, succ) => cx.lower_split(block, succ),
            BlockOrigin::Ssa(block) => {
                for &param in &func.block(block).params {
                    let vreg = cx.vreg(param);
                    cx.flow.push_param(vreg);
                }
                for &inst in &func.block(block).insts {
                    if !rules.is_folded(inst) {
                        rules.lower_inst(block, inst)?;
                    }
                }
            }
        }
    }
    Ok(rules.into_cx().finish())
}

/// The operands of one machine instruction as lowering rules gather them:
/// up to four in place, so that gathering them allocates nothing.
pub type Operands = SmallVec<[Operand; 4]>;

/// A machine instruction being built, with its clobbers and where its
/// operands are in the function's operand pool.
struct Pending<I> {
    inst: I,
    operands: Range<u32>,
    clobbers: PRegSet,
}

/// The operands of a call, in the order the ISA's call instruction reads
/// them, and how many of each kind there are.
#[derive(Clone, Debug)]
pub struct CallOperands {
    /// The operands given first (a code pointer, say), then fixed uses
    /// for register arguments, any-uses for stack arguments, fixed defs
    /// for register results and stack defs for results in the result
    /// area.
    pub operands: Vec<Operand>,
    /// Arguments in registers.
    pub reg_args: u16,
    /// Arguments in the stack argument area.
    pub stack_args: u16,
    /// Results in the result area.
    pub stack_results: u16,
}

/// The operands of a return, and where its stack results go.
#[derive(Clone, Debug)]
pub struct ReturnOperands {
    /// Fixed uses for register results, then any-uses for the results
    /// stored into the caller's result area, in result order.
    pub operands: Vec<Operand>,
    /// The function's stack parameters: the result area starts after them.
    pub stack_params: u16,
    /// Results in the result area.
    pub stack_results: u16,
}

/// The state of lowering one function, shared by the driver and the
/// ISA's rules.
pub struct LowerCtx<'a, I> {
    func: &'a Function,
    conv: &'a CallConv,
    layout: BlockLayout,
    /// SSA uses of each value in reachable code, branch arguments included.
    uses: Vec<u32>,
    /// The block of each instruction in reachable code.
    block_of: Vec<Option<Block>>,
    /// The value whose virtual register each value uses.
    register_of: Vec<Value>,
    vreg_classes: Vec<RegClass>,
    constants: Vec<Option<I>>,
    /// Where each machine block's instructions begin in `pending`: blocks
    /// are lowered one after another, so each is a run of it.
    block_firsts: Vec<u32>,
    /// The machine blocks' parameters, successors and branch arguments.
    flow: ControlFlow,
    /// Every instruction emitted so far, block after block.
    pending: Vec<Pending<I>>,
    /// The operands of every instruction emitted so far, one after another.
    operand_pool: Vec<Operand>,
    outgoing_slots: u32,
}

impl<'a, I: MachInst> LowerCtx<'a, I> {
    /// Starts lowering `func`, whose parameters arrive as `conv` says.
    pub fn new(func: &'a Function, conv: &'a CallConv) -> LowerCtx<'a, I> {
        let layout = BlockLayout::compute(func);
        let mut uses = vec![0u32; func.values.len()];
        let mut block_of = vec![None; func.insts.len()];
        for &block in &layout.reachable {
            for &inst in &func.block(block).insts {
                block_of[inst.index()] = Some(block);
                let data = func.inst(inst);
                let branch_args = data.targets.iter().flat_map(|t| &t.args);
                for value in data.args.iter().chain(branch_args) {
                    uses[value.index()] += 1;
                }
            }
        }
        // Lowering adds temporaries: room for a quarter more registers than
        // values saves copying both lists when they grow.
        let vregs_expected = func.values.len() + func.values.len() / 4;
        LowerCtx {
            func,
            conv,
            uses,
            block_of,
            register_of: (0..func.values.len() as u32).map(Value).collect(),
            vreg_classes: {
                let mut classes = Vec::with_capacity(vregs_expected);
                classes.extend(func.values.iter().map(|v| class_of(v.ty)));
                classes
            },
            constants: {
                let mut constants = Vec::with_capacity(vregs_expected);
                constants.resize(func.values.len(), None);
                constants
            },
            block_firsts: Vec::with_capacity(layout.order.len()),
            flow: ControlFlow::with_capacity(layout.order.len()),
            layout,
            pending: Vec::with_capacity(func.insts.len()),
            operand_pool: Vec::with_capacity(func.insts.len() * 3),
            outgoing_slots: 0,
        }
    }

    /// The function being lowered.
    pub fn func(&self) -> &'a Function {
        self.func
    }

    /// The calling convention of the function and of the calls it makes.
    pub fn conv(&self) -> &'a CallConv {
        self.conv
    }

    /// The SSA blocks reachable from the entry, in reverse post-order.
    pub fn reachable(&self) -> &[Block] {
        &self.layout.reachable
    }

    /// How many times reachable code reads `value`.
    pub fn uses(&self, value: Value) -> u32 {
        self.uses[value.index()]
    }

    /// The block of `inst`, when it is reachable.
    pub fn block_of(&self, inst: Inst) -> Option<Block> {
        self.block_of[inst.index()]
    }

    /// Makes `value` use the virtual register of `other` (which must
    /// hold the same bits), for every read of `value` lowered afterwards.
    pub fn share_register(&mut self, value: Value, other: Value) {
        self.register_of[value.index()] = self.register_of[other.index()];
    }

    /// The virtual register that holds `value` when it is read.
    pub fn vreg(&self, value: Value) -> VReg {
        vreg_of(&self.register_of, value)
    }

    /// A fresh virtual register.
    pub fn new_vreg(&mut self, class: RegClass) -> VReg {
        self.vreg_classes.push(class);
        self.constants.push(None);
        VReg(self.vreg_classes.len() as u32 - 1)
    }

    /// A compile error about the function being lowered.
    pub fn error(&self, message: impl Into<String>) -> CompileError {
        CompileError {
            function: self.func.name.clone(),
            message: message.into(),
        }
    }

    /// Starts the next machine block: the instructions emitted from now on
    /// are its own.
    fn start_block(&mut self) {
        self.block_firsts.push(self.pending.len() as u32);
        self.flow.push_block();
    }

    /// Appends an instruction to the current block.
    pub fn emit(&mut self, inst: I, operands: impl IntoIterator<Item = Operand>) {
        self.emit_with_clobbers(inst, operands, PRegSet::empty());
    }

    /// Appends an instruction that also destroys the registers `clobbers`:
    /// a call, and only a call ([`VCode::is_leaf`] relies on it).
    pub fn emit_with_clobbers(
        &mut self,
        inst: I,
        operands: impl IntoIterator<Item = Operand>,
        clobbers: PRegSet,
    ) {
        let start = self.operand_pool.len() as u32;
        self.operand_pool.extend(operands);
        let end = self.operand_pool.len() as u32;
        self.pending.push(Pending {
            inst,
            operands: start..end,
            clobbers,
        });
    }

    /// Appends `inst`, which defines the constant `def` from nothing and
    /// may be emitted again wherever the allocator wants `def` recomputed
    /// rather than reloaded.
    pub fn emit_constant(&mut self, inst: I, def: VReg) {
        self.constants[def.index()] = Some(inst.clone());
        self.emit(inst, [Operand::reg_def(def)]);
    }

    /// The operands of a call passing `args` in `arg_locations` and
    /// receiving `results` in the convention's result locations, after
    /// `leading` operands. Reserves the outgoing area the call needs.
    pub fn call_operands(
        &mut self,
        leading: Vec<Operand>,
        args: &[Value],
        arg_locations: &[Location],
        results: &[Value],
    ) -> CallOperands {
        let mut operands = leading;
        let mut stack = Vec::new();
        for (&value, location) in args.iter().zip(arg_locations) {
            match *location {
                Location::Reg(reg) => operands.push(Operand::fixed_use(self.vreg(value), reg)),
                Location::Stack(_) => stack.push(Operand::any_use(self.vreg(value))),
            }
        }
        let reg_args = (args.len() - stack.len()) as u16;
        let stack_args = stack.len() as u16;
        operands.extend(stack);
        let result_types: Vec<Type> = results.iter().map(|&v| self.func.value_type(v)).collect();
        let mut stack_results = Vec::new();
        for (&value, location) in results
            .iter()
            .zip(self.conv.result_locations(&result_types))
        {
            match location {
                Location::Reg(reg) => operands.push(Operand::fixed_def(self.vreg(value), reg)),
                Location::Stack(_) => stack_results.push(Operand::stack_def(self.vreg(value))),
            }
        }
        let slots = u32::from(stack_args) + stack_results.len() as u32;
        self.outgoing_slots = self.outgoing_slots.max(slots);
        let stack_results_count = stack_results.len() as u16;
        operands.extend(stack_results);
        CallOperands {
            operands,
            reg_args,
            stack_args,
            stack_results: stack_results_count,
        }
    }

    /// The operands of a return of `values`.
    pub fn return_operands(&self, values: &[Value]) -> ReturnOperands {
        let types: Vec<Type> = values.iter().map(|&v| self.func.value_type(v)).collect();
        let (mut operands, mut stack) = (Vec::new(), Vec::new());
        for (&value, location) in values.iter().zip(self.conv.result_locations(&types)) {
            match location {
                Location::Reg(reg) => operands.push(Operand::fixed_use(self.vreg(value), reg)),
                Location::Stack(_) => stack.push(Operand::any_use(self.vreg(value))),
            }
        }
        let params = self.conv.param_locations(&self.func.signature.params);
        let stack_results = stack.len() as u16;
        operands.extend(stack);
        ReturnOperands {
            operands,
            stack_params: stack_slots(&params) as u16,
            stack_results,
        }
    }

    /// Records the successors of `block`'s terminator as those of the
    /// current machine block: each target goes straight to its block, or
    /// through the block splitting the edge.
    pub fn set_successors(&mut self, block: Block) {
        let terminator = self.func.terminator(block).expect("a terminator");
        let targets = &self.func.inst(terminator).targets;
        for (index, target) in targets.iter().enumerate() {
            match self.layout.split_of(block, index) {
                Some(split) => self.flow.push_succ(split, []),
                None => {
                    let succ = self.layout.ssa_index(target.block);
                    let register_of = &self.register_of;
                    let args = target.args.iter().map(|&v| vreg_of(register_of, v));
                    self.flow.push_succ(succ, args);
                }
            }
        }
    }

    /// The entry: parameters arrive in their ABI locations.
    fn lower_entry(&mut self) {
        let params = &self.func.signature.params;
        let locations = self.conv.param_locations(params);
        let mut operands = Vec::new();
        let mut args = Vec::new();
        let mut stack_params = Vec::new();
        for (&ty, location) in params.iter().zip(&locations) {
            let vreg = self.new_vreg(class_of(ty));
            args.push(vreg);
            match *location {
                Location::Reg(reg) => operands.push(Operand::fixed_def(vreg, reg)),
                Location::Stack(slot) => stack_params.push((vreg, slot)),
            }
        }
        self.emit(I::args(), operands);
        for (vreg, slot) in stack_params {
            self.emit(I::stack_arg(slot), [Operand::reg_def(vreg)]);
        }
        self.emit(I::jump(), []);
        let entry = self.layout.ssa_index(self.func.entry());
        self.flow.push_succ(entry, args);
    }

    /// A block that only passes the arguments of a split edge on.
    fn lower_split(&mut self, from: Block, succ: usize) {
        let terminator = self.func.terminator(from).expect("a block with successors");
        let target = &self.func.inst(terminator).targets[succ];
        let to = self.layout.ssa_index(target.block);
        self.emit(I::jump(), []);
        let register_of = &self.register_of;
        let args = target.args.iter().map(|&v| vreg_of(register_of, v));
        self.flow.push_succ(to, args);
    }

    /// Removes instructions whose defs are all unused and that have no
    /// other effect, then flattens the blocks into a [`VCode`].
    fn finish(self) -> VCode<I> {
        let pool = &self.operand_pool;
        let operands_of = |pending: &Pending<I>| {
            &pool[pending.operands.start as usize..pending.operands.end as usize]
        };
        let mut uses = vec![0u32; self.vreg_classes.len()];
        for pending in &self.pending {
            for op in operands_of(pending).iter().filter(|op| !op.is_def()) {
                uses[op.vreg.index()] += 1;
            }
        }
        for vreg in self.flow.all_branch_args() {
            uses[vreg.index()] += 1;
        }
        let mut keep = vec![true; self.pending.len()];
        for (i, pending) in self.pending.iter().enumerate().rev() {
            let removable = pending.inst.is_pure()
                && operands_of(pending)
                    .iter()
                    .filter(|op| op.is_def())
                    .all(|op| uses[op.vreg.index()] == 0);
            if removable {
                keep[i] = false;
                for op in operands_of(pending).iter().filter(|op| !op.is_def()) {
                    uses[op.vreg.index()] -= 1;
                }
            }
        }
        let num_insts = self.pending.len();
        let mut operand_starts = Vec::with_capacity(num_insts + 1);
        operand_starts.push(0);
        let mut vcode = VCode {
            insts: Vec::with_capacity(num_insts),
            operands: Vec::with_capacity(self.operand_pool.len()),
            operand_starts,
            clobbers: Vec::with_capacity(num_insts),
            blocks: Vec::with_capacity(self.block_firsts.len()),
            flow: self.flow,
            vreg_classes: self.vreg_classes,
            constants: self.constants,
            outgoing_slots: self.outgoing_slots,
        };
        // Where each block's run of the pending list begins, and the end.
        let firsts: Vec<usize> = (self.block_firsts.iter())
            .map(|&first| first as usize)
            .chain([num_insts])
            .collect();
        let mut pending = self.pending.into_iter().zip(keep);
        for run in firsts.windows(2) {
            let start = MInst(vcode.insts.len() as u32);
            for (inst, kept) in pending.by_ref().take(run[1] - run[0]) {
                if kept {
                    vcode.operands.extend_from_slice(operands_of(&inst));
                    vcode.insts.push(inst.inst);
                    vcode.operand_starts.push(vcode.operands.len() as u32);
                    vcode.clobbers.push(inst.clobbers);
                }
            }
            let end = MInst(vcode.insts.len() as u32);
            vcode.blocks.push(MachBlock {
                range: (start, end),
            });
        }
        vcode.flow.find_preds();
        vcode
    }
}

/// The virtual register of `value`, given the value whose register each
/// value uses.
fn vreg_of(register_of: &[Value], value: Value) -> VReg {
    VReg(register_of[value.index()].0)
}
