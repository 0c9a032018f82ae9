//! Control-flow facts: predecessors, reverse post-order and dominators.
//!
//! Dominators are computed with the Semi-NCA algorithm (Georgiadis, Tarjan
//! and Werneck, "Finding Dominators in Practice"): Lengauer and Tarjan's
//! semidominators, found with path compression in one backward sweep over a
//! depth-first preorder, then each immediate dominator as the nearest common
//! ancestor of the block's depth-first parent and its semidominator in the
//! tree built so far. Unlike the iterative algorithm of Cooper, Harvey and
//! Kennedy, whose rounds walk the whole depth of a loop nest for every loop
//! header, it takes one pass whatever the shape of the graph. The dominator
//! tree is then numbered in pre- and post-order so that `dominates` is two
//! comparisons.

use crate::entities::Block;
use crate::flat_lists::FlatLists;
use crate::function::Function;

const UNREACHABLE: u32 = u32::MAX;

/// The blocks reachable from the entry in reverse post-order: what a
/// depth-first search alone finds, for passes that need no more than the
/// order and reachability. The dominator tree holds the same order.
pub struct BlockOrder {
    rpo: Vec<Block>,
    rpo_number: Vec<u32>,
}

impl BlockOrder {
    /// The order of the blocks of the layout of `func`.
    pub fn compute(func: &Function) -> BlockOrder {
        let succs = Successors::of(func);
        BlockOrder::of_search(&DepthFirst::new(func, &succs), func.blocks.len())
    }

    fn of_search(search: &DepthFirst, num_blocks: usize) -> BlockOrder {
        let mut rpo = search.post_order.clone();
        rpo.reverse();
        let mut rpo_number = vec![UNREACHABLE; num_blocks];
        for (i, block) in rpo.iter().enumerate() {
            rpo_number[block.index()] = i as u32;
        }
        BlockOrder { rpo, rpo_number }
    }

    /// Reachable blocks in reverse post-order (entry first).
    pub fn rpo(&self) -> &[Block] {
        &self.rpo
    }

    /// Whether `block` can be reached from the entry.
    pub fn is_reachable(&self, block: Block) -> bool {
        self.rpo_number[block.index()] != UNREACHABLE
    }
}

/// Predecessors, block order and dominator tree of a function, as of the
/// moment it was computed.
pub struct DominatorTree {
    preds: FlatLists<Block>,
    order: BlockOrder,
    idom: Vec<Option<Block>>,
    children: FlatLists<Block>,
    pre: Vec<u32>,
    post: Vec<u32>,
}

impl DominatorTree {
    /// Computes the facts for the blocks in the layout of `func`.
    pub fn compute(func: &Function) -> DominatorTree {
        let n = func.blocks.len();
        let succs = Successors::of(func);
        let mut edges = Vec::with_capacity(succs.targets.len());
        // The last block found to branch to each block: a `br_table` naming
        // a target many times adds one edge, found without a search.
        let mut last_pred: Vec<Option<Block>> = vec![None; n];
        for &block in &func.layout {
            for &target in succs.of_block(block) {
                if last_pred[target.index()] != Some(block) {
                    last_pred[target.index()] = Some(block);
                    edges.push((target.0, block));
                }
            }
        }
        let preds = FlatLists::from_pairs(n, &edges);
        let search = DepthFirst::new(func, &succs);
        let order = BlockOrder::of_search(&search, n);
        let idom = search.immediate_dominators(&preds, n);
        let tree_edges: Vec<(u32, Block)> = order
            .rpo
            .iter()
            .skip(1)
            .filter_map(|&block| Some((idom[block.index()]?.0, block)))
            .collect();
        let children = FlatLists::from_pairs(n, &tree_edges);
        let mut tree = DominatorTree {
            preds,
            order,
            idom,
            children,
            pre: vec![0; n],
            post: vec![0; n],
        };
        tree.number_tree();
        tree
    }

