//! Sequences for CPUs without the instruction that does the job:
//! `popcnt` by the parallel bit count, and rounding without SSE4.1's
//! `roundss`/`roundsd` by the `2^52` addition trick.

use super::Emitter;
use crate::encode::opcodes::{AluOp, Cond, FloatWidth, IntRmOp, ShiftOp, SseOp};
use crate::encode::{RegMem, Size};
use crate::inst::RoundMode;
use crate::regs::{Gpr, R11, SCRATCH_XMM, Xmm};

impl Emitter<'_> {
    /// `dst = popcnt(src)`: sums of bits in pairs, nibbles and bytes, then
    /// a multiplication adds the bytes into the top one.
    pub(super) fn popcnt_fallback(&mut self, size: Size, src: RegMem, dst: Gpr, temp: Gpr) {
        let repeat = |byte: u64| byte * 0x0101_0101_0101_0101;
        let asm = &mut self.asm;
        match src {
            RegMem::Reg(reg) => asm.mov(size, dst, Gpr(reg)),
            RegMem::Mem(mem) => asm.load(size, dst, mem),
        }
        asm.mov(size, temp, dst);
        asm.shift_imm(ShiftOp::Shr, size, temp, 1);
        asm.mov_imm(size, R11, repeat(0x55), false);
        asm.alu(AluOp::And, size, temp, R11);
        asm.alu(AluOp::Sub, size, dst, temp);
        asm.mov_imm(size, R11, repeat(0x33), false);
        asm.mov(size, temp, dst);
        asm.alu(AluOp::And, size, dst, R11);
        asm.shift_imm(ShiftOp::Shr, size, temp, 2);
        asm.alu(AluOp::And, size, temp, R11);
        asm.alu(AluOp::Add, size, dst, temp);
        asm.mov(size, temp, dst);
        asm.shift_imm(ShiftOp::Shr, size, temp, 4);
        asm.alu(AluOp::Add, size, dst, temp);
        asm.mov_imm(size, R11, repeat(0x0F), false);
        asm.alu(AluOp::And, size, dst, R11);
        asm.mov_imm(size, R11, repeat(0x01), false);
        asm.int_rm(IntRmOp::Imul, size, dst, R11);
        let top_byte = if size == Size::S64 { 56 } else { 24 };
        asm.shift_imm(ShiftOp::Shr, size, dst, top_byte);
    }

    /// Rounds `src` into `dst` without SSE4.1. Values of magnitude `2^52`
    /// (`2^23` for `f32`) and above are integers already; below, adding and
    /// subtracting that power rounds the magnitude to the nearest integer
    /// (ties to even), which `floor`, `ceil` and `trunc` then correct by
    /// one, and the sign of the input is put back (so `-0.5` gives `-0`).
    pub(super) fn round_fallback(
        &mut self,
        mode: RoundMode,
        width: FloatWidth,
        src: RegMem,
        dst: Xmm,
        magnitude: Xmm,
    ) {
        let power = if width == FloatWidth::F64 {
            2f64.powi(52)
        } else {
            2f64.powi(23)
        };
        let (nan, done, negative, adjusted) = (
            self.asm.new_label(),
            self.asm.new_label(),
            self.asm.new_label(),
            self.asm.new_label(),
        );
        match src {
            RegMem::Reg(reg) => self.asm.sse(SseOp::MovAligned, width, dst, Xmm(reg)),
            RegMem::Mem(mem) => self.asm.sse(SseOp::MovLoad, width, dst, mem),
        }
        let abs = self.asm.constant(super::insts::magnitude_mask(width));
        self.asm.sse(SseOp::MovAligned, width, magnitude, dst);
        self.asm.sse(SseOp::And, width, magnitude, abs);
        let big = self.float_constant(width, power);
        self.asm.sse(SseOp::Ucomi, width, magnitude, big);
        self.asm.jcc(Cond::P, nan);
        self.asm.jcc(Cond::Ae, done);
        let rounded = SCRATCH_XMM;
        self.asm.sse(SseOp::MovAligned, width, rounded, magnitude);
        self.asm.sse(SseOp::Add, width, rounded, big);
        self.asm.sse(SseOp::Sub, width, rounded, big);
        let one = self.float_constant(width, 1.0);
        let zero = self.float_constant(width, 0.0);
        let toward_zero = |emitter: &mut Self| {
            emitter.asm.sse(SseOp::Ucomi, width, rounded, magnitude);
            emitter.asm.jcc(Cond::Be, adjusted);
            emitter.asm.sse(SseOp::Sub, width, rounded, one);
        };
        let away_from_zero = |emitter: &mut Self| {
            emitter.asm.sse(SseOp::Ucomi, width, rounded, magnitude);
            emitter.asm.jcc(Cond::Ae, adjusted);
            emitter.asm.sse(SseOp::Add, width, rounded, one);
        };
        match mode {
            RoundMode::Nearest => {}
            RoundMode::Trunc => toward_zero(self),
            RoundMode::Floor | RoundMode::Ceil => {
                self.asm.sse(SseOp::Ucomi, width, dst, zero);
                self.asm.jcc(Cond::B, negative);
                if mode == RoundMode::Floor {
                    toward_zero(self)
                } else {
                    away_from_zero(self)
                }
                self.asm.jmp(adjusted);
                self.asm.bind(negative);
                if mode == RoundMode::Floor {
                    away_from_zero(self)
                } else {
                    toward_zero(self)
                }
            }
        }
        self.asm.bind(adjusted);
        let sign = self.asm.constant(super::insts::sign_mask(width));
        self.asm.sse(SseOp::And, width, dst, sign);
        self.asm.sse(SseOp::Or, width, dst, rounded);
        self.asm.jmp(done);
        self.asm.bind(nan);
        self.asm.sse(SseOp::Add, width, dst, dst);
        self.asm.bind(done);
    }
}
