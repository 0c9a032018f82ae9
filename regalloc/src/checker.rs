//! The checker: proves that an allocation computes the same dataflow as the
//! program on virtual registers.
//!
//! It runs the allocated program symbolically. Each register and spill slot
//! holds a set of virtual registers (the values it is known to contain).
//! Moves copy sets, a def empties every other copy of its value (an SSA
//! value in a loop is a new value on each iteration), clobbers empty their
//! registers, and an edge gives each block parameter the locations of its
//! argument (and, when the argument is a constant, makes recomputing that
//! constant produce the parameter too). Where paths meet, a location keeps only what it holds on every
//! path; this is iterated to a fixed point over loops. Then every use must
//! find its value in the location the allocator gave it, and every operand
//! must satisfy its constraint.

mod state;

use core::fmt;

use smallvec::SmallVec;

use crate::function::{Function, MachineEnv};
use crate::operand::{Constraint, OperandKind};
use crate::output::{Edit, Output};
use crate::types::{Allocation, Block, Inst, PReg, RegClass};
use state::State;

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
    for (b, state) in checker.entry_states().into_iter().enumerate() {
        let mut state = state.unwrap_or_default();
        checker.run_block(Block(b as u32), &mut state, true)?;
    }
    Ok(())
}

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

    /// The dense index of a location: registers, then spill slots.
    fn index(&self, loc: Allocation) -> u32 {
        match loc {
            Allocation::Reg(reg) => reg.index() as u32,
            Allocation::Stack(slot) => (PReg::NUM_INDICES + slot.index()) as u32,
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
        let num_blocks = self.func.num_blocks();
        let mut entry: Vec<Option<State>> = vec![None; num_blocks];
        entry[0] = Some(State::default());
        // Blocks whose entry state changed; visited in layout order, pass
        // after pass, which follows the flow of a reverse post-order layout.
        let mut dirty = vec![false; num_blocks];
        dirty[0] = true;
        let mut any_dirty = true;
        while any_dirty {
            any_dirty = false;
            for b in 0..num_blocks {
                if !dirty[b] {
                    continue;
                }
                dirty[b] = false;
                let block = Block(b as u32);
                let mut state = entry[b].clone().expect("dirty blocks have a state");
                self.run_block(block, &mut state, false)
                    .expect("unchecked runs do not fail");
                for (index, &succ) in self.func.block_succs(block).iter().enumerate() {
                    let incoming = self.across_edge(&state, block, index);
                    let changed = match &mut entry[succ.index()] {
                        slot @ None => {
                            *slot = Some(incoming);
                            true
                        }
                        Some(existing) => existing.meet(&incoming),
                    };
                    if changed {
                        dirty[succ.index()] = true;
                        any_dirty |= succ.index() <= b;
                    }
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
        let mut next = state.clone();
        if params.is_empty() {
            return next;
        }
        let args = self.func.branch_args(block, succ_index);
        next.bind_params(params, args, |v| self.func.is_constant(v));
        for &param in params {
            next.kill(param);
        }
        for (&arg, &param) in args.iter().zip(params) {
            for loc in state.locations_of(arg) {
                next.add(loc, param);
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
                        let values = state.get(self.index(from)).iter().copied().collect();
                        state.set(self.index(to), values);
                    }
                    Edit::Remat { vreg, to } => {
                        let values = state.equal_to_constant(vreg);
                        state.set(self.index(to), values);
                    }
                }
            }
            let operands = self.func.inst_operands(inst);
            let allocs = self.output.inst_allocs(inst);
            if check_uses {
                for (index, (op, &alloc)) in operands.iter().zip(allocs).enumerate() {
                    if op.kind == OperandKind::Use
                        && !state.get(self.index(alloc)).contains(&op.vreg)
                    {
                        return fail(
                            inst,
                            format!("use {index} reads {alloc}, which does not hold {}", op.vreg),
                        );
                    }
                }
            }
            for reg in self.func.inst_clobbers(inst).iter() {
                state.set(reg.index() as u32, SmallVec::new());
            }
            for (op, &alloc) in operands.iter().zip(allocs) {
                if op.is_def() {
                    state.kill(op.vreg);
                    state.set(self.index(alloc), SmallVec::from_elem(op.vreg, 1));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
