//! Loop-invariant code motion.
//!
//! A natural loop is a header block plus the blocks that reach one of its
//! back edges (edges from a block the header dominates) without passing the
//! header. A pure instruction inside a loop whose operands are all defined
//! outside it computes the same value on every iteration, so it moves to the
//! loop's preheader, where it runs once. Pure instructions cannot trap, so
//! running one even when the loop body would not have is harmless.
//!
//! The preheader is the header's only predecessor from outside the loop,
//! ending in a `jump` (what the front end produces for wasm loops); loops
//! entered otherwise are left alone. Inner loops are treated first, so an
//! invariant can move out of several loops, one preheader at a time.

use crate::dominators::DominatorTree;
use crate::entities::{Block, Value};
use crate::function::{Function, ValueDef};
use crate::ops::Op;

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function) -> bool {
    let domtree = DominatorTree::compute(func);
    let mut inst_block: Vec<Option<Block>> = vec![None; func.insts.len()];
    for &block in &func.layout {
        for &inst in &func.block(block).insts {
            inst_block[inst.index()] = Some(block);
        }
    }
    let mut changed = false;
    // Headers in reverse RPO: inner loops come after their outer loop's header.
    for &header in domtree.rpo().iter().rev() {
        let (latches, entries): (Vec<Block>, Vec<Block>) = domtree
            .preds(header)
            .iter()
            .filter(|&&pred| domtree.is_reachable(pred))
            .partition(|&&pred| domtree.dominates(header, pred));
        let [preheader] = entries[..] else {
            continue;
        };
        if latches.is_empty() {
            continue;
        }
        let Some(jump) = func.terminator(preheader) else {
            continue;
        };
        if func.inst(jump).op != Op::Jump {
            continue;
        }
        let in_loop = loop_blocks(func, &domtree, header, latches);
        for &block in domtree.rpo().iter().filter(|b| in_loop[b.index()]) {
            for inst in func.block(block).insts.clone() {
                let data = func.inst(inst);
                let defined_in_loop = |value: Value| match func.value_def(value) {
                    ValueDef::Param(block) => in_loop[block.index()],
                    ValueDef::Result(def) => {
                        inst_block[def.index()].is_some_and(|b| in_loop[b.index()])
                    }
                    ValueDef::Detached => false,
                };
                if !data.op.is_pure() || data.args.iter().any(|&arg| defined_in_loop(arg)) {
                    continue;
                }
                func.blocks[block.index()].insts.retain(|&i| i != inst);
                let preheader_insts = &mut func.blocks[preheader.index()].insts;
                preheader_insts.insert(preheader_insts.len() - 1, inst);
                inst_block[inst.index()] = Some(preheader);
                changed = true;
            }
        }
    }
    changed
}

/// The blocks of the natural loop of `header` with the given back-edge sources.
fn loop_blocks(
    func: &Function,
    domtree: &DominatorTree,
    header: Block,
    latches: Vec<Block>,
) -> Vec<bool> {
    let mut in_loop = vec![false; func.blocks.len()];
    in_loop[header.index()] = true;
    let mut worklist = latches;
    while let Some(block) = worklist.pop() {
        if !std::mem::replace(&mut in_loop[block.index()], true) {
            worklist.extend(domtree.preds(block).iter().copied());
        }
    }
    in_loop
}
