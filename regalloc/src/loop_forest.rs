//! The loops of a function as a forest, to answer one question for the
//! liveness: which is the outermost loop around a block that a value's
//! definition lies outside of?
//!
//! A value defined outside a loop and used inside it is live in every block
//! of the loop. When the loop's blocks are one run of the block order, that
//! is one live range, found without visiting the blocks. In a deep nest this
//! is what keeps liveness linear: `n` values used inside `n` nested loops
//! are live in `n * n` (block, value) pairs, but each value's lifetime is a
//! single range.
//!
//! The loops are found as Havlak finds them: the natural loop of each
//! header of a depth-first search's back edges, innermost header first,
//! with the loops already found collapsed into their headers by a
//! union-find, so the work is near-linear however deep the nesting. A loop
//! is taken whole only if it is entered through its header alone (the
//! search found no predecessor outside the header's subtree, in it or in a
//! loop inside it) and its blocks are one run of the block order; the
//! liveness visits the blocks of any other loop one by one. The question is
//! answered by binary lifting over the loops that may be taken whole, in
//! time logarithmic in the depth of the nest.

use crate::cfg::DepthFirst;
use crate::function::Function;
use crate::types::Block;

/// No loop.
const NONE: u32 = u32::MAX;

/// A loop whose blocks are the run `header..end` of the block order and
/// which is entered only through `header`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WholeLoop {
    /// The loop's number, unique in the function.
    pub(crate) id: u32,
    pub(crate) header: Block,
    /// One past the loop's last block.
    pub(crate) end: Block,
}

/// The loops of a function that may be taken whole.
pub(crate) struct LoopForest {
    /// For each block, the innermost loop that contains it and may be
    /// taken whole, or [`NONE`].
    innermost_whole: Vec<u32>,
    /// For each loop, its first block and one past its last; meaningful
    /// for the loops that may be taken whole.
    spans: Vec<(u32, u32)>,
    /// For each loop that may be taken whole, the predecessors of its header
    /// outside it (its entries) at `entries[entry_start[l]..entry_start[l + 1]]`.
    entries: Vec<Block>,
    entry_start: Vec<u32>,
    /// `up[level * num_loops + l]`: the loop `2^level` steps out from `l`
    /// along the loops that may be taken whole, or [`NONE`].
    up: Vec<u32>,
    levels: usize,
}

/// One loop while the forest is built.
struct FoundLoop {
    header: Block,
    parent: u32,
    /// The number of blocks, and the lowest and highest block.
    size: u32,
    lowest: u32,
    highest: u32,
    /// Entered other than through its header, itself or a loop inside it.
    irreducible: bool,
}

impl LoopForest {
    /// Finds the loops of `func`, whose depth-first search is `search`.
    pub(crate) fn compute<F: Function>(func: &F, search: &DepthFirst) -> LoopForest {
        let num_blocks = func.num_blocks();
        let mut headers: Vec<Block> = search.back_edges.iter().map(|&(_, h)| h).collect();
        headers.sort_unstable_by_key(|h| std::cmp::Reverse(search.preorder[h.index()]));
        headers.dedup();
        let mut tails = search.back_edges.clone();
        tails.sort_unstable_by_key(|&(_, h)| h);

        let mut found: Vec<FoundLoop> = Vec::with_capacity(headers.len());
        let mut loop_of_header = vec![NONE; num_blocks];
        let mut innermost = vec![NONE; num_blocks];
        let mut sets = UnionFind::new(num_blocks);
        let mut in_body = vec![NONE; num_blocks];
        let mut members = Vec::new();
        let mut worklist = Vec::new();
        for &header in &headers {
            let id = found.len() as u32;
            let mut irreducible = false;
            members.clear();
            let from = tails.partition_point(|&(_, h)| h < header);
            let to = tails.partition_point(|&(_, h)| h <= header);
            for &(tail, _) in &tails[from..to] {
                let rep = sets.find(tail);
                if rep != header && in_body[rep.index()] != id {
                    in_body[rep.index()] = id;
                    members.push(rep);
                    worklist.push(rep);
                }
            }
            while let Some(block) = worklist.pop() {
                for &pred in func.block_preds(block) {
                    let rep = sets.find(pred);
                    if rep == header || in_body[rep.index()] == id {
                        continue;
                    }
                    if !search.descends_from(rep, header) {
                        irreducible = true;
                        continue;
                    }
                    in_body[rep.index()] = id;
                    members.push(rep);
                    worklist.push(rep);
                }
            }
            let mut this = FoundLoop {
                header,
                parent: NONE,
                size: 1,
                lowest: header.0,
                highest: header.0,
                irreducible,
            };
            innermost[header.index()] = id;
            loop_of_header[header.index()] = id;
            for &member in &members {
                let inner = loop_of_header[member.index()];
                if inner == NONE {
                    innermost[member.index()] = id;
                    this.size += 1;
                    this.lowest = this.lowest.min(member.0);
                    this.highest = this.highest.max(member.0);
                } else {
                    let child = &mut found[inner as usize];
                    child.parent = id;
                    this.size += child.size;
                    this.lowest = this.lowest.min(child.lowest);
                    this.highest = this.highest.max(child.highest);
                    this.irreducible |= child.irreducible;
                }
                sets.join(member, header);
            }
            found.push(this);
        }
        LoopForest::index(func, &found, &innermost)
    }

