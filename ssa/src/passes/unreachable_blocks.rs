//! Removes blocks that no path from the entry reaches.
//!
//! Such blocks come from code after a trap, from branches folded to one
//! side, and from the CFG simplification. They are taken out of the layout;
//! branches from them disappear with them.

use super::Analyses;
use crate::function::Function;

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let order = analyses.block_order(func);
    let before = func.layout.len();
    func.layout.retain(|&block| order.is_reachable(block));
    let changed = func.layout.len() != before;
    if changed {
        analyses.cfg_changed();
    }
    changed
}
