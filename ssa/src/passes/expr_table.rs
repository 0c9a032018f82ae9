//! The table of available expressions that global value numbering keeps.
//!
//! A general hash map would store each key (operation, operands, type: some
//! fifty bytes) next to its value, and on a function of a hundred thousand
//! instructions the table outgrows the processor's caches, so that every
//! lookup waits for memory. This table stores only what the pass needs to
//! find an entry: 32 bits of the key's hash, the value that computes it and
//! the block it is in, twelve bytes a slot. Whether a slot holds the very
//! same key is asked of the caller, who can compare against the instruction
//! that defines the stored value; that costs a read only when 32 bits of the
//! hash already agree.
//!
//! Slots are probed linearly from the hash's low bits. Entries are never
//! removed, and the table is made at least twice as large as the number of
//! entries it will ever hold, so a probe always ends at an empty slot.

use crate::entities::{Block, Value};

/// One slot: empty when `value` is [`EMPTY`].
#[derive(Clone, Copy)]
struct Slot {
    tag: u32,
    value: Value,
    block: Block,
}

/// Marks an empty slot.
const EMPTY: Value = Value(u32::MAX);

/// Where a lookup ended: at the matching entry or at the empty slot where
/// it belongs.
#[derive(Clone, Copy)]
pub(crate) struct SlotIndex(usize);

/// An open-addressing table from expressions to the value computing them.
pub(crate) struct ExprTable {
    slots: Vec<Slot>,
}

impl ExprTable {
    /// A table that can take `entries` entries.
    pub(crate) fn with_capacity(entries: usize) -> ExprTable {
        let len = (entries * 2).next_power_of_two().max(16);
        let empty = Slot {
            tag: 0,
            value: EMPTY,
            block: Block(0),
        };
        ExprTable {
            slots: vec![empty; len],
        }
    }

    /// Finds the entry for a key with this `hash`, for which `same_key`
    /// (asked of each stored value whose hash bits agree) says it is the
    /// very same key. Returns its slot, and the stored value and block if
    /// there is one.
    pub(crate) fn find(
        &self,
        hash: u64,
        mut same_key: impl FnMut(Value) -> bool,
    ) -> (SlotIndex, Option<(Value, Block)>) {
        let mask = self.slots.len() - 1;
        let tag = (hash >> 32) as u32;
        let mut index = hash as usize & mask;
        loop {
            let slot = self.slots[index];
            if slot.value == EMPTY {
                return (SlotIndex(index), None);
            }
            if slot.tag == tag && same_key(slot.value) {
                return (SlotIndex(index), Some((slot.value, slot.block)));
            }
            index = (index + 1) & mask;
        }
    }

    /// Stores `value`, computed in `block`, in the slot that [`find`] gave
    /// for a key with this `hash`, replacing whatever entry was there.
    ///
    /// [`find`]: ExprTable::find
    pub(crate) fn set(&mut self, at: SlotIndex, hash: u64, value: Value, block: Block) {
        self.slots[at.0] = Slot {
            tag: (hash >> 32) as u32,
            value,
            block,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys that all hash alike still find their own entries, and a key
    /// that was never stored finds an empty slot.
    #[test]
    fn colliding_keys_are_told_apart_by_the_caller() {
        let mut table = ExprTable::with_capacity(8);
        for v in 0..8u32 {
            let (at, found) = table.find(7, |stored| stored == Value(v));
            assert!(found.is_none());
            table.set(at, 7, Value(v), Block(v + 100));
        }
        for v in 0..8u32 {
            let (_, found) = table.find(7, |stored| stored == Value(v));
            assert_eq!(found, Some((Value(v), Block(v + 100))));
        }
        assert!(table.find(7, |stored| stored == Value(99)).1.is_none());
    }

    /// Replacing an entry keeps the table's other entries.
    #[test]
    fn set_on_a_found_slot_replaces_only_that_entry() {
        let mut table = ExprTable::with_capacity(4);
        let (at, _) = table.find(1, |_| false);
        table.set(at, 1, Value(1), Block(1));
        let (at, _) = table.find(2, |_| false);
        table.set(at, 2, Value(2), Block(2));
        let (at, found) = table.find(1, |stored| stored == Value(1));
        assert_eq!(found, Some((Value(1), Block(1))));
        table.set(at, 1, Value(3), Block(3));
        assert_eq!(
            table.find(1, |stored| stored == Value(3)).1,
            Some((Value(3), Block(3)))
        );
        assert_eq!(
            table.find(2, |stored| stored == Value(2)).1,
            Some((Value(2), Block(2)))
        );
    }
}
