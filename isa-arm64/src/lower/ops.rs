//! Lowering rules, one SSA instruction at a time: immediates for adds,
//! subtracts, logical operations, shifts and compares; divisions without
//! the checks a constant divisor rules out. Conditions, addresses and
//! calls have modules of their own.

use super::Lowerer;
use crate::encode::Size;
use crate::encode::arith::Imm12;
use crate::encode::bitmask::LogicalImm;
use crate::encode::float::{FloatWidth, FpBinaryOp, FpUnaryOp};
use crate::encode::memory::{Load, Store};
use crate::inst::{AluImmOp, AluOp, Arm64Inst, Callee, DivOp, IntUnaryOp, LoadOp, StoreOp};
use kiln_machinst::Operands;
use kiln_regalloc::Operand;
use kiln_ssa::target::CompileError;
use kiln_ssa::{BinaryOp, Block, Inst, LoadKind, Op, StoreKind, Type, UnaryOp, Value};
use smallvec::smallvec;

/// The operand size of an integer type.
pub(crate) fn size_of(ty: Type) -> Size {
    if ty == Type::I64 {
        Size::S64
    } else {
        Size::S32
    }
}

/// The width of a float type.
pub(crate) fn width_of(ty: Type) -> FloatWidth {
    if ty == Type::F64 {
        FloatWidth::F64
    } else {
        FloatWidth::F32
    }
}

