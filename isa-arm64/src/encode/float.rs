//! Scalar floating point on `s` (f32) and `d` (f64) registers: arithmetic,
//! rounding, comparison and select, conversions between the two widths and
//! to and from integers, and moves (register, general register, and the
//! 8-bit immediate).
//!
//! Every form lives in the `0 0 0 11110 ftype 1 ...` space; `ftype`
//! (bits 23:22) is 00 for single and 01 for double precision.

use super::{Cond, Size, reg_d, reg_m, reg_n};
use crate::regs::{Fpr, GprOrZr};

/// The width of a float operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatWidth {
    /// Single precision (`s` registers).
    F32,
    /// Double precision (`d` registers).
    F64,
}

impl FloatWidth {
    /// The `ftype` field.
    const fn ftype(self) -> u32 {
        match self {
            FloatWidth::F32 => 0,
            FloatWidth::F64 => 1 << 22,
        }
    }
}

/// Two-source arithmetic: `000 11110 ftype 1 Rm opcode 10 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FpBinaryOp {
    /// Multiply.
    Fmul = 0x1E20_0800,
    /// Divide.
    Fdiv = 0x1E20_1800,
    /// Add.
    Fadd = 0x1E20_2800,
    /// Subtract.
    Fsub = 0x1E20_3800,
    /// Maximum; NaN if either is NaN (wasm's `max`).
    Fmax = 0x1E20_4800,
    /// Minimum; NaN if either is NaN (wasm's `min`).
    Fmin = 0x1E20_5800,
    /// Maximum number: a quiet NaN loses to a number.
    Fmaxnm = 0x1E20_6800,
    /// Minimum number: a quiet NaN loses to a number.
    Fminnm = 0x1E20_7800,
}

/// `op rd, rn, rm`.
pub fn fp_binary(op: FpBinaryOp, width: FloatWidth, rd: Fpr, rn: Fpr, rm: Fpr) -> u32 {
    op as u32 | width.ftype() | reg_m(rm.hw()) | reg_n(rn.hw()) | reg_d(rd.hw())
}

/// One-source operations: `000 11110 ftype 1 opcode 10000 Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FpUnaryOp {
    /// Copy.
    Fmov = 0x1E20_4000,
    /// Absolute value (clears the sign bit).
    Fabs = 0x1E20_C000,
    /// Negation (flips the sign bit).
    Fneg = 0x1E21_4000,
    /// Square root.
    Fsqrt = 0x1E21_C000,
    /// Round to nearest, ties to even (wasm's `nearest`).
    Frintn = 0x1E24_4000,
    /// Round toward +∞ (`ceil`).
    Frintp = 0x1E24_C000,
    /// Round toward -∞ (`floor`).
    Frintm = 0x1E25_4000,
    /// Round toward zero (`trunc`).
    Frintz = 0x1E25_C000,
}

/// `op rd, rn`.
pub fn fp_unary(op: FpUnaryOp, width: FloatWidth, rd: Fpr, rn: Fpr) -> u32 {
    op as u32 | width.ftype() | reg_n(rn.hw()) | reg_d(rd.hw())
}

/// `fmov rd, rn` between float registers.
pub fn fmov(width: FloatWidth, rd: Fpr, rn: Fpr) -> u32 {
    fp_unary(FpUnaryOp::Fmov, width, rd, rn)
}

/// `fcvt rd, rn`: the value of `rn` (of the other width) converted to
/// `to`, rounded by the current mode when narrowing.
pub fn fcvt(to: FloatWidth, rd: Fpr, rn: Fpr) -> u32 {
    let (from, opcode) = match to {
        FloatWidth::F32 => (FloatWidth::F64, 0b00_0100),
        FloatWidth::F64 => (FloatWidth::F32, 0b00_0101),
    };
    0x1E20_4000 | from.ftype() | opcode << 15 | reg_n(rn.hw()) | reg_d(rd.hw())
}

/// `fcmp rn, rm`: sets the flags; unordered is `C` and `V` (so `vs`
/// tests for a NaN).
pub fn fcmp(width: FloatWidth, rn: Fpr, rm: Fpr) -> u32 {
    0x1E20_2000 | width.ftype() | reg_m(rm.hw()) | reg_n(rn.hw())
}

/// `fcmp rn, #0.0`.
pub fn fcmp_zero(width: FloatWidth, rn: Fpr) -> u32 {
    0x1E20_2008 | width.ftype() | reg_n(rn.hw())
}

/// `fcsel rd, rn, rm, cond`: `rn` if `cond` holds, else `rm`.
pub fn fcsel(width: FloatWidth, rd: Fpr, rn: Fpr, rm: Fpr, cond: Cond) -> u32 {
    0x1E20_0C00
        | width.ftype()
        | reg_m(rm.hw())
        | cond.bits() << 12
        | reg_n(rn.hw())
        | reg_d(rd.hw())
}

