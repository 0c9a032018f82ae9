//! Dead-code elimination, including dead block parameters.
//!
//! Starts from what must stay — instructions with effects (stores, calls,
//! traps, branches, returns) and the operands they use — and marks
//! everything those depend on as live. A live block parameter makes the
//! matching argument on every edge into its block live. Whatever is not
//! marked is removed: instructions that may be removed when unused
//! ([`Op::is_removable_if_unused`](crate::ops::Op::is_removable_if_unused)) and block parameters with their branch
//! arguments. Because liveness is propagated rather than counted, values
//! that only feed each other around a loop are removed too.

use super::{Analyses, remove_params};
use crate::entities::Value;
use crate::function::{Function, ValueDef};

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let incoming = analyses.incoming_edges(func);
    let mut param_position = vec![0usize; func.values.len()];
    for &block in &func.layout {
        for (position, &param) in func.block(block).params.iter().enumerate() {
            param_position[param.index()] = position;
        }
    }
    let mut live = vec![false; func.values.len()];
    let mut worklist: Vec<Value> = Vec::new();
    let mut mark = |value: Value, worklist: &mut Vec<Value>| {
        if !std::mem::replace(&mut live[value.index()], true) {
            worklist.push(value);
        }
    };
    for &block in &func.layout {
        for &inst in &func.block(block).insts {
            let data = func.inst(inst);
            if !data.op.is_removable_if_unused() {
                for &arg in &data.args {
                    mark(arg, &mut worklist);
                }
            }
        }
    }
    let entry = func.entry();
    for &param in &func.block(entry).params {
        mark(param, &mut worklist);
    }
    // Whether an instruction's operands are marked already: a call with a
    // thousand results would otherwise mark its thousand arguments once for
    // each of them.
    let mut operands_marked = vec![false; func.insts.len()];
    while let Some(value) = worklist.pop() {
        match func.value_def(value) {
            ValueDef::Result(inst) => {
                if !std::mem::replace(&mut operands_marked[inst.index()], true) {
                    for &arg in &func.inst(inst).args {
                        mark(arg, &mut worklist);
                    }
                }
            }
            ValueDef::Param(block) => {
                let position = param_position[value.index()];
                for &(inst, target) in incoming.get(block.index()) {
                    let arg = func.inst(inst).targets[target].args[position];
                    mark(arg, &mut worklist);
                }
            }
            ValueDef::Detached => {}
        }
    }
    let mut changed = false;
    for block in func.layout.clone() {
        func.retain_insts(block, |func, inst| {
            let data = func.inst(inst);
            let unused = data.results.iter().all(|r| !live[r.index()]);
            let remove = unused && data.op.is_removable_if_unused();
            changed |= remove;
            !remove
        });
        if block == entry {
            continue;
        }
        let incoming = incoming.get(block.index());
        changed |= remove_params(func, block, incoming, |param| live[param.index()]);
    }
    changed
}
