//! Global value numbering of pure instructions.
//!
//! Walks the dominator tree keeping a table from "operation, operands,
//! result type" to the value that computes it. An instruction whose key is
//! already in the table, computed in a dominating block, is redundant: its
//! result is replaced by the earlier one. Operands of commutative integer
//! operations are ordered first, so `a + b` and `b + a` meet.
//!
//! Each entry remembers its block, and only an entry whose block dominates
//! the current one counts (two comparisons); any other is overwritten.
//! Because the walk is in preorder, a block whose entry is overwritten
//! dominates nothing that is still to come, so nothing is lost, and the
//! table needs no undoing when the walk leaves a subtree.

use super::Aliases;
use crate::dominators::DominatorTree;
use crate::entities::{Block, Value};
use crate::function::Function;
use crate::id_hash::IdHashMap;
use crate::ops::Op;
use crate::types::Type;

/// Operation, operands (unused ones `NO_OPERAND`) and result type: kept
/// inline, so that comparing two keys reads no memory elsewhere.
type Key = (Op, [Value; MAX_OPERANDS], Type);

/// Pure operations take at most three operands (`select`); anything with
/// more is left alone.
const MAX_OPERANDS: usize = 3;

/// Fills the unused operand slots of a key.
const NO_OPERAND: Value = Value(u32::MAX);

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function) -> bool {
    let domtree = DominatorTree::compute(func);
    let mut aliases = Aliases::new(func.values.len());
    // Sized for every instruction up front: growing rehashes every key.
    let mut table: IdHashMap<Key, (Value, Block)> =
        IdHashMap::with_capacity_and_hasher(func.insts.len(), Default::default());
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
            if !data.op.is_pure() || data.results.len() != 1 || data.args.len() > MAX_OPERANDS {
                return true;
            }
            let mut operands = [NO_OPERAND; MAX_OPERANDS];
            operands[..data.args.len()].copy_from_slice(&data.args);
            if let Op::Binary(op) = data.op
                && op.is_commutative()
            {
                operands[..2].sort();
            }
            let result = data.results[0];
            let key = (data.op, operands, func.values[result.index()].ty);
            match table.get(&key) {
                Some(&(earlier, home)) if domtree.dominates(home, block) => {
                    aliases.replace(result, earlier);
                    changed = true;
                    false
                }
                _ => {
                    table.insert(key, (result, block));
                    true
                }
            }
        });
    }
    aliases.apply(func);
    changed
}
