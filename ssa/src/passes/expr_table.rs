//! The table of available expressions that global value numbering keeps.
//!
//! A general hash map would store each key (operation, operands, type: some
//! fifty bytes) next to its value, and on a function of a hundred thousand
//! instructions the table outgrows the processor's caches, so that every
//! lookup waits for memory. This table keeps the part that every lookup
//! reads small: an array of eight-byte slots, each holding 32 bits of the
//! key's hash and the number of an entry. The entries themselves (the value
//! that computes the expression and its block) sit in a second list, in the
//! order they were added, and are read only when the hash bits agree. Whether
//! an entry holds the very same key is asked of the caller, who can compare
//! against the instruction that defines the stored value.
//!
//! Slots are probed linearly from the hash's low bits. Entries are never
//! removed. The slot array starts at the size the caller expects and
//! doubles when it is half full, so a probe always ends at an empty slot,
//! and a function whose instructions are mostly impure (loads, stores,
//! calls) does not pay for slots it never fills.

use crate::entities::{Block, Value};

/// One slot: empty when `entry` is [`EMPTY`].
#[derive(Clone, Copy)]
struct Slot {
    hash: u32,
    entry: u32,
}

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

const EMPTY_SLOT: Slot = Slot {
    hash: 0,
    entry: EMPTY,
};

/// Where a lookup ended: at the matching entry or at the empty slot where
/// it belongs.
#[derive(Clone, Copy)]
pub(crate) struct SlotIndex(usize);

/// An open-addressing table from expressions to the value computing them.
pub(crate) struct ExprTable {
    slots: Vec<Slot>,
    entries: Vec<(Value, Block)>,
}

impl ExprTable {
    /// A table that can take `entries` entries before it first grows.
    pub(crate) fn with_capacity(entries: usize) -> ExprTable {
        let len = (entries * 2).next_power_of_two().max(16);
        ExprTable {
            slots: vec![EMPTY_SLOT; len],
            entries: Vec::with_capacity(entries),
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
        let hash = hash as u32;
        let mask = self.slots.len() - 1;
        let mut index = hash as usize & mask;
        loop {
            let slot = self.slots[index];
            if slot.entry == EMPTY {
                return (SlotIndex(index), None);
            }
            if slot.hash == hash {
                let (value, block) = self.entries[slot.entry as usize];
                if same_key(value) {
                    return (SlotIndex(index), Some((value, block)));
                }
            }
            index = (index + 1) & mask;
        }
    }

    /// Stores `value`, computed in `block`, in the slot that [`find`] gave
    /// for a key with this `hash`, replacing whatever entry was there.
    ///
    /// [`find`]: ExprTable::find
    pub(crate) fn set(&mut self, at: SlotIndex, hash: u64, value: Value, block: Block) {
        let entry = self.slots[at.0].entry;
        if entry != EMPTY {
            self.entries[entry as usize] = (value, block);
            return;
        }
        self.slots[at.0] = Slot {
            hash: hash as u32,
            entry: self.entries.len() as u32,
        };
        self.entries.push((value, block));
        if self.entries.len() * 2 > self.slots.len() {
            self.grow();
        }
    }

    /// Doubles the slot array, placing every entry again by its hash bits.
    fn grow(&mut self) {
        let doubled = vec![EMPTY_SLOT; 2 * self.slots.len()];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|slot| slot.entry != EMPTY) {
            let mut index = slot.hash as usize & mask;
            while self.slots[index].entry != EMPTY {
                index = (index + 1) & mask;
            }
            self.slots[index] = slot;
        }
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

    /// A table made for a few entries takes many more: it grows, and every
    /// entry is still found afterwards, colliding ones included.
    #[test]
    fn a_table_grows_past_its_first_size_and_keeps_every_entry() {
        let mut table = ExprTable::with_capacity(2);
        let hash_of = |v: u32| u64::from(v % 5) * 0x9e37_79b9 + u64::from(v);
        for v in 0..1000u32 {
            let (at, found) = table.find(hash_of(v), |stored| stored == Value(v));
            assert!(found.is_none());
            table.set(at, hash_of(v), Value(v), Block(v));
        }
        assert!(table.slots.len() >= 2000);
        for v in 0..1000u32 {
            let (_, found) = table.find(hash_of(v), |stored| stored == Value(v));
            assert_eq!(found, Some((Value(v), Block(v))));
        }
    }
}
