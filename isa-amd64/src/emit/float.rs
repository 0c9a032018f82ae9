//! Float-to-integer conversions with wasm's semantics: the trapping forms
//! trap on NaN (`BadConversionToInteger`) and out-of-range values
//! (`IntegerOverflow`); the saturating forms clamp and turn NaN into 0.
//!
//! `cvttss2si`/`cvttsd2si` return the "integer indefinite" value `MIN`
//! for every invalid input, so the signed forms only look closer when they
//! see `MIN`. The unsigned forms range-check first, and convert values of
//! `2^63` and above by subtracting `2^63` and setting the top bit back.

use super::Emitter;
use crate::encode::opcodes::{AluOp, Cond, FloatWidth, SseOp};
use crate::encode::{Mem, Size};
use crate::regs::{Gpr, R11, SCRATCH_XMM, Xmm};
use kiln_machinst::Label;
use kiln_ssa::TrapCode;

impl Emitter<'_> {
    /// A constant of the float width in the constant pool.
    pub(super) fn float_constant(&mut self, width: FloatWidth, value: f64) -> Mem {
        let bits = match width {
            FloatWidth::F32 => u128::from((value as f32).to_bits()),
            FloatWidth::F64 => u128::from(value.to_bits()),
        };
        self.asm.constant(bits)
    }

    /// Compares `src` with a constant.
    fn compare_with(&mut self, width: FloatWidth, src: Xmm, value: f64) {
        let constant = self.float_constant(width, value);
        self.asm.sse(SseOp::Ucomi, width, src, constant);
    }

    /// Jumps to the stub of `code` when `cc` holds.
    fn trap_when(&mut self, cc: Cond, code: TrapCode) {
        let label = self.trap_label(code);
        self.asm.trap_site(code);
        self.asm.jcc(cc, label);
    }

    /// Jumps to `done` unless the result register holds `MIN` (`cmp r, 1`
    /// overflows only for `MIN`).
    fn skip_unless_min(&mut self, size: Size, dst: Gpr, done: Label) {
        self.asm.alu_imm(AluOp::Cmp, size, dst, 1);
        self.asm.jcc(Cond::No, done);
    }

    fn bits(size: Size) -> i32 {
        if size == Size::S64 { 64 } else { 32 }
    }

    /// `trunc_s` (trapping).
    pub(super) fn float_to_sint(&mut self, width: FloatWidth, size: Size, src: Xmm, dst: Gpr) {
        let done = self.asm.new_label();
        self.asm.cvt_float_to_int(width, size, dst, src);
        self.skip_unless_min(size, dst, done);
        self.asm.sse(SseOp::Ucomi, width, src, src);
        self.trap_when(Cond::P, TrapCode::BadConversionToInteger);
        let min = -(2f64.powi(Self::bits(size) - 1));
        if width == FloatWidth::F64 && size == Size::S32 {
            self.compare_with(width, src, min - 1.0);
            self.trap_when(Cond::Be, TrapCode::IntegerOverflow);
        } else {
            self.compare_with(width, src, min);
            self.trap_when(Cond::B, TrapCode::IntegerOverflow);
        }
        self.compare_with(width, src, 0.0);
        self.trap_when(Cond::Ae, TrapCode::IntegerOverflow);
        self.asm.bind(done);
    }

    /// `trunc_u` (trapping).
    pub(super) fn float_to_uint(&mut self, width: FloatWidth, size: Size, src: Xmm, dst: Gpr) {
        self.asm.sse(SseOp::Ucomi, width, src, src);
        self.trap_when(Cond::P, TrapCode::BadConversionToInteger);
        self.compare_with(width, src, -1.0);
        self.trap_when(Cond::Be, TrapCode::IntegerOverflow);
        self.compare_with(width, src, 2f64.powi(Self::bits(size)));
        self.trap_when(Cond::Ae, TrapCode::IntegerOverflow);
        if size == Size::S32 {
            self.asm.cvt_float_to_int(width, Size::S64, dst, src);
            self.asm.mov(Size::S32, dst, dst);
        } else {
            self.convert_u64_in_range(width, src, dst);
        }
    }

    /// Converts a value known to be in `[0, 2^64)` to a `u64`.
    fn convert_u64_in_range(&mut self, width: FloatWidth, src: Xmm, dst: Gpr) {
        let (big, done) = (self.asm.new_label(), self.asm.new_label());
        self.compare_with(width, src, 2f64.powi(63));
        self.asm.jcc(Cond::Ae, big);
        self.asm.cvt_float_to_int(width, Size::S64, dst, src);
        self.asm.jmp(done);
        self.asm.bind(big);
        let offset = self.float_constant(width, 2f64.powi(63));
        self.asm.sse(SseOp::MovAligned, width, SCRATCH_XMM, src);
        self.asm.sse(SseOp::Sub, width, SCRATCH_XMM, offset);
        self.asm
            .cvt_float_to_int(width, Size::S64, dst, SCRATCH_XMM);
        self.asm.mov_imm(Size::S64, R11, 1 << 63, false);
        self.asm.alu(AluOp::Xor, Size::S64, dst, R11);
        self.asm.bind(done);
    }

    /// `trunc_sat_s`.
    pub(super) fn float_to_sint_sat(&mut self, width: FloatWidth, size: Size, src: Xmm, dst: Gpr) {
        let (done, not_nan) = (self.asm.new_label(), self.asm.new_label());
        self.asm.cvt_float_to_int(width, size, dst, src);
        self.skip_unless_min(size, dst, done);
        self.asm.sse(SseOp::Ucomi, width, src, src);
        self.asm.jcc(Cond::Np, not_nan);
        self.asm.mov_imm(Size::S32, dst, 0, false);
        self.asm.jmp(done);
        self.asm.bind(not_nan);
        self.compare_with(width, src, 0.0);
        self.asm.jcc(Cond::B, done);
        let max = if size == Size::S64 {
            i64::MAX as u64
        } else {
            i32::MAX as u64
        };
        self.asm.mov_imm(size, dst, max, false);
        self.asm.bind(done);
    }

    /// `trunc_sat_u`.
    pub(super) fn float_to_uint_sat(&mut self, width: FloatWidth, size: Size, src: Xmm, dst: Gpr) {
        let (done, in_range) = (self.asm.new_label(), self.asm.new_label());
        self.asm.mov_imm(Size::S32, dst, 0, false);
        self.compare_with(width, src, 0.0);
        self.asm.jcc(Cond::Be, done);
        self.compare_with(width, src, 2f64.powi(Self::bits(size)));
        self.asm.jcc(Cond::B, in_range);
        self.asm.mov_imm(size, dst, u64::MAX, false);
        self.asm.jmp(done);
        self.asm.bind(in_range);
        if size == Size::S32 {
            self.asm.cvt_float_to_int(width, Size::S64, dst, src);
            self.asm.mov(Size::S32, dst, dst);
        } else {
            self.convert_u64_in_range(width, src, dst);
        }
        self.asm.bind(done);
    }
}
