//! The dominator tree against the definition: `a` dominates `b` when `b`
//! cannot be reached from the entry without passing `a`. Checked on
//! pseudo-random control-flow graphs (jumps, two-way branches and branch
//! tables, with loops, unreachable blocks and repeated targets) and on a
//! deep loop nest.

use kiln_ssa::dominators::DominatorTree;
use kiln_ssa::{Block, BlockCall, Function, Op, Signature, Type};

/// A function whose block `i` branches to `succs[i]` (returns if empty).
fn function_with_edges(succs: &[Vec<usize>]) -> Function {
    let mut func = Function::new(
        "f0",
        Signature {
            params: vec![Type::I32],
            results: vec![],
        },
    );
    let blocks: Vec<Block> = succs.iter().map(|_| func.create_block()).collect();
    let cond = func.append_block_param(blocks[0], Type::I32);
    for (i, targets) in succs.iter().enumerate() {
        let calls: Vec<BlockCall> = targets.iter().map(|&t| BlockCall::new(blocks[t])).collect();
        let (op, args) = match calls.len() {
            0 => (Op::Return, vec![]),
            1 => (Op::Jump, vec![]),
            2 => (Op::Brif, vec![cond]),
            _ => (Op::BrTable, vec![cond]),
        };
        let inst = func.create_inst(op, args, calls, &[]);
        func.blocks[blocks[i].index()].insts.push(inst);
        func.layout.push(blocks[i]);
    }
    func
}

/// Whether `target` is reachable from the entry without passing `avoid`.
fn reachable_avoiding(succs: &[Vec<usize>], avoid: usize, target: usize) -> bool {
    let mut seen = vec![false; succs.len()];
    let mut stack = vec![0];
    while let Some(b) = stack.pop() {
        if b == avoid || std::mem::replace(&mut seen[b], true) {
            continue;
        }
        if b == target {
            return true;
        }
        stack.extend(&succs[b]);
    }
    false
}

fn check_against_definition(succs: &[Vec<usize>]) {
    let func = function_with_edges(succs);
    let tree = DominatorTree::compute(&func);
    let n = succs.len();
    let reachable: Vec<bool> = (0..n).map(|b| reachable_avoiding(succs, n, b)).collect();
    for a in 0..n {
        for b in 0..n {
            let expected =
                reachable[a] && reachable[b] && (a == b || !reachable_avoiding(succs, a, b));
            assert_eq!(
                tree.dominates(Block(a as u32), Block(b as u32)),
                expected,
                "block{a} dominates block{b}? edges {succs:?}"
            );
        }
    }
    for (b, &reachable_b) in reachable.iter().enumerate().skip(1) {
        if let Some(idom) = tree.idom(Block(b as u32)) {
            let idom = idom.index();
            // The immediate dominator is the strict dominator that every
            // other strict dominator dominates.
            for a in 0..n {
                if a != b && tree.dominates(Block(a as u32), Block(b as u32)) {
                    assert!(tree.dominates(Block(a as u32), Block(idom as u32)));
                }
            }
        } else {
            assert!(!reachable_b, "block{b} is reachable but has no idom");
        }
    }
}

#[test]
fn random_graphs_match_the_definition() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for _ in 0..300 {
        let n = 1 + next(14);
        let succs: Vec<Vec<usize>> = (0..n)
            .map(|_| {
                let count = [0, 1, 1, 2, 2, 2, 4][next(7)];
                (0..count).map(|_| next(n)).collect()
            })
            .collect();
        check_against_definition(&succs);
    }
}

#[test]
fn deep_loop_nest() {
    // Headers 0..d, each entered from the previous one; latches d..2d, each
    // branching back to its header or out to the next latch.
    let d = 200;
    let mut succs: Vec<Vec<usize>> = (0..d).map(|h| vec![h + 1]).collect();
    for k in (0..d).rev() {
        // Latch of header k is block 2d-1-k; the next one out, 2d-k.
        succs.push(vec![k, 2 * d - k]);
    }
    succs[d - 1] = vec![d];
    succs.push(vec![]);
    let func = function_with_edges(&succs);
    let tree = DominatorTree::compute(&func);
    for h in 1..d {
        assert_eq!(tree.idom(Block(h as u32)), Some(Block(h as u32 - 1)));
    }
    check_against_definition(&succs[..]);
}
