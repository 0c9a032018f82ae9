//! Emission of each machine instruction from its allocated operands.

use super::Emitter;
use crate::encode::opcodes::{AluOp, Cond, FloatWidth, IntRmOp, ShiftOp, SseOp, UnaryGroupOp};
use crate::encode::{Mem, RegMem, Size};
use crate::inst::{AddrMode, Amd64Inst, Callee, DivOp, FlagTest, FloatUnaryOp, LoadOp, StoreOp};
use crate::regs::{Gpr, R11, RAX, RBP, RDX, RSP, SCRATCH_GPR, SCRATCH_XMM, Xmm, gpr, xmm};
use kiln_regalloc::{Allocation, Inst, RegClass};
use kiln_ssa::TrapCode;
use kiln_ssa::target::RelocationTarget;

/// Sign-bit masks for `f32` and `f64` in the low lane of a constant.
pub(super) fn sign_mask(width: FloatWidth) -> u128 {
    match width {
        FloatWidth::F32 => 0x8000_0000,
        FloatWidth::F64 => 0x8000_0000_0000_0000,
    }
}

/// Everything but the sign bit.
pub(super) fn magnitude_mask(width: FloatWidth) -> u128 {
    match width {
        FloatWidth::F32 => 0x7FFF_FFFF,
        FloatWidth::F64 => 0x7FFF_FFFF_FFFF_FFFF,
    }
}

