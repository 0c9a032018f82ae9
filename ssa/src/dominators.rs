//! Control-flow facts: predecessors, reverse post-order and dominators.
//!
//! Dominators are computed with the iterative algorithm of Cooper, Harvey and
//! Kennedy ("A Simple, Fast Dominance Algorithm"): walk the blocks in reverse
//! post-order, intersecting the dominators of the processed predecessors,
//! until nothing changes. The dominator tree is then numbered in pre- and
//! post-order so that `dominates` is two comparisons.

use crate::entities::Block;
use crate::function::Function;

const UNREACHABLE: u32 = u32::MAX;

/// A list of blocks for every block, stored flat: the list of block `b` is
/// `items[start[b]..start[b + 1]]`. One allocation instead of one per block.
struct BlockLists {
    start: Vec<u32>,
    items: Vec<Block>,
}

impl BlockLists {
    /// Groups `(owner, item)` pairs by owner, keeping their order.
    fn from_pairs(num_blocks: usize, pairs: &[(Block, Block)]) -> BlockLists {
        let mut start = vec![0u32; num_blocks + 1];
        for &(owner, _) in pairs {
            start[owner.index() + 1] += 1;
        }
        for i in 0..num_blocks {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut items = vec![Block(0); pairs.len()];
        for &(owner, item) in pairs {
            items[next[owner.index()] as usize] = item;
            next[owner.index()] += 1;
        }
        BlockLists { start, items }
    }

    fn get(&self, block: Block) -> &[Block] {
        &self.items[self.start[block.index()] as usize..self.start[block.index() + 1] as usize]
    }
}

/// Predecessors, block order and dominator tree of a function, as of the
/// moment it was computed.
pub struct DominatorTree {
    preds: BlockLists,
    rpo: Vec<Block>,
    rpo_number: Vec<u32>,
    idom: Vec<Option<Block>>,
    children: BlockLists,
    pre: Vec<u32>,
    post: Vec<u32>,
}

impl DominatorTree {
    /// Computes the facts for the blocks in the layout of `func`.
    pub fn compute(func: &Function) -> DominatorTree {
        let n = func.blocks.len();
        let mut edges = Vec::new();
        // The last block found to branch to each block: a `br_table` naming
        // a target many times adds one edge, found without a search.
        let mut last_pred: Vec<Option<Block>> = vec![None; n];
        for &block in &func.layout {
            for target in func.successors(block) {
                if last_pred[target.index()] != Some(block) {
                    last_pred[target.index()] = Some(block);
                    edges.push((target, block));
                }
            }
        }
        let preds = BlockLists::from_pairs(n, &edges);
        let rpo = reverse_post_order(func);
        let mut rpo_number = vec![UNREACHABLE; n];
        for (i, block) in rpo.iter().enumerate() {
            rpo_number[block.index()] = i as u32;
        }
        let idom = immediate_dominators(&rpo, &rpo_number, &preds);
        let tree_edges: Vec<(Block, Block)> = rpo
            .iter()
            .skip(1)
            .filter_map(|&block| Some((idom[block.index()]?, block)))
            .collect();
        let children = BlockLists::from_pairs(n, &tree_edges);
        let mut tree = DominatorTree {
            preds,
            rpo,
            rpo_number,
            idom,
            children,
            pre: vec![0; n],
            post: vec![0; n],
        };
        tree.number_tree();
        tree
    }

    fn number_tree(&mut self) {
        let Some(&entry) = self.rpo.first() else {
            return;
        };
        let mut counter = 0;
        let mut stack = vec![(entry, 0usize)];
        self.pre[entry.index()] = counter;
        while let Some((block, child)) = stack.pop() {
            if let Some(&next) = self.children.get(block).get(child) {
                stack.push((block, child + 1));
                counter += 1;
                self.pre[next.index()] = counter;
                stack.push((next, 0));
            } else {
                counter += 1;
                self.post[block.index()] = counter;
            }
        }
    }

    /// The distinct predecessors of `block`.
    pub fn preds(&self, block: Block) -> &[Block] {
        self.preds.get(block)
    }

    /// Reachable blocks in reverse post-order (entry first).
    pub fn rpo(&self) -> &[Block] {
        &self.rpo
    }

    /// Whether `block` can be reached from the entry.
    pub fn is_reachable(&self, block: Block) -> bool {
        self.rpo_number[block.index()] != UNREACHABLE
    }

    /// The immediate dominator of `block` (`None` for the entry and
    /// unreachable blocks).
    pub fn idom(&self, block: Block) -> Option<Block> {
        self.idom[block.index()]
    }

    /// Blocks immediately dominated by `block`.
    pub fn children(&self, block: Block) -> &[Block] {
        self.children.get(block)
    }

    /// Whether every path from the entry to `b` passes through `a`
    /// (a block dominates itself). False if either is unreachable.
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        self.is_reachable(a)
            && self.is_reachable(b)
            && self.pre[a.index()] <= self.pre[b.index()]
            && self.post[b.index()] <= self.post[a.index()]
    }
}

fn reverse_post_order(func: &Function) -> Vec<Block> {
    let Some(&entry) = func.layout.first() else {
        return Vec::new();
    };
    let targets = |block: Block| match func.terminator(block) {
        Some(term) => &func.inst(term).targets[..],
        None => &[],
    };
    let mut visited = vec![false; func.blocks.len()];
    let mut post_order = Vec::new();
    // (block, how many of its targets have been looked at)
    let mut stack = vec![(entry, 0usize)];
    visited[entry.index()] = true;
    while let Some((block, next)) = stack.last_mut() {
        let block = *block;
        match targets(block).get(*next) {
            Some(target) => {
                *next += 1;
                if !std::mem::replace(&mut visited[target.block.index()], true) {
                    stack.push((target.block, 0));
                }
            }
            None => {
                post_order.push(block);
                stack.pop();
            }
        }
    }
    post_order.reverse();
    post_order
}

fn immediate_dominators(
    rpo: &[Block],
    rpo_number: &[u32],
    preds: &BlockLists,
) -> Vec<Option<Block>> {
    let mut idom: Vec<Option<Block>> = vec![None; rpo_number.len()];
    let Some(&entry) = rpo.first() else {
        return idom;
    };
    idom[entry.index()] = Some(entry);
    let mut changed = true;
    while changed {
        changed = false;
        for &block in &rpo[1..] {
            let mut new_idom: Option<Block> = None;
            for &pred in preds.get(block) {
                if idom[pred.index()].is_none() {
                    continue;
                }
                new_idom = Some(match new_idom {
                    None => pred,
                    Some(current) => intersect(&idom, rpo_number, pred, current),
                });
            }
            if new_idom.is_some() && idom[block.index()] != new_idom {
                idom[block.index()] = new_idom;
                changed = true;
            }
        }
    }
    idom[entry.index()] = None;
    idom
}

fn intersect(idom: &[Option<Block>], rpo_number: &[u32], a: Block, b: Block) -> Block {
    let (mut a, mut b) = (a, b);
    while a != b {
        while rpo_number[a.index()] > rpo_number[b.index()] {
            a = idom[a.index()].expect("processed blocks have a dominator");
        }
        while rpo_number[b.index()] > rpo_number[a.index()] {
            b = idom[b.index()].expect("processed blocks have a dominator");
        }
    }
    a
}
