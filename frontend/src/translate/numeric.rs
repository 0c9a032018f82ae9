//! Numeric operators: constants, arithmetic, comparisons, conversions.
//!
//! Most wasm numeric operators are one SSA instruction. The table below
//! says which; `eqz` becomes a comparison with zero. When NaNs are to be
//! canonical, float arithmetic is followed by
//! `select (fcmp ne x, x), canonical_nan, x` (see [`crate::nans`]).

use super::Translator;
use kiln_ssa::{BinaryOp, FloatCC, IntCC, Op, Type, UnaryOp, Value};
use wasmparser::Operator;

/// The SSA form of a one-instruction numeric operator.
enum Numeric {
    /// A unary operation with the given result type.
    Unary(UnaryOp, Type),
    Binary(BinaryOp),
    Icmp(IntCC),
    Fcmp(FloatCC),
    /// Compare with zero.
    Eqz(Type),
}

fn numeric(op: &Operator<'_>) -> Option<Numeric> {
    use BinaryOp::*;
    use Numeric::{Binary, Eqz, Fcmp, Icmp, Unary};
    use Operator as O;
    use Type::{F32, F64, I32, I64};
    use UnaryOp::*;
    Some(match op {
        O::I32Eqz => Eqz(I32),
        O::I64Eqz => Eqz(I64),
        O::I32Eq | O::I64Eq => Icmp(IntCC::Eq),
        O::I32Ne | O::I64Ne => Icmp(IntCC::Ne),
        O::I32LtS | O::I64LtS => Icmp(IntCC::Slt),
        O::I32LtU | O::I64LtU => Icmp(IntCC::Ult),
        O::I32GtS | O::I64GtS => Icmp(IntCC::Sgt),
        O::I32GtU | O::I64GtU => Icmp(IntCC::Ugt),
        O::I32LeS | O::I64LeS => Icmp(IntCC::Sle),
        O::I32LeU | O::I64LeU => Icmp(IntCC::Ule),
        O::I32GeS | O::I64GeS => Icmp(IntCC::Sge),
        O::I32GeU | O::I64GeU => Icmp(IntCC::Uge),
        O::F32Eq | O::F64Eq => Fcmp(FloatCC::Eq),
        O::F32Ne | O::F64Ne => Fcmp(FloatCC::Ne),
        O::F32Lt | O::F64Lt => Fcmp(FloatCC::Lt),
        O::F32Gt | O::F64Gt => Fcmp(FloatCC::Gt),
        O::F32Le | O::F64Le => Fcmp(FloatCC::Le),
        O::F32Ge | O::F64Ge => Fcmp(FloatCC::Ge),
        O::I32Clz => Unary(Clz, I32),
        O::I64Clz => Unary(Clz, I64),
        O::I32Ctz => Unary(Ctz, I32),
        O::I64Ctz => Unary(Ctz, I64),
        O::I32Popcnt => Unary(Popcnt, I32),
        O::I64Popcnt => Unary(Popcnt, I64),
        O::I32Add | O::I64Add => Binary(Iadd),
        O::I32Sub | O::I64Sub => Binary(Isub),
        O::I32Mul | O::I64Mul => Binary(Imul),
        O::I32DivS | O::I64DivS => Binary(Sdiv),
        O::I32DivU | O::I64DivU => Binary(Udiv),
        O::I32RemS | O::I64RemS => Binary(Srem),
        O::I32RemU | O::I64RemU => Binary(Urem),
        O::I32And | O::I64And => Binary(Band),
        O::I32Or | O::I64Or => Binary(Bor),
        O::I32Xor | O::I64Xor => Binary(Bxor),
        O::I32Shl | O::I64Shl => Binary(Ishl),
        O::I32ShrS | O::I64ShrS => Binary(Sshr),
        O::I32ShrU | O::I64ShrU => Binary(Ushr),
        O::I32Rotl | O::I64Rotl => Binary(Rotl),
        O::I32Rotr | O::I64Rotr => Binary(Rotr),
        O::F32Abs => Unary(Fabs, F32),
        O::F64Abs => Unary(Fabs, F64),
        O::F32Neg => Unary(Fneg, F32),
        O::F64Neg => Unary(Fneg, F64),
        O::F32Ceil => Unary(Ceil, F32),
        O::F64Ceil => Unary(Ceil, F64),
        O::F32Floor => Unary(Floor, F32),
        O::F64Floor => Unary(Floor, F64),
        O::F32Trunc => Unary(Trunc, F32),
        O::F64Trunc => Unary(Trunc, F64),
        O::F32Nearest => Unary(Nearest, F32),
        O::F64Nearest => Unary(Nearest, F64),
        O::F32Sqrt => Unary(Sqrt, F32),
        O::F64Sqrt => Unary(Sqrt, F64),
        O::F32Add | O::F64Add => Binary(Fadd),
        O::F32Sub | O::F64Sub => Binary(Fsub),
        O::F32Mul | O::F64Mul => Binary(Fmul),
        O::F32Div | O::F64Div => Binary(Fdiv),
        O::F32Min | O::F64Min => Binary(Fmin),
        O::F32Max | O::F64Max => Binary(Fmax),
        O::F32Copysign | O::F64Copysign => Binary(Fcopysign),
        O::I32WrapI64 => Unary(Wrap, I32),
        O::I64ExtendI32S => Unary(Sextend, I64),
        O::I64ExtendI32U => Unary(Uextend, I64),
        O::I32TruncF32S | O::I32TruncF64S => Unary(FcvtToSint, I32),
        O::I32TruncF32U | O::I32TruncF64U => Unary(FcvtToUint, I32),
        O::I64TruncF32S | O::I64TruncF64S => Unary(FcvtToSint, I64),
        O::I64TruncF32U | O::I64TruncF64U => Unary(FcvtToUint, I64),
        O::I32TruncSatF32S | O::I32TruncSatF64S => Unary(FcvtToSintSat, I32),
        O::I32TruncSatF32U | O::I32TruncSatF64U => Unary(FcvtToUintSat, I32),
        O::I64TruncSatF32S | O::I64TruncSatF64S => Unary(FcvtToSintSat, I64),
        O::I64TruncSatF32U | O::I64TruncSatF64U => Unary(FcvtToUintSat, I64),
        O::F32ConvertI32S | O::F32ConvertI64S => Unary(FcvtFromSint, F32),
        O::F32ConvertI32U | O::F32ConvertI64U => Unary(FcvtFromUint, F32),
        O::F64ConvertI32S | O::F64ConvertI64S => Unary(FcvtFromSint, F64),
        O::F64ConvertI32U | O::F64ConvertI64U => Unary(FcvtFromUint, F64),
        O::F32DemoteF64 => Unary(Fdemote, F32),
        O::F64PromoteF32 => Unary(Fpromote, F64),
        O::I32ReinterpretF32 => Unary(Bitcast, I32),
        O::I64ReinterpretF64 => Unary(Bitcast, I64),
        O::F32ReinterpretI32 => Unary(Bitcast, F32),
        O::F64ReinterpretI64 => Unary(Bitcast, F64),
        O::I32Extend8S => Unary(Sextend8, I32),
        O::I32Extend16S => Unary(Sextend16, I32),
        O::I64Extend8S => Unary(Sextend8, I64),
        O::I64Extend16S => Unary(Sextend16, I64),
        O::I64Extend32S => Unary(Sextend32, I64),
        _ => return None,
    })
}