    /// Builds the look-up tables from the loops found, inner loops first.
    fn index<F: Function>(func: &F, found: &[FoundLoop], innermost: &[u32]) -> LoopForest {
        let num_loops = found.len();
        let whole = |l: &FoundLoop| {
            !l.irreducible && l.lowest == l.header.0 && l.highest - l.lowest + 1 == l.size
        };
        // A parent comes after its children, so walking the loops backwards
        // meets each parent first.
        let mut nearest_whole = vec![NONE; num_loops];
        let mut whole_parent = vec![NONE; num_loops];
        let mut whole_depth = vec![0u32; num_loops];
        let mut max_depth = 0;
        for (id, l) in found.iter().enumerate().rev() {
            let above = match l.parent {
                NONE => NONE,
                parent => nearest_whole[parent as usize],
            };
            if whole(l) {
                nearest_whole[id] = id as u32;
                whole_parent[id] = above;
                if above != NONE {
                    whole_depth[id] = whole_depth[above as usize] + 1;
                    max_depth = max_depth.max(whole_depth[id]);
                }
            } else {
                nearest_whole[id] = above;
            }
        }
        let levels = (u32::BITS - max_depth.leading_zeros()).max(1) as usize;
        let mut up = whole_parent;
        up.reserve((levels - 1) * num_loops);
        for level in 1..levels {
            let below = (level - 1) * num_loops;
            for id in 0..num_loops {
                let half = up[below + id];
                let step = if half == NONE {
                    NONE
                } else {
                    up[below + half as usize]
                };
                up.push(step);
            }
        }
        let mut entries = Vec::new();
        let mut entry_start = Vec::with_capacity(num_loops + 1);
        entry_start.push(0);
        for (id, l) in found.iter().enumerate() {
            if nearest_whole[id] == id as u32 {
                let outside = |p: &&Block| p.0 < l.lowest || p.0 > l.highest;
                entries.extend(func.block_preds(l.header).iter().filter(outside));
            }
            entry_start.push(entries.len() as u32);
        }
        LoopForest {
            entries,
            entry_start,
            innermost_whole: innermost
                .iter()
                .map(|&l| {
                    if l == NONE {
                        NONE
                    } else {
                        nearest_whole[l as usize]
                    }
                })
                .collect(),
            spans: found.iter().map(|l| (l.lowest, l.highest + 1)).collect(),
            up,
            levels,
        }
    }

    /// The number of loops, whole or not: their ids are below it.
    pub(crate) fn num_loops(&self) -> usize {
        self.spans.len()
    }

    /// The predecessors of the header of `whole` that lie outside it.
    pub(crate) fn entries(&self, whole: WholeLoop) -> &[Block] {
        let id = whole.id as usize;
        &self.entries[self.entry_start[id] as usize..self.entry_start[id + 1] as usize]
    }

    /// The outermost loop that may be taken whole, contains `block`, and
    /// does not contain `outside` (a value's defining block), if any.
    pub(crate) fn outermost_around(&self, block: Block, outside: Block) -> Option<WholeLoop> {
        let excludes = |l: u32| {
            let (first, end) = self.spans[l as usize];
            outside.0 < first || outside.0 >= end
        };
        let mut l = self.innermost_whole[block.index()];
        if l == NONE || !excludes(l) {
            return None;
        }
        let num_loops = self.spans.len();
        for level in (0..self.levels).rev() {
            let step = self.up[level * num_loops + l as usize];
            if step != NONE && excludes(step) {
                l = step;
            }
        }
        let (first, end) = self.spans[l as usize];
        Some(WholeLoop {
            id: l,
            header: Block(first),
            end: Block(end),
        })
    }
}

