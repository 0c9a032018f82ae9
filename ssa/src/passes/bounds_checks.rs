//! Removal of bounds checks that a dominating check already covers.
//!
//! The front end marks each linear-memory bounds check with the memory, the
//! wasm address value and the end of the access (static offset plus size):
//! `trapnz c, heap_oob, bounds heap0 v7+8`. Once that check has passed,
//! `v7 + 8 <= length` holds for the rest of the execution, because memories
//! never shrink. So a later check on the same memory and the same address
//! value with an end of at most 8 cannot fire, provided the first check
//! dominates it. The pass walks the dominator tree with a table from
//! (memory, address) to the largest end checked so far and deletes the
//! checks the table covers; the comparisons feeding them are left for dead
//! code elimination.

use super::Analyses;
use crate::entities::{Block, Value};
use crate::function::Function;
use crate::id_hash::IdHashMap;
use crate::ops::Op;

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let domtree = analyses.domtree(func);
    let mut checked: IdHashMap<(u32, Value), u64> = IdHashMap::default();
    // Undo log: a key and the end it had before a block changed it.
    let mut undo: Vec<((u32, Value), Option<u64>)> = Vec::new();
    let mut changed = false;
    let mut stack: Vec<(Block, Option<usize>)> = vec![(func.entry(), None)];
    while let Some((block, scope)) = stack.pop() {
        if let Some(mark) = scope {
            for (key, previous) in undo.drain(mark..).rev() {
                match previous {
                    Some(end) => checked.insert(key, end),
                    None => checked.remove(&key),
                };
            }
            continue;
        }
        stack.push((block, Some(undo.len())));
        for &child in domtree.children(block).iter().rev() {
            stack.push((child, None));
        }
        func.retain_insts(block, |func, inst| {
            let data = func.inst(inst);
            let Op::Trapnz(_, Some(bounds)) = data.op else {
                return true;
            };
            let key = (bounds.memory(), data.args[1]);
            let previous = checked.get(&key).copied();
            if previous.is_some_and(|end| end >= bounds.end()) {
                changed = true;
                false
            } else {
                checked.insert(key, bounds.end());
                undo.push((key, previous));
                true
            }
        });
    }
    changed
}
