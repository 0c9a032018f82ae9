//! Removes block parameters that do not choose between values.
//!
//! A parameter is redundant when every edge into its block passes either one
//! and the same value `v` or the parameter itself (a loop that does not change
//! it). Then the parameter is `v` wherever the block runs: its uses are
//! rewritten to `v` and the parameter and its arguments disappear. Removing
//! one can make others redundant, so the pass repeats until nothing changes.
//! The SSA builder runs it to drop the parameters that Braun's algorithm
//! adds for variables a loop never writes.

use crate::entities::{Inst, Value};
use crate::function::{Function, ValueDef};

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function) -> bool {
    let mut changed_any = false;
    while remove_one_round(func) {
        changed_any = true;
    }
    changed_any
}

fn resolve(alias: &[Option<Value>], mut value: Value) -> Value {
    while let Some(next) = alias[value.index()] {
        value = next;
    }
    value
}

fn remove_one_round(func: &mut Function) -> bool {
    let mut incoming: Vec<Vec<(Inst, usize)>> = vec![Vec::new(); func.blocks.len()];
    for &block in &func.layout {
        if let Some(term) = func.terminator(block) {
            for (i, target) in func.inst(term).targets.iter().enumerate() {
                incoming[target.block.index()].push((term, i));
            }
        }
    }
    let mut alias: Vec<Option<Value>> = vec![None; func.values.len()];
    let mut removed = Vec::new();
    for &block in func.layout.iter().skip(1) {
        for (position, &param) in func.block(block).params.iter().enumerate() {
            let mut only: Option<Value> = None;
            let mut redundant = true;
            for &(inst, target) in &incoming[block.index()] {
                let arg = resolve(&alias, func.inst(inst).targets[target].args[position]);
                if arg == param || only == Some(arg) {
                    continue;
                }
                if only.is_some() {
                    redundant = false;
                    break;
                }
                only = Some(arg);
            }
            if let (true, Some(value)) = (redundant, only) {
                alias[param.index()] = Some(value);
                removed.push((block, position));
            }
        }
    }
    if removed.is_empty() {
        return false;
    }
    // Remove from the highest position down so earlier positions stay valid.
    for &(block, position) in removed.iter().rev() {
        let param = func.blocks[block.index()].params.remove(position);
        func.values[param.index()].def = ValueDef::Detached;
        for &(inst, target) in &incoming[block.index()] {
            func.insts[inst.index()].targets[target]
                .args
                .remove(position);
        }
    }
    func.rewrite_uses(|value| resolve(&alias, value));
    true
}
