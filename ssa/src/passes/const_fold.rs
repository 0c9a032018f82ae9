//! Constant folding and algebraic simplification.
//!
//! Visits instructions in reverse post-order, so operands are simplified
//! before their uses, and
//!
//! - evaluates pure operations (and non-trapping divisions) whose operands
//!   are all constants, with the same [`eval`] functions the
//!   interpreter uses;
//! - applies identities that hold for every integer: `x + 0`, `x * 1`,
//!   `x * 0`, `x - x`, `x ^ x`, `x & x`, `x == x`, shifts by zero,
//!   `select c, a, a`, `select` on a constant;
//! - settles `brif`/`br_table` on a constant to a `jump`, and `trapz`/`trapnz`
//!   on a constant either away or to an unconditional `trap`.
//!
//! Float identities are left alone: `x + 0.0` is not `x` for `x = -0.0`.

use super::{Aliases, Analyses, unreachable_blocks};
use crate::entities::{Inst, Value};
use crate::eval;
use crate::function::Function;
use crate::ops::{BinaryOp, IntCC, Op};
use crate::trap::TrapCode;
use crate::types::Type;

/// What an instruction simplifies to.
enum Simplified {
    /// Its result is this existing value.
    Value(Value),
    /// Its result is this constant.
    Constant(u64),
    /// A branch that always goes to `targets[index]`.
    Jump(usize),
    /// A conditional trap that never fires.
    NeverTraps,
    /// A conditional trap that always fires.
    AlwaysTraps(TrapCode),
}

/// Runs the pass; returns whether anything changed.
pub fn run(func: &mut Function, analyses: &mut Analyses) -> bool {
    let order = analyses.block_order(func);
    let mut aliases = Aliases::new(func.values.len());
    let mut changed = false;
    let mut control_changed = false;
    for &block in order.rpo() {
        // Set once an unconditional trap ends the block: what follows goes.
        let mut ended = false;
        func.retain_insts(block, |func, inst| {
            if ended {
                return false;
            }
            resolve_operands(func, &aliases, inst);
            let Some(simplified) = simplify(func, inst) else {
                return true;
            };
            changed = true;
            let data = &mut func.insts[inst.index()];
            match simplified {
                Simplified::Value(value) => {
                    aliases.replace(data.results[0], value);
                    return false;
                }
                Simplified::Constant(bits) => {
                    let ty = func.values[data.results[0].index()].ty;
                    data.op = if ty.is_float() {
                        Op::Fconst(bits)
                    } else {
                        Op::Iconst(bits)
                    };
                    data.args.clear();
                }
                Simplified::Jump(index) => {
                    let target = std::mem::take(&mut data.targets)
                        .into_vec()
                        .swap_remove(index);
                    data.op = Op::Jump;
                    data.args.clear();
                    data.targets = Box::new([target]);
                    control_changed = true;
                }
                Simplified::NeverTraps => return false,
                Simplified::AlwaysTraps(code) => {
                    data.op = Op::Trap(code);
                    data.args.clear();
                    ended = true;
                    control_changed = true;
                }
            }
            true
        });
    }
    aliases.apply(func);
    if control_changed {
        analyses.cfg_changed();
        unreachable_blocks::run(func, analyses);
    }
    changed
}

fn resolve_operands(func: &mut Function, aliases: &Aliases, inst: Inst) {
    let data = &mut func.insts[inst.index()];
    for arg in &mut data.args {
        *arg = aliases.resolve(*arg);
    }
    for target in &mut data.targets {
        for arg in &mut target.args {
            *arg = aliases.resolve(*arg);
        }
    }
}