impl Translator<'_> {
    /// Translates constants and numeric operators; returns whether `op` was one.
    pub(super) fn numeric(&mut self, op: &Operator<'_>) -> bool {
        let mut value = match *op {
            Operator::I32Const { value } => self.builder.iconst(Type::I32, value as u32 as u64),
            Operator::I64Const { value } => self.builder.iconst(Type::I64, value as u64),
            Operator::F32Const { value } => {
                self.builder
                    .ins1(Op::Fconst(value.bits() as u64), Vec::new(), Type::F32)
            }
            Operator::F64Const { value } => {
                self.builder
                    .ins1(Op::Fconst(value.bits()), Vec::new(), Type::F64)
            }
            _ => match numeric(op) {
                None => return false,
                Some(Numeric::Unary(op, ty)) => {
                    let x = self.pop();
                    self.builder.ins1(Op::Unary(op), [x], ty)
                }
                Some(Numeric::Binary(op)) => {
                    let (a, b) = self.pop2();
                    let ty = self.value_type(a);
                    self.builder.ins1(Op::Binary(op), [a, b], ty)
                }
                Some(Numeric::Icmp(cc)) => {
                    let (a, b) = self.pop2();
                    self.builder.ins1(Op::Icmp(cc), [a, b], Type::I32)
                }
                Some(Numeric::Fcmp(cc)) => {
                    let (a, b) = self.pop2();
                    self.builder.ins1(Op::Fcmp(cc), [a, b], Type::I32)
                }
                Some(Numeric::Eqz(ty)) => {
                    let x = self.pop();
                    let zero = self.builder.iconst(ty, 0);
                    self.builder.ins1(Op::Icmp(IntCC::Eq), [x, zero], Type::I32)
                }
            },
        };
        if self.options.canonicalize_nans
            && let Some(ty) = crate::nans::arithmetic_nan_type(op)
        {
            value = self.canonicalize_nan(value, ty);
        }
        self.stack.push(value);
        true
    }

    /// `value`, or the canonical NaN if it is a NaN.
    fn canonicalize_nan(&mut self, value: Value, ty: Type) -> Value {
        let is_nan = self
            .builder
            .ins1(Op::Fcmp(FloatCC::Ne), [value, value], Type::I32);
        let canonical = self.builder.ins1(
            Op::Fconst(crate::nans::canonical_nan_bits(ty)),
            Vec::new(),
            ty,
        );
        self.builder
            .ins1(Op::Select, [is_nan, canonical, value], ty)
    }
}
