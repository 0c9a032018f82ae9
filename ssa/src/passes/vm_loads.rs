//! Reuses loads of runtime data along straight-line code.
//!
//! Every wasm memory access loads the memory's base and length from the
//! `vmctx`; a function touching memory ten times in a row loads them ten
//! times. Runtime data (`Region::Vm`) changes only through `vm` stores and
//! through calls (a callee or a helper such as `memory.grow` may write it);
//! linear-memory stores cannot touch it. So a `vm` load of the same address
//! and offset as an earlier one, with no `vm` store or call in between, reads
//! the same value and is replaced by it. A `fixed` load (`Region::Fixed`:
//! a memory's base, pointers to imported records, signature ids) never
//! changes, so stores and calls do not end its reuse.
//!
//! The pass walks the dominator tree and carries the loads it has seen into
//! a child block only if the child's single predecessor is its parent
//! (extended basic blocks): on any other path something may have
//! intervened. Fixed loads stop there too, although reusing them further
//! would be correct: a value reused across a whole function stays live
//! through all of it, which costs the register allocator more than the
//! load it saves (LICM still lifts them out of loops without calls).

use super::{Aliases, Analyses};
use crate::entities::{Block, Value};
use crate::function::Function;
use crate::id_hash::IdHashMap;
use crate::ops::{LoadKind, Op, Region};
use crate::types::Type;

/// Region, address, offset, width and type of a load.
type LoadKey = (Region, Value, u32, LoadKind, Type);

/// A load seen on the current path: its result, and its sequence number.
type Seen = (Value, u64);

/// The sequence numbers before which entries are stale.
#[derive(Clone, Copy)]
struct Barriers {
    /// For `vm` loads: a store, call or join came after them.
    changed: u64,
    /// For `fixed` loads: a join came after them.
    joined: u64,
}

/// Loads seen on the path from the entry to the current block. Leaving a
/// block undoes its entries and restores the barriers.
struct Available {
    table: IdHashMap<LoadKey, Seen>,
    undo: Vec<(LoadKey, Option<Seen>)>,
    next_sequence: u64,
    barriers: Barriers,
}

impl Available {
    fn get(&self, key: &LoadKey) -> Option<Value> {
        let barrier = match key.0 {
            Region::Fixed => self.barriers.joined,
            _ => self.barriers.changed,
        };
        self.table
            .get(key)
            .filter(|&&(_, sequence)| sequence >= barrier)
            .map(|&(value, _)| value)
    }

    fn insert(&mut self, key: LoadKey, value: Value) {
        let previous = self.table.insert(key, (value, self.next_sequence));
        self.undo.push((key, previous));
        self.next_sequence += 1;
    }

    /// After a `vm` store or a call.
    fn forget_changeable(&mut self) {
        self.barriers.changed = self.next_sequence;
    }

    /// At a block with another predecessor than its parent.
    fn forget_all(&mut self) {
        self.barriers = Barriers {
            changed: self.next_sequence,
            joined: self.next_sequence,
        };
    }
}

/// A step of the dominator-tree walk.
enum Step {
    /// Visit a block; the parent is its immediate dominator.
    Enter(Block, Option<Block>),
    /// Leave a block: undo entries past this length, restore these barriers.
    Leave(usize, Barriers),
}

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let domtree = analyses.domtree(func);
    let mut aliases = Aliases::new(func.values.len());
    let mut changed = false;
    let mut available = Available {
        table: IdHashMap::default(),
        undo: Vec::new(),
        next_sequence: 0,
        barriers: Barriers {
            changed: 0,
            joined: 0,
        },
    };
    let mut steps = vec![Step::Enter(func.entry(), None)];
    while let Some(step) = steps.pop() {
        let (block, parent) = match step {
            Step::Leave(undo_length, barriers) => {
                for (key, previous) in available.undo.drain(undo_length..).rev() {
                    match previous {
                        Some(seen) => available.table.insert(key, seen),
                        None => available.table.remove(&key),
                    };
                }
                available.barriers = barriers;
                continue;
            }
            Step::Enter(block, parent) => (block, parent),
        };
        steps.push(Step::Leave(available.undo.len(), available.barriers));
        let straight_line = parent.is_some_and(|parent| domtree.preds(block) == [parent]);
        if !straight_line {
            available.forget_all();
        }
        for &child in domtree.children(block) {
            steps.push(Step::Enter(child, Some(block)));
        }
        func.retain_insts(block, |func, inst| {
            let data = &mut func.insts[inst.index()];
            for arg in &mut data.args {
                *arg = aliases.resolve(*arg);
            }
            match data.op {
                Op::Load {
                    kind,
                    region: region @ (Region::Vm | Region::Fixed),
                    offset,
                } => {
                    let result = data.results[0];
                    let key: LoadKey =
                        (region, data.args[0], offset, kind, func.value_type(result));
                    match available.get(&key) {
                        Some(earlier) => {
                            aliases.replace(result, earlier);
                            changed = true;
                            return false;
                        }
                        None => available.insert(key, result),
                    }
                }
                Op::Store {
                    region: Region::Vm, ..
                }
                | Op::Call { .. }
                | Op::CallIndirect { .. }
                | Op::CallHelper(_) => available.forget_changeable(),
                _ => {}
            }
            true
        });
    }
    aliases.apply(func);
    changed
}
