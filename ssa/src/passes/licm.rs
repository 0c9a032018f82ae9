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
//!
//! Each loop costs its own size (its blocks are found from its back edges
//! and visited in reverse post-order), so the pass costs the sum of the
//! loop sizes, which a deep nest makes quadratic. It therefore has a budget
//! of [`BLOCKS_PER_BLOCK`] loop blocks visited per block of the function,
//! spent on inner loops first; loops beyond it are left as they are.

use super::{Analyses, inst_blocks};
use crate::dominators::DominatorTree;
use crate::entities::{Block, Value};
use crate::function::{Function, ValueDef};
use crate::ops::Op;

/// The work bound: loop blocks visited, per block of the function.
const BLOCKS_PER_BLOCK: usize = 16;

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let domtree = analyses.domtree(func);
    let mut inst_block = inst_blocks(func);
    let mut rpo_number = vec![u32::MAX; func.blocks.len()];
    for (i, &block) in domtree.rpo().iter().enumerate() {
        rpo_number[block.index()] = i as u32;
    }
    let mut budget = BLOCKS_PER_BLOCK * func.blocks.len();
    // Blocks of the loop being treated carry its header's stamp.
    let mut in_loop = vec![u32::MAX; func.blocks.len()];
    let mut changed = false;
    // Headers in reverse RPO: inner loops come after their outer loop's header.
    for &header in domtree.rpo().iter().rev() {
        if budget == 0 {
            break;
        }
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
        let mark = header.0;
        let mut blocks = loop_blocks(domtree, header, latches, &mut in_loop);
        budget = budget.saturating_sub(blocks.len());
        blocks.retain(|block| domtree.is_reachable(*block));
        blocks.sort_unstable_by_key(|block| rpo_number[block.index()]);
        let mut hoisted = Vec::new();
        for block in blocks {
            let insts = std::mem::take(&mut func.blocks[block.index()].insts);
            let mut kept = Vec::with_capacity(insts.len());
            for inst in insts {
                let data = func.inst(inst);
                let defined_in_loop = |value: Value| match func.value_def(value) {
                    ValueDef::Param(block) => in_loop[block.index()] == mark,
                    ValueDef::Result(def) => {
                        inst_block[def.index()].is_some_and(|b| in_loop[b.index()] == mark)
                    }
                    ValueDef::Detached => false,
                };
                if data.op.is_pure() && !data.args.iter().any(|&arg| defined_in_loop(arg)) {
                    inst_block[inst.index()] = Some(preheader);
                    hoisted.push(inst);
                } else {
                    kept.push(inst);
                }
            }
            func.blocks[block.index()].insts = kept;
        }
        if !hoisted.is_empty() {
            let preheader_insts = &mut func.blocks[preheader.index()].insts;
            let jump = preheader_insts.pop().expect("the preheader ends in a jump");
            preheader_insts.extend(hoisted);
            preheader_insts.push(jump);
            changed = true;
        }
    }
    changed
}

/// The blocks of the natural loop of `header` with the given back-edge
/// sources, which are also stamped with the header's number in `in_loop`.
fn loop_blocks(
    domtree: &DominatorTree,
    header: Block,
    latches: Vec<Block>,
    in_loop: &mut [u32],
) -> Vec<Block> {
    let mark = header.0;
    in_loop[header.index()] = mark;
    let mut blocks = vec![header];
    let mut worklist = latches;
    while let Some(block) = worklist.pop() {
        if std::mem::replace(&mut in_loop[block.index()], mark) != mark {
            blocks.push(block);
            worklist.extend(domtree.preds(block).iter().copied());
        }
    }
    blocks
}
