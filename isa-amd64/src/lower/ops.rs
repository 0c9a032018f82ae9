//! Lowering rules, one SSA instruction at a time, matching patterns on the
//! use-def graph: immediates, `lea` for adds, loads folded into the
//! arithmetic that reads them, divisions without the checks a constant
//! divisor rules out. Conditions, addresses and calls have modules of
//! their own.

use super::Lowerer;
use super::conditions::invert;
use crate::encode::Size;
use crate::encode::opcodes::{AluOp, FloatWidth, IntRmOp, ShiftOp, SseOp};
use crate::inst::{AddrMode, Amd64Inst, Callee, DivOp, FloatUnaryOp, LoadOp, RoundMode, StoreOp};
use crate::regs::{RAX, RCX, RDX};
use kiln_machinst::Operands;
use kiln_regalloc::{Constraint, Operand, OperandKind, RegClass};
use kiln_ssa::target::CompileError;
use kiln_ssa::{BinaryOp, Block, Inst, LoadKind, Op, Region, StoreKind, Type, UnaryOp, Value};
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
    /// The bits of `value` as a sign-extended 32-bit immediate of an
    /// operation on `ty`, when it is a constant that fits.
    pub(super) fn imm32(&self, value: Value, ty: Type) -> Option<i32> {
        let bits = self.func.constant(value)?;
        match ty {
            Type::I32 => Some(bits as u32 as i32),
            Type::I64 => i32::try_from(bits as i64).ok(),
            _ => None,
        }
    }

    /// The single result of `inst`.
    fn result(&self, inst: Inst) -> Value {
        self.func.inst(inst).results[0]
    }

    /// Lowers one SSA instruction of `block`.
    pub(super) fn lower_op(&mut self, block: Block, inst: Inst) -> Result<(), CompileError> {
        let data = self.func.inst(inst);
        let args = data.args.clone();
        match data.op {
            Op::Iconst(bits) => {
                let def = self.cx.vreg(self.result(inst));
                self.cx.emit_constant(Amd64Inst::Const { bits }, def);
            }
            Op::Fconst(bits) => {
                let result = self.result(inst);
                let def = self.cx.vreg(result);
                let inst = Amd64Inst::FloatConst {
                    width: width_of(self.func.value_type(result)),
                    bits,
                };
                self.cx.emit_constant(inst, def);
            }
            Op::Unary(op) => self.lower_unary(op, args[0], self.result(inst))?,
            Op::Binary(op) => self.lower_binary(op, args[0], args[1], self.result(inst)),
            Op::Icmp(_) | Op::Fcmp(_) => {
                let result = self.result(inst);
                let (cond, mut operands) = match data.op {
                    Op::Icmp(cc) => self.int_compare(cc, args[0], args[1]),
                    Op::Fcmp(cc) => self.float_compare(cc, args[0], args[1]),
                    _ => unreachable!("matched above"),
                };
                operands.push(Operand::reg_def(self.cx.vreg(result)));
                self.cx.emit(Amd64Inst::CondSet { cond }, operands);
            }
            // A Spectre guard is an integer select, and those always become
            // `cmov`: never a branch that the CPU could mispredict.
            Op::Select | Op::SelectSpectreGuard => {
                let result = self.result(inst);
                let (cond, mut operands) = self.condition(args[0]);
                let chosen = operands.len() + 1;
                let (a, b) = (self.cx.vreg(args[1]), self.cx.vreg(args[2]));
                let ty = self.func.value_type(result);
                let machine = if ty.is_float() {
                    operands.push(Operand::reg_use(a));
                    Amd64Inst::FloatCondMove { cond }
                } else {
                    operands.push(Operand::any_use(a));
                    Amd64Inst::CondMove {
                        cond,
                        size: size_of(ty),
                    }
                };
                operands.push(Operand::reg_use(b));
                operands.push(Operand::reuse_def(self.cx.vreg(result), chosen));
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
                self.cx.emit(Amd64Inst::Load { op, addr }, operands);
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
                let op = if ty.is_float() {
                    operands.push(Operand::reg_use(self.cx.vreg(value)));
                    StoreOp::Float(width_of(ty))
                } else {
                    let size = Size::of_bytes(kind.bytes(ty));
                    match self.imm32(value, ty) {
                        Some(imm)
                            if kind != StoreKind::Full
                                || ty == Type::I32
                                || self.func.constant(value) == Some(imm as i64 as u64) =>
                        {
                            StoreOp::IntImm(size, imm)
                        }
                        _ => {
                            operands.push(Operand::reg_use(self.cx.vreg(value)));
                            StoreOp::Int(size)
                        }
                    }
                };
                self.cx.emit(Amd64Inst::Store { op, addr }, operands);
            }
            Op::Call { func } => self.lower_call(Callee::Direct(func), &args, &data.results)?,
            Op::CallIndirect { .. } => self.lower_call(Callee::Indirect, &args, &data.results)?,
            Op::CallHelper(helper) => {
                self.lower_call(Callee::Helper(helper), &args, &data.results)?
            }
            Op::Trap(code) => self.cx.emit(Amd64Inst::Trap { code }, []),
            Op::Trapz(code) | Op::Trapnz(code, _) => {
                let (mut cond, operands) = self.condition(args[0]);
                if matches!(data.op, Op::Trapz(_)) {
                    cond.test = invert(cond.test);
                }
                self.cx.emit(Amd64Inst::TrapIf { cond, code }, operands);
            }
            Op::Jump => {
                self.cx.emit(Amd64Inst::Jump, []);
                self.cx.set_successors(block);
            }
            Op::Brif => {
                let (cond, operands) = self.condition(args[0]);
                self.cx.emit(Amd64Inst::Branch { cond }, operands);
                self.cx.set_successors(block);
            }
            Op::BrTable => {
                let targets = data.targets.len() as u32;
                if targets == 1 {
                    self.cx.emit(Amd64Inst::Jump, []);
                } else {
                    let index = self.cx.new_vreg(RegClass::Int);
                    let operands: Operands = smallvec![
                        Operand::reg_use(self.cx.vreg(args[0])),
                        Operand::reg_def(index),
                    ];
                    self.cx.emit(Amd64Inst::BrTableIndex { targets }, operands);
                    self.cx.emit(Amd64Inst::BrTable, [Operand::reg_use(index)]);
                }
                self.cx.set_successors(block);
            }
            Op::Return => {
                let ret = self.cx.return_operands(&args);
                let machine = Amd64Inst::Return {
                    stack_params: ret.stack_params,
                    stack_results: ret.stack_results,
                };
                self.cx.emit(machine, ret.operands);
            }
        }
        Ok(())
    }

    /// The address, offset and region of `value` when it is a load folded
    /// into its user.
    pub(super) fn folded_load(&self, value: Value) -> Option<(Value, u32, Region)> {
        let kiln_ssa::ValueDef::Result(inst) = self.func.value_def(value) else {
            return None;
        };
        let data = self.func.inst(inst);
        match data.op {
            Op::Load { offset, region, .. } if self.fold.is_folded(inst) => {
                Some((data.args[0], offset, region))
            }
            _ => None,
        }
    }

    /// The operands of `value` when it is an `iadd` of two registers read
    /// only here, so that adding a constant to it is one `lea` of all three.
    fn sum_of_registers(&self, value: Value) -> Option<(Value, Value)> {
        let data = self.func.defining_inst(value)?;
        let &[x, y] = data.args.as_slice() else {
            return None;
        };
        let ty = self.func.value_type(value);
        let registers = [x, y]
            .iter()
            .all(|&arg| self.imm32(arg, ty).is_none() && self.folded_load(arg).is_none());
        (data.op == Op::Binary(BinaryOp::Iadd) && self.cx.uses(value) == 1 && registers)
            .then_some((x, y))
    }

    /// A two-address operation `def = a op b` whose `b` may be a folded
    /// load (or `a`, when `commutative`): emits it through `make`, which
    /// receives the memory operand's address mode if there is one.
    fn two_address(
        &mut self,
        (a, b, def): (Value, Value, kiln_regalloc::VReg),
        commutative: bool,
        make: impl FnOnce(Option<AddrMode>) -> Amd64Inst,
    ) {
        let (first, load) = match (self.folded_load(b), self.folded_load(a)) {
            (Some(load), _) => (a, Some(load)),
            (None, Some(load)) if commutative => (b, Some(load)),
            _ => (a, None),
        };
        let mut operands: Operands = smallvec![Operand::reg_use(self.cx.vreg(first))];
        let mem = match load {
            Some((address, offset, region)) => {
                Some(self.address(address, offset, region, &mut operands))
            }
            None => {
                operands.push(Operand::any_use(self.cx.vreg(b)));
                None
            }
        };
        operands.push(Operand::reuse_def(def, 0));
        self.cx.emit(make(mem), operands);
    }

    fn lower_binary(&mut self, op: BinaryOp, a: Value, b: Value, result: Value) {
        let ty = self.func.value_type(result);
        let def = self.cx.vreg(result);
        let (va, vb) = (self.cx.vreg(a), self.cx.vreg(b));
        if ty.is_float() {
            let width = width_of(ty);
            let sse = match op {
                BinaryOp::Fadd => SseOp::Add,
                BinaryOp::Fsub => SseOp::Sub,
                BinaryOp::Fmul => SseOp::Mul,
                BinaryOp::Fdiv => SseOp::Div,
                _ => {
                    let machine = match op {
                        BinaryOp::Fmin => Amd64Inst::FloatMinMax { max: false, width },
                        BinaryOp::Fmax => Amd64Inst::FloatMinMax { max: true, width },
                        _ => Amd64Inst::Copysign { width },
                    };
                    let operands: Operands = smallvec![
                        Operand::reg_use(va),
                        Operand::reg_use(vb),
                        Operand::reuse_def(def, 0),
                    ];
                    self.cx.emit(machine, operands);
                    return;
                }
            };
            let commutative = matches!(op, BinaryOp::Fadd | BinaryOp::Fmul);
            self.two_address((a, b, def), commutative, |mem| Amd64Inst::Sse {
                op: sse,
                width,
                mem,
            });
            return;
        }
        let size = size_of(ty);
        let imm = self.imm32(b, ty);
        let bits = ty.bits() as u64;
        let loads = self.folded_load(a).is_some() || self.folded_load(b).is_some();
        // `a + b`, `a + c` and `a - c` are one `lea`: three-address, so `a`
        // need not share the result's register. A loop's `j - 1` passed
        // back as `j` then stays in `j`'s register, with no copy of `j`
        // before the subtraction and no move on the back edge.
        let lea_disp = match (op, imm) {
            (BinaryOp::Iadd, imm) => Some(imm),
            (BinaryOp::Isub, Some(c)) => c.checked_neg().map(Some),
            _ => None,
        };
        match op {
            _ if !loads && lea_disp.is_some() => {
                let imm = lea_disp.flatten();
                // The two registers summed, if any, and the displacement.
                let (sum, disp) = match imm {
                    Some(imm) => (self.sum_of_registers(a), imm),
                    None => (Some((a, b)), 0),
                };
                let (index_shift, mut operands): (_, Operands) = match sum {
                    Some((x, y)) => {
                        let (base, index, shift) = self.base_and_scaled_index(x, y);
                        let operands = smallvec![
                            Operand::reg_use(self.cx.vreg(base)),
                            Operand::reg_use(self.cx.vreg(index)),
                        ];
                        (Some(shift), operands)
                    }
                    None => (None, smallvec![Operand::reg_use(va)]),
                };
                operands.push(Operand::reg_def(def));
                let addr = AddrMode {
                    index_shift,
                    disp,
                    heap: false,
                };
                self.cx.emit(Amd64Inst::Lea { size, addr }, operands);
            }
            BinaryOp::Iadd | BinaryOp::Isub | BinaryOp::Band | BinaryOp::Bor | BinaryOp::Bxor => {
                let alu = match op {
                    BinaryOp::Iadd => AluOp::Add,
                    BinaryOp::Isub => AluOp::Sub,
                    BinaryOp::Band => AluOp::And,
                    BinaryOp::Bor => AluOp::Or,
                    _ => AluOp::Xor,
                };
                match imm {
                    Some(imm) => self.cx.emit(
                        Amd64Inst::AluImm { op: alu, size, imm },
                        [Operand::reg_use(va), Operand::reuse_def(def, 0)],
                    ),
                    _ => {
                        let commutative = op != BinaryOp::Isub;
                        self.two_address((a, b, def), commutative, |mem| Amd64Inst::Alu {
                            op: alu,
                            size,
                            mem,
                        });
                    }
                }
            }
            BinaryOp::Imul => match imm {
                Some(imm) => {
                    let operands: Operands = smallvec![Operand::any_use(va), Operand::reg_def(def)];
                    self.cx.emit(Amd64Inst::ImulImm { size, imm }, operands);
                }
                _ => self.two_address((a, b, def), true, |mem| Amd64Inst::Imul { size, mem }),
            },
            BinaryOp::Ishl | BinaryOp::Ushr | BinaryOp::Sshr | BinaryOp::Rotl | BinaryOp::Rotr => {
                let shift = match op {
                    BinaryOp::Ishl => ShiftOp::Shl,
                    BinaryOp::Ushr => ShiftOp::Shr,
                    BinaryOp::Sshr => ShiftOp::Sar,
                    BinaryOp::Rotl => ShiftOp::Rol,
                    _ => ShiftOp::Ror,
                };
                match self.func.constant(b) {
                    Some(amount) => {
                        let amount = (amount % bits) as u8;
                        self.cx.emit(
                            Amd64Inst::ShiftImm {
                                op: shift,
                                size,
                                amount,
                            },
                            [Operand::reg_use(va), Operand::reuse_def(def, 0)],
                        );
                    }
                    None => self.cx.emit(
                        Amd64Inst::ShiftCl { op: shift, size },
                        [
                            Operand::reg_use(va),
                            Operand::fixed_use(vb, RCX.preg()),
                            Operand::reuse_def(def, 0),
                        ],
                    ),
                }
            }
            BinaryOp::Sdiv | BinaryOp::Udiv | BinaryOp::Srem | BinaryOp::Urem => {
                let div = match op {
                    BinaryOp::Sdiv => DivOp::Sdiv,
                    BinaryOp::Udiv => DivOp::Udiv,
                    BinaryOp::Srem => DivOp::Srem,
                    _ => DivOp::Urem,
                };
                let signed = matches!(div, DivOp::Sdiv | DivOp::Srem);
                let divisor = self.func.constant(b).map(|c| {
                    if ty == Type::I32 {
                        c as u32 as i32 as i64
                    } else {
                        c as i64
                    }
                });
                let check_zero = divisor.is_none_or(|c| c == 0);
                let check_minus_one = signed && divisor.is_none_or(|c| c == -1);
                let other = self.cx.new_vreg(RegClass::Int);
                let (quotient, remainder) = if matches!(div, DivOp::Sdiv | DivOp::Udiv) {
                    (def, other)
                } else {
                    (other, def)
                };
                let operands: Operands = smallvec![
                    Operand::fixed_use(va, RAX.preg()),
                    Operand::reg_use(vb),
                    Operand::new(
                        remainder,
                        OperandKind::EarlyDef,
                        Constraint::Fixed(RDX.preg()),
                    ),
                    Operand::fixed_def(quotient, RAX.preg()),
                ];
                self.cx.emit(
                    Amd64Inst::Div {
                        op: div,
                        size,
                        check_zero,
                        check_minus_one,
                    },
                    operands,
                );
            }
            _ => unreachable!("float operations are lowered above"),
        }
    }

    fn lower_unary(&mut self, op: UnaryOp, arg: Value, result: Value) -> Result<(), CompileError> {
        let from = self.func.value_type(arg);
        let to = self.func.value_type(result);
        let (src, def) = (self.cx.vreg(arg), self.cx.vreg(result));
        let any: Operands = smallvec![Operand::any_use(src), Operand::reg_def(def)];
        let reg: Operands = smallvec![Operand::reg_use(src), Operand::reg_def(def)];
        let int_unary = |op: IntRmOp, size: Size| Amd64Inst::IntUnary { op, size };
        let features = self.features;
        let (machine, operands) = match op {
            UnaryOp::Clz if features.lzcnt => (int_unary(IntRmOp::Lzcnt, size_of(to)), any),
            UnaryOp::Ctz if features.bmi1 => (int_unary(IntRmOp::Tzcnt, size_of(to)), any),
            UnaryOp::Clz | UnaryOp::Ctz => (
                Amd64Inst::BitScan {
                    leading: op == UnaryOp::Clz,
                    size: size_of(to),
                },
                any,
            ),
            UnaryOp::Popcnt if features.popcnt => (int_unary(IntRmOp::Popcnt, size_of(to)), any),
            UnaryOp::Popcnt => {
                let temp = self.cx.new_vreg(RegClass::Int);
                let operands: Operands = smallvec![
                    Operand::any_use(src),
                    Operand::reg_def(def),
                    Operand::early_reg_def(temp),
                ];
                (Amd64Inst::PopcntFallback { size: size_of(to) }, operands)
            }
            UnaryOp::Sextend8 => (int_unary(IntRmOp::Movsx8, size_of(to)), reg),
            UnaryOp::Sextend16 => (int_unary(IntRmOp::Movsx16, size_of(to)), reg),
            UnaryOp::Sextend32 | UnaryOp::Sextend => (int_unary(IntRmOp::Movsxd, Size::S64), any),
            UnaryOp::Uextend => return Ok(()),
            UnaryOp::Wrap => (int_unary(IntRmOp::Load, Size::S32), any),
            UnaryOp::Fneg | UnaryOp::Fabs => {
                let machine = Amd64Inst::FloatSign {
                    negate: op == UnaryOp::Fneg,
                    width: width_of(to),
                };
                (
                    machine,
                    smallvec![Operand::reg_use(src), Operand::reuse_def(def, 0)],
                )
            }
            UnaryOp::Sqrt => (
                Amd64Inst::FloatUnary {
                    op: FloatUnaryOp::Sqrt,
                    width: width_of(to),
                },
                any,
            ),
            UnaryOp::Ceil | UnaryOp::Floor | UnaryOp::Trunc | UnaryOp::Nearest => {
                let mode = match op {
                    UnaryOp::Nearest => RoundMode::Nearest,
                    UnaryOp::Floor => RoundMode::Floor,
                    UnaryOp::Ceil => RoundMode::Ceil,
                    _ => RoundMode::Trunc,
                };
                if !features.sse41 {
                    let temp = self.cx.new_vreg(RegClass::Float);
                    let operands: Operands = smallvec![
                        Operand::any_use(src),
                        Operand::reg_def(def),
                        Operand::early_reg_def(temp),
                    ];
                    let machine = Amd64Inst::RoundFallback {
                        mode,
                        width: width_of(to),
                    };
                    self.cx.emit(machine, operands);
                    return Ok(());
                }
                (
                    Amd64Inst::FloatUnary {
                        op: FloatUnaryOp::Round(mode),
                        width: width_of(to),
                    },
                    any,
                )
            }
            UnaryOp::FcvtToSint
            | UnaryOp::FcvtToUint
            | UnaryOp::FcvtToSintSat
            | UnaryOp::FcvtToUintSat => {
                let machine = Amd64Inst::FloatToInt {
                    width: width_of(from),
                    size: size_of(to),
                    signed: matches!(op, UnaryOp::FcvtToSint | UnaryOp::FcvtToSintSat),
                    saturating: matches!(op, UnaryOp::FcvtToSintSat | UnaryOp::FcvtToUintSat),
                };
                (machine, reg)
            }
            UnaryOp::FcvtFromSint | UnaryOp::FcvtFromUint => {
                let machine = Amd64Inst::IntToFloat {
                    width: width_of(to),
                    size: size_of(from),
                    signed: op == UnaryOp::FcvtFromSint,
                };
                (machine, reg)
            }
            UnaryOp::Fpromote | UnaryOp::Fdemote => (
                Amd64Inst::FloatUnary {
                    op: FloatUnaryOp::ConvertWidth,
                    width: width_of(from),
                },
                any,
            ),
            UnaryOp::Bitcast if to.is_float() => (
                Amd64Inst::MovToFloat {
                    size: size_of(from),
                },
                reg,
            ),
            UnaryOp::Bitcast => (Amd64Inst::MovFromFloat { size: size_of(to) }, reg),
        };
        self.cx.emit(machine, operands);
        Ok(())
    }
}

/// The machine load for a load of `kind` into a value of type `ty`.
fn load_op(kind: LoadKind, ty: Type) -> LoadOp {
    if ty.is_float() {
        return LoadOp::Float(width_of(ty));
    }
    let size = size_of(ty);
    match kind {
        LoadKind::Full => LoadOp::Int(IntRmOp::Load, size),
        LoadKind::S8 => LoadOp::Int(IntRmOp::Movsx8, size),
        LoadKind::U8 => LoadOp::Int(IntRmOp::Movzx8, Size::S32),
        LoadKind::S16 => LoadOp::Int(IntRmOp::Movsx16, size),
        LoadKind::U16 => LoadOp::Int(IntRmOp::Movzx16, Size::S32),
        LoadKind::S32 => LoadOp::Int(IntRmOp::Movsxd, Size::S64),
        LoadKind::U32 => LoadOp::Int(IntRmOp::Load, Size::S32),
    }
}
