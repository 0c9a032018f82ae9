//! Which SSA instructions fold into their user instead of being lowered on
//! their own: a compare into the branch, select or trap that reads it, an
//! address add into the load or store that reads it.
//!
//! Only pure instructions fold, into users in the same block, and only
//! when those users are all their uses. A compare read by several
//! branches, selects and traps of its block (a bounds check and the
//! Spectre guard of its access) folds into each of them: comparing again
//! costs less than keeping a boolean and testing it. Zero extensions from
//! `i32` to `i64` disappear altogether: `i32` values are kept zero-extended
//! in registers (every 32-bit instruction clears the upper half), so their
//! users read the `i32` register.

use crate::inst::Arm64Inst;
use kiln_machinst::LowerCtx;
use kiln_ssa::{BinaryOp, Inst, Op, Type, UnaryOp, ValueDef};

/// The folding decisions for one function.
pub(super) struct Folding {
    folded: Vec<bool>,
}

impl Folding {
    /// Decides what folds in the reachable blocks of `cx`'s function, and
    /// makes each `i32` zero-extended to `i64` share the register of the
    /// `i32` itself.
    pub fn compute(cx: &mut LowerCtx<'_, Arm64Inst>) -> Folding {
        let func = cx.func();
        let reachable = cx.reachable().to_vec();
        let mut folded = vec![false; func.insts.len()];
        let mut folding_uses = vec![0u32; func.values.len()];
        // Every decision about a value is taken in its own block (it folds
        // only into users there), so one visit per block takes them all
        // while the block's instructions are still in the cache.
        for &block in &reachable {
            let insts = &func.block(block).insts;
            for &inst in insts {
                let data = func.inst(inst);
                let (candidate, wants): (_, fn(Op, Type) -> bool) = match data.op {
                    Op::Brif
                    | Op::Select
                    | Op::SelectSpectreGuard
                    | Op::Trapz(_)
                    | Op::Trapnz(..) => (data.args[0], is_compare),
                    Op::Load { .. } | Op::Store { .. } => (data.args[0], is_address_add),
                    _ => continue,
                };
                if let ValueDef::Result(def) = func.value_def(candidate) {
                    let ty = func.value_type(candidate);
                    if cx.block_of(def) == Some(block) && wants(func.inst(def).op, ty) {
                        folding_uses[candidate.index()] += 1;
                    }
                }
            }
            for &inst in insts {
                let data = func.inst(inst);
                if let [result] = data.results[..] {
                    let count = folding_uses[result.index()];
                    let shared = count > 1 && is_compare(data.op, func.value_type(result));
                    if count > 0 && count == cx.uses(result) && (count == 1 || shared) {
                        folded[inst.index()] = true;
                    }
                }
            }
            for &inst in insts {
                let data = func.inst(inst);
                if data.op == Op::Unary(UnaryOp::Uextend) {
                    cx.share_register(data.results[0], data.args[0]);
                }
            }
        }
        Folding { folded }
    }

    /// Whether `inst` is lowered as part of its user.
    pub fn is_folded(&self, inst: Inst) -> bool {
        self.folded[inst.index()]
    }
}

fn is_compare(op: Op, _: Type) -> bool {
    matches!(op, Op::Icmp(_) | Op::Fcmp(_))
}

fn is_address_add(op: Op, ty: Type) -> bool {
    op == Op::Binary(BinaryOp::Iadd) && ty == Type::I64
}
