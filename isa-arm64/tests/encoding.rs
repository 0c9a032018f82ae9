//! Golden encoding tests: every instruction form against the word GNU `as`
//! assembles for the same text.
//!
//! `golden/instructions.s` lists the instructions, `golden/generate.py`
//! assembles them and writes `golden/encodings.txt` (word, source line, and
//! how objdump reads the word back). This test reads that file only, so it
//! needs no cross tools; each case below names a source line and builds the
//! word with the encoder. Every line of the file is used by some case.

use kiln_isa_arm64::encode::arith::{
    AddSubOp::{Add, Sub},
    Extend, Imm12, MulAddOp, MulHighOp, OneSourceOp, TwoSourceOp, add_sub_extended,
    add_sub_extended_set_flags, add_sub_imm, add_sub_imm_set_flags, add_sub_shifted,
    add_sub_shifted_set_flags, cmn_imm, cmp, cmp_imm, mov_sp, mul, mul_add, mul_high, neg,
    one_source, two_source,
};
use kiln_isa_arm64::encode::bitfield::{
    BitfieldOp, ExtendFrom, asr_imm, bitfield, extr, extract, insert, lsl_imm, lsr_imm, ror_imm,
    sign_extend, zero_extend,
};
use kiln_isa_arm64::encode::bitmask::LogicalImm;
use kiln_isa_arm64::encode::branch::{
    BranchRegOp, CompareBranchOp, PcRelField, TestBranchOp, adr, adrp, b, b_cond, bl, branch_reg,
    compare_branch, test_branch,
};
use kiln_isa_arm64::encode::constant::{MoveWideOp, mov_imm, move_wide};
use kiln_isa_arm64::encode::float::{
    FloatWidth::{F32, F64},
    FpBinaryOp, FpImm8, FpUnaryOp,
    Signedness::{Signed, Unsigned},
    fcmp, fcmp_zero, fcsel, fcvt, fmov, fmov_from_gpr, fmov_imm, fmov_to_gpr, fp_binary, fp_to_int,
    fp_unary, int_to_fp,
};
use kiln_isa_arm64::encode::logical::{
    LogicalImmOp, LogicalOp, ands_imm, logical_imm, logical_shifted, mov, mvn, tst, tst_imm,
};
use kiln_isa_arm64::encode::memory::{
    AddrMode, FpSize, IndexExtend, Load, PairMode, PairOffset, PairSize, ScaledOffset, Store,
    UnscaledOffset, fp_load, fp_load_literal, fp_load_pair, fp_store, fp_store_pair, load,
    load_literal, load_pair, store, store_pair,
};
use kiln_isa_arm64::encode::select::{
    CondCompareOp, CondSelectOp, cond_compare, cond_compare_imm, cond_select, cset, csetm,
};
use kiln_isa_arm64::encode::system::{
    Barrier, CacheOp, NOP, barrier, brk, cache_op, mrs_ctr_el0, udf,
};
use kiln_isa_arm64::encode::{
    Cond, Shift,
    Size::{S32, S64},
};
use kiln_isa_arm64::regs::*;
use std::collections::{HashMap, HashSet};

