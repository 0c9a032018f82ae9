//! Conditional select (`csel`, `csinc`, `csinv`, `csneg` and the `cset`,
//! `csetm` aliases) and conditional compare (`ccmp`, `ccmn`): the
//! instructions that turn flags into values, or chain comparisons without a
//! branch.

use super::{Cond, Size, field, reg_d, reg_m, reg_n};
use crate::regs::GprOrZr;

/// Conditional select: `sf op 0 11010100 Rm cond op2 Rn Rd`, the result is
/// `rn` if the condition holds, else a function of `rm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum CondSelectOp {
    /// `rm`.
    Csel = 0x1A80_0000,
    /// `rm + 1`.
    Csinc = 0x1A80_0400,
    /// `!rm`.
    Csinv = 0x5A80_0000,
    /// `-rm`.
    Csneg = 0x5A80_0400,
}

/// `op rd, rn, rm, cond`.
pub fn cond_select(
    op: CondSelectOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    cond: Cond,
) -> u32 {
    op as u32
        | size.sf()
        | reg_m(rm.into().hw())
        | cond.bits() << 12
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// `cset rd, cond`: 1 if `cond` holds, else 0 (`csinc rd, xzr, xzr,
/// !cond`). `cond` is not `al`/`nv`, which cannot be inverted.
#[track_caller]
pub fn cset(size: Size, rd: impl Into<GprOrZr>, cond: Cond) -> u32 {
    assert!(!matches!(cond, Cond::Al | Cond::Nv), "cset {cond:?}");
    let zr = GprOrZr::Zr;
    cond_select(CondSelectOp::Csinc, size, rd, zr, zr, cond.invert())
}

/// `csetm rd, cond`: all ones if `cond` holds, else 0 (`csinv rd, xzr,
/// xzr, !cond`).
#[track_caller]
pub fn csetm(size: Size, rd: impl Into<GprOrZr>, cond: Cond) -> u32 {
    assert!(!matches!(cond, Cond::Al | Cond::Nv), "csetm {cond:?}");
    let zr = GprOrZr::Zr;
    cond_select(CondSelectOp::Csinv, size, rd, zr, zr, cond.invert())
}

/// Conditional compare: if `cond` holds, the flags of comparing `rn` with
/// the second operand, else the flags `nzcv` given in the instruction.
/// `sf op 1 11010010 Rm|imm5 cond i 0 Rn 0 nzcv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum CondCompareOp {
    /// Compare (`subs`).
    Ccmp = 0x7A40_0000,
    /// Compare negative (`adds`).
    Ccmn = 0x3A40_0000,
}

/// Bit 11: the second operand is a 5-bit immediate, not a register.
const IMMEDIATE_OPERAND: u32 = 1 << 11;

/// `op rn, rm, #nzcv, cond`.
#[track_caller]
pub fn cond_compare(
    op: CondCompareOp,
    size: Size,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    nzcv: u8,
    cond: Cond,
) -> u32 {
    op as u32
        | size.sf()
        | reg_m(rm.into().hw())
        | cond.bits() << 12
        | reg_n(rn.into().hw())
        | field(u32::from(nzcv), 4, 0)
}

/// `op rn, #imm, #nzcv, cond`, with `imm` in 0..=31.
#[track_caller]
pub fn cond_compare_imm(
    op: CondCompareOp,
    size: Size,
    rn: impl Into<GprOrZr>,
    imm: u8,
    nzcv: u8,
    cond: Cond,
) -> u32 {
    op as u32
        | IMMEDIATE_OPERAND
        | size.sf()
        | field(u32::from(imm), 5, 16)
        | cond.bits() << 12
        | reg_n(rn.into().hw())
        | field(u32::from(nzcv), 4, 0)
}