impl Lowerer<'_> {
    /// The single result of `inst`.
    fn result(&self, inst: Inst) -> Value {
        self.func.inst(inst).results[0]
    }

    /// The bits of `value` when it is a constant, cut to the width of `ty`.
    fn constant_of(&self, value: Value, ty: Type) -> Option<u64> {
        let bits = self.func.constant(value)?;
        Some(if ty == Type::I64 {
            bits
        } else {
            bits & 0xFFFF_FFFF
        })
    }

    /// Lowers one SSA instruction of `block`.
    pub(super) fn lower_op(&mut self, block: Block, inst: Inst) -> Result<(), CompileError> {
        let data = self.func.inst(inst);
        let args = data.args.clone();
        match data.op {
            Op::Iconst(bits) => {
                let result = self.result(inst);
                let bits = if self.func.value_type(result) == Type::I64 {
                    bits
                } else {
                    bits & 0xFFFF_FFFF
                };
                let def = self.cx.vreg(result);
                self.cx.emit_constant(Arm64Inst::Const { bits }, def);
            }
            Op::Fconst(bits) => {
                let result = self.result(inst);
                let def = self.cx.vreg(result);
                let inst = Arm64Inst::FloatConst {
                    width: width_of(self.func.value_type(result)),
                    bits,
                };
                self.cx.emit_constant(inst, def);
            }
            Op::Unary(op) => self.lower_unary(op, args[0], self.result(inst)),
            Op::Binary(op) => self.lower_binary(op, args[0], args[1], self.result(inst)),
            Op::Icmp(_) | Op::Fcmp(_) => {
                let result = self.result(inst);
                let (cond, mut operands) = match data.op {
                    Op::Icmp(cc) => self.int_compare(cc, args[0], args[1]),
                    Op::Fcmp(cc) => self.float_compare(cc, args[0], args[1]),
                    _ => unreachable!("matched above"),
                };
                operands.push(Operand::reg_def(self.cx.vreg(result)));
                self.cx.emit(Arm64Inst::CondSet { cond }, operands);
            }
            // A Spectre guard is a `csel`: never a branch that the CPU could
            // mispredict.
            Op::Select | Op::SelectSpectreGuard => {
                let result = self.result(inst);
                let (cond, mut operands) = self.condition(args[0]);
                let ty = self.func.value_type(result);
                operands.push(Operand::reg_use(self.cx.vreg(args[1])));
                operands.push(Operand::reg_use(self.cx.vreg(args[2])));
                operands.push(Operand::reg_def(self.cx.vreg(result)));
                let machine = Arm64Inst::Select {
                    cond,
                    size: if ty == Type::I64 {
                        Size::S64
                    } else {
                        Size::S32
                    },
                    float: ty.is_float().then(|| width_of(ty)),
                };
                self.cx.emit(machine, operands);
            }
            Op::Load {
                kind,
                offset,
                region,
            } => {
                let result = self.result(inst);
                let mut operands = Operands::new();
                let addr = self.address(args[0], offset, region, &mut operands);
                operands.push(Operand::reg_def(self.cx.vreg(result)));
                let op = load_op(kind, self.func.value_type(result));
                self.cx.emit(Arm64Inst::Load { op, addr }, operands);
            }
            Op::Store {
                kind,
                offset,
                region,
            } => {
                let value = args[1];
                let ty = self.func.value_type(value);
                let mut operands = Operands::new();
                let addr = self.address(args[0], offset, region, &mut operands);
                operands.push(Operand::reg_use(self.cx.vreg(value)));
                let op = if ty.is_float() {
                    StoreOp::Float(width_of(ty))
                } else {
                    StoreOp::Int(match kind {
                        StoreKind::Full if ty == Type::I64 => Store::StrX,
                        StoreKind::Full | StoreKind::Low32 => Store::StrW,
                        StoreKind::Low8 => Store::Strb,
                        StoreKind::Low16 => Store::Strh,
                    })
                };
                self.cx.emit(Arm64Inst::Store { op, addr }, operands);
            }
            Op::Call { func } => self.lower_call(Callee::Direct(func), &args, &data.results)?,
            Op::CallIndirect { .. } => self.lower_call(Callee::Indirect, &args, &data.results)?,
            Op::CallHelper(helper) => {
                self.lower_call(Callee::Helper(helper), &args, &data.results)?
            }
            Op::Trap(code) => self.cx.emit(Arm64Inst::Trap { code }, []),
            Op::Trapz(code) | Op::Trapnz(code, _) => {
                let (mut cond, operands) = self.condition(args[0]);
                if matches!(data.op, Op::Trapz(_)) {
                    cond.cond = cond.cond.invert();
                }
                self.cx.emit(Arm64Inst::TrapIf { cond, code }, operands);
            }
            Op::Jump => {
                self.cx.emit(Arm64Inst::Jump, []);
                self.cx.set_successors(block);
            }
            Op::Brif => {
                let (cond, operands) = self.condition(args[0]);
                self.cx.emit(Arm64Inst::Branch { cond }, operands);
                self.cx.set_successors(block);
            }
            Op::BrTable => {
                if data.targets.len() == 1 {
                    self.cx.emit(Arm64Inst::Jump, []);
                } else {
                    let index: Operands = smallvec![Operand::reg_use(self.cx.vreg(args[0]))];
                    self.cx.emit(Arm64Inst::BrTable, index);
                }
                self.cx.set_successors(block);
            }
            Op::Return => {
                let ret = self.cx.return_operands(&args);
                let machine = Arm64Inst::Return {
                    stack_params: ret.stack_params,
                    stack_results: ret.stack_results,
                };
                self.cx.emit(machine, ret.operands);
            }
        }
        Ok(())
    }

    /// `def = a op b` on registers.
    fn alu(&mut self, machine: Arm64Inst, a: Value, b: Value, result: Value) {
        let operands: Operands = smallvec![
            Operand::reg_use(self.cx.vreg(a)),
            Operand::reg_use(self.cx.vreg(b)),
            Operand::reg_def(self.cx.vreg(result)),
        ];
        self.cx.emit(machine, operands);
    }

    /// `def = a op imm`.
    fn alu_imm(&mut self, op: AluImmOp, size: Size, a: Value, result: Value) {
        let operands: Operands = smallvec![
            Operand::reg_use(self.cx.vreg(a)),
            Operand::reg_def(self.cx.vreg(result)),
        ];
        self.cx.emit(Arm64Inst::AluImm { op, size }, operands);
    }

    /// The immediate form of `a op b` when `b` (or `a`, for commutative
    /// operations) is a constant that fits: returns it with the other
    /// operand.
    fn immediate_form(
        &self,
        op: BinaryOp,
        a: Value,
        b: Value,
        ty: Type,
    ) -> Option<(AluImmOp, Value)> {
        let size = size_of(ty);
        let bits = u64::from(size.bits());
        let negate = |c: u64| {
            if ty == Type::I64 {
                c.wrapping_neg()
            } else {
                c.wrapping_neg() & 0xFFFF_FFFF
            }
        };
        let add_sub = |c: u64, add: bool| {
            if Imm12::new(c).is_some() {
                Some(if add {
                    AluImmOp::Add(c as u32)
                } else {
                    AluImmOp::Sub(c as u32)
                })
            } else if Imm12::new(negate(c)).is_some() {
                let n = negate(c) as u32;
                Some(if add {
                    AluImmOp::Sub(n)
                } else {
                    AluImmOp::Add(n)
                })
            } else {
                None
            }
        };
        let logical = |c: u64, make: fn(u64) -> AluImmOp| LogicalImm::new(c, size).map(|_| make(c));
        let for_constant = |c: u64| match op {
            BinaryOp::Iadd => add_sub(c, true),
            BinaryOp::Isub => add_sub(c, false),
            BinaryOp::Band => logical(c, AluImmOp::And),
            BinaryOp::Bor => logical(c, AluImmOp::Orr),
            BinaryOp::Bxor => logical(c, AluImmOp::Eor),
            BinaryOp::Ishl => Some(AluImmOp::Lsl((c % bits) as u8)),
            BinaryOp::Ushr => Some(AluImmOp::Lsr((c % bits) as u8)),
            BinaryOp::Sshr => Some(AluImmOp::Asr((c % bits) as u8)),
            BinaryOp::Rotr => Some(AluImmOp::Ror((c % bits) as u8)),
            BinaryOp::Rotl => Some(AluImmOp::Ror(((bits - c % bits) % bits) as u8)),
            _ => None,
        };
        if let Some(c) = self.constant_of(b, ty)
            && let Some(imm) = for_constant(c)
        {
            return Some((imm, a));
        }
        if op.is_commutative()
            && op != BinaryOp::Imul
            && let Some(c) = self.constant_of(a, ty)
            && let Some(imm) = for_constant(c)
        {
            return Some((imm, b));
        }
        None
    }

    fn lower_binary(&mut self, op: BinaryOp, a: Value, b: Value, result: Value) {
        let ty = self.func.value_type(result);
        if ty.is_float() {
            let width = width_of(ty);
            let fp = match op {
                BinaryOp::Fadd => FpBinaryOp::Fadd,
                BinaryOp::Fsub => FpBinaryOp::Fsub,
                BinaryOp::Fmul => FpBinaryOp::Fmul,
                BinaryOp::Fdiv => FpBinaryOp::Fdiv,
                BinaryOp::Fmin => FpBinaryOp::Fmin,
                BinaryOp::Fmax => FpBinaryOp::Fmax,
                _ => {
                    self.alu(Arm64Inst::Copysign { width }, a, b, result);
                    return;
                }
            };
            self.alu(Arm64Inst::FloatBinary { op: fp, width }, a, b, result);
            return;
        }
        let size = size_of(ty);
        if let Some((imm, other)) = self.immediate_form(op, a, b, ty) {
            self.alu_imm(imm, size, other, result);
            return;
        }
        let alu = match op {
            BinaryOp::Iadd => AluOp::Add,
            BinaryOp::Isub => AluOp::Sub,
            BinaryOp::Band => AluOp::And,
            BinaryOp::Bor => AluOp::Orr,
            BinaryOp::Bxor => AluOp::Eor,
            BinaryOp::Imul => AluOp::Mul,
            BinaryOp::Ishl => AluOp::Lsl,
            BinaryOp::Ushr => AluOp::Lsr,
            BinaryOp::Sshr => AluOp::Asr,
            BinaryOp::Rotr => AluOp::Ror,
            BinaryOp::Rotl => AluOp::Rol,
            BinaryOp::Sdiv | BinaryOp::Udiv | BinaryOp::Srem | BinaryOp::Urem => {
                let div = match op {
                    BinaryOp::Sdiv => DivOp::Sdiv,
                    BinaryOp::Udiv => DivOp::Udiv,
                    BinaryOp::Srem => DivOp::Srem,
                    _ => DivOp::Urem,
                };
                let divisor = self.func.constant(b).map(|c| {
                    if ty == Type::I32 {
                        c as u32 as i32 as i64
                    } else {
                        c as i64
                    }
                });
                let check_zero = divisor.is_none_or(|c| c == 0);
                let check_minus_one = div == DivOp::Sdiv && divisor.is_none_or(|c| c == -1);
                let machine = Arm64Inst::Div {
                    op: div,
                    size,
                    check_zero,
                    check_minus_one,
                };
                self.alu(machine, a, b, result);
                return;
            }
            _ => unreachable!("float operations are lowered above"),
        };
        self.alu(Arm64Inst::Alu { op: alu, size }, a, b, result);
    }

    fn lower_unary(&mut self, op: UnaryOp, arg: Value, result: Value) {
        let from = self.func.value_type(arg);
        let to = self.func.value_type(result);
        let int = |op: IntUnaryOp, size: Size| Arm64Inst::IntUnary { op, size };
        let float = |op: FpUnaryOp| Arm64Inst::FloatUnary {
            op,
            width: width_of(to),
        };
        let machine = match op {
            UnaryOp::Clz => int(IntUnaryOp::Clz, size_of(to)),
            UnaryOp::Ctz => int(IntUnaryOp::Ctz, size_of(to)),
            UnaryOp::Popcnt => int(IntUnaryOp::Popcnt, size_of(to)),
            UnaryOp::Sextend8 => int(IntUnaryOp::Sext8, size_of(to)),
            UnaryOp::Sextend16 => int(IntUnaryOp::Sext16, size_of(to)),
            UnaryOp::Sextend32 | UnaryOp::Sextend => int(IntUnaryOp::Sext32, Size::S64),
            UnaryOp::Uextend => return,
            UnaryOp::Wrap => int(IntUnaryOp::Wrap, Size::S32),
            UnaryOp::Fneg => float(FpUnaryOp::Fneg),
            UnaryOp::Fabs => float(FpUnaryOp::Fabs),
            UnaryOp::Sqrt => float(FpUnaryOp::Fsqrt),
            UnaryOp::Ceil => float(FpUnaryOp::Frintp),
            UnaryOp::Floor => float(FpUnaryOp::Frintm),
            UnaryOp::Trunc => float(FpUnaryOp::Frintz),
            UnaryOp::Nearest => float(FpUnaryOp::Frintn),
            UnaryOp::FcvtToSint
            | UnaryOp::FcvtToUint
            | UnaryOp::FcvtToSintSat
            | UnaryOp::FcvtToUintSat => Arm64Inst::FloatToInt {
                width: width_of(from),
                size: size_of(to),
                signed: matches!(op, UnaryOp::FcvtToSint | UnaryOp::FcvtToSintSat),
                saturating: matches!(op, UnaryOp::FcvtToSintSat | UnaryOp::FcvtToUintSat),
            },
            UnaryOp::FcvtFromSint | UnaryOp::FcvtFromUint => Arm64Inst::IntToFloat {
                width: width_of(to),
                size: size_of(from),
                signed: op == UnaryOp::FcvtFromSint,
            },
            UnaryOp::Fpromote | UnaryOp::Fdemote => Arm64Inst::FloatConvert {
                from: width_of(from),
            },
            UnaryOp::Bitcast if to.is_float() => Arm64Inst::MovToFloat {
                size: size_of(from),
            },
            UnaryOp::Bitcast => Arm64Inst::MovFromFloat { size: size_of(to) },
        };
        let operands: Operands = smallvec![
            Operand::reg_use(self.cx.vreg(arg)),
            Operand::reg_def(self.cx.vreg(result)),
        ];
        self.cx.emit(machine, operands);
    }
}

/// The machine load for a load of `kind` into a value of type `ty`.
fn load_op(kind: LoadKind, ty: Type) -> LoadOp {
    if ty.is_float() {
        return LoadOp::Float(width_of(ty));
    }
    let wide = ty == Type::I64;
    LoadOp::Int(match kind {
        LoadKind::Full if wide => Load::LdrX,
        LoadKind::Full | LoadKind::U32 => Load::LdrW,
        LoadKind::S8 if wide => Load::LdrsbX,
        LoadKind::S8 => Load::LdrsbW,
        LoadKind::U8 => Load::Ldrb,
        LoadKind::S16 if wide => Load::LdrshX,
        LoadKind::S16 => Load::LdrshW,
        LoadKind::U16 => Load::Ldrh,
        LoadKind::S32 => Load::Ldrsw,
    })
}
