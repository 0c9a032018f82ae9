//! Global value numbering of pure instructions.
//!
//! Walks the dominator tree keeping a table from "operation, operands,
//! result type" to the value that computes it. An instruction whose key is
//! already in the table, computed in a dominating block, is redundant: its
//! result is replaced by the earlier one. Operands of commutative integer
//! operations are ordered first, so `a + b` and `b + a` meet.
//!
//! Each entry remembers its block, and only an entry whose block dominates
//! the current one counts (two comparisons); any other is overwritten. The
//! table ([`ExprTable`]) keeps no keys: an entry's key is read back from the
//! instruction that defines its value.
//! Because the walk is in preorder, a block whose entry is overwritten
//! dominates nothing that is still to come, so nothing is lost, and the
//! table needs no undoing when the walk leaves a subtree.

use super::expr_table::ExprTable;
use super::{Aliases, Analyses};
use crate::entities::Value;
use crate::function::{Function, InstData, ValueDef};
use crate::id_hash::IdHasher;
use crate::ops::Op;
use crate::types::Type;
use std::hash::{Hash, Hasher};

/// Operation, operands (unused ones `NO_OPERAND`) and result type: kept
/// inline, so that comparing two keys reads no memory elsewhere.
type Key = (Op, [Value; MAX_OPERANDS], Type);

/// Pure operations take at most three operands (`select`); anything with
/// more is left alone.
const MAX_OPERANDS: usize = 3;

/// Fills the unused operand slots of a key.
const NO_OPERAND: Value = Value(u32::MAX);

/// The key of an instruction that GVN may merge: a pure operation with one
/// result and at most [`MAX_OPERANDS`] operands.
fn key(func: &Function, data: &InstData) -> Option<Key> {
    if !data.op.is_pure() || data.results.len() != 1 || data.args.len() > MAX_OPERANDS {
        return None;
    }
    let mut operands = [NO_OPERAND; MAX_OPERANDS];
    operands[..data.args.len()].copy_from_slice(&data.args);
    if let Op::Binary(op) = data.op
        && op.is_commutative()
    {
        operands[..2].sort();
    }
    Some((data.op, operands, func.values[data.results[0].index()].ty))
}

/// The key of the instruction that defines `value`, an entry of the table.
fn key_of_value(func: &Function, value: Value) -> Option<Key> {
    match func.values[value.index()].def {
        ValueDef::Result(inst) => key(func, &func.insts[inst.index()]),
        ValueDef::Param(_) | ValueDef::Detached => None,
    }
}

fn hash(key: &Key) -> u64 {
    let mut hasher = IdHasher::default();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let domtree = analyses.domtree(func);
    let mut aliases = Aliases::new(func.values.len());
    // About one instruction in three is a pure expression that enters the
    // table (SQLite, Lua and the benchmark kernels); the table grows if
    // there are more.
    let mut table = ExprTable::with_capacity(func.insts.len() / 3);
    let mut changed = false;
    let mut preorder = vec![func.entry()];
    while let Some(block) = preorder.pop() {
        preorder.extend(domtree.children(block).iter().rev());
        func.retain_insts(block, |func, inst| {
            let data = &mut func.insts[inst.index()];
            for arg in &mut data.args {
                *arg = aliases.resolve(*arg);
            }
            for target in &mut data.targets {
                for arg in &mut target.args {
                    *arg = aliases.resolve(*arg);
                }
            }
            let Some(key) = key(func, &func.insts[inst.index()]) else {
                return true;
            };
            let result = func.insts[inst.index()].results[0];
            let hash = hash(&key);
            let (slot, found) = table.find(hash, |stored| key_of_value(func, stored) == Some(key));
            match found {
                Some((earlier, home)) if domtree.dominates(home, block) => {
                    aliases.replace(result, earlier);
                    changed = true;
                    false
                }
                _ => {
                    table.set(slot, hash, result, block);
                    true
                }
            }
        });
    }
    aliases.apply(func);
    changed
}
