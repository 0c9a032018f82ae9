//! Conditions: the compare that sets the flags and the condition that
//! makes it true. A folded `icmp`/`fcmp` becomes the compare of its user;
//! constants that fit `cmp #imm12` (or `cmn`, negated) become immediates,
//! swapping the operands when the constant is on the left. After `fcmp`,
//! every wasm comparison is one AArch64 condition, false for unordered
//! operands except `ne`.

use super::Lowerer;
use super::ops::{size_of, width_of};
use crate::encode::Cond;
use crate::encode::arith::Imm12;
use crate::inst::{Compare, Condition};
use kiln_machinst::Operands;
use kiln_regalloc::Operand;
use kiln_ssa::{FloatCC, IntCC, Op, Type, Value, ValueDef};
use smallvec::smallvec;

/// The AArch64 condition of an integer comparison.
fn int_cond(cc: IntCC) -> Cond {
    match cc {
        IntCC::Eq => Cond::Eq,
        IntCC::Ne => Cond::Ne,
        IntCC::Slt => Cond::Lt,
        IntCC::Sle => Cond::Le,
        IntCC::Sgt => Cond::Gt,
        IntCC::Sge => Cond::Ge,
        IntCC::Ult => Cond::Lo,
        IntCC::Ule => Cond::Ls,
        IntCC::Ugt => Cond::Hi,
        IntCC::Uge => Cond::Hs,
    }
}

/// The condition after `fcmp a, b` that holds when `a cc b`: `mi`, `ls`,
/// `gt` and `ge` are false for unordered operands, `ne` true.
fn float_cond(cc: FloatCC) -> Cond {
    match cc {
        FloatCC::Eq => Cond::Eq,
        FloatCC::Ne => Cond::Ne,
        FloatCC::Lt => Cond::Mi,
        FloatCC::Le => Cond::Ls,
        FloatCC::Gt => Cond::Gt,
        FloatCC::Ge => Cond::Ge,
    }
}

/// The comparison with its operands swapped.
fn swap_cc(cc: IntCC) -> IntCC {
    match cc {
        IntCC::Slt => IntCC::Sgt,
        IntCC::Sle => IntCC::Sge,
        IntCC::Sgt => IntCC::Slt,
        IntCC::Sge => IntCC::Sle,
        IntCC::Ult => IntCC::Ugt,
        IntCC::Ule => IntCC::Uge,
        IntCC::Ugt => IntCC::Ult,
        IntCC::Uge => IntCC::Ule,
        IntCC::Eq | IntCC::Ne => cc,
    }
}

impl Lowerer<'_> {
    /// The condition that makes `value` true (non-zero), with the operands
    /// of its compare: a folded `icmp`/`fcmp`, or a test against zero.
    pub(super) fn condition(&self, value: Value) -> (Condition, Operands) {
        let folded = match self.func.value_def(value) {
            ValueDef::Result(inst) if self.fold.is_folded(inst) => Some(self.func.inst(inst)),
            _ => None,
        };
        match folded.map(|data| (data.op, data.args.as_slice())) {
            Some((Op::Icmp(cc), &[a, b])) => self.int_compare(cc, a, b),
            Some((Op::Fcmp(cc), &[a, b])) => self.float_compare(cc, a, b),
            _ => {
                let compare = Compare::Zero(size_of(self.func.value_type(value)));
                let cond = Condition {
                    compare,
                    cond: Cond::Ne,
                };
                (cond, smallvec![Operand::reg_use(self.cx.vreg(value))])
            }
        }
    }

    /// `value` as the immediate of `cmp` (`negated`: of `cmn`) on `ty`.
    fn compare_imm(&self, value: Value, ty: Type) -> Option<(u32, bool)> {
        let bits = self.func.constant(value)?;
        let bits = if ty == Type::I32 {
            bits & 0xFFFF_FFFF
        } else {
            bits
        };
        let negated = if ty == Type::I32 {
            (bits as u32).wrapping_neg() as u64
        } else {
            bits.wrapping_neg()
        };
        if Imm12::new(bits).is_some() {
            Some((bits as u32, false))
        } else if negated != 0 && Imm12::new(negated).is_some() {
            Some((negated as u32, true))
        } else {
            None
        }
    }

    pub(super) fn int_compare(&self, cc: IntCC, a: Value, b: Value) -> (Condition, Operands) {
        let ty = self.func.value_type(a);
        let size = size_of(ty);
        let (cc, first, compare, second) = if let Some((imm, negated)) = self.compare_imm(b, ty) {
            let compare = if imm == 0 {
                Compare::Zero(size)
            } else {
                Compare::IntImm { size, imm, negated }
            };
            (cc, a, compare, None)
        } else if let Some((imm, negated)) = self.compare_imm(a, ty) {
            let compare = if imm == 0 {
                Compare::Zero(size)
            } else {
                Compare::IntImm { size, imm, negated }
            };
            (swap_cc(cc), b, compare, None)
        } else {
            (cc, a, Compare::Int(size), Some(b))
        };
        let mut operands: Operands = smallvec![Operand::reg_use(self.cx.vreg(first))];
        operands.extend(second.map(|b| Operand::reg_use(self.cx.vreg(b))));
        let cond = Condition {
            compare,
            cond: int_cond(cc),
        };
        (cond, operands)
    }

    pub(super) fn float_compare(&self, cc: FloatCC, a: Value, b: Value) -> (Condition, Operands) {
        let width = width_of(self.func.value_type(a));
        let operands: Operands = smallvec![
            Operand::reg_use(self.cx.vreg(a)),
            Operand::reg_use(self.cx.vreg(b)),
        ];
        let cond = Condition {
            compare: Compare::Float(width),
            cond: float_cond(cc),
        };
        (cond, operands)
    }
}
