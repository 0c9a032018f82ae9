//! Facts about the control-flow graph that the allocator needs: the loop
//! depth of each block, found from the natural loops of the back edges of a
//! depth-first search, and the weight that a use in a block gets from it.
//!
//! The weights make a value that is used inside a loop more expensive to
//! spill than one used outside, which is what keeps hot values in registers.
//!
//! Marking every loop's blocks costs the sum of the loop sizes, which a deep
//! nest makes quadratic. So the marking has a budget of
//! [`MARKS_PER_BLOCK`] marks per block of the function, spent on the
//! innermost loops first (headers later in the block order); loops beyond
//! the budget are not counted, so their blocks look shallower than they are.
//! Depth only steers spill and split choices, never correctness.

use crate::function::Function;
use crate::types::Block;

/// The loop nesting of the blocks of a function.
pub(crate) struct LoopInfo {
    depth: Vec<u32>,
}

/// How much more a use one loop deeper counts.
const WEIGHT_PER_DEPTH: f32 = 8.0;
/// Depths beyond this count as this deep.
const MAX_WEIGHTED_DEPTH: u32 = 6;
/// The work bound of [`LoopInfo::compute`]: blocks marked as inside a loop,
/// per block of the function.
const MARKS_PER_BLOCK: usize = 16;

impl LoopInfo {
    /// Finds the loops of `func`, whose depth-first search is `search`.
    pub(crate) fn compute<F: Function>(func: &F, search: &DepthFirst) -> LoopInfo {
        let num_blocks = func.num_blocks();
        let mut back_edges = search.back_edges.clone();
        let mut depth = vec![0u32; num_blocks];
        // Blocks of the loop currently being marked carry its header's stamp.
        let mut stamp = vec![u32::MAX; num_blocks];
        let mut worklist = Vec::new();
        back_edges.sort_unstable_by_key(|&(tail, header)| (std::cmp::Reverse(header), tail));
        let mut budget = MARKS_PER_BLOCK * num_blocks;
        for loop_edges in back_edges.chunk_by(|a, b| a.1 == b.1) {
            let header = loop_edges[0].1;
            let mark = header.0;
            stamp[header.index()] = mark;
            depth[header.index()] += 1;
            for &(tail, _) in loop_edges {
                if stamp[tail.index()] != mark {
                    stamp[tail.index()] = mark;
                    depth[tail.index()] += 1;
                    worklist.push(tail);
                }
            }
            while let Some(block) = worklist.pop() {
                for &pred in func.block_preds(block) {
                    if stamp[pred.index()] != mark {
                        stamp[pred.index()] = mark;
                        depth[pred.index()] += 1;
                        worklist.push(pred);
                    }
                }
                budget = budget.saturating_sub(1);
            }
            if budget == 0 {
                break;
            }
        }
        LoopInfo { depth }
    }

    /// The number of loops that contain `block`.
    pub(crate) fn depth(&self, block: Block) -> u32 {
        self.depth[block.index()]
    }

    /// The weight of one use in `block`: grows geometrically with depth.
    pub(crate) fn use_weight(&self, block: Block) -> f32 {
        WEIGHT_PER_DEPTH.powi(self.depth(block).min(MAX_WEIGHTED_DEPTH) as i32)
    }
}

/// A depth-first search of the blocks from the entry, successors in order.
pub(crate) struct DepthFirst {
    /// The order in which the search first reached each block.
    pub(crate) preorder: Vec<u32>,
    /// For each block, the highest preorder number in its subtree of the
    /// search: `d` descends from `a` when
    /// `preorder[a] <= preorder[d] <= last_descendant[a]`.
    pub(crate) last_descendant: Vec<u32>,
    /// The edges `(tail, header)` that go back to a block still on the
    /// search stack.
    pub(crate) back_edges: Vec<(Block, Block)>,
}

impl DepthFirst {
    /// Searches `func` from its entry.
    pub(crate) fn of<F: Function>(func: &F) -> DepthFirst {
        const UNVISITED: u32 = u32::MAX;
        let num_blocks = func.num_blocks();
        let mut preorder = vec![UNVISITED; num_blocks];
        let mut last_descendant = vec![0; num_blocks];
        let mut on_stack = vec![false; num_blocks];
        let mut back_edges = Vec::new();
        // Each frame is a block and the index of the next successor to visit.
        let mut stack = vec![(Block(0), 0usize)];
        preorder[0] = 0;
        on_stack[0] = true;
        let mut next_number = 1;
        while let Some(&mut (block, ref mut next)) = stack.last_mut() {
            let succs = func.block_succs(block);
            if *next < succs.len() {
                let succ = succs[*next];
                *next += 1;
                if preorder[succ.index()] == UNVISITED {
                    preorder[succ.index()] = next_number;
                    next_number += 1;
                    on_stack[succ.index()] = true;
                    stack.push((succ, 0));
                } else if on_stack[succ.index()] {
                    back_edges.push((block, succ));
                }
            } else {
                on_stack[block.index()] = false;
                last_descendant[block.index()] = next_number - 1;
                stack.pop();
            }
        }
        DepthFirst {
            preorder,
            last_descendant,
            back_edges,
        }
    }

    /// Whether `block` is `ancestor` or below it in the search tree.
    pub(crate) fn descends_from(&self, block: Block, ancestor: Block) -> bool {
        let at = self.preorder[block.index()];
        self.preorder[ancestor.index()] <= at && at <= self.last_descendant[ancestor.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_code::Code;

    /// Block 0 enters a loop at 1 whose body 2 holds an inner loop 3 -> 4;
    /// the inner loop leaves to 7, the outer loop's latch, and the outer
    /// loop through 5 to the exit 6. Only the control flow matters.
    fn nested_loops() -> Code {
        Code::control_flow(&[&[1], &[2, 5], &[3], &[4, 7], &[3], &[6], &[], &[1]])
    }

    #[test]
    fn depth_counts_the_loops_around_a_block() {
        let code = nested_loops();
        let loops = LoopInfo::compute(&code, &DepthFirst::of(&code));
        let depths: Vec<u32> = (0..8).map(|b| loops.depth(Block(b))).collect();
        assert_eq!(depths, [0, 1, 1, 2, 2, 0, 0, 1]);
    }

    #[test]
    fn uses_in_deeper_loops_weigh_more() {
        let code = nested_loops();
        let loops = LoopInfo::compute(&code, &DepthFirst::of(&code));
        assert!(loops.use_weight(Block(3)) > loops.use_weight(Block(1)));
        assert!(loops.use_weight(Block(1)) > loops.use_weight(Block(0)));
    }
}
