//! Bitwise logic: `and`, `orr`, `eor`, `ands` and their forms with an
//! inverted operand (`bic`, `orn`, `eon`, `bics`), on a shifted register or
//! a logical immediate, and the `mov`, `mvn` and `tst` aliases.

use super::bitmask::LogicalImm;
use super::{Shift, Size, reg_d, reg_m, reg_n};
use crate::regs::{GprOrSp, GprOrZr};

/// Logical (shifted register): `sf opc 01010 shift N Rm imm6 Rn Rd`; the
/// rows are `opc` (bits 30:29) and `N` (bit 21, invert `rm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum LogicalOp {
    /// `rn & rm`.
    And = 0x0A00_0000,
    /// `rn & !rm`.
    Bic = 0x0A20_0000,
    /// `rn | rm`.
    Orr = 0x2A00_0000,
    /// `rn | !rm`.
    Orn = 0x2A20_0000,
    /// `rn ^ rm`.
    Eor = 0x4A00_0000,
    /// `rn ^ !rm`.
    Eon = 0x4A20_0000,
    /// `rn & rm`, setting N and Z (C and V cleared).
    Ands = 0x6A00_0000,
    /// `rn & !rm`, setting the flags like `ands`.
    Bics = 0x6A20_0000,
}

/// `op rd, rn, rm, shift #amount` (register 31 is `xzr` everywhere).
#[track_caller]
pub fn logical_shifted(
    op: LogicalOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    shift: Shift,
    amount: u8,
) -> u32 {
    assert!(u32::from(amount) < size.bits(), "shift by {amount}");
    op as u32
        | size.sf()
        | (shift as u32) << 22
        | reg_m(rm.into().hw())
        | u32::from(amount) << 10
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// `mov rd, rm` between general registers (`orr rd, xzr, rm`); see
/// [`super::arith::mov_sp`] when one of them is `sp`.
pub fn mov(size: Size, rd: impl Into<GprOrZr>, rm: impl Into<GprOrZr>) -> u32 {
    logical_shifted(LogicalOp::Orr, size, rd, GprOrZr::Zr, rm, Shift::Lsl, 0)
}

/// `mvn rd, rm` (`orn rd, xzr, rm`).
pub fn mvn(size: Size, rd: impl Into<GprOrZr>, rm: impl Into<GprOrZr>) -> u32 {
    logical_shifted(LogicalOp::Orn, size, rd, GprOrZr::Zr, rm, Shift::Lsl, 0)
}

/// `tst rn, rm` (`ands xzr, rn, rm`).
pub fn tst(size: Size, rn: impl Into<GprOrZr>, rm: impl Into<GprOrZr>) -> u32 {
    logical_shifted(LogicalOp::Ands, size, GprOrZr::Zr, rn, rm, Shift::Lsl, 0)
}

/// Logical (immediate): `sf opc 100100 N immr imms Rn Rd`; the rows are
/// `opc` (bits 30:29). `ands` is [`ands_imm`], whose destination is not
/// `sp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum LogicalImmOp {
    /// `rn & imm`.
    And = 0x1200_0000,
    /// `rn | imm`.
    Orr = 0x3200_0000,
    /// `rn ^ imm`.
    Eor = 0x5200_0000,
}

/// Bits of `ands` (immediate).
const ANDS_IMM: u32 = 0x7200_0000;

/// `op rd, rn, #imm`: the destination's register 31 is `sp` (so `mov sp,
/// #imm` exists), the source's is `xzr`. The width is the immediate's.
pub fn logical_imm(
    op: LogicalImmOp,
    rd: impl Into<GprOrSp>,
    rn: impl Into<GprOrZr>,
    imm: LogicalImm,
) -> u32 {
    op as u32 | imm.size().sf() | imm.bits() | reg_n(rn.into().hw()) | reg_d(rd.into().hw())
}

/// `ands rd, rn, #imm` (register 31 is `xzr` on both sides).
pub fn ands_imm(rd: impl Into<GprOrZr>, rn: impl Into<GprOrZr>, imm: LogicalImm) -> u32 {
    ANDS_IMM | imm.size().sf() | imm.bits() | reg_n(rn.into().hw()) | reg_d(rd.into().hw())
}

/// `tst rn, #imm` (`ands xzr, rn, #imm`).
pub fn tst_imm(rn: impl Into<GprOrZr>, imm: LogicalImm) -> u32 {
    ands_imm(GprOrZr::Zr, rn, imm)
}
