//! Optimization passes, each in its own module, and the default pipeline.
//!
//! Every pass takes a verified function and leaves a verified function that
//! computes the same results and traps. Passes that replace a value by
//! another record the replacement in an `Aliases` table and rewrite all
//! uses at once.

pub mod bounds_checks;
pub mod const_fold;
pub mod dce;
mod expr_table;
pub mod gvn;
pub mod licm;
pub mod local_constants;
pub mod redundant_params;
pub mod simplify_cfg;
pub mod unreachable_blocks;
pub mod vm_loads;

use crate::dominators::{BlockOrder, DominatorTree};
use crate::entities::{Block, Inst, Value};
use crate::flat_lists::FlatLists;
use crate::function::{Function, ValueDef};

/// A pass: rewrites a function, returns whether anything changed.
pub type Pass = fn(&mut Function, &mut Analyses) -> bool;

/// Facts about the function that passes share while they stay true: the
/// dominator tree (with predecessors and block order), the block order
/// alone and the edges into every block are computed when a pass first
/// asks for them and kept until a pass changes the control flow, rather
/// than computed anew by every pass that walks them.
#[derive(Default)]
pub struct Analyses {
    domtree: Option<DominatorTree>,
    order: Option<BlockOrder>,
    incoming: Option<FlatLists<(Inst, usize)>>,
}

impl Analyses {
    /// The reachable blocks of `func` in reverse post-order: the dominator
    /// tree's if it is kept, else found by a depth-first search alone. The
    /// passes that need only the order run between changes to the control
    /// flow more often than those that need the tree.
    pub(crate) fn block_order(&mut self, func: &Function) -> &BlockOrder {
        if let Some(tree) = &self.domtree {
            return tree.order();
        }
        self.order.get_or_insert_with(|| BlockOrder::compute(func))
    }

    /// The dominator tree of `func`, which must be the function the kept
    /// facts were computed for.
    pub(crate) fn domtree(&mut self, func: &Function) -> &DominatorTree {
        self.domtree
            .get_or_insert_with(|| DominatorTree::compute(func))
    }

    /// The edges into every block of `func` (see [`incoming_edges`]).
    pub(crate) fn incoming_edges(&mut self, func: &Function) -> &FlatLists<(Inst, usize)> {
        self.incoming.get_or_insert_with(|| incoming_edges(func))
    }

    /// Forgets the facts that depend on the control flow: a pass calls it
    /// when it changes a branch target, a terminator or the layout.
    pub(crate) fn cfg_changed(&mut self) {
        self.domtree = None;
        self.order = None;
        self.incoming = None;
    }
}

/// The passes in the order [`optimize`] runs them, by name.
pub const PIPELINE: &[(&str, Pass)] = &[
    ("unreachable_blocks", unreachable_blocks::run),
    ("redundant_params", redundant_params::run),
    ("const_fold", const_fold::run),
    ("simplify_cfg", simplify_cfg::run),
    ("gvn", gvn::run),
    ("vm_loads", vm_loads::run),
    ("gvn", gvn::run),
    ("licm", licm::run),
    ("bounds_checks", bounds_checks::run),
    ("const_fold", const_fold::run),
    ("dce", dce::run),
    ("simplify_cfg", simplify_cfg::run),
    ("redundant_params", redundant_params::run),
    ("local_constants", local_constants::run),
    ("dce", dce::run),
];

/// Passes that find nothing to do when run again on their own output. The
/// pipeline runs each of them twice, and [`optimize`] skips the second run
/// when no pass in between changed the function: on a long function that
/// has nothing for `vm_loads` to merge, that is a whole GVN walk saved.
const IDEMPOTENT: &[&str] = &["gvn", "dce"];

/// Runs the default pipeline; returns whether anything changed.
pub fn optimize(func: &mut Function) -> bool {
    let mut changed = false;
    // For each idempotent pass, whether it has run and nothing has changed
    // the function since.
    let mut still_done = [false; IDEMPOTENT.len()];
    let mut analyses = Analyses::default();
    for (name, pass) in PIPELINE {
        let idempotent = IDEMPOTENT.iter().position(|n| n == name);
        if idempotent.is_some_and(|i| still_done[i]) {
            continue;
        }
        if pass(func, &mut analyses) {
            changed = true;
            still_done = [false; IDEMPOTENT.len()];
        }
        if let Some(i) = idempotent {
            still_done[i] = true;
        }
    }
    changed
}

/// The edges into every block of the layout: for each block, the
/// terminators that branch to it and the index of the target that does, in
/// layout order.
pub(crate) fn incoming_edges(func: &Function) -> FlatLists<(Inst, usize)> {
    // A block has two targets or fewer but for a `br_table`.
    let mut edges = Vec::with_capacity(2 * func.layout.len());
    for &block in &func.layout {
        if let Some(term) = func.terminator(block) {
            for (i, target) in func.inst(term).targets.iter().enumerate() {
                edges.push((target.block.0, (term, i)));
            }
        }
    }
    FlatLists::from_pairs(func.blocks.len(), &edges)
}

/// Removes the parameters of `block` that `keep` rejects, with their
/// arguments on every edge in `incoming` (the edges into `block`, as
/// [`incoming_edges`] lists them); the removed parameters are detached.
/// Returns whether any parameter went.
pub(crate) fn remove_params(
    func: &mut Function,
    block: Block,
    incoming: &[(Inst, usize)],
    keep: impl Fn(Value) -> bool,
) -> bool {
    let params = &mut func.blocks[block.index()].params;
    if params.iter().all(|&param| keep(param)) {
        return false;
    }
    let kept: Vec<bool> = params.iter().map(|&param| keep(param)).collect();
    for (&param, _) in params.iter().zip(&kept).filter(|&(_, &k)| !k) {
        func.values[param.index()].def = ValueDef::Detached;
    }
    let mut flags = kept.iter();
    params.retain(|_| *flags.next().expect("one flag per parameter"));
    for &(inst, target) in incoming {
        let args = &mut func.insts[inst.index()].targets[target].args;
        let mut flags = kept.iter();
        args.retain(|_| *flags.next().expect("one argument per parameter"));
    }
    true
}

/// The block of every instruction in the layout, by instruction (`None`
/// for instructions in no block of the layout).
pub(crate) fn inst_blocks(func: &Function) -> Vec<Option<Block>> {
    let mut inst_block = vec![None; func.insts.len()];
    for &block in &func.layout {
        for &inst in &func.block(block).insts {
            inst_block[inst.index()] = Some(block);
        }
    }
    inst_block
}

/// Pending replacements of values by other values.
pub(crate) struct Aliases {
    target: Vec<Option<Value>>,
    any: bool,
}

impl Aliases {
    /// No replacements yet, for a function with `num_values` values.
    pub(crate) fn new(num_values: usize) -> Aliases {
        Aliases {
            target: vec![None; num_values],
            any: false,
        }
    }

    /// What `value` stands for, following chains of replacements.
    pub(crate) fn resolve(&self, mut value: Value) -> Value {
        while let Some(next) = self.target.get(value.index()).copied().flatten() {
            value = next;
        }
        value
    }

    /// Records that `value` is to be replaced by `by`.
    pub(crate) fn replace(&mut self, value: Value, by: Value) {
        let by = self.resolve(by);
        if by != value {
            self.target[value.index()] = Some(by);
            self.any = true;
        }
    }

    /// Rewrites every use in `func`; returns whether there was anything to do.
    pub(crate) fn apply(&self, func: &mut Function) -> bool {
        if self.any {
            func.rewrite_uses(|value| self.resolve(value));
        }
        self.any
    }
}
