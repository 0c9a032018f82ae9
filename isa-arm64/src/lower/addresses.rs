//! Address modes from the use-def graph of an address: a folded `iadd`
//! gives a base and an index (a zero-extended `i32` index becomes
//! `[base, wN, uxtw]`), a constant index joins the static offset.

use super::Lowerer;
use crate::encode::memory::IndexExtend;
use crate::inst::{Amode, AmodeKind};
use kiln_machinst::Operands;
use kiln_regalloc::Operand;
use kiln_ssa::{Op, Region, UnaryOp, Value, ValueDef};

impl Lowerer<'_> {
    /// The address `value + offset` in `region`, pushing its operands.
    pub(super) fn address(
        &mut self,
        value: Value,
        offset: u32,
        region: Region,
        operands: &mut Operands,
    ) -> Amode {
        let heap = matches!(region, Region::Heap(_));
        let folded = match self.func.value_def(value) {
            ValueDef::Result(inst) if self.fold.is_folded(inst) => {
                let args = &self.func.inst(inst).args;
                Some((args[0], args[1]))
            }
            _ => None,
        };
        let kind = match folded {
            Some((base, index)) => match self.func.constant(index) {
                Some(constant) => {
                    operands.push(Operand::reg_use(self.cx.vreg(base)));
                    AmodeKind::Base {
                        offset: (constant as i64).wrapping_add(i64::from(offset)),
                    }
                }
                None => {
                    let (index, extend) = self.index(index);
                    operands.push(Operand::reg_use(self.cx.vreg(base)));
                    operands.push(Operand::reg_use(self.cx.vreg(index)));
                    AmodeKind::BaseIndex { extend, offset }
                }
            },
            None => {
                operands.push(Operand::reg_use(self.cx.vreg(value)));
                AmodeKind::Base {
                    offset: i64::from(offset),
                }
            }
        };
        Amode { kind, heap }
    }

    /// An index and how to widen it: `uextend x` is `x`, zero-extended
    /// from its `w` register.
    fn index(&self, index: Value) -> (Value, IndexExtend) {
        match self.func.defining_inst(index) {
            Some(data) if data.op == Op::Unary(UnaryOp::Uextend) => {
                (data.args[0], IndexExtend::Uxtw)
            }
            _ => (index, IndexExtend::Lsl),
        }
    }
}
