//! Checks that a [`Function`] keeps the contract the allocator relies on,
//! so that bad input is a clear error instead of a wrong allocation.

use crate::error::AllocError;
use crate::function::{Function, MachineEnv};
use crate::operand::{Constraint, OperandKind};
use crate::types::{Block, Inst, PRegSet, VReg};

/// Checks that `func` keeps the contract of [`Function`] on the machine
/// `env`; returns an error naming the first broken rule.
pub fn validate<F: Function>(func: &F, env: &MachineEnv) -> Result<(), AllocError> {
    check_blocks(func)?;
    check_single_definitions(func)?;
    check_edges(func)?;
    check_reachable(func)?;
    check_operands(func, env)
}

fn invalid(reason: String) -> AllocError {
    AllocError::InvalidFunction(reason)
}

/// Blocks are non-empty, consecutive, and cover every instruction; the entry
/// has no parameters.
fn check_blocks<F: Function>(func: &F) -> Result<(), AllocError> {
    if func.num_blocks() == 0 {
        return Err(invalid("the function has no block".into()));
    }
    if !func.block_params(Block(0)).is_empty() {
        return Err(invalid("the entry block has parameters".into()));
    }
    let mut next = 0;
    for b in 0..func.num_blocks() as u32 {
        let (start, end) = func.block_insts(Block(b));
        if start.0 != next || end.0 <= start.0 {
            return Err(invalid(format!(
                "block {b} does not start where the previous one ends, or is empty"
            )));
        }
        next = end.0;
    }
    if next as usize != func.num_insts() {
        return Err(invalid("the blocks do not cover every instruction".into()));
    }
    Ok(())
}

/// Predecessor and successor lists agree, branch arguments match parameters,
/// there is no critical edge, and terminators obey their rules.
fn check_edges<F: Function>(func: &F) -> Result<(), AllocError> {
    for b in 0..func.num_blocks() as u32 {
        let block = Block(b);
        let succs = func.block_succs(block);
        for (index, &succ) in succs.iter().enumerate() {
            if succ.index() >= func.num_blocks() {
                return Err(invalid(format!("block {b} branches to a missing block")));
            }
            let preds = func.block_preds(succ);
            if succs.len() > 1 && preds.len() > 1 {
                return Err(invalid(format!(
                    "the edge from block {b} to block {} is critical",
                    succ.0
                )));
            }
            let args = func.branch_args(block, index);
            let params = func.block_params(succ);
            if args.iter().any(|a| a.index() >= func.num_vregs()) {
                return Err(invalid(format!("block {b} passes a missing value")));
            }
            if args.len() != params.len()
                || args
                    .iter()
                    .zip(params)
                    .any(|(&a, &p)| func.vreg_class(a) != func.vreg_class(p))
            {
                return Err(invalid(format!(
                    "block {b} passes arguments that do not fit the parameters of block {}",
                    succ.0
                )));
            }
        }
        let terminator = Inst(func.block_insts(block).1.0 - 1);
        let operands = func.inst_operands(terminator);
        if operands.iter().any(|op| op.is_def()) {
            return Err(invalid(format!(
                "the terminator of block {b} defines a value"
            )));
        }
        if succs.len() == 1 && !operands.is_empty() {
            return Err(invalid(format!(
                "the terminator of block {b} has one successor and operands"
            )));
        }
    }
    check_edge_lists_agree(func)?;
    Ok(())
}

/// Every block is reachable from the entry.
fn check_reachable<F: Function>(func: &F) -> Result<(), AllocError> {
    let mut seen = vec![false; func.num_blocks()];
    let mut stack = vec![Block(0)];
    seen[0] = true;
    while let Some(block) = stack.pop() {
        for &succ in func.block_succs(block) {
            if !seen[succ.index()] {
                seen[succ.index()] = true;
                stack.push(succ);
            }
        }
    }
    match seen.iter().position(|&reached| !reached) {
        Some(b) => Err(invalid(format!("block {b} is unreachable"))),
        None => Ok(()),
    }
}