/// Sets of blocks, each named by one of its blocks, with path halving.
struct UnionFind {
    parent: Vec<Block>,
}

impl UnionFind {
    fn new(num_blocks: usize) -> UnionFind {
        UnionFind {
            parent: (0..num_blocks as u32).map(Block).collect(),
        }
    }

    /// The block that names the set of `block`.
    fn find(&mut self, mut block: Block) -> Block {
        while self.parent[block.index()] != block {
            let grandparent = self.parent[self.parent[block.index()].index()];
            self.parent[block.index()] = grandparent;
            block = grandparent;
        }
        block
    }

    /// Puts the set named `member` into the set named `name`.
    fn join(&mut self, member: Block, name: Block) {
        self.parent[member.index()] = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_code::Code;

    fn forest(code: &Code) -> LoopForest {
        LoopForest::compute(code, &DepthFirst::of(code))
    }

    fn whole(forest: &LoopForest, block: u32, outside: u32) -> Option<(u32, u32)> {
        forest
            .outermost_around(Block(block), Block(outside))
            .map(|l| (l.header.0, l.end.0))
    }

    /// Block 0 enters an outer loop 1..5 around an inner loop 2..4, laid
    /// out in one run each; 5 is the exit.
    fn contiguous_nest() -> Code {
        Code::control_flow(&[&[1], &[2], &[3], &[2, 4], &[1, 5], &[]])
    }

    #[test]
    fn a_block_is_in_the_outermost_loop_its_definition_is_outside_of() {
        let forest = forest(&contiguous_nest());
        assert_eq!(whole(&forest, 3, 0), Some((1, 5)));
        assert_eq!(whole(&forest, 4, 0), Some((1, 5)));
        // Defined in the outer loop, used in the inner one.
        assert_eq!(whole(&forest, 3, 1), Some((2, 4)));
        assert_eq!(whole(&forest, 4, 1), None);
        // Outside every loop.
        assert_eq!(whole(&forest, 5, 0), None);
    }

    #[test]
    fn the_entries_of_a_loop_are_its_header_predecessors_outside_it() {
        let forest = forest(&contiguous_nest());
        let outer = forest.outermost_around(Block(3), Block(0)).unwrap();
        assert_eq!(forest.entries(outer), [Block(0)]);
        let inner = forest.outermost_around(Block(3), Block(1)).unwrap();
        assert_eq!(forest.entries(inner), [Block(1)]);
    }

    #[test]
    fn a_loop_split_by_the_block_order_is_not_taken_whole() {
        // The outer loop's latch 6 comes after the exit 5: its blocks
        // 1, 2, 3, 4, 6 are not one run, but the inner loop 2..4 is.
        let code = Code::control_flow(&[&[1], &[2], &[3], &[2, 4], &[6, 5], &[], &[1]]);
        let forest = forest(&code);
        assert_eq!(whole(&forest, 3, 0), Some((2, 4)));
        assert_eq!(whole(&forest, 6, 0), None);
        assert_eq!(whole(&forest, 1, 0), None);
    }

    #[test]
    fn a_loop_entered_other_than_through_its_header_is_not_taken_whole() {
        // 1 and 2 form a cycle that 0 enters at both.
        let code = Code::control_flow(&[&[1, 2], &[2], &[1, 3], &[]]);
        let forest = forest(&code);
        assert_eq!(whole(&forest, 1, 0), None);
        assert_eq!(whole(&forest, 2, 0), None);
    }

    #[test]
    fn a_deep_nest_is_climbed_to_the_right_loop() {
        // Headers 1..=depth, then the latches from the innermost out: the
        // latch of the loop with header `h` is block `2 * depth + 1 - h`,
        // so loop `h` is the run `h..2 * depth + 2 - h`.
        let depth = 100u32;
        let mut succs: Vec<Vec<u32>> = (0..=depth).map(|b| vec![b + 1]).collect();
        for h in (1..=depth).rev() {
            let latch = 2 * depth + 1 - h;
            succs.push(vec![h, latch + 1]);
        }
        succs.push(vec![]);
        let succs: Vec<&[u32]> = succs.iter().map(Vec::as_slice).collect();
        let forest = forest(&Code::control_flow(&succs));
        let innermost_latch = depth + 1;
        for def in [0, 1, 2, 37, 64, 99] {
            let header = def + 1;
            assert_eq!(
                whole(&forest, innermost_latch, def),
                Some((header, 2 * depth + 2 - header)),
                "defined in block {def}"
            );
        }
        assert_eq!(whole(&forest, innermost_latch, depth), None);
    }
}
