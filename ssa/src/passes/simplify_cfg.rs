//! Control-flow graph simplification.
//!
//! Repeats three rewrites until none applies, then drops unreachable blocks:
//!
//! - **jump threading**: a block that does nothing but `jump T(args)` is
//!   bypassed: every edge into it goes straight to `T`, with the block's
//!   parameters in `args` replaced by the arguments of that edge. Only done
//!   when the block's parameters are used nowhere else. A chain of such
//!   blocks is followed to its end at once; a cycle of them is left alone.
//! - **block merging**: when a block ends in `jump C(args)` and is the only
//!   way into `C`, `C`'s instructions move into it and `C`'s parameters
//!   become `args`.
//! - a `brif` whose two targets are the same block with the same arguments
//!   is a `jump` (done by [`const_fold`](super::const_fold)).

use super::{Aliases, Analyses, unreachable_blocks};
use crate::entities::{Block, Value};
use crate::function::{BlockCall, Function, ValueDef};
use crate::ops::Op;

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

/// How many times each value is used. Threading asks only about the
/// parameters of forwarding blocks, so when no forwarding block has any,
/// the walk over every instruction is skipped and the list is empty.
fn use_counts(func: &Function) -> Vec<u32> {
    let asked = func.layout.iter().any(|&block| {
        !func.block(block).params.is_empty() && forwarding_target(func, block).is_some()
    });
    if !asked {
        return Vec::new();
    }
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
fn forwarding_target(func: &Function, block: Block) -> Option<&BlockCall> {
    let [only] = func.block(block).insts[..] else {
        return None;
    };
    let data = func.inst(only);
    (data.op == Op::Jump && data.targets[0].block != block).then(|| &data.targets[0])
}

/// The jump of `block` if jump threading may bypass the block: it is not
/// the entry, it holds nothing but a jump elsewhere, and its parameters
/// are used in that jump only.
fn bypassable<'f>(func: &'f Function, counts: &[u32], block: Block) -> Option<&'f BlockCall> {
    if block == func.entry() {
        return None;
    }
    let forward = forwarding_target(func, block)?;
    let used_elsewhere = func.block(block).params.iter().any(|param| {
        let in_jump = forward.args.iter().filter(|&a| a == param).count() as u32;
        counts[param.index()] != in_jump
    });
    (!used_elsewhere).then_some(forward)
}

/// `call`'s arguments, in terms of `block`'s parameters, put in place of
/// those parameters by the arguments `args` of an edge into `block`.
fn substitute(func: &Function, block: Block, call: &BlockCall, args: &[Value]) -> BlockCall {
    let params = &func.block(block).params;
    BlockCall {
        block: call.block,
        args: call
            .args
            .iter()
            .map(|arg| match params.iter().position(|p| p == arg) {
                Some(position) => args[position],
                None => *arg,
            })
            .collect(),
    }
}

/// What jump threading does with a block.
#[derive(Clone)]
enum Threading {
    /// Not looked at yet.
    Unvisited,
    /// On the chain of jumps being followed.
    OnChain,
    /// Edges into the block stay as they are: it is not bypassable, or it
    /// is on a cycle of forwarding blocks (a loop that does nothing, which
    /// threading would only go around and around).
    Kept,
    /// Edges into the block go to this block call instead, with arguments
    /// in terms of the bypassed block's parameters.
    Bypassed(BlockCall),
}

/// How jump threading treats every block. An edge into a bypassable block
/// goes to the first block on its chain of jumps that is not bypassable.
///
/// A chain of forwarding blocks (the headers of nested loops) is followed
/// once, and resolved from its far end back, so that each block's
/// destination is built from the next one's: the work is linear in the
/// chain's length, and a single round threads the whole chain.
fn threading(func: &Function, counts: &[u32]) -> Vec<Threading> {
    let mut state = vec![Threading::Unvisited; func.blocks.len()];
    let mut chain = Vec::new();
    for &start in &func.layout {
        let mut block = start;
        loop {
            match state[block.index()] {
                Threading::Unvisited => match bypassable(func, counts, block) {
                    Some(forward) => {
                        state[block.index()] = Threading::OnChain;
                        chain.push(block);
                        block = forward.block;
                    }
                    None => {
                        state[block.index()] = Threading::Kept;
                        break;
                    }
                },
                Threading::OnChain => {
                    while let Some(on_cycle) = chain.pop() {
                        state[on_cycle.index()] = Threading::Kept;
                        if on_cycle == block {
                            break;
                        }
                    }
                    break;
                }
                Threading::Kept | Threading::Bypassed(_) => break,
            }
        }
        while let Some(block) = chain.pop() {
            let forward =
                bypassable(func, counts, block).expect("the chain holds bypassable blocks");
            let next = forward.block;
            let reached = match &state[next.index()] {
                Threading::Bypassed(further) => substitute(func, next, further, &forward.args),
                _ => forward.clone(),
            };
            state[block.index()] = Threading::Bypassed(reached);
        }
    }
    state
}

/// Sends every edge into a bypassable block straight to where that block's
/// chain of jumps ends.
fn thread_jumps(func: &mut Function) -> bool {
    let counts = use_counts(func);
    let state = threading(func, &counts);
    let mut changed = false;
    for index in 0..func.layout.len() {
        let block = func.layout[index];
        if let Threading::Bypassed(_) = state[block.index()] {
            continue;
        }
        let Some(term) = func.terminator(block) else {
            continue;
        };
        for index in 0..func.inst(term).targets.len() {
            let target = &func.inst(term).targets[index];
            let Threading::Bypassed(reached) = &state[target.block.index()] else {
                continue;
            };
            let threaded = substitute(func, target.block, reached, &target.args);
            func.insts[term.index()].targets[index] = threaded;
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
