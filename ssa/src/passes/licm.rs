//! Loop-invariant code motion.
//!
//! A natural loop is a header block plus the blocks that reach one of its
//! back edges (edges from a block the header dominates) without passing the
//! header. A pure instruction inside a loop whose operands are all defined
//! outside it computes the same value on every iteration, so it moves to the
//! loop's preheader, where it runs once. Pure instructions cannot trap, so
//! running one even when the loop body would not have is harmless. Loads of
//! `fixed` runtime data (a memory's base, signature ids) move the same way
//! out of loops that make no call: they are always valid to read. Equal
//! fixed loads that leave a loop from different blocks of it (the memory
//! base of each arm of a `switch`) become one load in the preheader. An
//! add, subtract, and, or or xor of a constant (a field's address) also
//! leaves only a loop that makes no call: in one that does, it would be
//! one more value to keep across the calls, for the price of one
//! instruction.
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

use super::{Aliases, Analyses, inst_blocks};
use crate::dominators::DominatorTree;
use crate::entities::{Block, Inst, Value};
use crate::function::{Function, ValueDef};
use crate::id_hash::IdHashMap;
use crate::ops::{Op, Region};
use crate::types::Type;

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
    let mut aliases = Aliases::new(func.values.len());
    // Headers in reverse RPO: inner loops come after their outer loop's header.
    for &header in domtree.rpo().iter().rev() {
        if budget == 0 {
            break;
        }
        let Some(preheader) = single_entry(domtree, header) else {
            continue;
        };
        let Some(jump) = func.terminator(preheader) else {
            continue;
        };
        if func.inst(jump).op != Op::Jump {
            continue;
        }
        let mark = header.0;
        let mut blocks = loop_blocks(domtree, header, &mut in_loop);
        budget = budget.saturating_sub(blocks.len());
        blocks.retain(|block| domtree.is_reachable(*block));
        blocks.sort_unstable_by_key(|block| rpo_number[block.index()]);
        let makes_calls = blocks.iter().any(|&block| {
            let insts = &func.block(block).insts;
            insts.iter().any(|&inst| func.inst(inst).op.is_call())
        });
        let mut hoisted = Vec::new();
        let mut hoisted_loads: IdHashMap<(Value, Op, Type), Value> = IdHashMap::default();
        for block in blocks {
            let mut insts = std::mem::take(&mut func.blocks[block.index()].insts);
            let mut kept = 0;
            for index in 0..insts.len() {
                let inst = insts[index];
                let data = func.inst(inst);
                let defined_in_loop = |value: Value| match func.value_def(aliases.resolve(value)) {
                    ValueDef::Param(block) => in_loop[block.index()] == mark,
                    ValueDef::Result(def) => {
                        inst_block[def.index()].is_some_and(|b| in_loop[b.index()] == mark)
                    }
                    ValueDef::Detached => false,
                };
                let fixed_load = is_fixed_load(data.op);
                let movable = if fixed_load || is_cheap_with_constant(func, inst) {
                    !makes_calls
                } else {
                    data.op.is_pure()
                };
                if !movable || data.args.iter().any(|&arg| defined_in_loop(arg)) {
                    insts[kept] = inst;
                    kept += 1;
                    continue;
                }
                if fixed_load {
                    let result = data.results[0];
                    let key = (
                        aliases.resolve(data.args[0]),
                        data.op,
                        func.value_type(result),
                    );
                    if let Some(&earlier) = hoisted_loads.get(&key) {
                        aliases.replace(result, earlier);
                        func.values[result.index()].def = ValueDef::Detached;
                        continue;
                    }
                    hoisted_loads.insert(key, result);
                }
                inst_block[inst.index()] = Some(preheader);
                hoisted.push(inst);
            }
            insts.truncate(kept);
            func.blocks[block.index()].insts = insts;
        }
        if !hoisted.is_empty() {
            let preheader_insts = &mut func.blocks[preheader.index()].insts;
            let jump = preheader_insts.pop().expect("the preheader ends in a jump");
            preheader_insts.extend(hoisted);
            preheader_insts.push(jump);
            changed = true;
        }
    }
    aliases.apply(func);
    changed
}

/// Whether `op` loads [`Region::Fixed`] data, which never changes: it may
/// leave a loop like a pure instruction. Only a loop without calls lets it
/// go, since a value kept across a call costs a callee-saved register or a
/// spill slot, about what reloading it costs.
fn is_fixed_load(op: Op) -> bool {
    matches!(
        op,
        Op::Load {
            region: Region::Fixed,
            ..
        }
    )
}

/// Whether `inst` adds, subtracts, ands, ors or xors a constant: one
/// instruction (often none, folded into an address) that costs no more to
/// compute on every iteration than to keep across a call, in a
/// callee-saved register or a spill slot. In a loop that calls, such
/// values (a field's address `x + 16`) crowd out the values that must
/// survive the calls; `x` is live through the loop anyway.
fn is_cheap_with_constant(func: &Function, inst: Inst) -> bool {
    use crate::ops::BinaryOp::*;
    let data = func.inst(inst);
    matches!(data.op, Op::Binary(Iadd | Isub | Band | Bor | Bxor))
        && data.args.iter().any(|&arg| func.constant(arg).is_some())
}

/// The one block outside the loop headed by `header` that enters it, if
/// `header` heads a loop (a reachable predecessor that it dominates sends a
/// back edge) and exactly one such block enters it.
fn single_entry(domtree: &DominatorTree, header: Block) -> Option<Block> {
    let mut entry = None;
    let mut entries = 0;
    let mut has_back_edge = false;
    for &pred in domtree.preds(header) {
        if !domtree.is_reachable(pred) {
            continue;
        }
        if domtree.dominates(header, pred) {
            has_back_edge = true;
        } else {
            entries += 1;
            entry = Some(pred);
        }
    }
    (entries == 1 && has_back_edge).then_some(entry).flatten()
}

/// The blocks of the natural loop of `header`, which are also stamped with
/// the header's number in `in_loop`: the header, then every block that
/// reaches a back edge without passing through the header.
fn loop_blocks(domtree: &DominatorTree, header: Block, in_loop: &mut [u32]) -> Vec<Block> {
    let mark = header.0;
    in_loop[header.index()] = mark;
    let mut blocks = vec![header];
    let mut worklist: Vec<Block> = domtree
        .preds(header)
        .iter()
        .copied()
        .filter(|&pred| domtree.is_reachable(pred) && domtree.dominates(header, pred))
        .collect();
    while let Some(block) = worklist.pop() {
        if std::mem::replace(&mut in_loop[block.index()], mark) != mark {
            blocks.push(block);
            worklist.extend(domtree.preds(block).iter().copied());
        }
    }
    blocks
}
