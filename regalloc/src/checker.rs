//! The checker: proves that an allocation computes the same dataflow as the
//! program on virtual registers.
//!
//! It runs the allocated program symbolically. Each register and spill slot
//! holds a set of virtual registers (the values it is known to contain).
//! Moves copy sets, a def empties every other copy of its value (an SSA
//! value in a loop is a new value on each iteration), clobbers empty their
//! registers, and an edge gives each block parameter the locations of its
//! argument. Where paths meet, a location keeps only what it holds on every
//! path; this is iterated to a fixed point over loops. Then every use must
//! find its value in the location the allocator gave it, and every operand
//! must satisfy its constraint.

use core::fmt;

use smallvec::SmallVec;

use crate::function::{Function, MachineEnv};
use crate::operand::{Constraint, OperandKind};
use crate::output::{Edit, Output};
use crate::types::{Allocation, Block, Inst, PReg, PRegSet, RegClass, VReg};

/// Why the checker rejected an allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    /// The instruction where the problem shows.
    pub inst: Inst,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at instruction {}: {}", self.inst.0, self.message)
    }
}

impl std::error::Error for CheckError {}

/// Checks that `output` is a correct allocation of `func` for `env`.
pub fn check<F: Function>(func: &F, env: &MachineEnv, output: &Output) -> Result<(), CheckError> {
    let checker = Checker::new(func, env, output);
    checker.check_constraints()?;
    checker.check_edits()?;
    let entry_states = checker.entry_states();
    for b in 0..func.num_blocks() as u32 {
        let mut state = entry_states[b as usize]
            .clone()
            .unwrap_or_else(|| checker.empty_state());
        checker.run_block(Block(b), &mut state, true)?;
    }
    Ok(())
}

/// The values each location holds: registers by index, then slots.
type State = Vec<SmallVec<[VReg; 2]>>;

struct Checker<'a, F> {
    func: &'a F,
    env: &'a MachineEnv,
    output: &'a Output,
    /// For each instruction, the range of its edits in `output.edits`.
    edit_ranges: Vec<(usize, usize)>,
}

fn fail<T>(inst: Inst, message: String) -> Result<T, CheckError> {
    Err(CheckError { inst, message })
}

impl<'a, F: Function> Checker<'a, F> {
    fn new(func: &'a F, env: &'a MachineEnv, output: &'a Output) -> Self {
        let mut edit_ranges = vec![(0, 0); func.num_insts()];
        let edits = output.edits();
        let mut index = 0;
        for (i, range) in edit_ranges.iter_mut().enumerate() {
            let start = index;
            while index < edits.len() && edits[index].0.index() == i {
                index += 1;
            }
            *range = (start, index);
        }
        Checker {
            func,
            env,
            output,
            edit_ranges,
        }
    }

    fn empty_state(&self) -> State {
        vec![SmallVec::new(); PReg::NUM_INDICES + self.output.num_spill_slots()]
    }

    fn index(&self, loc: Allocation) -> usize {
        match loc {
            Allocation::Reg(reg) => reg.index(),
            Allocation::Stack(slot) => PReg::NUM_INDICES + slot.index(),
        }
    }

    fn class_of(&self, loc: Allocation) -> Option<RegClass> {
        match loc {
            Allocation::Reg(reg) => Some(reg.class()),
            Allocation::Stack(slot) => self.output.spill_slot_classes().get(slot.index()).copied(),
        }
    }

