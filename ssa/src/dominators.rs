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

/// Predecessors, block order and dominator tree of a function, as of the
/// moment it was computed.
pub struct DominatorTree {
    preds: Vec<Vec<Block>>,
    rpo: Vec<Block>,
    rpo_number: Vec<u32>,
    idom: Vec<Option<Block>>,
    children: Vec<Vec<Block>>,
    pre: Vec<u32>,
    post: Vec<u32>,
}

impl DominatorTree {
    /// Computes the facts for the blocks in the layout of `func`.
    pub fn compute(func: &Function) -> DominatorTree {
        let n = func.blocks.len();
        let mut preds = vec![Vec::new(); n];
        for &block in &func.layout {
            for succ in func.successors(block) {
                let list: &mut Vec<Block> = &mut preds[succ.index()];
                if !list.contains(&block) {
                    list.push(block);
                }
            }
        }
        let rpo = reverse_post_order(func);
        let mut rpo_number = vec![UNREACHABLE; n];
        for (i, block) in rpo.iter().enumerate() {
            rpo_number[block.index()] = i as u32;
        }
        let idom = immediate_dominators(&rpo, &rpo_number, &preds);
        let mut children = vec![Vec::new(); n];
        for &block in rpo.iter().skip(1) {
            if let Some(parent) = idom[block.index()] {
                children[parent.index()].push(block);
            }
        }
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
            if let Some(&next) = self.children[block.index()].get(child) {
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
        &self.preds[block.index()]
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
        &self.children[block.index()]
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
    let mut visited = vec![false; func.blocks.len()];
    let mut post_order = Vec::new();
    let mut stack: Vec<(Block, Vec<Block>)> = Vec::new();
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

fn immediate_dominators(
    rpo: &[Block],
    rpo_number: &[u32],
    preds: &[Vec<Block>],
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
            for &pred in &preds[block.index()] {
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
