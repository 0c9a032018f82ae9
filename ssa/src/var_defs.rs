//! The SSA builder's table of definitions: the value each variable holds at
//! the end of each block, where known.
//!
//! The builder reads it at every step of every variable lookup and writes it
//! for every block a lookup walks through, so on a long function it is the
//! builder's busiest structure. It starts *dense*: for each variable, a list
//! indexed by block. A lookup walks one variable up through blocks made
//! close together, so it reads neighbouring entries, with no hashing and no
//! probing. Where variables are known in few of the blocks their lists
//! span, most of the dense table would be holes: it may grow as long as it
//! stays within a fixed size or within sixteen slots (64 bytes) per known
//! entry, four times what a hash map spends on one. (The largest functions
//! of SQLite need five to six.) Past that it turns, once and for good, into
//! a hash map with an entry per known definition. Either way the table
//! takes memory linear in the number of definitions, whatever the shape of
//! the function.

use crate::builder::Variable;
use crate::entities::{Block, Value};
use crate::id_hash::IdHashMap;

/// Marks an unknown entry of the dense table.
const UNKNOWN: Value = Value(u32::MAX);

/// The number of slots the dense table may always take, full or not.
const DENSE_SLOTS: usize = 1 << 16;

/// Past [`DENSE_SLOTS`], how many slots the dense table may take per
/// known entry.
const SLOTS_PER_KNOWN: usize = 16;

/// The value of each variable at the end of each block, where known.
pub(crate) enum VarDefs {
    /// For each variable (by number), its value at the end of each block
    /// (by number), [`UNKNOWN`] where not known; a variable's list ends
    /// after the last block it is known in. `slots` is the sum of the
    /// lists' lengths, `known` the number of slots that are not
    /// [`UNKNOWN`].
    Dense {
        by_var: Vec<Vec<Value>>,
        slots: usize,
        known: usize,
    },
    /// The known entries only.
    Sparse(IdHashMap<(Block, Variable), Value>),
}

impl VarDefs {
    /// An empty, dense table.
    pub(crate) fn new() -> VarDefs {
        VarDefs::Dense {
            by_var: Vec::new(),
            slots: 0,
            known: 0,
        }
    }

    /// The value of `var` at the end of `block`, if known.
    pub(crate) fn get(&self, block: Block, var: Variable) -> Option<Value> {
        match self {
            VarDefs::Dense { by_var, .. } => {
                let value = *by_var.get(var.0 as usize)?.get(block.index())?;
                (value != UNKNOWN).then_some(value)
            }
            VarDefs::Sparse(map) => map.get(&(block, var)).copied(),
        }
    }

    /// Records that `var` holds `value` at the end of `block`. An insert
    /// that would leave the dense table too empty (see the module comment)
    /// turns it into the sparse one first.
    pub(crate) fn insert(&mut self, block: Block, var: Variable, value: Value) {
        debug_assert_ne!(value, UNKNOWN);
        if let VarDefs::Dense {
            by_var,
            slots,
            known,
        } = self
        {
            let (var_index, block_index) = (var.0 as usize, block.index());
            if var_index >= by_var.len() {
                by_var.resize_with(var_index + 1, Vec::new);
            }
            let list = &mut by_var[var_index];
            let growth = (block_index + 1).saturating_sub(list.len());
            let budget = DENSE_SLOTS.max(SLOTS_PER_KNOWN * (*known + 1));
            if *slots + growth <= budget {
                if growth > 0 {
                    list.resize(block_index + 1, UNKNOWN);
                    *slots += growth;
                }
                if list[block_index] == UNKNOWN {
                    *known += 1;
                }
                list[block_index] = value;
                return;
            }
            *self = VarDefs::Sparse(Self::known_entries(by_var, *known));
        }
        if let VarDefs::Sparse(map) = self {
            map.insert((block, var), value);
        }
    }

    /// The known entries of a dense table, in a hash map.
    fn known_entries(by_var: &[Vec<Value>], known: usize) -> IdHashMap<(Block, Variable), Value> {
        let mut map = IdHashMap::default();
        map.reserve(known);
        for (var, list) in by_var.iter().enumerate() {
            for (block, &value) in list.iter().enumerate() {
                if value != UNKNOWN {
                    map.insert((Block(block as u32), Variable(var as u32)), value);
                }
            }
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_in_both_forms_and_survive_the_change_of_form() {
        let mut defs = VarDefs::new();
        defs.insert(Block(3), Variable(1), Value(10));
        defs.insert(Block(0), Variable(0), Value(11));
        defs.insert(Block(3), Variable(1), Value(12));
        assert!(matches!(
            defs,
            VarDefs::Dense {
                slots: 5,
                known: 2,
                ..
            }
        ));
        assert_eq!(defs.get(Block(3), Variable(1)), Some(Value(12)));
        assert_eq!(defs.get(Block(0), Variable(0)), Some(Value(11)));
        assert_eq!(defs.get(Block(2), Variable(1)), None, "a gap in the list");
        assert_eq!(defs.get(Block(4), Variable(1)), None, "past the list");
        assert_eq!(defs.get(Block(0), Variable(7)), None, "an unknown variable");
        // Block 2^20 of variable 2 would take that many slots more, for one
        // known entry: too empty.
        defs.insert(Block(1 << 20), Variable(2), Value(13));
        assert!(matches!(&defs, VarDefs::Sparse(map) if map.len() == 3));
        assert_eq!(defs.get(Block(3), Variable(1)), Some(Value(12)));
        assert_eq!(defs.get(Block(0), Variable(0)), Some(Value(11)));
        assert_eq!(defs.get(Block(1 << 20), Variable(2)), Some(Value(13)));
        assert_eq!(defs.get(Block(2), Variable(1)), None);
        defs.insert(Block(5), Variable(0), Value(14));
        assert_eq!(defs.get(Block(5), Variable(0)), Some(Value(14)));
    }
}