    /// Every operand's location fits its constraint and class, and writes
    /// to callee-saved registers are reported.
    fn check_constraints(&self) -> Result<(), CheckError> {
        let func = self.func;
        if self.output.edits().windows(2).any(|w| w[0].0 > w[1].0) {
            return fail(Inst(0), "edits are not in program order".into());
        }
        for i in 0..func.num_insts() as u32 {
            let inst = Inst(i);
            let operands = func.inst_operands(inst);
            let allocs = self.output.inst_allocs(inst);
            if allocs.len() != operands.len() {
                return fail(inst, "wrong number of operand locations".into());
            }
            for (index, (op, &alloc)) in operands.iter().zip(allocs).enumerate() {
                let class = func.vreg_class(op.vreg);
                if self.class_of(alloc) != Some(class) {
                    return fail(
                        inst,
                        format!(
                            "operand {index} is in {alloc}, not of the class of {}",
                            op.vreg
                        ),
                    );
                }
                let allocatable = || {
                    alloc
                        .as_reg()
                        .is_some_and(|reg| self.env.regs(class).contains(&reg))
                };
                let fits = match op.constraint {
                    Constraint::Any => alloc.is_stack() || allocatable(),
                    Constraint::Reg => allocatable(),
                    Constraint::Fixed(reg) => alloc == Allocation::Reg(reg),
                    Constraint::Reuse(target) => {
                        allocatable() && allocs.get(target) == Some(&alloc)
                    }
                    Constraint::Stack => alloc.is_stack(),
                };
                if !fits {
                    return fail(
                        inst,
                        format!(
                            "operand {index} ({}) in {alloc} breaks {:?}",
                            op.vreg, op.constraint
                        ),
                    );
                }
                if op.is_def() {
                    self.check_callee_saved(inst, alloc)?;
                    let shared = operands
                        .iter()
                        .zip(allocs)
                        .enumerate()
                        .any(|(other, (o, &a))| {
                            other != index
                                && a == alloc
                                && (o.is_def() || op.kind == OperandKind::EarlyDef)
                        });
                    if shared {
                        return fail(
                            inst,
                            format!(
                                "def {index} in {alloc} shares its location with an operand it may not"
                            ),
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn check_callee_saved(&self, inst: Inst, written: Allocation) -> Result<(), CheckError> {
        match written {
            Allocation::Reg(reg)
                if self.env.callee_saved.contains(reg)
                    && !self.output.used_callee_saved().contains(reg) =>
            {
                fail(
                    inst,
                    format!("callee-saved {reg} is written but not reported"),
                )
            }
            _ => Ok(()),
        }
    }

    /// Every edit is one machine move between locations of one class.
    fn check_edits(&self) -> Result<(), CheckError> {
        for &(inst, edit) in self.output.edits() {
            match edit {
                Edit::Move { from, to } => {
                    if from.is_stack() && to.is_stack() {
                        return fail(
                            inst,
                            format!("a move from {from} to {to} between two slots"),
                        );
                    }
                    if self.class_of(from).is_none() || self.class_of(from) != self.class_of(to) {
                        return fail(inst, format!("a move from {from} to {to} across classes"));
                    }
                    self.check_callee_saved(inst, to)?;
                }
                Edit::Remat { vreg, to } => {
                    if !self.func.is_constant(vreg)
                        || to.is_stack()
                        || self.class_of(to) != Some(self.func.vreg_class(vreg))
                    {
                        return fail(inst, format!("{vreg} cannot be recomputed into {to}"));
                    }
                    self.check_callee_saved(inst, to)?;
                }
            }
        }
        Ok(())
    }

    /// The state on entry to each block, iterated to a fixed point.
    fn entry_states(&self) -> Vec<Option<State>> {
        let mut entry: Vec<Option<State>> = vec![None; self.func.num_blocks()];
        entry[0] = Some(self.empty_state());
        let mut queued = vec![false; self.func.num_blocks()];
        let mut worklist = vec![Block(0)];
        queued[0] = true;
        while let Some(block) = worklist.pop() {
            queued[block.index()] = false;
            let mut state = entry[block.index()]
                .clone()
                .expect("queued blocks have a state");
            self.run_block(block, &mut state, false)
                .expect("unchecked runs do not fail");
            for (index, &succ) in self.func.block_succs(block).iter().enumerate() {
                let incoming = self.across_edge(&state, block, index);
                let changed = match &mut entry[succ.index()] {
                    slot @ None => {
                        *slot = Some(incoming);
                        true
                    }
                    Some(existing) => meet(existing, &incoming),
                };
                if changed && !queued[succ.index()] {
                    queued[succ.index()] = true;
                    worklist.push(succ);
                }
            }
        }
        entry
    }

    /// The state after the jump from `block` to its successor `succ_index`:
    /// each parameter is a new value, held where its argument is.
    fn across_edge(&self, state: &State, block: Block, succ_index: usize) -> State {
        let succ = self.func.block_succs(block)[succ_index];
        let params = self.func.block_params(succ);
        if params.is_empty() {
            return state.clone();
        }
        let args = self.func.branch_args(block, succ_index);
        let mut next = state.clone();
        for values in &mut next {
            values.retain(|v| !params.contains(v));
        }
        for (loc, values) in state.iter().enumerate() {
            for (arg, &param) in args.iter().zip(params) {
                if values.contains(arg) {
                    next[loc].push(param);
                }
            }
        }
        next
    }

    /// Runs the instructions of `block`, with their edits, on `state`; with
    /// `check_uses`, every use must find its value.
    fn run_block(
        &self,
        block: Block,
        state: &mut State,
        check_uses: bool,
    ) -> Result<(), CheckError> {
        let (first, end) = self.func.block_insts(block);
        for i in first.0..end.0 {
            let inst = Inst(i);
            let (start, stop) = self.edit_ranges[inst.index()];
            for &(_, edit) in &self.output.edits()[start..stop] {
                match edit {
                    Edit::Move { from, to } => {
                        let values = state[self.index(from)].clone();
                        state[self.index(to)] = values;
                    }
                    Edit::Remat { vreg, to } => {
                        let slot = self.index(to);
                        state[slot].clear();
                        state[slot].push(vreg);
                    }
                }
            }
            let operands = self.func.inst_operands(inst);
            let allocs = self.output.inst_allocs(inst);
            if check_uses {
                for (index, (op, &alloc)) in operands.iter().zip(allocs).enumerate() {
                    if op.kind == OperandKind::Use && !state[self.index(alloc)].contains(&op.vreg) {
                        return fail(
                            inst,
                            format!("use {index} reads {alloc}, which does not hold {}", op.vreg),
                        );
                    }
                }
            }
            self.clobber(state, self.func.inst_clobbers(inst));
            for (op, &alloc) in operands.iter().zip(allocs) {
                if op.is_def() {
                    for values in state.iter_mut() {
                        values.retain(|v| *v != op.vreg);
                    }
                    let slot = self.index(alloc);
                    state[slot].clear();
                    state[slot].push(op.vreg);
                }
            }
        }
        Ok(())
    }

    fn clobber(&self, state: &mut State, clobbers: PRegSet) {
        for reg in clobbers.iter() {
            state[reg.index()].clear();
        }
    }
}

/// Keeps in `into` only what `other` also holds; returns whether anything
/// was dropped.
fn meet(into: &mut State, other: &State) -> bool {
    let mut changed = false;
    for (values, others) in into.iter_mut().zip(other) {
        let before = values.len();
        values.retain(|v| others.contains(v));
        changed |= values.len() != before;
    }
    changed
}

#[cfg(test)]
mod tests;
