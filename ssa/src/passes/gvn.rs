//! Global value numbering of pure instructions.
//!
//! Walks the dominator tree keeping a table from "operation, operands,
//! result type" to the value that computes it. An instruction whose key is
//! already in the table, computed in a dominating block, is redundant: its
//! result is replaced by the earlier one. Operands of commutative integer
//! operations are ordered first, so `a + b` and `b + a` meet. Entries are
//! dropped when the walk leaves the block that made them, so only dominating
//! computations are reused.

use super::Aliases;
use crate::dominators::DominatorTree;
use crate::entities::{Block, Value};
use crate::function::Function;
use crate::id_hash::IdHashMap;
use crate::ops::Op;
use crate::types::Type;

type Key = (Op, Vec<Value>, Type);

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function) -> bool {
    let domtree = DominatorTree::compute(func);
    let mut aliases = Aliases::new(func.values.len());
    let mut table: IdHashMap<Key, Value> = IdHashMap::default();
    let mut added: Vec<Key> = Vec::new();
    let mut changed = false;
    // (block, number of table entries when the block was entered, or None on entry)
    let mut stack: Vec<(Block, Option<usize>)> = vec![(func.entry(), None)];
    while let Some((block, scope)) = stack.pop() {
        if let Some(mark) = scope {
            for key in added.drain(mark..) {
                table.remove(&key);
            }
            continue;
        }
        stack.push((block, Some(added.len())));
        for &child in domtree.children(block).iter().rev() {
            stack.push((child, None));
        }
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
            if !data.op.is_pure() || data.results.len() != 1 {
                return true;
            }
            let mut operands = data.args.clone();
            if let Op::Binary(op) = data.op
                && op.is_commutative()
            {
                operands.sort();
            }
            let result = data.results[0];
            let key = (data.op, operands, func.values[result.index()].ty);
            match table.get(&key) {
                Some(&earlier) => {
                    aliases.replace(result, earlier);
                    changed = true;
                    false
                }
                None => {
                    table.insert(key.clone(), result);
                    added.push(key);
                    true
                }
            }
        });
    }
    aliases.apply(func);
    changed
}
