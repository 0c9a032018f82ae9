//! Removes block parameters that do not choose between values.
//!
//! A parameter is redundant when every edge into its block passes either one
//! and the same value `v` or the parameter itself (a loop that does not change
//! it). Then the parameter is `v` wherever the block runs: its uses are
//! rewritten to `v` and the parameter and its arguments disappear. Removing
//! one can make others redundant (nested loops pass a variable from header to
//! header), so the parameters that receive a removed one as an argument are
//! looked at again, from a worklist: a parameter is revisited only when one
//! of its arguments went away, not once per round over the whole function.
//! The SSA builder runs it to drop the parameters that Braun's algorithm
//! adds for variables a loop never writes.

use super::{Analyses, remove_params};
use crate::entities::{Inst, Value};
use crate::flat_lists::FlatLists;
use crate::function::{Function, ValueDef};

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let incoming = analyses.incoming_edges(func);
    remove(func, vec![None; func.values.len()], incoming)
}

/// Removes the redundant parameters of `func`, where the parameters that
/// `replaced` maps to a value (one entry per value) are already gone and
/// some branch arguments may still name them: those arguments are rewritten
/// too. `incoming` are the edges into each block
/// ([`incoming_edges`](super::incoming_edges)). Returns whether anything
/// changed.
pub(crate) fn remove(
    func: &mut Function,
    replaced: Vec<Option<Value>>,
    incoming: &FlatLists<(Inst, usize)>,
) -> bool {
    // For every value, the parameters it is passed to; and every
    // parameter's position in its block.
    let mut passed_to_pairs = Vec::new();
    let mut position = vec![0usize; func.values.len()];
    let mut worklist = Vec::new();
    for &block in func.layout.iter().skip(1) {
        for (i, &param) in func.block(block).params.iter().enumerate() {
            position[param.index()] = i;
            worklist.push(param);
            for &(inst, target) in incoming.get(block.index()) {
                let arg = func.inst(inst).targets[target].args[i];
                if arg != param {
                    passed_to_pairs.push((arg.0, param));
                }
            }
        }
    }
    let passed_to = FlatLists::from_pairs(func.values.len(), &passed_to_pairs);
    worklist.reverse();
    let already_removed = replaced.iter().any(Option::is_some);
    let mut alias = replaced;
    let mut queued = vec![false; func.values.len()];
    for &param in &worklist {
        queued[param.index()] = true;
    }
    let mut removed = already_removed;
    while let Some(param) = worklist.pop() {
        queued[param.index()] = false;
        if alias[param.index()].is_some() {
            continue;
        }
        let ValueDef::Param(block) = func.value_def(param) else {
            continue;
        };
        let position = position[param.index()];
        let args = incoming.get(block.index()).iter().map(|&(inst, target)| {
            resolve(&mut alias, func.inst(inst).targets[target].args[position])
        });
        let Some(value) = only_value(param, args) else {
            continue;
        };
        alias[param.index()] = Some(value);
        removed = true;
        for &user in passed_to.get(param.index()) {
            if alias[user.index()].is_none() && !std::mem::replace(&mut queued[user.index()], true)
            {
                worklist.push(user);
            }
        }
    }
    if !removed {
        return false;
    }
    for block in func.layout.clone() {
        let incoming = incoming.get(block.index());
        remove_params(func, block, incoming, |param| {
            alias[param.index()].is_none()
        });
    }
    func.rewrite_uses(|value| resolve(&mut alias, value));
    true
}

/// What `value` stands for. Shortens the chain it follows to one step, so
/// that following the chains of a loop nest is linear in all.
fn resolve(alias: &mut [Option<Value>], value: Value) -> Value {
    let mut root = value;
    while let Some(next) = alias[root.index()] {
        root = next;
    }
    let mut at = value;
    while let Some(next) = alias[at.index()] {
        if next != root {
            alias[at.index()] = Some(root);
        }
        at = next;
    }
    root
}

/// The one value other than `param` itself among `args`, the arguments
/// every edge passes for `param`, if there is one: then `param` is
/// redundant. The SSA builder asks it too, of a join's new parameter.
pub(crate) fn only_value(param: Value, args: impl IntoIterator<Item = Value>) -> Option<Value> {
    let mut only: Option<Value> = None;
    for arg in args {
        if arg == param || only == Some(arg) {
            continue;
        }
        if only.is_some() {
            return None;
        }
        only = Some(arg);
    }
    only
}