fn simplify(func: &Function, inst: Inst) -> Option<Simplified> {
    let data = func.inst(inst);
    let args = &data.args;
    let constant = |i: usize| func.constant(args[i]);
    let ty = |value: Value| func.value_type(value);
    match data.op {
        Op::Unary(op) => {
            let bits = eval::unary(op, ty(args[0]), ty(data.results[0]), constant(0)?).ok()?;
            Some(Simplified::Constant(bits))
        }
        Op::Binary(op) => {
            let result_ty = ty(data.results[0]);
            if let (Some(a), Some(b)) = (constant(0), constant(1)) {
                let bits = eval::binary(op, result_ty, a, b).ok()?;
                return Some(Simplified::Constant(bits));
            }
            if result_ty.is_int() {
                integer_identity(op, result_ty, args[0], args[1], constant(0), constant(1))
            } else {
                None
            }
        }
        Op::Icmp(cc) => {
            if let (Some(a), Some(b)) = (constant(0), constant(1)) {
                return Some(Simplified::Constant(
                    eval::icmp(cc, ty(args[0]), a, b) as u64
                ));
            }
            let reflexive = matches!(
                cc,
                IntCC::Eq | IntCC::Sle | IntCC::Sge | IntCC::Ule | IntCC::Uge
            );
            (args[0] == args[1]).then_some(Simplified::Constant(reflexive as u64))
        }
        Op::Fcmp(cc) => {
            let (a, b) = (constant(0)?, constant(1)?);
            Some(Simplified::Constant(
                eval::fcmp(cc, ty(args[0]), a, b) as u64
            ))
        }
        Op::Select => match constant(0) {
            Some(cond) => Some(Simplified::Value(
                args[if cond as u32 != 0 { 1 } else { 2 }],
            )),
            None => (args[1] == args[2]).then_some(Simplified::Value(args[1])),
        },
        Op::Trapz(code) => Some(match constant(0)? {
            0 => Simplified::AlwaysTraps(code),
            _ => Simplified::NeverTraps,
        }),
        Op::Trapnz(code, _) => Some(match constant(0)? {
            0 => Simplified::NeverTraps,
            _ => Simplified::AlwaysTraps(code),
        }),
        Op::Brif => {
            if data.targets[0] == data.targets[1] {
                return Some(Simplified::Jump(0));
            }
            Some(Simplified::Jump(if constant(0)? as u32 != 0 {
                0
            } else {
                1
            }))
        }
        Op::BrTable => {
            let last = data.targets.len() - 1;
            Some(Simplified::Jump((constant(0)? as u32 as usize).min(last)))
        }
        _ => None,
    }
}

/// Identities of integer operations with one constant or equal operands.
fn integer_identity(
    op: BinaryOp,
    ty: Type,
    a: Value,
    b: Value,
    a_const: Option<u64>,
    b_const: Option<u64>,
) -> Option<Simplified> {
    use BinaryOp::*;
    use Simplified::{Constant, Value as Same};
    let ones = eval::truncate(ty, u64::MAX);
    let shift_by_zero = b_const.is_some_and(|b| b % ty.bits() as u64 == 0);
    match (op, a_const, b_const) {
        (Iadd | Isub | Bor | Bxor, _, Some(0)) => Some(Same(a)),
        (Iadd | Bor | Bxor, Some(0), _) => Some(Same(b)),
        (Imul | Band, _, Some(0)) | (Imul | Band, Some(0), _) => Some(Constant(0)),
        (Imul | Udiv | Sdiv, _, Some(1)) => Some(Same(a)),
        (Imul, Some(1), _) => Some(Same(b)),
        (Band, _, Some(c)) if c == ones => Some(Same(a)),
        (Band, Some(c), _) if c == ones => Some(Same(b)),
        (Bor, _, Some(c)) | (Bor, Some(c), _) if c == ones => Some(Constant(ones)),
        (Ishl | Sshr | Ushr | Rotl | Rotr, _, _) if shift_by_zero => Some(Same(a)),
        (Isub | Bxor, _, _) if a == b => Some(Constant(0)),
        (Band | Bor, _, _) if a == b => Some(Same(a)),
        _ => None,
    }
}