    fn number_tree(&mut self) {
        let Some(&entry) = self.order.rpo.first() else {
            return;
        };
        let mut counter = 0;
        let mut stack = Vec::with_capacity(self.order.rpo.len());
        stack.push((entry, 0usize));
        self.pre[entry.index()] = counter;
        while let Some((block, child)) = stack.pop() {
            if let Some(&next) = self.children.get(block.index()).get(child) {
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
        self.preds.get(block.index())
    }

    /// The reachable blocks and their order.
    pub fn order(&self) -> &BlockOrder {
        &self.order
    }

    /// Reachable blocks in reverse post-order (entry first).
    pub fn rpo(&self) -> &[Block] {
        self.order.rpo()
    }

    /// Whether `block` can be reached from the entry.
    pub fn is_reachable(&self, block: Block) -> bool {
        self.order.is_reachable(block)
    }

    /// The immediate dominator of `block` (`None` for the entry and
    /// unreachable blocks).
    pub fn idom(&self, block: Block) -> Option<Block> {
        self.idom[block.index()]
    }

    /// Blocks immediately dominated by `block`.
    pub fn children(&self, block: Block) -> &[Block] {
        self.children.get(block.index())
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

/// The targets of every block of the layout, in order and with repeats,
/// read from the terminators once: the predecessors and the depth-first
/// search both walk them, and in a long function every terminator read is
/// a read far from the last one.
struct Successors {
    /// For each block (by index), where its targets are in `targets`.
    range: Vec<(u32, u32)>,
    targets: Vec<Block>,
}

impl Successors {
    fn of(func: &Function) -> Successors {
        let mut range = vec![(0, 0); func.blocks.len()];
        let mut targets = Vec::with_capacity(2 * func.layout.len());
        for &block in &func.layout {
            let start = targets.len() as u32;
            targets.extend(func.successors(block));
            range[block.index()] = (start, targets.len() as u32);
        }
        Successors { range, targets }
    }

    /// The targets of `block`, in order, with repeats.
    fn of_block(&self, block: Block) -> &[Block] {
        let (start, end) = self.range[block.index()];
        &self.targets[start as usize..end as usize]
    }
}

/// A depth-first search from the entry, following targets in order.
struct DepthFirst {
    /// Reachable blocks in the order the search first meets them.
    preorder: Vec<Block>,
    /// The preorder number of each block's parent in the search tree,
    /// by preorder number (the entry is its own parent).
    parent: Vec<u32>,
    /// Preorder number of each block, `UNREACHABLE` if the search never met it.
    number: Vec<u32>,
    /// Reachable blocks in the order the search leaves them.
    post_order: Vec<Block>,
}

impl DepthFirst {
    fn new(func: &Function, succs: &Successors) -> DepthFirst {
        let blocks = func.layout.len();
        let mut search = DepthFirst {
            preorder: Vec::with_capacity(blocks),
            parent: Vec::with_capacity(blocks),
            number: vec![UNREACHABLE; func.blocks.len()],
            post_order: Vec::with_capacity(blocks),
        };
        let Some(&entry) = func.layout.first() else {
            return search;
        };
        let targets = |block: Block| succs.of_block(block);
        search.visit(entry, 0);
        // (block, its targets, how many of them have been looked at)
        let mut stack = Vec::with_capacity(blocks);
        stack.push((entry, targets(entry), 0usize));
        while let Some((block, block_targets, next)) = stack.last_mut() {
            let block = *block;
            match block_targets.get(*next) {
                Some(&target) => {
                    *next += 1;
                    if search.number[target.index()] == UNREACHABLE {
                        search.visit(target, search.number[block.index()]);
                        stack.push((target, targets(target), 0));
                    }
                }
                None => {
                    search.post_order.push(block);
                    stack.pop();
                }
            }
        }
        search
    }

    fn visit(&mut self, block: Block, parent: u32) {
        self.number[block.index()] = self.preorder.len() as u32;
        self.preorder.push(block);
        self.parent.push(parent);
    }

    /// The immediate dominator of every block, by block index (`None` for
    /// the entry and for unreachable blocks).
    fn immediate_dominators(
        &self,
        preds: &FlatLists<Block>,
        num_blocks: usize,
    ) -> Vec<Option<Block>> {
        let count = self.preorder.len();
        // All by preorder number: the semidominator, and the forest that
        // `eval` compresses (ancestor, and the vertex of least semidominator
        // on the compressed path).
        let mut semi: Vec<u32> = (0..count as u32).collect();
        let mut ancestor = vec![UNREACHABLE; count];
        let mut label: Vec<u32> = (0..count as u32).collect();
        let mut path = Vec::new();
        for w in (1..count).rev() {
            for &pred in preds.get(self.preorder[w].index()) {
                let v = self.number[pred.index()];
                if v == UNREACHABLE {
                    continue;
                }
                let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
                semi[w] = semi[w].min(semi[u as usize]);
            }
            ancestor[w] = self.parent[w];
        }
        let mut idom = vec![0u32; count];
        for w in 1..count {
            let mut x = self.parent[w];
            while x > semi[w] {
                x = idom[x as usize];
            }
            idom[w] = x;
        }
        let mut by_block = vec![None; num_blocks];
        for w in 1..count {
            by_block[self.preorder[w].index()] = Some(self.preorder[idom[w] as usize]);
        }
        by_block
    }
}

/// The vertex of least semidominator on the path from `v` up to the root of
/// its tree in the forest of processed vertices, compressing that path
/// (iteratively: the path can be as long as the function).
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == UNREACHABLE {
        return v;
    }
    path.clear();
    let mut x = v;
    while ancestor[ancestor[x as usize] as usize] != UNREACHABLE {
        path.push(x);
        x = ancestor[x as usize];
    }
    for &x in path.iter().rev() {
        let a = ancestor[x as usize] as usize;
        if semi[label[a] as usize] < semi[label[x as usize] as usize] {
            label[x as usize] = label[a];
        }
        ancestor[x as usize] = ancestor[a];
    }
    label[v as usize]
}
