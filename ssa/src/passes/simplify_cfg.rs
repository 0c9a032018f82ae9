//! Control-flow graph simplification.
//!
//! Repeats three rewrites until none applies, then drops unreachable blocks:
//!
//! - **jump threading**: a block that does nothing but `jump T(args)` is
//!   bypassed: every edge into it goes straight to `T`, with the block's
//!   parameters in `args` replaced by the arguments of that edge. Only done
//!   when the block's parameters are used nowhere else.
//! - **block merging**: when a block ends in `jump C(args)` and is the only
//!   way into `C`, `C`'s instructions move into it and `C`'s parameters
//!   become `args`.
//! - a `brif` whose two targets are the same block with the same arguments
//!   is a `jump` (done by [`const_fold`](super::const_fold)).

use super::{Aliases, Analyses, incoming_edges, unreachable_blocks};
use crate::entities::Block;
use crate::function::{BlockCall, Function, ValueDef};
use crate::ops::Op;
use crate::value_list::ValueList;

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let mut changed = false;
    loop {
        let threaded = thread_jumps(func);
        let merged = merge_blocks(func);
        if !threaded && !merged {
            break;
        }
        changed = true;
    }
    if changed {
        analyses.cfg_changed();
        unreachable_blocks::run(func, analyses);
    }
    changed
}

fn use_counts(func: &Function) -> Vec<u32> {
    let mut counts = vec![0u32; func.values.len()];
    for &block in &func.layout {
        for &inst in &func.block(block).insts {
            let data = func.inst(inst);
            let target_args = data.targets.iter().flat_map(|t| t.args.iter());
            for &value in data.args.iter().chain(target_args) {
                counts[value.index()] += 1;
            }
        }
    }
    counts
}

/// The target of `block` if the block is nothing but a jump elsewhere.
fn forwarding_target(func: &Function, block: Block) -> Option<BlockCall> {
    let [only] = func.block(block).insts[..] else {
        return None;
    };
    let data = func.inst(only);
    (data.op == Op::Jump && data.targets[0].block != block).then(|| data.targets[0].clone())
}

fn thread_jumps(func: &mut Function) -> bool {
    let counts = use_counts(func);
    let incoming = incoming_edges(func);
    let entry = func.entry();
    let mut changed = false;
    for block in func.layout.clone() {
        if block == entry {
            continue;
        }
        let Some(forward) = forwarding_target(func, block) else {
            continue;
        };
        let params = func.block(block).params.clone();
        let used_elsewhere = params.iter().any(|param| {
            let in_jump = forward.args.iter().filter(|&a| a == param).count() as u32;
            counts[param.index()] != in_jump
        });
        if used_elsewhere {
            continue;
        }
        for &(branch, index) in incoming.get(block.index()) {
            let target = &mut func.insts[branch.index()].targets[index];
            if target.block != block {
                continue;
            }
            let args: ValueList = forward
                .args
                .iter()
                .map(|arg| match params.iter().position(|p| p == arg) {
                    Some(position) => target.args[position],
                    None => *arg,
                })
                .collect();
            *target = BlockCall {
                block: forward.block,
                args,
            };
            changed = true;
        }
    }
    changed
}

fn merge_blocks(func: &mut Function) -> bool {
    let mut edges_into = vec![0u32; func.blocks.len()];
    for &block in &func.layout {
        for succ in func.successors(block) {
            edges_into[succ.index()] += 1;
        }
    }
    let entry = func.entry();
    let mut aliases = Aliases::new(func.values.len());
    let mut removed = vec![false; func.blocks.len()];
    for block in func.layout.clone() {
        if removed[block.index()] {
            continue;
        }
        while let Some(term) = func.terminator(block) {
            let data = func.inst(term);
            if data.op != Op::Jump {
                break;
            }
            let next = data.targets[0].block;
            if next == block || next == entry || edges_into[next.index()] != 1 {
                break;
            }
            let args = data.targets[0].args.clone();
            let params = std::mem::take(&mut func.blocks[next.index()].params);
            for (&param, &arg) in params.iter().zip(&args) {
                aliases.replace(param, arg);
                func.values[param.index()].def = ValueDef::Detached;
            }
            func.blocks[block.index()].insts.pop();
            let moved = std::mem::take(&mut func.blocks[next.index()].insts);
            func.blocks[block.index()].insts.extend(moved);
            removed[next.index()] = true;
        }
    }
    func.layout.retain(|block| !removed[block.index()]);
    aliases.apply(func);
    removed.iter().any(|&r| r)
}