// Conversions between integers and floats and moves between the register
// files: `sf 00 11110 ftype 1 rmode opcode 000000 Rn Rd`; the rows are
// `rmode` and `opcode` (bits 20:16).
const SCVTF: u32 = 0x1E22_0000;
const UCVTF: u32 = 0x1E23_0000;
const FCVTZS: u32 = 0x1E38_0000;
const FCVTZU: u32 = 0x1E39_0000;
const FMOV_TO_GPR: u32 = 0x1E26_0000;
const FMOV_FROM_GPR: u32 = 0x1E27_0000;

/// Whether an integer is read or written as signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signedness {
    /// Two's complement.
    Signed,
    /// Unsigned.
    Unsigned,
}

/// `scvtf`/`ucvtf rd, rn`: the integer `rn` of `size` as a float of
/// `width`, rounded by the current mode.
pub fn int_to_fp(
    signedness: Signedness,
    width: FloatWidth,
    size: Size,
    rd: Fpr,
    rn: impl Into<GprOrZr>,
) -> u32 {
    let op = match signedness {
        Signedness::Signed => SCVTF,
        Signedness::Unsigned => UCVTF,
    };
    op | size.sf() | width.ftype() | reg_n(rn.into().hw()) | reg_d(rd.hw())
}

/// `fcvtzs`/`fcvtzu rd, rn`: the float `rn` rounded toward zero to an
/// integer of `size`, saturating at the integer's bounds (NaN gives 0).
pub fn fp_to_int(
    signedness: Signedness,
    size: Size,
    width: FloatWidth,
    rd: impl Into<GprOrZr>,
    rn: Fpr,
) -> u32 {
    let op = match signedness {
        Signedness::Signed => FCVTZS,
        Signedness::Unsigned => FCVTZU,
    };
    op | size.sf() | width.ftype() | reg_n(rn.hw()) | reg_d(rd.into().hw())
}

/// The float width whose bits a general register of `size` holds.
const fn same_bits(size: Size) -> FloatWidth {
    match size {
        Size::S32 => FloatWidth::F32,
        Size::S64 => FloatWidth::F64,
    }
}

/// `fmov wd, sn` or `fmov xd, dn`: the bits of a float in a general
/// register.
pub fn fmov_to_gpr(size: Size, rd: impl Into<GprOrZr>, rn: Fpr) -> u32 {
    FMOV_TO_GPR | size.sf() | same_bits(size).ftype() | reg_n(rn.hw()) | reg_d(rd.into().hw())
}

/// `fmov sd, wn` or `fmov dd, xn`: the bits of a general register in a
/// float register (the rest of the vector register is cleared).
pub fn fmov_from_gpr(size: Size, rd: Fpr, rn: impl Into<GprOrZr>) -> u32 {
    FMOV_FROM_GPR | size.sf() | same_bits(size).ftype() | reg_n(rn.into().hw()) | reg_d(rd.hw())
}

/// The 8-bit immediate of `fmov` (scalar): `±(16 + m) / 16 × 2^e` with `m`
/// in 0..=15 and `e` in -3..=4, so 0.125 to 31.0 in magnitude; zero is not
/// among them. Every such value is exact in both widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpImm8(u8);

impl FpImm8 {
    /// The encoding of `value`, if it has one (an `f32` converts exactly).
    pub fn new(value: f64) -> Option<FpImm8> {
        let bits = value.to_bits();
        // The candidate fields a:b:cd:efgh read at their places in a
        // double, then checked by expanding them back.
        let imm8 = ((bits >> 63) << 7 | ((bits >> 54) & 1) << 6 | ((bits >> 48) & 0x3F)) as u8;
        (FpImm8(imm8).value().to_bits() == bits).then_some(FpImm8(imm8))
    }

    /// The value the immediate stands for (the architecture's
    /// `VFPExpandImm`): sign `a`, exponent `!b:bbbbbbbb:cd`, fraction
    /// `efgh` followed by zeros.
    pub fn value(self) -> f64 {
        let imm8 = u64::from(self.0);
        let b = (imm8 >> 6) & 1;
        let exponent = (b ^ 1) << 10 | (b * 0xFF) << 2 | (imm8 >> 4) & 3;
        f64::from_bits((imm8 >> 7) << 63 | exponent << 52 | (imm8 & 0xF) << 48)
    }

    /// The 8-bit field.
    pub fn bits(self) -> u8 {
        self.0
    }
}

/// `fmov rd, #imm`.
pub fn fmov_imm(width: FloatWidth, rd: Fpr, imm: FpImm8) -> u32 {
    0x1E20_1000 | width.ftype() | u32::from(imm.0) << 13 | reg_d(rd.hw())
}
