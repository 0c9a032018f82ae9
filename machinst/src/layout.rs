//! The order of machine blocks: a new entry block first, then the SSA
//! blocks reachable from the SSA entry in reverse post-order, each followed
//! by a block for every critical edge it leaves by.
//!
//! The new entry receives the parameters in their ABI locations and jumps
//! to the SSA entry, because the register allocator wants an entry without
//! block parameters. An edge is critical when it leaves a block with
//! several successors for a block with several predecessors; the allocator
//! needs a block of its own on such an edge to place moves in.

use kiln_regalloc::Block as MBlock;
use kiln_ssa::{Block, Function};

/// Where a machine block comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockOrigin {
    /// The entry that receives the parameters.
    Entry,
    /// An SSA block.
    Ssa(Block),
    /// The split of edge number `succ` out of an SSA block.
    Split(Block, usize),
}

/// Machine block numbers for SSA blocks and split edges.
#[derive(Clone, Debug)]
pub struct BlockLayout {
    /// Where each machine block comes from, in program order.
    pub order: Vec<BlockOrigin>,
    /// SSA blocks reached from the entry, in reverse post-order.
    pub reachable: Vec<Block>,
    /// The machine block of each SSA block.
    ssa_index: Vec<Option<MBlock>>,
    /// The machine block splitting each edge out of a block with several
    /// successors, if split: the edges of each such block in turn.
    splits: Vec<Option<MBlock>>,
    /// Where each SSA block's edges begin in `splits` (`u32::MAX` for a
    /// block with fewer than two successors).
    first_split: Vec<u32>,
}

impl BlockLayout {
    /// Lays out the blocks of `func`.
    pub fn compute(func: &Function) -> BlockLayout {
        let reachable = reverse_post_order(func);
        let mut preds = vec![0u32; func.blocks.len()];
        for &block in &reachable {
            for succ in func.successors(block) {
                preds[succ.index()] += 1;
            }
        }
        let mut order = vec![BlockOrigin::Entry];
        let mut ssa_index = vec![None; func.blocks.len()];
        let mut splits = Vec::new();
        let mut first_split = vec![u32::MAX; func.blocks.len()];
        for &block in &reachable {
            ssa_index[block.index()] = Some(MBlock(order.len() as u32));
            order.push(BlockOrigin::Ssa(block));
            if func.successors(block).nth(1).is_some() {
                first_split[block.index()] = splits.len() as u32;
                for (index, succ) in func.successors(block).enumerate() {
                    let split = (preds[succ.index()] > 1).then(|| {
                        order.push(BlockOrigin::Split(block, index));
                        MBlock(order.len() as u32 - 1)
                    });
                    splits.push(split);
                }
            }
        }
        BlockLayout {
            order,
            reachable,
            ssa_index,
            splits,
            first_split,
        }
    }

    /// The machine block of a reachable SSA block.
    pub fn ssa_index(&self, block: Block) -> MBlock {
        self.ssa_index[block.index()].expect("a reachable block")
    }

    /// The block splitting edge number `succ` out of `block`, if split.
    pub fn split_of(&self, block: Block, succ: usize) -> Option<MBlock> {
        match self.first_split[block.index()] {
            u32::MAX => None,
            first => self.splits[first as usize + succ],
        }
    }
}

/// The blocks reachable from the entry, in reverse post-order.
fn reverse_post_order(func: &Function) -> Vec<Block> {
    let mut visited = vec![false; func.blocks.len()];
    let mut post_order = Vec::new();
    // Each block on the path, with how many of its successors are left to
    // visit: they are taken last first.
    let mut stack: Vec<(Block, usize)> = Vec::new();
    let entry = func.entry();
    visited[entry.index()] = true;
    stack.push((entry, func.successors(entry).count()));
    while let Some((block, left)) = stack.last_mut() {
        if *left > 0 {
            *left -= 1;
            let terminator = func.terminator(*block).expect("a block with successors");
            let succ = func.inst(terminator).targets[*left].block;
            if !visited[succ.index()] {
                visited[succ.index()] = true;
                stack.push((succ, func.successors(succ).count()));
            }
        } else {
            post_order.push(*block);
            stack.pop();
        }
    }
    post_order.reverse();
    post_order
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_ssa::parse_function;

    /// `block0` branches to `block1` and `block2`; `block1` branches to
    /// `block2` and `block3`; `block2` has two predecessors, so both edges
    /// into it from a branching block are critical. `block4` is unreachable.
    const DIAMOND: &str = "\
function f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2(v0)
block1:
    v1:i32 = iconst 1
    brif v0, block2(v1), block3
block2(v2: i32):
    return v2
block3:
    return v0
block4:
    return v0
}
";

    #[test]
    fn entry_first_then_reachable_blocks_in_reverse_post_order() {
        let func = parse_function(DIAMOND).expect("parses");
        let layout = BlockLayout::compute(&func);
        assert_eq!(layout.order[0], BlockOrigin::Entry);
        assert_eq!(layout.reachable[0], Block(0));
        assert!(!layout.reachable.contains(&Block(4)));
        let position = |b| layout.reachable.iter().position(|&x| x == Block(b));
        assert!(position(1) < position(2), "block1 precedes its successor");
        assert_eq!(layout.reachable.len(), 4);
        for &block in &layout.reachable {
            let index = layout.ssa_index(block).index();
            assert_eq!(layout.order[index], BlockOrigin::Ssa(block));
        }
    }

    #[test]
    fn critical_edges_are_split_right_after_the_block_they_leave() {
        let func = parse_function(DIAMOND).expect("parses");
        let layout = BlockLayout::compute(&func);
        // block0 -> block2 and block1 -> block2 are critical; block0 ->
        // block1 and block1 -> block3 are not (one predecessor each).
        let split_0_2 = layout.split_of(Block(0), 1).expect("split");
        let split_1_2 = layout.split_of(Block(1), 0).expect("split");
        assert_eq!(layout.split_of(Block(0), 0), None);
        assert_eq!(layout.split_of(Block(1), 1), None);
        assert_eq!(
            layout.order[split_0_2.index()],
            BlockOrigin::Split(Block(0), 1)
        );
        assert_eq!(
            layout.order[split_1_2.index()],
            BlockOrigin::Split(Block(1), 0)
        );
        assert_eq!(split_0_2.index(), layout.ssa_index(Block(0)).index() + 1);
        assert_eq!(split_1_2.index(), layout.ssa_index(Block(1)).index() + 1);
        assert_eq!(layout.order.len(), 1 + 4 + 2);
    }
}
