//! Which SSA instructions fold into their single user instead of being
//! lowered on their own: a compare into the branch, select or trap that
//! reads it, an address add into the load or store that reads it, a load
//! into the arithmetic instruction right after it that reads it.
//!
//! Only pure instructions fold, into a user in the same block, and only
//! when that user is their one use, so no work is ever done twice; except
//! that a compare read by several branches, selects and traps of its block
//! (a bounds check and the Spectre guard of its access) folds into each of
//! them: comparing again costs less than keeping a boolean and testing it.
//! Zero extensions from `i32` to `i64` disappear altogether: their users
//! read the `i32` register.

use crate::inst::Amd64Inst;
use kiln_machinst::LowerCtx;
use kiln_ssa::{BinaryOp, Function, Inst, LoadKind, Op, Type, UnaryOp, Value, ValueDef};

/// The folding decisions for one function.
pub(super) struct Folding {
    folded: Vec<bool>,
}

impl Folding {
    /// Decides what folds in the reachable blocks of `cx`'s function, and
    /// makes each `i32` zero-extended to `i64` share the register of the
    /// `i32` itself, because `i32` values are always kept zero-extended in
    /// registers.
    pub fn compute(cx: &mut LowerCtx<'_, Amd64Inst>) -> Folding {
        let func = cx.func();
        let reachable = cx.reachable().to_vec();
        let mut folded = vec![false; func.insts.len()];
        // How many users in its own block could take each value into
        // themselves: a compare as their condition, an address add as
        // their address.
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
                    let def_data = func.inst(def);
                    let ty = func.value_type(candidate);
                    if cx.block_of(def) == Some(block) && wants(def_data.op, ty) {
                        folding_uses[candidate.index()] += 1;
                    }
                }
            }
            for &inst in insts {
                let data = func.inst(inst);
                if let [result] = data.results[..] {
                    let count = folding_uses[result.index()];
                    let shared = count > 1 && is_compare(data.op, func.value_type(result));
                    if count == cx.uses(result) && (count == 1 || shared) {
                        folded[inst.index()] = true;
                    }
                }
            }
            for pair in insts.windows(2) {
                if let Some(load) = folds_into(func, pair[0], pair[1])
                    && cx.uses(load) == 1
                    && !folded[pair[1].index()]
                {
                    folded[pair[0].index()] = true;
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

/// The result of `load` when it can become the memory operand of `user`,
/// the instruction right after it: a full-width load read once by an
/// integer `iadd isub band bor bxor imul` or a float `fadd fsub fmul fdiv`
/// whose other operand is not a constant. Nothing runs between the two,
/// so reading memory at the user is reading it at the load.
fn folds_into(func: &Function, load: Inst, user: Inst) -> Option<Value> {
    let load_data = func.inst(load);
    if !matches!(
        load_data.op,
        Op::Load {
            kind: LoadKind::Full,
            ..
        }
    ) {
        return None;
    }
    let value = load_data.results[0];
    let user_data = func.inst(user);
    let Op::Binary(op) = user_data.op else {
        return None;
    };
    use BinaryOp::*;
    let commutative = matches!(op, Iadd | Imul | Band | Bor | Bxor | Fadd | Fmul);
    if !matches!(
        op,
        Iadd | Isub | Band | Bor | Bxor | Imul | Fadd | Fsub | Fmul | Fdiv
    ) {
        return None;
    }
    let (a, b) = (user_data.args[0], user_data.args[1]);
    let other = if b == value && a != value {
        a
    } else if commutative && a == value && b != value {
        b
    } else {
        return None;
    };
    (func.constant(other).is_none()).then_some(value)
}