/// Operands name existing registers of the right class and their
/// constraints can be met together.
fn check_operands<F: Function>(func: &F, env: &MachineEnv) -> Result<(), AllocError> {
    let scratch: PRegSet = env.scratch.iter().copied().collect();
    for i in 0..func.num_insts() as u32 {
        let operands = func.inst_operands(Inst(i));
        let mut fixed_uses = PRegSet::empty();
        let mut fixed_defs = PRegSet::empty();
        for (index, op) in operands.iter().enumerate() {
            if op.vreg.index() >= func.num_vregs() {
                return Err(invalid(format!(
                    "instruction {i} names a missing {}",
                    op.vreg
                )));
            }
            let class = func.vreg_class(op.vreg);
            match op.constraint {
                Constraint::Fixed(reg) => {
                    if reg.class() != class || scratch.contains(reg) {
                        return Err(invalid(format!(
                            "operand {index} of instruction {i} is fixed to a register it cannot use"
                        )));
                    }
                    let seen = if op.is_def() {
                        &mut fixed_defs
                    } else {
                        &mut fixed_uses
                    };
                    let shared_use = !op.is_def()
                        && operands[..index].iter().any(|o| {
                            o.constraint == op.constraint && o.vreg == op.vreg && !o.is_def()
                        });
                    if seen.contains(reg) && !shared_use {
                        return Err(invalid(format!(
                            "instruction {i} fixes two operands to {reg}"
                        )));
                    }
                    seen.insert(reg);
                }
                Constraint::Reuse(target) => {
                    let fits = op.kind == OperandKind::Def
                        && operands.get(target).is_some_and(|t| {
                            t.kind == OperandKind::Use
                                && matches!(t.constraint, Constraint::Reg | Constraint::Any)
                                && func.vreg_class(t.vreg) == class
                        });
                    if !fits {
                        return Err(invalid(format!(
                            "operand {index} of instruction {i} reuses an operand it cannot"
                        )));
                    }
                }
                Constraint::Any | Constraint::Reg | Constraint::Stack => {}
            }
        }
        for op in operands
            .iter()
            .filter(|op| op.kind == OperandKind::EarlyDef)
        {
            if let Constraint::Fixed(reg) = op.constraint
                && fixed_uses.contains(reg)
            {
                return Err(invalid(format!(
                    "instruction {i} fixes an early def and a use to {reg}"
                )));
            }
        }
    }
    Ok(())
}

/// Every virtual register has exactly one definition, and constants are
/// defined by instructions that read nothing and define only them.
fn check_single_definitions<F: Function>(func: &F) -> Result<(), AllocError> {
    let mut defined = vec![false; func.num_vregs()];
    let mut define = |vreg: VReg| {
        if vreg.index() >= defined.len() || defined[vreg.index()] {
            return Err(invalid(format!(
                "{vreg} is defined twice or does not exist"
            )));
        }
        defined[vreg.index()] = true;
        Ok(())
    };
    for b in 0..func.num_blocks() as u32 {
        for &param in func.block_params(Block(b)) {
            define(param)?;
            if func.is_constant(param) {
                return Err(invalid(format!(
                    "block parameter {param} is marked constant"
                )));
            }
        }
    }
    for i in 0..func.num_insts() as u32 {
        let operands = func.inst_operands(Inst(i));
        for op in operands.iter().filter(|op| op.is_def()) {
            define(op.vreg)?;
            if func.is_constant(op.vreg) && operands.len() != 1 {
                return Err(invalid(format!(
                    "constant {} is defined by instruction {i}, which has other operands",
                    op.vreg
                )));
            }
        }
    }
    Ok(())
}

/// Every successor edge is listed among the predecessors of its target and
/// every predecessor lists the block among its successors: both lists as
/// sorted `(to, from)` pairs, each looked up in the other, so that a block
/// with many edges costs `n log n`, not `n^2`.
fn check_edge_lists_agree<F: Function>(func: &F) -> Result<(), AllocError> {
    let mut by_succs: Vec<(u32, u32)> = Vec::new();
    let mut by_preds: Vec<(u32, u32)> = Vec::new();
    for b in 0..func.num_blocks() as u32 {
        by_succs.extend(func.block_succs(Block(b)).iter().map(|succ| (succ.0, b)));
        by_preds.extend(func.block_preds(Block(b)).iter().map(|pred| (b, pred.0)));
    }
    by_succs.sort_unstable();
    by_preds.sort_unstable();
    if let Some(&(succ, b)) = by_succs.iter().find(|e| by_preds.binary_search(e).is_err()) {
        return Err(invalid(format!(
            "block {b} is not a predecessor of its successor {succ}"
        )));
    }
    if let Some(&(b, pred)) = by_preds.iter().find(|e| by_succs.binary_search(e).is_err()) {
        return Err(invalid(format!(
            "block {pred} is not a successor of its predecessor {b}"
        )));
    }
    Ok(())
}