impl Emitter<'_> {
    /// The integer register of an operand that must be in one.
    fn gpr_at(allocs: &[Allocation], index: usize) -> Gpr {
        gpr(allocs[index].as_reg().expect("a register operand"))
    }

    /// The float register of an operand that must be in one.
    fn xmm_at(allocs: &[Allocation], index: usize) -> Xmm {
        xmm(allocs[index].as_reg().expect("a register operand"))
    }

    /// The memory operand of an address whose operands start at `first`.
    fn address(allocs: &[Allocation], first: usize, addr: AddrMode) -> Mem {
        Mem::Base {
            base: Self::gpr_at(allocs, first),
            index: addr
                .index_shift
                .map(|shift| (Self::gpr_at(allocs, first + 1), shift)),
            disp: addr.disp,
        }
    }

    /// The second input of a two-address operation: its location, or the
    /// memory of a folded load whose address operands follow the first (a
    /// fault site if it is in linear memory).
    fn second_operand(&mut self, allocs: &[Allocation], mem: Option<AddrMode>) -> RegMem {
        match mem {
            Some(addr) => {
                self.fault_site(addr);
                RegMem::Mem(Self::address(allocs, 1, addr))
            }
            None => self.rm(allocs[1]),
        }
    }

    /// Records the instruction about to be emitted, which accesses `addr`,
    /// as a fault site when `addr` is in linear memory: if the access
    /// faults, the function resumes at its `HeapOutOfBounds` stub.
    fn fault_site(&mut self, addr: AddrMode) {
        if addr.heap {
            let stub = self.trap_label(TrapCode::HeapOutOfBounds);
            self.asm.fault_site(TrapCode::HeapOutOfBounds, stub);
        }
    }

    /// Copies the 8 bytes of a value, wherever it is, to a stack slot of
    /// the argument or result areas.
    fn store_to_stack(&mut self, from: Allocation, to: Mem) {
        match from {
            Allocation::Reg(reg) if reg.class() == RegClass::Int => {
                self.asm.store(Size::S64, to, gpr(reg))
            }
            Allocation::Reg(reg) => self.asm.sse_store(FloatWidth::F64, to, xmm(reg)),
            Allocation::Stack(slot) => {
                self.asm.load(Size::S64, SCRATCH_GPR, self.slot(slot));
                self.asm.store(Size::S64, to, SCRATCH_GPR);
            }
        }
    }

    /// Emits one instruction.
    pub(super) fn emit_inst(&mut self, inst: Inst) {
        let output = self.cx.output;
        let allocs = output.inst_allocs(inst);
        let last = allocs.len().wrapping_sub(1);
        match self.cx.vcode.insts[inst.index()] {
            Amd64Inst::Args => {}
            Amd64Inst::StackArg { slot } => {
                let from = Mem::at(RBP, 16 + 8 * slot as i32);
                let to = allocs[0].as_reg().expect("a register operand");
                match to.class() {
                    RegClass::Int => self.asm.load(Size::S64, gpr(to), from),
                    RegClass::Float => self.asm.sse(SseOp::MovLoad, FloatWidth::F64, xmm(to), from),
                }
            }
            constant @ (Amd64Inst::Const { .. } | Amd64Inst::FloatConst { .. }) => {
                let to = allocs[0].as_reg().expect("a register operand");
                self.constant(constant, to.hw());
            }
            Amd64Inst::Alu { op, size, mem } => {
                let b = self.second_operand(allocs, mem);
                self.asm.alu(op, size, Self::gpr_at(allocs, last), b);
            }
            Amd64Inst::AluImm { op, size, imm } => {
                self.asm.alu_imm(op, size, Self::gpr_at(allocs, 1), imm)
            }
            Amd64Inst::Imul { size, mem } => {
                let b = self.second_operand(allocs, mem);
                self.asm
                    .int_rm(IntRmOp::Imul, size, Self::gpr_at(allocs, last), b);
            }
            Amd64Inst::ImulImm { size, imm } => {
                let a = self.rm(allocs[0]);
                self.asm.imul_imm(size, Self::gpr_at(allocs, 1), a, imm);
            }
            Amd64Inst::Lea { size, addr } => {
                let mem = Self::address(allocs, 0, addr);
                self.asm.lea(size, Self::gpr_at(allocs, last), mem);
            }
            Amd64Inst::ShiftCl { op, size } => self.asm.shift_cl(op, size, Self::gpr_at(allocs, 2)),
            Amd64Inst::ShiftImm { op, size, amount } => {
                self.asm
                    .shift_imm(op, size, Self::gpr_at(allocs, 1), amount)
            }
            Amd64Inst::IntUnary { op, size } => {
                let src = self.rm(allocs[0]);
                self.asm.int_rm(op, size, Self::gpr_at(allocs, 1), src);
            }
            Amd64Inst::BitScan { leading, size } => {
                let (src, dst) = (self.rm(allocs[0]), Self::gpr_at(allocs, 1));
                let bits = if size == Size::S64 { 64 } else { 32 };
                if leading {
                    self.asm.mov_imm(Size::S32, R11, 2 * bits - 1, true);
                    self.asm.int_rm(IntRmOp::Bsr, size, dst, src);
                    self.asm.cmov(Cond::E, size, dst, R11);
                    self.asm.alu_imm(AluOp::Xor, size, dst, bits as i32 - 1);
                } else {
                    self.asm.mov_imm(Size::S32, R11, bits, true);
                    self.asm.int_rm(IntRmOp::Bsf, size, dst, src);
                    self.asm.cmov(Cond::E, size, dst, R11);
                }
            }
            Amd64Inst::PopcntFallback { size } => {
                let src = self.rm(allocs[0]);
                self.popcnt_fallback(size, src, Self::gpr_at(allocs, 1), Self::gpr_at(allocs, 2))
            }
            Amd64Inst::RoundFallback { mode, width } => {
                let src = self.rm(allocs[0]);
                self.round_fallback(
                    mode,
                    width,
                    src,
                    Self::xmm_at(allocs, 1),
                    Self::xmm_at(allocs, 2),
                )
            }
            Amd64Inst::Div {
                op,
                size,
                check_zero,
                check_minus_one,
            } => self.division(
                op,
                size,
                Self::gpr_at(allocs, 1),
                check_zero,
                check_minus_one,
            ),
            Amd64Inst::CondSet { cond } => {
                self.compare(cond.compare, allocs);
                let dst = Self::gpr_at(allocs, last);
                let set = |emitter: &mut Self, cc: Cond, reg: Gpr| {
                    emitter.asm.setcc(cc, reg);
                    emitter.asm.int_rm(IntRmOp::Movzx8, Size::S32, reg, reg);
                };
                match cond.test {
                    FlagTest::Single(cc) => set(self, cc, dst),
                    FlagTest::FloatEq | FlagTest::FloatNe => {
                        let (first, second, join) = if cond.test == FlagTest::FloatEq {
                            (Cond::E, Cond::Np, AluOp::And)
                        } else {
                            (Cond::Ne, Cond::P, AluOp::Or)
                        };
                        set(self, first, dst);
                        set(self, second, R11);
                        self.asm.alu(join, Size::S32, dst, R11);
                    }
                }
            }
            Amd64Inst::CondMove { cond, size } => {
                self.compare(cond.compare, allocs);
                let n = cond.compare.num_operands();
                let (a, dst) = (self.rm(allocs[n]), Self::gpr_at(allocs, n + 2));
                match cond.test {
                    FlagTest::Single(cc) => self.asm.cmov(cc, size, dst, a),
                    test => {
                        let skip = self.asm.new_label();
                        self.jump_unless(test, skip);
                        match a {
                            RegMem::Reg(reg) => self.asm.mov(Size::S64, dst, Gpr(reg)),
                            RegMem::Mem(mem) => self.asm.load(Size::S64, dst, mem),
                        }
                        self.asm.bind(skip);
                    }
                }
            }
            Amd64Inst::FloatCondMove { cond } => {
                self.compare(cond.compare, allocs);
                let n = cond.compare.num_operands();
                let skip = self.asm.new_label();
                self.jump_unless(cond.test, skip);
                self.asm.sse(
                    SseOp::MovAligned,
                    FloatWidth::F32,
                    Self::xmm_at(allocs, n + 2),
                    Self::xmm_at(allocs, n),
                );
                self.asm.bind(skip);
            }
            Amd64Inst::TrapIf { cond, code } => {
                self.compare(cond.compare, allocs);
                let label = self.trap_label(code);
                self.jump_if(cond.test, label, Some(code));
            }
            Amd64Inst::Load { op, addr } => {
                let mem = Self::address(allocs, 0, addr);
                self.fault_site(addr);
                match op {
                    LoadOp::Int(op, size) => {
                        self.asm.int_rm(op, size, Self::gpr_at(allocs, last), mem)
                    }
                    LoadOp::Float(width) => {
                        self.asm
                            .sse(SseOp::MovLoad, width, Self::xmm_at(allocs, last), mem)
                    }
                }
            }
            Amd64Inst::Store { op, addr } => {
                let mem = Self::address(allocs, 0, addr);
                self.fault_site(addr);
                match op {
                    StoreOp::Int(size) => self.asm.store(size, mem, Self::gpr_at(allocs, last)),
                    StoreOp::IntImm(size, imm) => self.asm.store_imm(size, mem, imm),
                    StoreOp::Float(width) => {
                        self.asm.sse_store(width, mem, Self::xmm_at(allocs, last))
                    }
                }
            }
            Amd64Inst::Sse { op, width, mem } => {
                let b = self.second_operand(allocs, mem);
                self.asm.sse(op, width, Self::xmm_at(allocs, last), b);
            }
            Amd64Inst::FloatSign { negate, width } => {
                let dst = Self::xmm_at(allocs, 1);
                let (op, mask) = if negate {
                    (SseOp::Xor, sign_mask(width))
                } else {
                    (SseOp::And, magnitude_mask(width))
                };
                let mask = self.asm.constant(mask);
                self.asm.sse(op, width, dst, mask);
            }
            Amd64Inst::Copysign { width } => {
                let (dst, sign) = (Self::xmm_at(allocs, 2), Self::xmm_at(allocs, 1));
                let sign_bits = self.asm.constant(sign_mask(width));
                let magnitude_bits = self.asm.constant(magnitude_mask(width));
                self.asm.sse(SseOp::MovAligned, width, SCRATCH_XMM, sign);
                self.asm.sse(SseOp::And, width, SCRATCH_XMM, sign_bits);
                self.asm.sse(SseOp::And, width, dst, magnitude_bits);
                self.asm.sse(SseOp::Or, width, dst, SCRATCH_XMM);
            }
            Amd64Inst::FloatMinMax { max, width } => {
                self.min_max(max, width, Self::xmm_at(allocs, 2), Self::xmm_at(allocs, 1))
            }
            Amd64Inst::FloatUnary { op, width } => {
                let (src, dst) = (self.rm(allocs[0]), Self::xmm_at(allocs, 1));
                if src != RegMem::Reg(dst.0) {
                    self.break_dependency(dst);
                }
                match op {
                    FloatUnaryOp::Sqrt => self.asm.sse(SseOp::Sqrt, width, dst, src),
                    FloatUnaryOp::Round(mode) => self.asm.round(width, dst, src, mode as u8 | 8),
                    FloatUnaryOp::ConvertWidth => self.asm.sse(SseOp::CvtToOther, width, dst, src),
                }
            }
            Amd64Inst::IntToFloat {
                width,
                size,
                signed,
            } => self.int_to_float(
                width,
                size,
                signed,
                Self::gpr_at(allocs, 0),
                Self::xmm_at(allocs, 1),
            ),
            Amd64Inst::FloatToInt {
                width,
                size,
                signed,
                saturating,
            } => {
                let (src, dst) = (Self::xmm_at(allocs, 0), Self::gpr_at(allocs, 1));
                match (signed, saturating) {
                    (true, false) => self.float_to_sint(width, size, src, dst),
                    (false, false) => self.float_to_uint(width, size, src, dst),
                    (true, true) => self.float_to_sint_sat(width, size, src, dst),
                    (false, true) => self.float_to_uint_sat(width, size, src, dst),
                }
            }
            Amd64Inst::MovToFloat { size } => {
                self.asm
                    .movd_to_xmm(size, Self::xmm_at(allocs, 1), Self::gpr_at(allocs, 0))
            }
            Amd64Inst::MovFromFloat { size } => {
                self.asm
                    .movd_from_xmm(size, Self::gpr_at(allocs, 1), Self::xmm_at(allocs, 0))
            }
            Amd64Inst::Call {
                callee,
                reg_args,
                stack_args,
                stack_results,
                zero_extend_i32_result,
            } => {
                let first_arg = usize::from(callee == Callee::Indirect);
                let first_stack = first_arg + usize::from(reg_args);
                for k in 0..usize::from(stack_args) {
                    self.store_to_stack(allocs[first_stack + k], Mem::at(RSP, 8 * k as i32));
                }
                match callee {
                    Callee::Direct(func) => {
                        self.asm.call_relocated(RelocationTarget::Function(func))
                    }
                    Callee::Indirect => self.asm.call_indirect(Self::gpr_at(allocs, 0)),
                    Callee::Helper(helper) => {
                        self.asm
                            .mov_address(SCRATCH_GPR, RelocationTarget::Helper(helper));
                        self.asm.call_indirect(SCRATCH_GPR);
                        self.asm.int_rm(IntRmOp::Test, Size::S64, RDX, RDX);
                        let label = self.helper_trap_label();
                        self.asm.jcc(Cond::Ne, label);
                        if zero_extend_i32_result {
                            self.asm.mov(Size::S32, RAX, RAX);
                        }
                    }
                }
                let first_stack_result = allocs.len() - usize::from(stack_results);
                for j in 0..usize::from(stack_results) {
                    let from = Mem::at(RSP, 8 * (usize::from(stack_args) + j) as i32);
                    let Allocation::Stack(slot) = allocs[first_stack_result + j] else {
                        unreachable!("results in the result area are spill-slot defs")
                    };
                    self.asm.load(Size::S64, SCRATCH_GPR, from);
                    self.asm.store(Size::S64, self.slot(slot), SCRATCH_GPR);
                }
            }
            Amd64Inst::BrTableIndex { targets } => {
                let (index, dst) = (Self::gpr_at(allocs, 0), Self::gpr_at(allocs, 1));
                let default = targets as i32 - 1;
                self.asm.mov_imm(Size::S32, R11, default as u64, true);
                self.asm.alu_imm(AluOp::Cmp, Size::S32, index, default);
                if dst != index {
                    self.asm.mov(Size::S32, dst, index);
                }
                self.asm.cmov(Cond::Ae, Size::S32, dst, R11);
            }
            Amd64Inst::BrTable => {
                let index = Self::gpr_at(allocs, 0);
                let table = self.asm.new_label();
                self.asm.lea(Size::S64, R11, Mem::Label(table));
                let entry = Mem::Base {
                    base: R11,
                    index: Some((index, 2)),
                    disp: 0,
                };
                self.asm.int_rm(IntRmOp::Movsxd, Size::S64, index, entry);
                self.asm.alu(AluOp::Add, Size::S64, R11, index);
                self.asm.jmp_indirect(R11);
                self.asm.bind(table);
                for succ in 0..self.cx.vcode.flow.succs(self.cx.block()).len() {
                    let target = self.cx.block_label(self.cx.destination(succ));
                    self.asm.jump_table_entry(table, succ as u32, target);
                }
            }
            Amd64Inst::Jump => {
                let succ = self.cx.destination(0);
                if self.cx.next_block() != Some(succ) {
                    self.asm.jmp(self.cx.block_label(succ));
                }
            }
            Amd64Inst::Branch { cond } => {
                self.compare(cond.compare, allocs);
                let (taken, not_taken) = (self.cx.destination(0), self.cx.destination(1));
                let (taken_label, not_taken_label) =
                    (self.cx.block_label(taken), self.cx.block_label(not_taken));
                if self.cx.next_block() == Some(taken) {
                    self.jump_unless(cond.test, not_taken_label);
                } else {
                    self.jump_if(cond.test, taken_label, None);
                    if self.cx.next_block() != Some(not_taken) {
                        self.asm.jmp(not_taken_label);
                    }
                }
            }
            Amd64Inst::Return {
                stack_params,
                stack_results,
            } => {
                let first = allocs.len() - usize::from(stack_results);
                for (j, &alloc) in allocs[first..].iter().enumerate() {
                    let to = Mem::at(RBP, 16 + 8 * (usize::from(stack_params) + j) as i32);
                    self.store_to_stack(alloc, to);
                }
                self.epilogue();
            }
            Amd64Inst::Trap { code } => {
                let label = self.trap_label(code);
                self.asm.trap_site(code);
                self.asm.jmp(label);
            }
        }
    }

    /// Division and remainder with wasm's traps: divide by zero, and
    /// `MIN / -1` (which traps for `div_s` and is 0 for `rem_s`).
    fn division(
        &mut self,
        op: DivOp,
        size: Size,
        divisor: Gpr,
        check_zero: bool,
        check_minus_one: bool,
    ) {
        if check_zero {
            self.asm.int_rm(IntRmOp::Test, size, divisor, divisor);
            let label = self.trap_label(TrapCode::IntegerDivideByZero);
            self.asm.trap_site(TrapCode::IntegerDivideByZero);
            self.asm.jcc(Cond::E, label);
        }
        let done = self.asm.new_label();
        match op {
            DivOp::Sdiv | DivOp::Srem => {
                if check_minus_one {
                    let divide = self.asm.new_label();
                    self.asm.alu_imm(AluOp::Cmp, size, divisor, -1);
                    self.asm.jcc(Cond::Ne, divide);
                    if op == DivOp::Sdiv {
                        self.asm.unary(UnaryGroupOp::Neg, size, RAX);
                        let label = self.trap_label(TrapCode::IntegerOverflow);
                        self.asm.trap_site(TrapCode::IntegerOverflow);
                        self.asm.jcc(Cond::O, label);
                    } else {
                        self.asm.mov_imm(Size::S32, RDX, 0, false);
                    }
                    self.asm.jmp(done);
                    self.asm.bind(divide);
                }
                self.asm.sign_extend_rax(size);
                self.asm.unary(UnaryGroupOp::Idiv, size, divisor);
            }
            DivOp::Udiv | DivOp::Urem => {
                self.asm.mov_imm(Size::S32, RDX, 0, false);
                self.asm.unary(UnaryGroupOp::Div, size, divisor);
            }
        }
        self.asm.bind(done);
    }

    /// Wasm `min`/`max`: a NaN operand gives NaN, and `-0` is below `+0`.
    fn min_max(&mut self, max: bool, width: FloatWidth, dst: Xmm, other: Xmm) {
        let (nan, unequal, done) = (
            self.asm.new_label(),
            self.asm.new_label(),
            self.asm.new_label(),
        );
        self.asm.sse(SseOp::Ucomi, width, dst, other);
        self.asm.jcc(Cond::P, nan);
        self.asm.jcc(Cond::Ne, unequal);
        let join_signs = if max { SseOp::And } else { SseOp::Or };
        self.asm.sse(join_signs, width, dst, other);
        self.asm.jmp(done);
        self.asm.bind(nan);
        self.asm.sse(SseOp::Add, width, dst, other);
        self.asm.jmp(done);
        self.asm.bind(unequal);
        self.asm
            .sse(if max { SseOp::Max } else { SseOp::Min }, width, dst, other);
        self.asm.bind(done);
    }

    /// Zeroes `dst` (`xorps dst, dst`, which the CPU resolves at rename)
    /// before an instruction that writes only its low lane: `sqrtsd`,
    /// `roundsd`, `cvtsd2ss` and `cvtsi2sd` keep the upper lanes of their
    /// destination, so without this they would wait for whatever last
    /// wrote it.
    fn break_dependency(&mut self, dst: Xmm) {
        self.asm.sse(SseOp::Xor, FloatWidth::F32, dst, dst);
    }

    /// Signed or unsigned integer to float; unsigned 64-bit values above
    /// `i64::MAX` are halved (keeping the low bit, so rounding stays
    /// exact), converted and doubled.
    fn int_to_float(&mut self, width: FloatWidth, size: Size, signed: bool, src: Gpr, dst: Xmm) {
        self.break_dependency(dst);
        if signed {
            self.asm.cvt_int_to_float(width, size, dst, src);
            return;
        }
        if size == Size::S32 {
            self.asm.cvt_int_to_float(width, Size::S64, dst, src);
            return;
        }
        let (big, done, even) = (
            self.asm.new_label(),
            self.asm.new_label(),
            self.asm.new_label(),
        );
        self.asm.int_rm(IntRmOp::Test, Size::S64, src, src);
        self.asm.jcc(Cond::S, big);
        self.asm.cvt_int_to_float(width, Size::S64, dst, src);
        self.asm.jmp(done);
        self.asm.bind(big);
        self.asm.mov(Size::S64, R11, src);
        self.asm.shift_imm(ShiftOp::Shr, Size::S64, R11, 1);
        self.asm.jcc(Cond::Ae, even);
        self.asm.alu_imm(AluOp::Or, Size::S64, R11, 1);
        self.asm.bind(even);
        self.asm.cvt_int_to_float(width, Size::S64, dst, R11);
        self.asm.sse(SseOp::Add, width, dst, dst);
        self.asm.bind(done);
    }
}
