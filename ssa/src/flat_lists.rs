//! A list of items for each of many owners (the predecessors of every block,
//! the edges into every block, the parameters every value is passed to),
//! stored flat: the list of owner `o` is `items[start[o]..start[o + 1]]`.
//!
//! A vector per owner costs an allocation for every owner that has items and
//! scatters the lists over the heap; passes that build such lists for every
//! value of a large function spent much of their time in the allocator. Here
//! the lists are built from `(owner, item)` pairs by a counting sort: two
//! allocations, linear time, and each owner's items keep the order in which
//! their pairs came.

/// Items grouped by owner; owners are dense indices `0..num_owners`.
#[derive(Clone, Debug)]
pub struct FlatLists<T> {
    start: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for FlatLists<T> {
    /// No owners.
    fn default() -> FlatLists<T> {
        FlatLists {
            start: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T: Copy> FlatLists<T> {
    /// Groups `(owner, item)` pairs by owner, keeping their order.
    pub fn from_pairs(num_owners: usize, pairs: &[(u32, T)]) -> FlatLists<T> {
        let mut start = vec![0u32; num_owners + 1];
        for &(owner, _) in pairs {
            start[owner as usize + 1] += 1;
        }
        for i in 0..num_owners {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut items = match pairs.first() {
            Some(&(_, filler)) => vec![filler; pairs.len()],
            None => Vec::new(),
        };
        for &(owner, item) in pairs {
            items[next[owner as usize] as usize] = item;
            next[owner as usize] += 1;
        }
        FlatLists { start, items }
    }

    /// How many owners there are.
    pub fn num_owners(&self) -> usize {
        self.start.len() - 1
    }

    /// The items of `owner`, in the order their pairs came.
    pub fn get(&self, owner: usize) -> &[T] {
        &self.items[self.start[owner] as usize..self.start[owner + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::FlatLists;

    #[test]
    fn items_are_grouped_by_owner_in_the_order_they_came() {
        let lists = FlatLists::from_pairs(4, &[(2, 'a'), (0, 'b'), (2, 'c'), (3, 'd'), (2, 'e')]);
        assert_eq!(lists.get(0), &['b']);
        assert_eq!(lists.get(1), &[] as &[char]);
        assert_eq!(lists.get(2), &['a', 'c', 'e']);
        assert_eq!(lists.get(3), &['d']);
    }

    #[test]
    fn no_pairs_give_empty_lists() {
        let lists: FlatLists<u8> = FlatLists::from_pairs(3, &[]);
        assert!((0..3).all(|owner| lists.get(owner).is_empty()));
    }
}
