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
    /// Finds the loops of `func`.
    pub(crate) fn compute<F: Function>(func: &F) -> LoopInfo {
        let num_blocks = func.num_blocks();
        let back_edges = find_back_edges(func);
        let mut depth = vec![0u32; num_blocks];
        // Blocks of the loop currently being marked carry its header's stamp.
        let mut stamp = vec![u32::MAX; num_blocks];
        let mut worklist = Vec::new();
        let mut back_edges = back_edges;
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

/// The edges `(tail, header)` of a depth-first search from the entry that
/// go back to a block still on the search stack.
fn find_back_edges<F: Function>(func: &F) -> Vec<(Block, Block)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Unvisited,
        OnStack,
        Done,
    }
    let mut state = vec![State::Unvisited; func.num_blocks()];
    let mut back_edges = Vec::new();
    // Each frame is a block and the index of the next successor to visit.
    let mut stack = vec![(Block(0), 0usize)];
    state[0] = State::OnStack;
    while let Some(&mut (block, ref mut next)) = stack.last_mut() {
        let succs = func.block_succs(block);
        if *next < succs.len() {
            let succ = succs[*next];
            *next += 1;
            match state[succ.index()] {
                State::Unvisited => {
                    state[succ.index()] = State::OnStack;
                    stack.push((succ, 0));
                }
                State::OnStack => back_edges.push((block, succ)),
                State::Done => {}
            }
        } else {
            state[block.index()] = State::Done;
            stack.pop();
        }
    }
    back_edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operand::Operand;
    use crate::test_code::Code;
    use crate::types::VReg;

    /// Block 0 enters a loop at 1 whose body 2 holds an inner loop 3 -> 4,
    /// and leaves through 5 to the exit 6.
    fn nested_loops() -> Code {
        let mut code = Code::with_vregs(1);
        let branch = || vec![vec![Operand::reg_use(crate::types::VReg(0))]];
        code.block(
            &[],
            vec![vec![Operand::reg_def(VReg(0))], vec![]],
            &[(1, &[])],
        );
        code.block(&[], branch(), &[(2, &[]), (5, &[])]);
        code.block(&[], vec![vec![]], &[(3, &[])]);
        code.block(&[], branch(), &[(4, &[]), (7, &[])]);
        code.block(&[], vec![vec![]], &[(3, &[])]);
        code.block(&[], vec![vec![]], &[(6, &[])]);
        code.block(&[], vec![vec![]], &[]);
        code.block(&[], vec![vec![]], &[(1, &[])]);
        code.link()
    }

    #[test]
    fn depth_counts_the_loops_around_a_block() {
        let loops = LoopInfo::compute(&nested_loops());
        let depths: Vec<u32> = (0..8).map(|b| loops.depth(Block(b))).collect();
        assert_eq!(depths, [0, 1, 1, 2, 2, 0, 0, 1]);
    }

    #[test]
    fn uses_in_deeper_loops_weigh_more() {
        let loops = LoopInfo::compute(&nested_loops());
        assert!(loops.use_weight(Block(3)) > loops.use_weight(Block(1)));
        assert!(loops.use_weight(Block(1)) > loops.use_weight(Block(0)));
    }
}
