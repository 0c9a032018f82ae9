//! Compaction of a function's arenas.
//!
//! Building and optimizing a function leave dead ids behind: a removed
//! instruction keeps its arena slot and a dropped block parameter its
//! value, so that ids held by a pass never change meaning. Later phases
//! size their tables by the arenas, not by what is live, so a function
//! that made many short-lived values costs them for every one. The worst
//! case is SSA construction itself: a variable read after a chain of joins
//! that do not change it gets a parameter at each join, dropped at once as
//! trivial, so `n` variables read after `n` joins leave `n * n` dead values.
//!
//! [`Function::compact`] keeps the instructions of the layout's blocks and
//! the values they and those blocks' parameters define, renumbered in the
//! order they had, and drops the rest. Because the order is kept, every
//! comparison of two ids gives what it gave before.
//!
//! Compaction copies what it keeps, so it pays only where much is dead:
//! [`Function::mostly_dead`] says when. In compiled C about a third of the
//! values are dead after SSA construction and after the passes (SQLite),
//! and there compacting costs more than it saves.

use crate::entities::{Inst, Value};
use crate::function::{Function, ValueData, ValueDef};

/// Marks an id that does not survive compaction.
const DROPPED: u32 = u32::MAX;

/// For each old id, its new id or [`DROPPED`], from which ids are kept.
fn renumbering(kept: &[bool]) -> (Vec<u32>, usize) {
    let mut next = 0;
    let map = kept
        .iter()
        .map(|&keep| {
            if keep {
                next += 1;
                next - 1
            } else {
                DROPPED
            }
        })
        .collect();
    (map, next as usize)
}

impl Function {
    /// Whether at least half the values are detached, or half the
    /// instructions are in no block of the layout: then [`compact`] saves
    /// the later phases more than it costs. Reads the value arena and the
    /// layout's instruction counts, not the instructions.
    ///
    /// [`compact`]: Function::compact
    pub fn mostly_dead(&self) -> bool {
        let detached = self
            .values
            .iter()
            .filter(|value| value.def == ValueDef::Detached)
            .count();
        2 * detached >= self.values.len() || 2 * self.inst_count() <= self.insts.len()
    }

    /// Drops every instruction that is in no block of the layout and every
    /// value that nothing in the layout defines, and renumbers the rest in
    /// their present order; blocks keep their numbers, and blocks outside
    /// the layout are emptied. Ids taken before mean nothing after. Returns
    /// whether anything was dropped.
    ///
    /// A value defined in the layout but used outside it, or used in the
    /// layout but defined outside it, makes the function invalid already;
    /// compaction expects a function that [`verify`](crate::verify) accepts.
    pub fn compact(&mut self) -> bool {
        let mut in_layout = vec![false; self.blocks.len()];
        let mut inst_kept = vec![false; self.insts.len()];
        let mut value_kept = vec![false; self.values.len()];
        for &block in &self.layout {
            in_layout[block.index()] = true;
            let data = &self.blocks[block.index()];
            for &param in data.params.iter() {
                value_kept[param.index()] = true;
            }
            for &inst in &data.insts {
                inst_kept[inst.index()] = true;
                for &result in self.insts[inst.index()].results.iter() {
                    value_kept[result.index()] = true;
                }
            }
        }
        let (inst_map, live_insts) = renumbering(&inst_kept);
        let (value_map, live_values) = renumbering(&value_kept);
        if live_insts == self.insts.len() && live_values == self.values.len() {
            return false;
        }
        let new_value = |value: &mut Value| {
            let new = value_map[value.index()];
            debug_assert_ne!(new, DROPPED, "{value} is used but dropped");
            *value = Value(new);
        };
        let values = std::mem::take(&mut self.values);
        self.values = values
            .into_iter()
            .zip(&value_kept)
            .filter(|&(_, &kept)| kept)
            .map(|(data, _)| ValueData {
                ty: data.ty,
                def: match data.def {
                    ValueDef::Result(inst) => ValueDef::Result(Inst(inst_map[inst.index()])),
                    def => def,
                },
            })
            .collect();
        let insts = std::mem::take(&mut self.insts);
        self.insts = insts
            .into_iter()
            .zip(&inst_kept)
            .filter(|&(_, &kept)| kept)
            .map(|(mut data, _)| {
                data.args.iter_mut().for_each(new_value);
                data.results.iter_mut().for_each(new_value);
                for target in data.targets.iter_mut() {
                    target.args.iter_mut().for_each(new_value);
                }
                data
            })
            .collect();
        for (block, data) in self.blocks.iter_mut().enumerate() {
            if in_layout[block] {
                data.params.iter_mut().for_each(new_value);
                for inst in data.insts.iter_mut() {
                    *inst = Inst(inst_map[inst.index()]);
                }
            } else {
                data.params.clear();
                data.insts.clear();
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::passes::{self, Analyses};
    use crate::{parse_function, verify};

    /// `block1` is unreachable, and `v3` and `v5` are computed for nothing.
    const TEXT: &str = "function f0(i32) -> i32 {
block0(v0: i32):
    v1:i32 = iconst 7
    v2:i32 = iadd v0, v1
    v3:i32 = imul v2, v2
    jump block2(v2)
block1:
    v4:i32 = iconst 1
    return v4
block2(v5: i32):
    v6:i32 = isub v5, v0
    return v6
}";

    #[test]
    fn what_the_layout_does_not_hold_leaves_and_the_rest_keeps_its_order() {
        let mut func = parse_function(TEXT).expect("parses");
        assert!(!func.compact(), "nothing is dead yet");
        assert!(!func.mostly_dead());
        let mut analyses = Analyses::default();
        passes::unreachable_blocks::run(&mut func, &mut analyses);
        passes::dce::run(&mut func, &mut analyses);
        passes::redundant_params::run(&mut func, &mut analyses);
        let (blocks, values) = (func.blocks.len(), func.values.len());
        assert!(func.compact());
        verify(&func).expect("verifies");
        assert_eq!(func.blocks.len(), blocks, "blocks keep their numbers");
        assert!(func.values.len() < values);
        assert_eq!(func.insts.len(), func.inst_count());
        assert!(func.blocks[1].insts.is_empty() && func.blocks[1].params.is_empty());
        assert_eq!(
            func.to_string(),
            "function f0(i32) -> i32 {
block0(v0: i32):
    v1:i32 = iconst 7
    v2:i32 = iadd v0, v1
    jump block2
block2:
    v3:i32 = isub v2, v0
    return v3
}
"
        );
        assert!(!func.compact(), "a compact function stays as it is");
    }

    #[test]
    fn mostly_dead_counts_detached_values_and_instructions_outside_the_layout() {
        let mut func = parse_function(TEXT).expect("parses");
        let block0 = func.layout[0];
        func.retain_insts(block0, |func, inst| func.inst(inst).results.len() != 1);
        assert!(
            !func.mostly_dead(),
            "four of seven instructions, three of seven values left"
        );
        passes::unreachable_blocks::run(&mut func, &mut Analyses::default());
        assert!(func.mostly_dead(), "three of seven instructions left");
        let gaps = "function f0(i32) -> i32 {\nblock0(v9: i32):\n    return v9\n}";
        let func = parse_function(gaps).expect("parses");
        assert!(func.mostly_dead(), "the parser leaves v0 to v8 detached");
    }
}