/// One case: the source line in `golden/instructions.s`, and its encoding.
type Case = (&'static str, fn() -> u32);

fn imm12(value: u64) -> Imm12 {
    Imm12::new(value).expect("an add/sub immediate")
}

fn logical32(value: u64) -> LogicalImm {
    LogicalImm::new(value, S32).expect("a 32-bit logical immediate")
}

fn logical64(value: u64) -> LogicalImm {
    LogicalImm::new(value, S64).expect("a 64-bit logical immediate")
}

fn scaled(offset: i64, bytes: u32) -> AddrMode {
    AddrMode::Scaled(ScaledOffset::new(offset, bytes).expect("a scaled offset"))
}

fn unscaled(offset: i64) -> AddrMode {
    AddrMode::Unscaled(UnscaledOffset::new(offset).expect("an unscaled offset"))
}

fn pre(offset: i64) -> AddrMode {
    AddrMode::PreIndex(UnscaledOffset::new(offset).expect("an unscaled offset"))
}

fn post(offset: i64) -> AddrMode {
    AddrMode::PostIndex(UnscaledOffset::new(offset).expect("an unscaled offset"))
}

fn index(reg: impl Into<GprOrZr>, extend: IndexExtend, scaled: bool) -> AddrMode {
    AddrMode::Index {
        index: reg.into(),
        extend,
        scaled,
    }
}

fn pair(offset: i64, bytes: u32) -> PairOffset {
    PairOffset::new(offset, bytes).expect("a pair offset")
}

/// `word` with its pc-relative field set to `offset`.
fn to(field: PcRelField, word: u32, offset: i64) -> u32 {
    field.patch(word, offset).expect("an offset in range")
}

fn fp_imm(value: f64) -> FpImm8 {
    FpImm8::new(value).expect("an fmov immediate")
}

const CASES: &[Case] = &[
    // Add and subtract, immediate.
    ("add x0, x1, #0", || add_sub_imm(Add, S64, X0, X1, imm12(0))),
    ("add x0, x1, #4095", || {
        add_sub_imm(Add, S64, X0, X1, imm12(4095))
    }),
    ("add w2, w3, #1, lsl #12", || {
        add_sub_imm(Add, S32, X2, X3, imm12(4096))
    }),
    ("add x4, x5, #4095, lsl #12", || {
        add_sub_imm(Add, S64, X4, X5, imm12(0xFFF000))
    }),
    ("add sp, sp, #16", || {
        add_sub_imm(Add, S64, SP, SP, imm12(16))
    }),
    ("add x29, sp, #0", || {
        add_sub_imm(Add, S64, X29, SP, imm12(0))
    }),
    ("sub sp, sp, #4095, lsl #12", || {
        add_sub_imm(Sub, S64, SP, SP, imm12(0xFFF000))
    }),
    ("sub x30, x0, #1", || {
        add_sub_imm(Sub, S64, X30, X0, imm12(1))
    }),
    ("sub wsp, w1, #2", || {
        add_sub_imm(Sub, S32, SP, X1, imm12(2))
    }),
    ("adds x0, x1, #1", || {
        add_sub_imm_set_flags(Add, S64, X0, X1, imm12(1))
    }),
    ("subs w0, wsp, #7", || {
        add_sub_imm_set_flags(Sub, S32, X0, SP, imm12(7))
    }),
    ("subs xzr, x2, #3", || {
        add_sub_imm_set_flags(Sub, S64, XZR, X2, imm12(3))
    }),
    ("cmp x0, #4095", || cmp_imm(S64, X0, imm12(4095))),
    ("cmp sp, #16", || cmp_imm(S64, SP, imm12(16))),
    ("cmp w30, #1, lsl #12", || cmp_imm(S32, X30, imm12(4096))),
    ("cmn w1, #1", || cmn_imm(S32, X1, imm12(1))),
    ("mov sp, x29", || mov_sp(SP, X29)),
    ("mov x29, sp", || mov_sp(X29, SP)),
    ("mov x0, sp", || mov_sp(X0, SP)),
    // Add and subtract, shifted register.
    ("add x0, x1, x2", || {
        add_sub_shifted(Add, S64, X0, X1, X2, Shift::Lsl, 0)
    }),
    ("add w0, w1, w2", || {
        add_sub_shifted(Add, S32, X0, X1, X2, Shift::Lsl, 0)
    }),
    ("add x3, x4, x5, lsl #63", || {
        add_sub_shifted(Add, S64, X3, X4, X5, Shift::Lsl, 63)
    }),
    ("add w3, w4, w5, asr #31", || {
        add_sub_shifted(Add, S32, X3, X4, X5, Shift::Asr, 31)
    }),
    ("add x0, xzr, x1", || {
        add_sub_shifted(Add, S64, X0, XZR, X1, Shift::Lsl, 0)
    }),
    ("sub x6, x7, x8, lsr #1", || {
        add_sub_shifted(Sub, S64, X6, X7, X8, Shift::Lsr, 1)
    }),
    ("sub x0, xzr, x1", || {
        add_sub_shifted(Sub, S64, X0, XZR, X1, Shift::Lsl, 0)
    }),
    ("neg w2, w3", || neg(S32, X2, X3)),
    ("neg x4, x5", || neg(S64, X4, X5)),
    ("adds x0, x1, x2", || {
        add_sub_shifted_set_flags(Add, S64, X0, X1, X2, Shift::Lsl, 0)
    }),
    ("subs w3, w4, w5, lsl #2", || {
        add_sub_shifted_set_flags(Sub, S32, X3, X4, X5, Shift::Lsl, 2)
    }),
    ("cmp x0, x1", || cmp(S64, X0, X1)),
    ("cmp w30, wzr", || cmp(S32, X30, XZR)),
    ("cmn x0, x1", || {
        add_sub_shifted_set_flags(Add, S64, XZR, X0, X1, Shift::Lsl, 0)
    }),
    // Add and subtract, extended register.
    ("add x0, x1, w2, uxtw", || {
        add_sub_extended(Add, S64, X0, X1, X2, Extend::Uxtw, 0)
    }),
    ("add x0, x1, w2, sxtw #3", || {
        add_sub_extended(Add, S64, X0, X1, X2, Extend::Sxtw, 3)
    }),
    ("add sp, sp, x0, uxtx", || {
        add_sub_extended(Add, S64, SP, SP, X0, Extend::Uxtx, 0)
    }),
    ("add x2, sp, w3, uxtb #4", || {
        add_sub_extended(Add, S64, X2, SP, X3, Extend::Uxtb, 4)
    }),
    ("add w0, w1, w2, uxth", || {
        add_sub_extended(Add, S32, X0, X1, X2, Extend::Uxth, 0)
    }),
    ("sub x5, x6, w7, sxth", || {
        add_sub_extended(Sub, S64, X5, X6, X7, Extend::Sxth, 0)
    }),
    ("sub x5, x6, w7, sxtb #1", || {
        add_sub_extended(Sub, S64, X5, X6, X7, Extend::Sxtb, 1)
    }),
    ("sub sp, sp, x1, uxtx #2", || {
        add_sub_extended(Sub, S64, SP, SP, X1, Extend::Uxtx, 2)
    }),
    ("sub x8, x9, x10, sxtx", || {
        add_sub_extended(Sub, S64, X8, X9, X10, Extend::Sxtx, 0)
    }),
    ("adds x0, sp, x1, uxtx", || {
        add_sub_extended_set_flags(Add, S64, X0, SP, X1, Extend::Uxtx, 0)
    }),
    ("subs x0, x1, w2, sxtw #4", || {
        add_sub_extended_set_flags(Sub, S64, X0, X1, X2, Extend::Sxtw, 4)
    }),
    ("cmp sp, x0", || {
        add_sub_extended_set_flags(Sub, S64, XZR, SP, X0, Extend::Uxtx, 0)
    }),
    ("cmp x0, w1, uxtw", || {
        add_sub_extended_set_flags(Sub, S64, XZR, X0, X1, Extend::Uxtw, 0)
    }),
    // Logical, shifted register.
    ("and x0, x1, x2", || {
        logical_shifted(LogicalOp::And, S64, X0, X1, X2, Shift::Lsl, 0)
    }),
    ("and w0, w1, w2, lsl #31", || {
        logical_shifted(LogicalOp::And, S32, X0, X1, X2, Shift::Lsl, 31)
    }),
    ("bic x3, x4, x5, ror #63", || {
        logical_shifted(LogicalOp::Bic, S64, X3, X4, X5, Shift::Ror, 63)
    }),
    ("orr w6, w7, w8, lsr #4", || {
        logical_shifted(LogicalOp::Orr, S32, X6, X7, X8, Shift::Lsr, 4)
    }),
    ("orn x9, x10, x11, asr #2", || {
        logical_shifted(LogicalOp::Orn, S64, X9, X10, X11, Shift::Asr, 2)
    }),
    ("eor x12, x13, x14", || {
        logical_shifted(LogicalOp::Eor, S64, X12, X13, X14, Shift::Lsl, 0)
    }),
    ("eon w15, w16, w17", || {
        logical_shifted(LogicalOp::Eon, S32, X15, X16, X17, Shift::Lsl, 0)
    }),
    ("ands x19, x20, x21", || {
        logical_shifted(LogicalOp::Ands, S64, X19, X20, X21, Shift::Lsl, 0)
    }),
    ("bics w21, w22, w23, lsl #1", || {
        logical_shifted(LogicalOp::Bics, S32, X21, X22, X23, Shift::Lsl, 1)
    }),
    ("mov x0, x1", || mov(S64, X0, X1)),
    ("mov w2, wzr", || mov(S32, X2, XZR)),
    ("mov x3, xzr", || mov(S64, X3, XZR)),
    ("mvn x4, x5", || mvn(S64, X4, X5)),
    ("mvn w6, w7", || mvn(S32, X6, X7)),
    ("tst x8, x9", || tst(S64, X8, X9)),
    ("tst w10, w11", || tst(S32, X10, X11)),
    // Logical, immediate.
    ("and x0, x1, #0xff", || {
        logical_imm(LogicalImmOp::And, X0, X1, logical64(0xFF))
    }),
    ("and w0, w1, #0xff", || {
        logical_imm(LogicalImmOp::And, X0, X1, logical32(0xFF))
    }),
    ("orr x2, xzr, #0x5555555555555555", || {
        logical_imm(LogicalImmOp::Orr, X2, XZR, logical64(0x5555_5555_5555_5555))
    }),
    ("eor w3, w4, #0x80000000", || {
        logical_imm(LogicalImmOp::Eor, X3, X4, logical32(0x8000_0000))
    }),
    ("and sp, x0, #0xfffffffffffffff0", || {
        logical_imm(LogicalImmOp::And, SP, X0, logical64(0xFFFF_FFFF_FFFF_FFF0))
    }),
    ("orr w5, wzr, #0xaaaaaaaa", || {
        logical_imm(LogicalImmOp::Orr, X5, XZR, logical32(0xAAAA_AAAA))
    }),
    ("eor x10, x11, #0x7ffffffffffffffe", || {
        logical_imm(
            LogicalImmOp::Eor,
            X10,
            X11,
            logical64(0x7FFF_FFFF_FFFF_FFFE),
        )
    }),
    ("and x12, x13, #0xffffffff00000000", || {
        logical_imm(
            LogicalImmOp::And,
            X12,
            X13,
            logical64(0xFFFF_FFFF_0000_0000),
        )
    }),
    ("orr x14, x15, #0xf0f0f0f0f0f0f0f", || {
        logical_imm(
            LogicalImmOp::Orr,
            X14,
            X15,
            logical64(0x0F0F_0F0F_0F0F_0F0F),
        )
    }),
    ("and w16, w17, #0xfffffffe", || {
        logical_imm(LogicalImmOp::And, X16, X17, logical32(0xFFFF_FFFE))
    }),
    ("orr x0, x1, #0x3333333333333333", || {
        logical_imm(LogicalImmOp::Orr, X0, X1, logical64(0x3333_3333_3333_3333))
    }),
    ("eor x2, x3, #0x8001800180018001", || {
        logical_imm(LogicalImmOp::Eor, X2, X3, logical64(0x8001_8001_8001_8001))
    }),
    ("and x4, x5, #0x8000000000000000", || {
        logical_imm(LogicalImmOp::And, X4, X5, logical64(0x8000_0000_0000_0000))
    }),
    ("orr w6, w7, #0x7fffffff", || {
        logical_imm(LogicalImmOp::Orr, X6, X7, logical32(0x7FFF_FFFF))
    }),
    ("ands x6, x7, #0x1", || ands_imm(X6, X7, logical64(1))),
    ("ands w8, w9, #0xfff0", || {
        ands_imm(X8, X9, logical32(0xFFF0))
    }),
    ("tst w8, #0x3", || tst_imm(X8, logical32(3))),
    ("tst x9, #0x8000000000000000", || {
        tst_imm(X9, logical64(0x8000_0000_0000_0000))
    }),
    // Move wide.
    ("movz x0, #0", || move_wide(MoveWideOp::Movz, S64, X0, 0, 0)),
    ("movz x0, #0x1234", || {
        move_wide(MoveWideOp::Movz, S64, X0, 0x1234, 0)
    }),
    ("movz x0, #0xffff, lsl #48", || {
        move_wide(MoveWideOp::Movz, S64, X0, 0xFFFF, 48)
    }),
    ("movz w1, #0x1234, lsl #16", || {
        move_wide(MoveWideOp::Movz, S32, X1, 0x1234, 16)
    }),
    ("movn x2, #0", || move_wide(MoveWideOp::Movn, S64, X2, 0, 0)),
    ("movn w3, #0xffff", || {
        move_wide(MoveWideOp::Movn, S32, X3, 0xFFFF, 0)
    }),
    ("movn x6, #0x1, lsl #16", || {
        move_wide(MoveWideOp::Movn, S64, X6, 1, 16)
    }),
    ("movk x4, #0xabcd, lsl #32", || {
        move_wide(MoveWideOp::Movk, S64, X4, 0xABCD, 32)
    }),
    ("movk w5, #1", || move_wide(MoveWideOp::Movk, S32, X5, 1, 0)),
    ("movk xzr, #2, lsl #48", || {
        move_wide(MoveWideOp::Movk, S64, XZR, 2, 48)
    }),
    // Bitfield moves and their aliases, extract.
    ("lsl x0, x1, #0", || lsl_imm(S64, X0, X1, 0)),
    ("lsl x0, x1, #1", || lsl_imm(S64, X0, X1, 1)),
    ("lsl x0, x1, #63", || lsl_imm(S64, X0, X1, 63)),
    ("lsl w2, w3, #31", || lsl_imm(S32, X2, X3, 31)),
    ("lsl w2, w3, #4", || lsl_imm(S32, X2, X3, 4)),
    ("lsr x4, x5, #63", || lsr_imm(S64, X4, X5, 63)),
    ("lsr w6, w7, #1", || lsr_imm(S32, X6, X7, 1)),
    ("asr x8, x9, #32", || asr_imm(S64, X8, X9, 32)),
    ("asr w10, w11, #31", || asr_imm(S32, X10, X11, 31)),
    ("ror x12, x13, #7", || ror_imm(S64, X12, X13, 7)),
    ("ror w14, w15, #31", || ror_imm(S32, X14, X15, 31)),
    ("uxtb w0, w1", || zero_extend(S32, X0, X1, ExtendFrom::B8)),
    ("uxth w2, w3", || zero_extend(S32, X2, X3, ExtendFrom::B16)),
    ("ubfx x2, x3, #0, #16", || {
        zero_extend(S64, X2, X3, ExtendFrom::B16)
    }),
    ("ubfx x2, x3, #0, #32", || {
        zero_extend(S64, X2, X3, ExtendFrom::B32)
    }),
    ("sxtb x4, w5", || sign_extend(S64, X4, X5, ExtendFrom::B8)),
    ("sxtb w6, w7", || sign_extend(S32, X6, X7, ExtendFrom::B8)),
    ("sxth x8, w9", || sign_extend(S64, X8, X9, ExtendFrom::B16)),
    ("sxth w10, w11", || {
        sign_extend(S32, X10, X11, ExtendFrom::B16)
    }),
    ("sxtw x12, w13", || {
        sign_extend(S64, X12, X13, ExtendFrom::B32)
    }),
    ("ubfx x0, x1, #8, #8", || {
        extract(BitfieldOp::Ubfm, S64, X0, X1, 8, 8)
    }),
    ("ubfx w2, w3, #31, #1", || {
        extract(BitfieldOp::Ubfm, S32, X2, X3, 31, 1)
    }),
    ("sbfx x4, x5, #60, #4", || {
        extract(BitfieldOp::Sbfm, S64, X4, X5, 60, 4)
    }),
    ("sbfx w6, w7, #1, #31", || {
        extract(BitfieldOp::Sbfm, S32, X6, X7, 1, 31)
    }),
    ("bfi x6, x7, #16, #8", || insert(S64, X6, X7, 16, 8)),
    ("bfi w8, w9, #31, #1", || insert(S32, X8, X9, 31, 1)),
    ("bfxil x10, x11, #0, #64", || insert(S64, X10, X11, 0, 64)),
    ("ubfm x0, x1, #3, #5", || {
        bitfield(BitfieldOp::Ubfm, S64, X0, X1, 3, 5)
    }),
    ("sbfm w2, w3, #31, #0", || {
        bitfield(BitfieldOp::Sbfm, S32, X2, X3, 31, 0)
    }),
    ("bfm x4, x5, #63, #63", || {
        bitfield(BitfieldOp::Bfm, S64, X4, X5, 63, 63)
    }),
    ("extr x0, x1, x2, #63", || extr(S64, X0, X1, X2, 63)),
    ("extr w3, w4, w5, #0", || extr(S32, X3, X4, X5, 0)),
    // Multiply and divide, variable shifts, one-source bit operations.
    ("madd x0, x1, x2, x3", || {
        mul_add(MulAddOp::Madd, S64, X0, X1, X2, X3)
    }),
    ("msub w4, w5, w6, w7", || {
        mul_add(MulAddOp::Msub, S32, X4, X5, X6, X7)
    }),
    ("msub x0, x1, x2, xzr", || {
        mul_add(MulAddOp::Msub, S64, X0, X1, X2, XZR)
    }),
    ("mul x8, x9, x10", || mul(S64, X8, X9, X10)),
    ("mul w11, w12, wzr", || mul(S32, X11, X12, XZR)),
    ("smulh x13, x14, x15", || {
        mul_high(MulHighOp::Smulh, X13, X14, X15)
    }),
    ("umulh x16, x17, xzr", || {
        mul_high(MulHighOp::Umulh, X16, X17, XZR)
    }),
    ("sdiv x0, x1, x2", || {
        two_source(TwoSourceOp::Sdiv, S64, X0, X1, X2)
    }),
    ("sdiv w0, w1, w2", || {
        two_source(TwoSourceOp::Sdiv, S32, X0, X1, X2)
    }),
    ("udiv w3, w4, w5", || {
        two_source(TwoSourceOp::Udiv, S32, X3, X4, X5)
    }),
    ("udiv x3, x4, x5", || {
        two_source(TwoSourceOp::Udiv, S64, X3, X4, X5)
    }),
    ("lslv x6, x7, x8", || {
        two_source(TwoSourceOp::Lslv, S64, X6, X7, X8)
    }),
    ("lsrv w9, w10, w11", || {
        two_source(TwoSourceOp::Lsrv, S32, X9, X10, X11)
    }),
    ("asrv x12, x13, x14", || {
        two_source(TwoSourceOp::Asrv, S64, X12, X13, X14)
    }),
    ("rorv w15, w16, w17", || {
        two_source(TwoSourceOp::Rorv, S32, X15, X16, X17)
    }),
    ("rbit x0, x1", || one_source(OneSourceOp::Rbit, S64, X0, X1)),
    ("rbit w2, w3", || one_source(OneSourceOp::Rbit, S32, X2, X3)),
    ("rev x4, x5", || one_source(OneSourceOp::Rev, S64, X4, X5)),
    ("rev w6, w7", || one_source(OneSourceOp::Rev, S32, X6, X7)),
    ("clz x8, x9", || one_source(OneSourceOp::Clz, S64, X8, X9)),
    ("clz w10, w11", || {
        one_source(OneSourceOp::Clz, S32, X10, X11)
    }),
    ("cls x12, x13", || {
        one_source(OneSourceOp::Cls, S64, X12, X13)
    }),
    ("cls w14, wzr", || {
        one_source(OneSourceOp::Cls, S32, X14, XZR)
    }),
    // Conditional select and compare.
    ("csel x0, x1, x2, eq", || {
        cond_select(CondSelectOp::Csel, S64, X0, X1, X2, Cond::Eq)
    }),
    ("csel w3, w4, wzr, lt", || {
        cond_select(CondSelectOp::Csel, S32, X3, X4, XZR, Cond::Lt)
    }),
    ("csinc x5, x6, x7, hs", || {
        cond_select(CondSelectOp::Csinc, S64, X5, X6, X7, Cond::Hs)
    }),
    ("csinv w8, w9, w10, le", || {
        cond_select(CondSelectOp::Csinv, S32, X8, X9, X10, Cond::Le)
    }),
    ("csneg x11, x12, x13, vs", || {
        cond_select(CondSelectOp::Csneg, S64, X11, X12, X13, Cond::Vs)
    }),
    ("csel x14, x15, x16, nv", || {
        cond_select(CondSelectOp::Csel, S64, X14, X15, X16, Cond::Nv)
    }),
    ("cset w0, ne", || cset(S32, X0, Cond::Ne)),
    ("cset x1, hi", || cset(S64, X1, Cond::Hi)),
    ("cset w2, vc", || cset(S32, X2, Cond::Vc)),
    ("csetm x2, lo", || csetm(S64, X2, Cond::Lo)),
    ("csetm w3, ge", || csetm(S32, X3, Cond::Ge)),
    ("ccmp x0, x1, #0, eq", || {
        cond_compare(CondCompareOp::Ccmp, S64, X0, X1, 0, Cond::Eq)
    }),
    ("ccmp w2, w3, #15, ne", || {
        cond_compare(CondCompareOp::Ccmp, S32, X2, X3, 15, Cond::Ne)
    }),
    ("ccmp x4, #31, #4, gt", || {
        cond_compare_imm(CondCompareOp::Ccmp, S64, X4, 31, 4, Cond::Gt)
    }),
    ("ccmn w5, #0, #8, al", || {
        cond_compare_imm(CondCompareOp::Ccmn, S32, X5, 0, 8, Cond::Al)
    }),
    ("ccmn x6, x7, #2, mi", || {
        cond_compare(CondCompareOp::Ccmn, S64, X6, X7, 2, Cond::Mi)
    }),
    ("ccmp xzr, xzr, #1, pl", || {
        cond_compare(CondCompareOp::Ccmp, S64, XZR, XZR, 1, Cond::Pl)
    }),
    // Loads and stores, unsigned scaled offset.
    ("ldr x0, [x1]", || load(Load::LdrX, X0, X1, scaled(0, 8))),
    ("ldr x0, [sp, #32760]", || {
        load(Load::LdrX, X0, SP, scaled(32760, 8))
    }),
    ("ldr w2, [x3, #16380]", || {
        load(Load::LdrW, X2, X3, scaled(16380, 4))
    }),
    ("ldrb w4, [x5, #4095]", || {
        load(Load::Ldrb, X4, X5, scaled(4095, 1))
    }),
    ("ldrh w6, [x7, #8190]", || {
        load(Load::Ldrh, X6, X7, scaled(8190, 2))
    }),
    ("ldrsb x8, [x9, #1]", || {
        load(Load::LdrsbX, X8, X9, scaled(1, 1))
    }),
    ("ldrsb w10, [x11]", || {
        load(Load::LdrsbW, X10, X11, scaled(0, 1))
    }),
    ("ldrsh x12, [x13, #2]", || {
        load(Load::LdrshX, X12, X13, scaled(2, 2))
    }),
    ("ldrsh w14, [sp, #4]", || {
        load(Load::LdrshW, X14, SP, scaled(4, 2))
    }),
    ("ldrsw x15, [x16, #16380]", || {
        load(Load::Ldrsw, X15, X16, scaled(16380, 4))
    }),
    ("str x17, [sp, #8]", || {
        store(Store::StrX, X17, SP, scaled(8, 8))
    }),
    ("str wzr, [x0, #4]", || {
        store(Store::StrW, XZR, X0, scaled(4, 4))
    }),
    ("str xzr, [sp]", || {
        store(Store::StrX, XZR, SP, scaled(0, 8))
    }),
    ("strb w1, [x2, #4095]", || {
        store(Store::Strb, X1, X2, scaled(4095, 1))
    }),
    ("strh w3, [x4, #2]", || {
        store(Store::Strh, X3, X4, scaled(2, 2))
    }),
    ("ldr s0, [x1, #4]", || {
        fp_load(FpSize::S, V0, X1, scaled(4, 4))
    }),
    ("ldr d2, [sp, #32760]", || {
        fp_load(FpSize::D, V2, SP, scaled(32760, 8))
    }),
    ("ldr q3, [x4, #65520]", || {
        fp_load(FpSize::Q, V3, X4, scaled(65520, 16))
    }),
    ("str s5, [x6]", || fp_store(FpSize::S, V5, X6, scaled(0, 4))),
    ("str d7, [x8, #8]", || {
        fp_store(FpSize::D, V7, X8, scaled(8, 8))
    }),
    ("str q31, [sp, #16]", || {
        fp_store(FpSize::Q, V31, SP, scaled(16, 16))
    }),
    // Unscaled signed offset.
    ("ldur x0, [x1, #-256]", || {
        load(Load::LdrX, X0, X1, unscaled(-256))
    }),
    ("ldur x0, [x1, #8]", || {
        load(Load::LdrX, X0, X1, unscaled(8))
    }),
    ("ldur w2, [sp, #255]", || {
        load(Load::LdrW, X2, SP, unscaled(255))
    }),
    ("ldurb w3, [x4, #-1]", || {
        load(Load::Ldrb, X3, X4, unscaled(-1))
    }),
    ("ldurh w3, [x4, #1]", || {
        load(Load::Ldrh, X3, X4, unscaled(1))
    }),
    ("ldursb w3, [x4, #-3]", || {
        load(Load::LdrsbW, X3, X4, unscaled(-3))
    }),
    ("ldursh x5, [x6, #3]", || {
        load(Load::LdrshX, X5, X6, unscaled(3))
    }),
    ("ldursw x7, [x8, #-4]", || {
        load(Load::Ldrsw, X7, X8, unscaled(-4))
    }),
    ("stur x9, [x10, #1]", || {
        store(Store::StrX, X9, X10, unscaled(1))
    }),
    ("stur w9, [x10, #-5]", || {
        store(Store::StrW, X9, X10, unscaled(-5))
    }),
    ("sturb w9, [x10, #255]", || {
        store(Store::Strb, X9, X10, unscaled(255))
    }),
    ("sturh w11, [sp, #-2]", || {
        store(Store::Strh, X11, SP, unscaled(-2))
    }),
    ("ldur d12, [x13, #-8]", || {
        fp_load(FpSize::D, V12, X13, unscaled(-8))
    }),
    ("stur s14, [x15, #7]", || {
        fp_store(FpSize::S, V14, X15, unscaled(7))
    }),
    ("ldur q16, [x17, #-16]", || {
        fp_load(FpSize::Q, V16, X17, unscaled(-16))
    }),
    ("stur q0, [sp, #1]", || {
        fp_store(FpSize::Q, V0, SP, unscaled(1))
    }),
    // Pre- and post-index.
    ("ldr x0, [sp], #16", || load(Load::LdrX, X0, SP, post(16))),
    ("str x1, [sp, #-16]!", || {
        store(Store::StrX, X1, SP, pre(-16))
    }),
    ("ldr w2, [x3, #255]!", || load(Load::LdrW, X2, X3, pre(255))),
    ("strb w4, [x5], #-256", || {
        store(Store::Strb, X4, X5, post(-256))
    }),
    ("ldrsw x9, [x10, #-4]!", || {
        load(Load::Ldrsw, X9, X10, pre(-4))
    }),
    ("ldrh w11, [x12], #2", || {
        load(Load::Ldrh, X11, X12, post(2))
    }),
    ("ldr d6, [x7], #8", || fp_load(FpSize::D, V6, X7, post(8))),
    ("str q8, [sp, #-32]!", || {
        fp_store(FpSize::Q, V8, SP, pre(-32))
    }),
    ("str s9, [x0], #-4", || {
        fp_store(FpSize::S, V9, X0, post(-4))
    }),
    // Register offset.
    ("ldr x0, [x1, x2]", || {
        load(Load::LdrX, X0, X1, index(X2, IndexExtend::Lsl, false))
    }),
    ("ldr x0, [x1, x2, lsl #3]", || {
        load(Load::LdrX, X0, X1, index(X2, IndexExtend::Lsl, true))
    }),
    ("ldr w3, [x4, w5, uxtw]", || {
        load(Load::LdrW, X3, X4, index(X5, IndexExtend::Uxtw, false))
    }),
    ("ldr w3, [x4, w5, uxtw #2]", || {
        load(Load::LdrW, X3, X4, index(X5, IndexExtend::Uxtw, true))
    }),
    ("ldrb w6, [x7, w8, sxtw]", || {
        load(Load::Ldrb, X6, X7, index(X8, IndexExtend::Sxtw, false))
    }),
    ("ldrb w6, [x7, x8, lsl #0]", || {
        load(Load::Ldrb, X6, X7, index(X8, IndexExtend::Lsl, true))
    }),
    ("ldrh w9, [sp, x10, lsl #1]", || {
        load(Load::Ldrh, X9, SP, index(X10, IndexExtend::Lsl, true))
    }),
    ("ldrsh x11, [x12, w13, sxtw #1]", || {
        load(Load::LdrshX, X11, X12, index(X13, IndexExtend::Sxtw, true))
    }),
    ("ldrsb w11, [x12, w13, uxtw]", || {
        load(Load::LdrsbW, X11, X12, index(X13, IndexExtend::Uxtw, false))
    }),
    ("ldrsw x14, [x15, x16, sxtx #2]", || {
        load(Load::Ldrsw, X14, X15, index(X16, IndexExtend::Sxtx, true))
    }),
    ("str x17, [x0, xzr]", || {
        store(Store::StrX, X17, X0, index(XZR, IndexExtend::Lsl, false))
    }),
    ("strb w1, [x2, x3]", || {
        store(Store::Strb, X1, X2, index(X3, IndexExtend::Lsl, false))
    }),
    ("strh w4, [x5, w6, uxtw #1]", || {
        store(Store::Strh, X4, X5, index(X6, IndexExtend::Uxtw, true))
    }),
    ("str w7, [sp, w8, sxtw #2]", || {
        store(Store::StrW, X7, SP, index(X8, IndexExtend::Sxtw, true))
    }),
    ("ldr s7, [x8, x9, lsl #2]", || {
        fp_load(FpSize::S, V7, X8, index(X9, IndexExtend::Lsl, true))
    }),
    ("ldr d10, [x11, w12, sxtw #3]", || {
        fp_load(FpSize::D, V10, X11, index(X12, IndexExtend::Sxtw, true))
    }),
    ("str q13, [x14, x15, lsl #4]", || {
        fp_store(FpSize::Q, V13, X14, index(X15, IndexExtend::Lsl, true))
    }),
    ("str d16, [x17, x0]", || {
        fp_store(FpSize::D, V16, X17, index(X0, IndexExtend::Lsl, false))
    }),
    // Pairs.
    ("stp x29, x30, [sp, #-16]!", || {
        store_pair(PairSize::X, X29, X30, SP, PairMode::PreIndex(pair(-16, 8)))
    }),
    ("ldp x29, x30, [sp], #16", || {
        load_pair(PairSize::X, X29, X30, SP, PairMode::PostIndex(pair(16, 8)))
    }),
    ("stp x19, x20, [sp, #16]", || {
        store_pair(PairSize::X, X19, X20, SP, PairMode::Offset(pair(16, 8)))
    }),
    ("ldp x21, x22, [sp, #504]", || {
        load_pair(PairSize::X, X21, X22, SP, PairMode::Offset(pair(504, 8)))
    }),
    ("stp x0, x1, [x2, #-512]", || {
        store_pair(PairSize::X, X0, X1, X2, PairMode::Offset(pair(-512, 8)))
    }),
    ("stp xzr, xzr, [sp, #-16]!", || {
        store_pair(PairSize::X, XZR, XZR, SP, PairMode::PreIndex(pair(-16, 8)))
    }),
    ("ldp w3, w4, [x5, #252]", || {
        load_pair(PairSize::W, X3, X4, X5, PairMode::Offset(pair(252, 4)))
    }),
    ("stp w6, w7, [sp, #-256]!", || {
        store_pair(PairSize::W, X6, X7, SP, PairMode::PreIndex(pair(-256, 4)))
    }),
    ("ldp w8, w9, [x10], #-4", || {
        load_pair(PairSize::W, X8, X9, X10, PairMode::PostIndex(pair(-4, 4)))
    }),
    ("stp d8, d9, [sp, #-64]!", || {
        fp_store_pair(FpSize::D, V8, V9, SP, PairMode::PreIndex(pair(-64, 8)))
    }),
    ("ldp d10, d11, [sp, #16]", || {
        fp_load_pair(FpSize::D, V10, V11, SP, PairMode::Offset(pair(16, 8)))
    }),
    ("ldp d14, d15, [sp], #64", || {
        fp_load_pair(FpSize::D, V14, V15, SP, PairMode::PostIndex(pair(64, 8)))
    }),
    ("stp s0, s1, [x2, #-4]", || {
        fp_store_pair(FpSize::S, V0, V1, X2, PairMode::Offset(pair(-4, 4)))
    }),
    ("ldp q0, q1, [sp, #1008]", || {
        fp_load_pair(FpSize::Q, V0, V1, SP, PairMode::Offset(pair(1008, 16)))
    }),
    ("stp q2, q3, [x4, #-1024]!", || {
        fp_store_pair(FpSize::Q, V2, V3, X4, PairMode::PreIndex(pair(-1024, 16)))
    }),
    // Literal loads.
    ("ldr x0, .+8", || {
        to(PcRelField::Imm19, load_literal(Load::LdrX, X0), 8)
    }),
    ("ldr w1, .-4", || {
        to(PcRelField::Imm19, load_literal(Load::LdrW, X1), -4)
    }),
    ("ldrsw x2, .+1048572", || {
        to(PcRelField::Imm19, load_literal(Load::Ldrsw, X2), 1048572)
    }),
    ("ldr d3, .-1048576", || {
        to(PcRelField::Imm19, fp_load_literal(FpSize::D, V3), -1048576)
    }),
    ("ldr s4, .", || fp_load_literal(FpSize::S, V4)),
    ("ldr q5, .+16", || {
        to(PcRelField::Imm19, fp_load_literal(FpSize::Q, V5), 16)
    }),
    // Branches.
    ("b .", b),
    ("b .+8", || to(PcRelField::Imm26, b(), 8)),
    ("b .-4", || to(PcRelField::Imm26, b(), -4)),
    ("b .+134217724", || to(PcRelField::Imm26, b(), 134217724)),
    ("b .-134217728", || to(PcRelField::Imm26, b(), -134217728)),
    ("bl .+4", || to(PcRelField::Imm26, bl(), 4)),
    ("bl .-134217728", || to(PcRelField::Imm26, bl(), -134217728)),
    ("b.eq .+8", || to(PcRelField::Imm19, b_cond(Cond::Eq), 8)),
    ("b.ne .-8", || to(PcRelField::Imm19, b_cond(Cond::Ne), -8)),
    ("b.hs .+1048572", || {
        to(PcRelField::Imm19, b_cond(Cond::Hs), 1048572)
    }),
    ("b.lo .-1048576", || {
        to(PcRelField::Imm19, b_cond(Cond::Lo), -1048576)
    }),
    ("b.mi .", || b_cond(Cond::Mi)),
    ("b.pl .+4", || to(PcRelField::Imm19, b_cond(Cond::Pl), 4)),
    ("b.vs .+4", || to(PcRelField::Imm19, b_cond(Cond::Vs), 4)),
    ("b.vc .+4", || to(PcRelField::Imm19, b_cond(Cond::Vc), 4)),
    ("b.hi .+4", || to(PcRelField::Imm19, b_cond(Cond::Hi), 4)),
    ("b.ls .+4", || to(PcRelField::Imm19, b_cond(Cond::Ls), 4)),
    ("b.ge .+4", || to(PcRelField::Imm19, b_cond(Cond::Ge), 4)),
    ("b.lt .+4", || to(PcRelField::Imm19, b_cond(Cond::Lt), 4)),
    ("b.gt .+4", || to(PcRelField::Imm19, b_cond(Cond::Gt), 4)),
    ("b.le .+4", || to(PcRelField::Imm19, b_cond(Cond::Le), 4)),
    ("b.al .+4", || to(PcRelField::Imm19, b_cond(Cond::Al), 4)),
    ("b.nv .+4", || to(PcRelField::Imm19, b_cond(Cond::Nv), 4)),
    ("cbz x0, .+8", || {
        to(
            PcRelField::Imm19,
            compare_branch(CompareBranchOp::Cbz, S64, X0),
            8,
        )
    }),
    ("cbz w1, .-1048576", || {
        to(
            PcRelField::Imm19,
            compare_branch(CompareBranchOp::Cbz, S32, X1),
            -1048576,
        )
    }),
    ("cbnz x2, .+1048572", || {
        to(
            PcRelField::Imm19,
            compare_branch(CompareBranchOp::Cbnz, S64, X2),
            1048572,
        )
    }),
    ("cbnz wzr, .-4", || {
        to(
            PcRelField::Imm19,
            compare_branch(CompareBranchOp::Cbnz, S32, XZR),
            -4,
        )
    }),
    ("tbz x3, #63, .+32764", || {
        to(
            PcRelField::Imm14,
            test_branch(TestBranchOp::Tbz, X3, 63),
            32764,
        )
    }),
    ("tbz w4, #0, .-32768", || {
        to(
            PcRelField::Imm14,
            test_branch(TestBranchOp::Tbz, X4, 0),
            -32768,
        )
    }),
    ("tbnz w5, #31, .+4", || {
        to(
            PcRelField::Imm14,
            test_branch(TestBranchOp::Tbnz, X5, 31),
            4,
        )
    }),
    ("tbnz x6, #32, .-4", || {
        to(
            PcRelField::Imm14,
            test_branch(TestBranchOp::Tbnz, X6, 32),
            -4,
        )
    }),
    ("br x16", || branch_reg(BranchRegOp::Br, X16)),
    ("blr x17", || branch_reg(BranchRegOp::Blr, X17)),
    ("blr x30", || branch_reg(BranchRegOp::Blr, X30)),
    ("ret", || branch_reg(BranchRegOp::Ret, LR)),
    ("ret x0", || branch_reg(BranchRegOp::Ret, X0)),
    ("adr x0, .", || adr(X0)),
    ("adr x1, .+1048575", || {
        to(PcRelField::Adr, adr(X1), 1048575)
    }),
    ("adr x2, .-1048576", || {
        to(PcRelField::Adr, adr(X2), -1048576)
    }),
    ("adr x3, .+1", || to(PcRelField::Adr, adr(X3), 1)),
    ("adr x4, .-3", || to(PcRelField::Adr, adr(X4), -3)),
    ("adrp x4, .+0x1000", || {
        to(PcRelField::Adrp, adrp(X4), 0x1000)
    }),
    ("adrp x5, .-0x100000000", || {
        to(PcRelField::Adrp, adrp(X5), -0x1_0000_0000)
    }),
    ("adrp x6, .+0xfffff000", || {
        to(PcRelField::Adrp, adrp(X6), 0xFFFF_F000)
    }),
    ("adrp x7, .", || adrp(X7)),
    ("adrp x8, .+0x3000", || {
        to(PcRelField::Adrp, adrp(X8), 0x3000)
    }),
    // Floating point: arithmetic.
    ("fadd s0, s1, s2", || {
        fp_binary(FpBinaryOp::Fadd, F32, V0, V1, V2)
    }),
    ("fadd d3, d4, d5", || {
        fp_binary(FpBinaryOp::Fadd, F64, V3, V4, V5)
    }),
    ("fsub d6, d7, d8", || {
        fp_binary(FpBinaryOp::Fsub, F64, V6, V7, V8)
    }),
    ("fsub s29, s30, s31", || {
        fp_binary(FpBinaryOp::Fsub, F32, V29, V30, V31)
    }),
    ("fmul s9, s10, s11", || {
        fp_binary(FpBinaryOp::Fmul, F32, V9, V10, V11)
    }),
    ("fmul d9, d10, d11", || {
        fp_binary(FpBinaryOp::Fmul, F64, V9, V10, V11)
    }),
    ("fdiv d12, d13, d14", || {
        fp_binary(FpBinaryOp::Fdiv, F64, V12, V13, V14)
    }),
    ("fdiv s12, s13, s14", || {
        fp_binary(FpBinaryOp::Fdiv, F32, V12, V13, V14)
    }),
    ("fmin s15, s16, s17", || {
        fp_binary(FpBinaryOp::Fmin, F32, V15, V16, V17)
    }),
    ("fmax d18, d19, d20", || {
        fp_binary(FpBinaryOp::Fmax, F64, V18, V19, V20)
    }),
    ("fminnm d21, d22, d23", || {
        fp_binary(FpBinaryOp::Fminnm, F64, V21, V22, V23)
    }),
    ("fmaxnm s24, s25, s26", || {
        fp_binary(FpBinaryOp::Fmaxnm, F32, V24, V25, V26)
    }),
    // One source.
    ("fmov s0, s1", || fmov(F32, V0, V1)),
    ("fmov d2, d3", || fmov(F64, V2, V3)),
    ("fabs s4, s5", || fp_unary(FpUnaryOp::Fabs, F32, V4, V5)),
    ("fabs d6, d7", || fp_unary(FpUnaryOp::Fabs, F64, V6, V7)),
    ("fneg s8, s9", || fp_unary(FpUnaryOp::Fneg, F32, V8, V9)),
    ("fneg d10, d11", || fp_unary(FpUnaryOp::Fneg, F64, V10, V11)),
    ("fsqrt s12, s13", || {
        fp_unary(FpUnaryOp::Fsqrt, F32, V12, V13)
    }),
    ("fsqrt d14, d15", || {
        fp_unary(FpUnaryOp::Fsqrt, F64, V14, V15)
    }),
    ("frintn s16, s17", || {
        fp_unary(FpUnaryOp::Frintn, F32, V16, V17)
    }),
    ("frintn d18, d19", || {
        fp_unary(FpUnaryOp::Frintn, F64, V18, V19)
    }),
    ("frintm d20, d21", || {
        fp_unary(FpUnaryOp::Frintm, F64, V20, V21)
    }),
    ("frintm s20, s21", || {
        fp_unary(FpUnaryOp::Frintm, F32, V20, V21)
    }),
    ("frintp s22, s23", || {
        fp_unary(FpUnaryOp::Frintp, F32, V22, V23)
    }),
    ("frintp d22, d23", || {
        fp_unary(FpUnaryOp::Frintp, F64, V22, V23)
    }),
    ("frintz d24, d25", || {
        fp_unary(FpUnaryOp::Frintz, F64, V24, V25)
    }),
    ("frintz s26, s27", || {
        fp_unary(FpUnaryOp::Frintz, F32, V26, V27)
    }),
    ("fcvt d0, s1", || fcvt(F64, V0, V1)),
    ("fcvt s2, d3", || fcvt(F32, V2, V3)),
    // Compare and select.
    ("fcmp s0, s1", || fcmp(F32, V0, V1)),
    ("fcmp d2, d3", || fcmp(F64, V2, V3)),
    ("fcmp s4, #0.0", || fcmp_zero(F32, V4)),
    ("fcmp d5, #0.0", || fcmp_zero(F64, V5)),
    ("fcsel s0, s1, s2, eq", || fcsel(F32, V0, V1, V2, Cond::Eq)),
    ("fcsel d3, d4, d5, vs", || fcsel(F64, V3, V4, V5, Cond::Vs)),
    // Conversions and moves to and from general registers.
    ("scvtf s0, w1", || int_to_fp(Signed, F32, S32, V0, X1)),
    ("scvtf d2, x3", || int_to_fp(Signed, F64, S64, V2, X3)),
    ("scvtf s4, x5", || int_to_fp(Signed, F32, S64, V4, X5)),
    ("scvtf d6, w7", || int_to_fp(Signed, F64, S32, V6, X7)),
    ("ucvtf s8, w9", || int_to_fp(Unsigned, F32, S32, V8, X9)),
    ("ucvtf d10, x11", || int_to_fp(Unsigned, F64, S64, V10, X11)),
    ("ucvtf s10, x11", || int_to_fp(Unsigned, F32, S64, V10, X11)),
    ("ucvtf d12, wzr", || int_to_fp(Unsigned, F64, S32, V12, XZR)),
    ("fcvtzs w0, s1", || fp_to_int(Signed, S32, F32, X0, V1)),
    ("fcvtzs x2, d3", || fp_to_int(Signed, S64, F64, X2, V3)),
    ("fcvtzs w4, d5", || fp_to_int(Signed, S32, F64, X4, V5)),
    ("fcvtzs x6, s7", || fp_to_int(Signed, S64, F32, X6, V7)),
    ("fcvtzu w8, s9", || fp_to_int(Unsigned, S32, F32, X8, V9)),
    ("fcvtzu x10, d11", || {
        fp_to_int(Unsigned, S64, F64, X10, V11)
    }),
    ("fcvtzu x12, s13", || {
        fp_to_int(Unsigned, S64, F32, X12, V13)
    }),
    ("fcvtzu w14, d15", || {
        fp_to_int(Unsigned, S32, F64, X14, V15)
    }),
    ("fmov w0, s1", || fmov_to_gpr(S32, X0, V1)),
    ("fmov x2, d3", || fmov_to_gpr(S64, X2, V3)),
    ("fmov s4, w5", || fmov_from_gpr(S32, V4, X5)),
    ("fmov d6, x7", || fmov_from_gpr(S64, V6, X7)),
    ("fmov d8, xzr", || fmov_from_gpr(S64, V8, XZR)),
    // Immediate.
    ("fmov s0, #1.0", || fmov_imm(F32, V0, fp_imm(1.0))),
    ("fmov d1, #-2.0", || fmov_imm(F64, V1, fp_imm(-2.0))),
    ("fmov d2, #0.125", || fmov_imm(F64, V2, fp_imm(0.125))),
    ("fmov s3, #31.0", || fmov_imm(F32, V3, fp_imm(31.0))),
    ("fmov d4, #-1.9375", || fmov_imm(F64, V4, fp_imm(-1.9375))),
    ("fmov s5, #0.5", || fmov_imm(F32, V5, fp_imm(0.5))),
    ("fmov d6, #10.0", || fmov_imm(F64, V6, fp_imm(10.0))),
    ("fmov d7, #-0.1875", || fmov_imm(F64, V7, fp_imm(-0.1875))),
    ("fmov s8, #-31.0", || fmov_imm(F32, V8, fp_imm(-31.0))),
    // System.
    ("nop", || NOP),
    ("brk #0", || brk(0)),
    ("brk #0xf000", || brk(0xF000)),
    ("brk #0xffff", || brk(0xFFFF)),
    ("udf #0", || udf(0)),
    ("udf #0xffff", || udf(0xFFFF)),
    ("dmb ish", || barrier(Barrier::DmbIsh)),
    ("dsb ish", || barrier(Barrier::DsbIsh)),
    ("isb", || barrier(Barrier::Isb)),
    ("dc cvau, x0", || cache_op(CacheOp::DcCvau, X0)),
    ("ic ivau, x30", || cache_op(CacheOp::IcIvau, X30)),
    ("mrs x1, ctr_el0", || mrs_ctr_el0(X1)),
];

/// Constants put in `x0`/`w0` by [`mov_imm`]: the width asked for, the
/// value, and the source lines of the expected sequence.
const CONSTANTS: &[(kiln_isa_arm64::encode::Size, u64, &[&str])] = &[
    (S64, 0, &["movz x0, #0"]),
    (S64, 0x1234, &["movz x0, #0x1234"]),
    (S64, u64::MAX, &["movn x0, #0"]),
    (S64, 0xFFFF_FFFF_FFFF_1234, &["movn x0, #0xedcb"]),
    (S64, 0xFFFF_0000_FFFF_FFFF, &["movn x0, #0xffff, lsl #32"]),
    (S64, 0x1234_0000_0000_0000, &["movz x0, #0x1234, lsl #48"]),
    (S64, 0x0000_FFFF_0000_0000, &["movz x0, #0xffff, lsl #32"]),
    (
        S64,
        0x1234_5678,
        &["movz x0, #0x5678", "movk x0, #0x1234, lsl #16"],
    ),
    (S64, 0x0000_0000_FFFF_1234, &["movn w0, #0xedcb"]),
    (
        S64,
        0x1234_5678_9ABC_DEF0,
        &[
            "movz x0, #0xdef0",
            "movk x0, #0x9abc, lsl #16",
            "movk x0, #0x5678, lsl #32",
            "movk x0, #0x1234, lsl #48",
        ],
    ),
    (
        S64,
        0xFFFF_1234_FFFF_5678,
        &["movn x0, #0xa987", "movk x0, #0x1234, lsl #32"],
    ),
    (
        S64,
        0x0001_0000_0002_0000,
        &["movz x0, #0x2, lsl #16", "movk x0, #0x1, lsl #48"],
    ),
    (
        S64,
        0x5555_5555_5555_5555,
        &["orr x0, xzr, #0x5555555555555555"],
    ),
    (
        S64,
        0x00FF_00FF_00FF_00FF,
        &["orr x0, xzr, #0xff00ff00ff00ff"],
    ),
    (S64, 0x0F0F_0F0F, &["orr w0, wzr, #0xf0f0f0f"]),
    (S32, 0xFFFF_FFFF, &["movn w0, #0"]),
    (S32, 0x8000_0000, &["movz w0, #0x8000, lsl #16"]),
    (S32, 0xFFFF_1234, &["movn w0, #0xedcb"]),
    (
        S32,
        0x1234_5678,
        &["movz w0, #0x5678", "movk w0, #0x1234, lsl #16"],
    ),
    (S32, 0xDEAD_0000_0000_0001, &["movz w0, #0x1"]),
    (S32, 0x00FF_00FF, &["orr w0, wzr, #0xff00ff"]),
];

/// The golden file: source line to word.
fn golden() -> HashMap<&'static str, u32> {
    let text = include_str!("golden/encodings.txt");
    let mut words = HashMap::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let (word, rest) = line.split_at(8);
        let source = rest.split(" // ").next().unwrap().trim();
        let word = u32::from_str_radix(word, 16).expect("a hex word");
        assert!(words.insert(source, word).is_none(), "{source} twice");
    }
    words
}

