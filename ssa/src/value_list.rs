//! `ValueList`: the operands, results and branch arguments of an
//! instruction, with up to [`INLINE`] values kept in place and longer lists on
//! the heap.
//!
//! Almost every instruction has at most three operands and one result, so a
//! plain `Vec` per list would cost the compiler two heap allocations (and two
//! frees) for nearly every instruction it translates, more than the rest of
//! building the instruction. A `ValueList` reads and writes as a slice of
//! values (it dereferences to `[Value]`), so code that only looks at a list
//! does not care where it lives.

use crate::entities::Value;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// How many values a list holds without allocating.
pub const INLINE: usize = 3;

/// A list of values, stored in place while it has at most [`INLINE`] of them.
#[derive(Clone)]
pub struct ValueList(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        len: u8,
        values: [Value; INLINE],
    },
    /// Boxed, so that the list is one pointer wide here: with the tag and
    /// the inline variant beside it the list takes 16 bytes, where a `Vec`
    /// in place would make it 24. Every instruction holds two lists and
    /// every branch target one, and most are inline.
    #[allow(clippy::box_collection)]
    Heap(Box<Vec<Value>>),
}

// Instructions hold two lists: their size is a large part of the IR's.
const _: () = assert!(std::mem::size_of::<ValueList>() <= 16);

/// Fills the unused slots of an inline list.
const UNUSED: Value = Value(u32::MAX);

impl ValueList {
    /// An empty list.
    pub const fn new() -> ValueList {
        ValueList(Repr::Inline {
            len: 0,
            values: [UNUSED; INLINE],
        })
    }

    /// The values, as a slice.
    pub fn as_slice(&self) -> &[Value] {
        self
    }

    /// Appends `value`, moving the list to the heap when it outgrows its
    /// inline slots.
    pub fn push(&mut self, value: Value) {
        match &mut self.0 {
            Repr::Inline { len, values } if usize::from(*len) < INLINE => {
                values[usize::from(*len)] = value;
                *len += 1;
            }
            Repr::Inline { values, .. } => {
                let mut heap = Vec::with_capacity(2 * INLINE);
                heap.extend_from_slice(values);
                heap.push(value);
                self.0 = Repr::Heap(Box::new(heap));
            }
            Repr::Heap(heap) => heap.push(value),
        }
    }

    /// Removes the last value and returns it, if there is one.
    pub fn pop(&mut self) -> Option<Value> {
        let last = self.last().copied()?;
        self.truncate(self.len() - 1);
        Some(last)
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        match &mut self.0 {
            Repr::Inline { len, .. } => *len = 0,
            Repr::Heap(heap) => heap.clear(),
        }
    }

    /// Keeps the values for which `keep` returns true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(Value) -> bool) {
        let mut kept = 0;
        for at in 0..self.len() {
            let value = self[at];
            if keep(value) {
                self[kept] = value;
                kept += 1;
            }
        }
        self.truncate(kept);
    }

    /// Shortens the list to its first `new_len` values.
    pub fn truncate(&mut self, new_len: usize) {
        match &mut self.0 {
            Repr::Inline { len, .. } => *len = (*len).min(new_len as u8),
            Repr::Heap(heap) => heap.truncate(new_len),
        }
    }
}

impl Default for ValueList {
    fn default() -> ValueList {
        ValueList::new()
    }
}

impl Deref for ValueList {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        match &self.0 {
            Repr::Inline { len, values } => &values[..usize::from(*len)],
            Repr::Heap(heap) => heap.as_slice(),
        }
    }
}

impl DerefMut for ValueList {
    fn deref_mut(&mut self) -> &mut [Value] {
        match &mut self.0 {
            Repr::Inline { len, values } => &mut values[..usize::from(*len)],
            Repr::Heap(heap) => heap.as_mut_slice(),
        }
    }
}

impl PartialEq for ValueList {
    fn eq(&self, other: &ValueList) -> bool {
        **self == **other
    }
}

impl Eq for ValueList {}

impl std::hash::Hash for ValueList {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for ValueList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<&[Value]> for ValueList {
    fn from(values: &[Value]) -> ValueList {
        if values.len() <= INLINE {
            let mut inline = [UNUSED; INLINE];
            inline[..values.len()].copy_from_slice(values);
            ValueList(Repr::Inline {
                len: values.len() as u8,
                values: inline,
            })
        } else {
            ValueList(Repr::Heap(Box::new(values.to_vec())))
        }
    }
}

impl<const N: usize> From<[Value; N]> for ValueList {
    fn from(values: [Value; N]) -> ValueList {
        ValueList::from(&values[..])
    }
}

impl From<Vec<Value>> for ValueList {
    fn from(values: Vec<Value>) -> ValueList {
        if values.len() <= INLINE {
            ValueList::from(&values[..])
        } else {
            ValueList(Repr::Heap(Box::new(values)))
        }
    }
}

impl FromIterator<Value> for ValueList {
    fn from_iter<I: IntoIterator<Item = Value>>(values: I) -> ValueList {
        let mut list = ValueList::new();
        list.extend(values);
        list
    }
}

impl Extend<Value> for ValueList {
    fn extend<I: IntoIterator<Item = Value>>(&mut self, values: I) {
        for value in values {
            self.push(value);
        }
    }
}

impl<'a> IntoIterator for &'a ValueList {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut ValueList {
    type Item = &'a mut Value;
    type IntoIter = std::slice::IterMut<'a, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(range: std::ops::Range<u32>) -> Vec<Value> {
        range.map(Value).collect()
    }

    #[test]
    fn a_list_reads_the_same_inline_and_on_the_heap() {
        for len in 0..8 {
            let expected = values(0..len);
            let mut pushed = ValueList::new();
            for &value in &expected {
                pushed.push(value);
            }
            let from_vec = ValueList::from(expected.clone());
            let collected: ValueList = expected.iter().copied().collect();
            for list in [&pushed, &from_vec, &collected] {
                assert_eq!(&list[..], &expected[..]);
                assert_eq!(list.len(), expected.len());
            }
            assert_eq!(pushed, from_vec);
        }
    }

    #[test]
    fn retain_truncate_and_clear_keep_the_order() {
        for len in [2, INLINE as u32, 7] {
            let mut list = ValueList::from(values(0..len));
            list.retain(|value| value.0 % 2 == 0);
            let even: Vec<Value> = values(0..len)
                .into_iter()
                .filter(|v| v.0 % 2 == 0)
                .collect();
            assert_eq!(&list[..], &even[..]);
            list.truncate(1);
            assert_eq!(&list[..], &[Value(0)]);
            list.clear();
            assert!(list.is_empty());
            list.push(Value(9));
            assert_eq!(&list[..], &[Value(9)]);
        }
    }

    #[test]
    fn pop_takes_values_from_the_end_inline_and_on_the_heap() {
        let mut list = ValueList::from(values(0..5));
        let mut popped = Vec::new();
        while let Some(value) = list.pop() {
            popped.push(value);
        }
        assert_eq!(popped, values(0..5).into_iter().rev().collect::<Vec<_>>());
        assert!(list.is_empty());
        assert_eq!(list.pop(), None);
    }

    #[test]
    fn values_are_written_through_the_slice() {
        let mut list = ValueList::from([Value(1), Value(2)]);
        for value in &mut list {
            value.0 += 10;
        }
        list[0] = Value(5);
        assert_eq!(&list[..], &[Value(5), Value(12)]);
        assert_eq!(format!("{list:?}"), format!("{:?}", [Value(5), Value(12)]));
    }
}
