//! Gives every block its own copy of the constants it uses.
//!
//! GVN merges equal constants into the first one that dominates them, and
//! LICM lifts constants out of loops, so a constant ends up defined once,
//! near the entry, and live across every block between there and its last
//! use. In large functions that is most of what is live: in SQLite's
//! biggest function, seven in ten of the values live into a block were
//! constants. Each of them costs the register allocator work in every block
//! it crosses, and holds a register or a spill slot the whole way, although
//! recomputing a constant costs one instruction and often none (most are
//! folded into the instruction that uses them as an immediate).
//!
//! So, last in the pipeline, every use of a constant defined in another
//! block is given a copy made in the using block, just before the first
//! instruction there that needs it; later uses in the block share that
//! copy. The originals that no block uses any more are left to DCE.

use super::{Analyses, inst_blocks};
use crate::entities::{Block, Value};
use crate::function::{Function, InstList, ValueDef};
use crate::ops::Op;

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, _: &mut Analyses) -> bool {
    let def_block = inst_blocks(func);
    // The copy of each constant made in the block being rewritten, valid
    // when its stamp is that block's.
    let mut copy: Vec<(Block, Value)> = vec![(Block(u32::MAX), Value(u32::MAX)); func.values.len()];
    // The values an instruction uses: operands, then each target's arguments.
    let mut uses: Vec<Value> = Vec::new();
    let mut changed = false;
    // The block's new list is built here, and the old list's storage is
    // kept for the next block, so no block allocates a list of its own.
    let mut rewritten = InstList::new();
    for block in func.layout.clone() {
        let insts = std::mem::take(&mut func.blocks[block.index()].insts);
        rewritten.clear();
        for &inst in &insts {
            let data = func.inst(inst);
            uses.clear();
            uses.extend(data.args.iter());
            for target in &data.targets {
                uses.extend(target.args.iter());
            }
            let mut replaced = false;
            for value in &mut uses {
                let Some(op) = foreign_constant(func, &def_block, *value, block) else {
                    continue;
                };
                *value = match copy[value.index()] {
                    (stamp, local) if stamp == block => local,
                    _ => {
                        let ty = func.value_type(*value);
                        let made = func.create_inst(op, [], Vec::new(), &[ty]);
                        rewritten.push(made);
                        let local = func.inst(made).results[0];
                        copy[value.index()] = (block, local);
                        local
                    }
                };
                replaced = true;
            }
            if replaced {
                let data = &mut func.insts[inst.index()];
                let targets = data.targets.iter_mut().flat_map(|t| t.args.iter_mut());
                for (slot, &value) in data.args.iter_mut().chain(targets).zip(&uses) {
                    *slot = value;
                }
                changed = true;
            }
            rewritten.push(inst);
        }
        func.blocks[block.index()].insts = std::mem::replace(&mut rewritten, insts);
    }
    changed
}

/// The constant operation that defines `value`, if it is defined by one in
/// a block other than `block`.
fn foreign_constant(
    func: &Function,
    def_block: &[Option<Block>],
    value: Value,
    block: Block,
) -> Option<Op> {
    let ValueDef::Result(def) = func.value_def(value) else {
        return None;
    };
    let op = func.inst(def).op;
    let constant = matches!(op, Op::Iconst(_) | Op::Fconst(_));
    (constant && def_block[def.index()] != Some(block)).then_some(op)
}
