//! Address modes: `base + index << shift + disp` from the use-def graph
//! of an address (a folded `iadd`, a zero-extended or shifted index, a
//! constant) and the static offset of the access.

use super::Lowerer;
use crate::encode::Size;
use crate::inst::{AddrMode, Amd64Inst};
use kiln_machinst::Operands;
use kiln_regalloc::{Operand, RegClass};
use kiln_ssa::{BinaryOp, Op, Region, Type, UnaryOp, Value};
use smallvec::smallvec;

impl Lowerer<'_> {
    /// The address `value + offset` in `region` as an address mode, pushing
    /// its operands: a folded `iadd` gives base and index, a zero-extended
    /// or shifted index folds into the scaled index, constants into the
    /// displacement.
    pub(super) fn address(
        &mut self,
        value: Value,
        offset: u32,
        region: Region,
        operands: &mut Operands,
    ) -> AddrMode {
        let heap = matches!(region, Region::Heap(_));
        AddrMode {
            heap,
            ..self.address_mode(value, offset, operands)
        }
    }

    fn address_mode(&mut self, value: Value, offset: u32, operands: &mut Operands) -> AddrMode {
        let folded = match self.func.value_def(value) {
            kiln_ssa::ValueDef::Result(inst) if self.fold.is_folded(inst) => {
                let args = &self.func.inst(inst).args;
                Some((args[0], args[1]))
            }
            _ => None,
        };
        if let Some((base, index)) = folded {
            let disp = match self.imm32(index, Type::I64) {
                Some(constant) => i32::try_from(i64::from(constant) + i64::from(offset)).ok(),
                None => i32::try_from(offset).ok(),
            };
            if let Some(disp) = disp {
                operands.push(Operand::reg_use(self.cx.vreg(base)));
                if self.imm32(index, Type::I64).is_some() {
                    return AddrMode {
                        index_shift: None,
                        disp,
                        heap: false,
                    };
                }
                let (index, shift) = self.scaled_index(index);
                operands.push(Operand::reg_use(self.cx.vreg(index)));
                return AddrMode {
                    index_shift: Some(shift),
                    disp,
                    heap: false,
                };
            }
            let sum = self.cx.new_vreg(RegClass::Int);
            let ops: Operands = smallvec![
                Operand::reg_use(self.cx.vreg(base)),
                Operand::reg_use(self.cx.vreg(index)),
                Operand::reg_def(sum),
            ];
            self.cx.emit(
                Amd64Inst::Lea {
                    size: Size::S64,
                    addr: AddrMode {
                        index_shift: Some(0),
                        disp: 0,
                        heap: false,
                    },
                },
                ops,
            );
            return self.offset_address(sum, offset, operands);
        }
        let base = self.cx.vreg(value);
        self.offset_address(base, offset, operands)
    }

    pub(super) fn offset_address(
        &mut self,
        base: kiln_regalloc::VReg,
        offset: u32,
        operands: &mut Operands,
    ) -> AddrMode {
        operands.push(Operand::reg_use(base));
        match i32::try_from(offset) {
            Ok(disp) => AddrMode {
                index_shift: None,
                disp,
                heap: false,
            },
            Err(_) => {
                let constant = self.cx.new_vreg(RegClass::Int);
                let inst = Amd64Inst::Const {
                    bits: u64::from(offset),
                };
                self.cx.emit_constant(inst, constant);
                operands.push(Operand::reg_use(constant));
                AddrMode {
                    index_shift: Some(0),
                    disp: 0,
                    heap: false,
                }
            }
        }
    }

    /// The sum `a + b` as a base and a scaled index for `lea`: an operand
    /// shifted left by 1 to 3 becomes the index with that shift, so
    /// `x + (y << 3)` is `lea [x + y*8]` rather than a shift and a `lea`.
    pub(super) fn base_and_scaled_index(&self, a: Value, b: Value) -> (Value, Value, u8) {
        match (self.scaled_index(b), self.scaled_index(a)) {
            ((index, shift @ 1..), _) => (a, index, shift),
            (_, (index, shift @ 1..)) => (b, index, shift),
            _ => (a, b, 0),
        }
    }

    /// An index value and its shift: `uextend x` is `x` itself (i32
    /// values are kept zero-extended in registers), `ishl x, 1..=3` is `x`
    /// scaled.
    pub(super) fn scaled_index(&self, index: Value) -> (Value, u8) {
        let Some(data) = self.func.defining_inst(index) else {
            return (index, 0);
        };
        match (data.op, data.args.as_slice()) {
            (Op::Unary(UnaryOp::Uextend), &[x]) => (x, 0),
            (Op::Binary(BinaryOp::Ishl), &[x, amount]) => match self.func.constant(amount) {
                Some(shift @ 1..=3) => (x, shift as u8),
                _ => (index, 0),
            },
            _ => (index, 0),
        }
    }
}