#[test]
fn instructions_encode_to_what_gnu_as_assembles() {
    let golden = golden();
    let mut failures = Vec::new();
    for (source, encode) in CASES {
        match golden.get(source) {
            None => failures.push(format!("{source}: not in golden/encodings.txt")),
            Some(&expected) if expected != encode() => failures.push(format!(
                "{source}: expected {expected:08x}, encoded {:08x}",
                encode()
            )),
            Some(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn constants_materialize_in_the_fewest_instructions() {
    let golden = golden();
    let mut failures = Vec::new();
    for &(size, value, sources) in CONSTANTS {
        let expected: Vec<u32> = sources.iter().map(|source| golden[source]).collect();
        let words = mov_imm(size, X0, value);
        if *words != expected[..] {
            failures.push(format!(
                "{value:#x} ({size:?}): expected {expected:08x?}, got {:08x?}",
                &*words
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_golden_line_is_checked() {
    let used: HashSet<&str> = CASES
        .iter()
        .map(|case| case.0)
        .chain(
            CONSTANTS
                .iter()
                .flat_map(|constant| constant.2.iter().copied()),
        )
        .collect();
    let unused: Vec<&str> = golden()
        .into_keys()
        .filter(|source| !used.contains(source))
        .collect();
    assert!(unused.is_empty(), "golden lines no case checks: {unused:?}");
}
