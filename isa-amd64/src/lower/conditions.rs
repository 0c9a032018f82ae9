//! Conditions: the compare that sets the flags and the flags that make
//! it true. A folded `icmp`/`fcmp` becomes the compare of its user;
//! constants become immediates, swapping the operands when the constant is
//! on the left; an `and` read only by the condition (as a truth value or
//! compared for equality with 0) becomes `test`; float compares are
//! ordered so that one flag test (`a`, `ae`) is false for NaN, except
//! `eq`/`ne`, which also test parity.

use super::Lowerer;
use super::ops::{size_of, width_of};
use crate::encode::opcodes::Cond;
use crate::inst::{Compare, Condition, FlagTest};
use kiln_machinst::Operands;
use kiln_regalloc::Operand;
use kiln_ssa::{BinaryOp, FloatCC, IntCC, Op, Type, Value};
use smallvec::smallvec;

/// The x86 condition of an integer comparison.
fn int_cond(cc: IntCC) -> Cond {
    match cc {
        IntCC::Eq => Cond::E,
        IntCC::Ne => Cond::Ne,
        IntCC::Slt => Cond::L,
        IntCC::Sle => Cond::Le,
        IntCC::Sgt => Cond::G,
        IntCC::Sge => Cond::Ge,
        IntCC::Ult => Cond::B,
        IntCC::Ule => Cond::Be,
        IntCC::Ugt => Cond::A,
        IntCC::Uge => Cond::Ae,
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

/// The negation of a flag test.
pub(super) fn invert(test: FlagTest) -> FlagTest {
    match test {
        FlagTest::Single(cc) => FlagTest::Single(cc.invert()),
        FlagTest::FloatEq => FlagTest::FloatNe,
        FlagTest::FloatNe => FlagTest::FloatEq,
    }
}

impl Lowerer<'_> {
    /// The condition that makes `value` true (non-zero), with the operands
    /// of its compare: a folded `icmp`/`fcmp`, or a test of the value.
    pub(super) fn condition(&self, value: Value) -> (Condition, Operands) {
        let folded = self
            .func
            .defining_inst(value)
            .filter(|_| match self.func.value_def(value) {
                kiln_ssa::ValueDef::Result(inst) => self.fold.is_folded(inst),
                _ => false,
            });
        match folded.map(|data| (data.op, data.args.as_slice())) {
            Some((Op::Icmp(cc), &[a, b])) => self.int_compare(cc, a, b),
            Some((Op::Fcmp(cc), &[a, b])) => self.float_compare(cc, a, b),
            _ => {
                let ty = self.func.value_type(value);
                let (compare, operands) = match self.tested_and(value) {
                    Some((a, b)) => self.test(a, b, ty),
                    None => (
                        Compare::NonZero(size_of(ty)),
                        smallvec![Operand::reg_use(self.cx.vreg(value))],
                    ),
                };
                let test = FlagTest::Single(Cond::Ne);
                (Condition { compare, test }, operands)
            }
        }
    }

    pub(super) fn int_compare(&self, cc: IntCC, a: Value, b: Value) -> (Condition, Operands) {
        let ty = self.func.value_type(a);
        let size = size_of(ty);
        if matches!(cc, IntCC::Eq | IntCC::Ne) {
            let and = match (self.func.constant(a), self.func.constant(b)) {
                (_, Some(0)) => self.tested_and(a),
                (Some(0), _) => self.tested_and(b),
                _ => None,
            };
            if let Some((x, y)) = and {
                let (compare, operands) = self.test(x, y, ty);
                let test = FlagTest::Single(int_cond(cc));
                return (Condition { compare, test }, operands);
            }
        }
        let (cc, a, compare, operands): (_, _, _, Operands) = if let Some(imm) = self.imm32(b, ty) {
            (cc, a, Compare::IntImm(size, imm), smallvec![])
        } else if let Some(imm) = self.imm32(a, ty) {
            (swap_cc(cc), b, Compare::IntImm(size, imm), smallvec![])
        } else {
            (
                cc,
                a,
                Compare::Int(size),
                smallvec![Operand::any_use(self.cx.vreg(b))],
            )
        };
        let mut all: Operands = smallvec![Operand::reg_use(self.cx.vreg(a))];
        all.extend(operands);
        let test = FlagTest::Single(int_cond(cc));
        (Condition { compare, test }, all)
    }

    /// The operands of `value` when it is an `and` read only here, so that
    /// testing it can be `test x, y` and the `and` itself goes unused; not
    /// when a load is folded into the `and` as its memory operand.
    fn tested_and(&self, value: Value) -> Option<(Value, Value)> {
        let data = self.func.defining_inst(value)?;
        let &[x, y] = data.args.as_slice() else {
            return None;
        };
        let single_use = self.cx.uses(value) == 1;
        let folded_load = self.folded_load(x).is_some() || self.folded_load(y).is_some();
        (data.op == Op::Binary(BinaryOp::Band) && single_use && !folded_load).then_some((x, y))
    }

    /// `test x, y` (or `test x, imm`), which sets the flags of `x & y`.
    fn test(&self, x: Value, y: Value, ty: Type) -> (Compare, Operands) {
        let size = size_of(ty);
        if let Some(imm) = self.imm32(y, ty) {
            (
                Compare::TestImm(size, imm),
                smallvec![Operand::reg_use(self.cx.vreg(x))],
            )
        } else if let Some(imm) = self.imm32(x, ty) {
            (
                Compare::TestImm(size, imm),
                smallvec![Operand::reg_use(self.cx.vreg(y))],
            )
        } else {
            let operands = smallvec![
                Operand::reg_use(self.cx.vreg(x)),
                Operand::any_use(self.cx.vreg(y)),
            ];
            (Compare::Test(size), operands)
        }
    }

    pub(super) fn float_compare(&self, cc: FloatCC, a: Value, b: Value) -> (Condition, Operands) {
        let width = width_of(self.func.value_type(a));
        let (first, second, test) = match cc {
            FloatCC::Eq => (a, b, FlagTest::FloatEq),
            FloatCC::Ne => (a, b, FlagTest::FloatNe),
            FloatCC::Gt => (a, b, FlagTest::Single(Cond::A)),
            FloatCC::Ge => (a, b, FlagTest::Single(Cond::Ae)),
            FloatCC::Lt => (b, a, FlagTest::Single(Cond::A)),
            FloatCC::Le => (b, a, FlagTest::Single(Cond::Ae)),
        };
        let operands: Operands = smallvec![
            Operand::reg_use(self.cx.vreg(first)),
            Operand::any_use(self.cx.vreg(second)),
        ];
        (
            Condition {
                compare: Compare::Float(width),
                test,
            },
            operands,
        )
    }
}
