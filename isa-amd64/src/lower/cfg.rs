//! The order of machine blocks: reachable SSA blocks in reverse
//! post-order, the new entry before them, and a block for each critical
//! edge right after the block the edge leaves.

use super::BlockOrigin;
use kiln_regalloc::Block as MBlock;
use kiln_ssa::{Block, Function};

/// Machine block numbers for SSA blocks and split edges.
pub(super) struct BlockLayout {
    /// Where each machine block comes from, in program order.
    pub order: Vec<BlockOrigin>,
    /// SSA blocks reached from the entry, in reverse post-order.
    pub reachable: Vec<Block>,
    /// The machine block of each SSA block.
    ssa_index: Vec<Option<MBlock>>,
    /// The machine block splitting each edge, by SSA block and successor
    /// number.
    splits: Vec<Vec<Option<MBlock>>>,
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
        let mut splits = vec![Vec::new(); func.blocks.len()];
        for &block in &reachable {
            ssa_index[block.index()] = Some(MBlock(order.len() as u32));
            order.push(BlockOrigin::Ssa(block));
            let succs: Vec<Block> = func.successors(block).collect();
            if succs.len() > 1 {
                for (index, succ) in succs.into_iter().enumerate() {
                    let split = (preds[succ.index()] > 1).then(|| {
                        order.push(BlockOrigin::Split(block, index));
                        MBlock(order.len() as u32 - 1)
                    });
                    splits[block.index()].push(split);
                }
            }
        }
        BlockLayout {
            order,
            reachable,
            ssa_index,
            splits,
        }
    }

    /// The machine block of a reachable SSA block.
    pub fn ssa_index(&self, block: Block) -> MBlock {
        self.ssa_index[block.index()].expect("a reachable block")
    }

    /// The block splitting edge number `succ` out of `block`, if split.
    pub fn split_of(&self, block: Block, succ: usize) -> Option<MBlock> {
        self.splits[block.index()].get(succ).copied().flatten()
    }
}

/// The blocks reachable from the entry, in reverse post-order.
fn reverse_post_order(func: &Function) -> Vec<Block> {
    let mut visited = vec![false; func.blocks.len()];
    let mut post_order = Vec::new();
    let mut stack: Vec<(Block, Vec<Block>)> = Vec::new();
    let entry = func.entry();
    visited[entry.index()] = true;
    stack.push((entry, func.successors(entry).collect()));
    while let Some((block, pending)) = stack.last_mut() {
        if let Some(succ) = pending.pop() {
            if !visited[succ.index()] {
                visited[succ.index()] = true;
                let succs = func.successors(succ).collect();
                stack.push((succ, succs));
            }
        } else {
            post_order.push(*block);
            stack.pop();
        }
    }
    post_order.reverse();
    post_order
}
