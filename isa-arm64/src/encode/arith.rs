//! Integer arithmetic: add and subtract (immediate, shifted register,
//! extended register), multiply, divide, variable shifts, and the one-source
//! bit operations (`rbit`, `rev`, `clz`, `cls`).

use super::{Shift, Size, field, reg_a, reg_d, reg_m, reg_n};
use crate::regs::{GprOrSp, GprOrZr};

/// Add or subtract: bit 30 of every add/sub form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddSubOp {
    /// Add.
    Add,
    /// Subtract.
    Sub,
}

impl AddSubOp {
    const fn bits(self) -> u32 {
        match self {
            AddSubOp::Add => 0,
            AddSubOp::Sub => 1 << 30,
        }
    }
}

/// Bit 29 of the add/sub forms: also set the flags (`adds`, `subs`).
const SET_FLAGS: u32 = 1 << 29;

/// `add`/`sub` (immediate): `sf op S 100010 sh imm12 Rn Rd`.
const ADD_SUB_IMM: u32 = 0x1100_0000;
/// `add`/`sub` (shifted register): `sf op S 01011 shift 0 Rm imm6 Rn Rd`.
const ADD_SUB_SHIFTED: u32 = 0x0B00_0000;
/// `add`/`sub` (extended register): `sf op S 01011 00 1 Rm option imm3 Rn Rd`.
const ADD_SUB_EXTENDED: u32 = 0x0B20_0000;

/// The immediate of `add`/`sub`: 12 bits, optionally shifted left by 12.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imm12 {
    bits: u16,
    shifted: bool,
}

impl Imm12 {
    /// `value` as `#imm12` or `#imm12, lsl #12`, if it is one of them.
    pub fn new(value: u64) -> Option<Imm12> {
        if value < 1 << 12 {
            Some(Imm12 {
                bits: value as u16,
                shifted: false,
            })
        } else if value & 0xFFF == 0 && value < 1 << 24 {
            Some(Imm12 {
                bits: (value >> 12) as u16,
                shifted: true,
            })
        } else {
            None
        }
    }

    /// The `sh` bit and the 12-bit field at their place.
    fn bits(self) -> u32 {
        u32::from(self.shifted) << 22 | u32::from(self.bits) << 10
    }
}

/// `add`/`sub rd, rn, #imm` (register 31 is `sp` on both sides).
pub fn add_sub_imm(
    op: AddSubOp,
    size: Size,
    rd: impl Into<GprOrSp>,
    rn: impl Into<GprOrSp>,
    imm: Imm12,
) -> u32 {
    ADD_SUB_IMM | size.sf() | op.bits() | imm.bits() | reg_n(rn.into().hw()) | reg_d(rd.into().hw())
}

/// `adds`/`subs rd, rn, #imm`: the destination's register 31 is `xzr`,
/// which makes `cmp`/`cmn`.
pub fn add_sub_imm_set_flags(
    op: AddSubOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrSp>,
    imm: Imm12,
) -> u32 {
    ADD_SUB_IMM
        | SET_FLAGS
        | size.sf()
        | op.bits()
        | imm.bits()
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// `cmp rn, #imm` (`subs xzr, rn, #imm`).
pub fn cmp_imm(size: Size, rn: impl Into<GprOrSp>, imm: Imm12) -> u32 {
    add_sub_imm_set_flags(AddSubOp::Sub, size, GprOrZr::Zr, rn, imm)
}

/// `cmn rn, #imm` (`adds xzr, rn, #imm`).
pub fn cmn_imm(size: Size, rn: impl Into<GprOrSp>, imm: Imm12) -> u32 {
    add_sub_imm_set_flags(AddSubOp::Add, size, GprOrZr::Zr, rn, imm)
}

/// `mov rd, rn` where either is `sp` (`add rd, rn, #0`: the `orr` form of
/// `mov` would read register 31 as `xzr`).
pub fn mov_sp(rd: impl Into<GprOrSp>, rn: impl Into<GprOrSp>) -> u32 {
    add_sub_imm(
        AddSubOp::Add,
        Size::S64,
        rd,
        rn,
        Imm12 {
            bits: 0,
            shifted: false,
        },
    )
}

/// The shift of a shifted-register operand: any but `ror`, by less than
/// the operation's width.
#[track_caller]
fn arith_shift(size: Size, shift: Shift, amount: u8) -> u32 {
    assert!(shift != Shift::Ror, "add/sub have no rotated operand");
    assert!(u32::from(amount) < size.bits(), "shift by {amount}");
    (shift as u32) << 22 | u32::from(amount) << 10
}

/// `add`/`sub rd, rn, rm, shift #amount` (register 31 is `xzr` everywhere).
#[track_caller]
pub fn add_sub_shifted(
    op: AddSubOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    shift: Shift,
    amount: u8,
) -> u32 {
    ADD_SUB_SHIFTED
        | size.sf()
        | op.bits()
        | arith_shift(size, shift, amount)
        | reg_m(rm.into().hw())
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// `adds`/`subs rd, rn, rm, shift #amount`.
#[track_caller]
pub fn add_sub_shifted_set_flags(
    op: AddSubOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    shift: Shift,
    amount: u8,
) -> u32 {
    add_sub_shifted(op, size, rd, rn, rm, shift, amount) | SET_FLAGS
}

/// `cmp rn, rm` (`subs xzr, rn, rm`).
pub fn cmp(size: Size, rn: impl Into<GprOrZr>, rm: impl Into<GprOrZr>) -> u32 {
    add_sub_shifted_set_flags(AddSubOp::Sub, size, GprOrZr::Zr, rn, rm, Shift::Lsl, 0)
}

/// `neg rd, rm` (`sub rd, xzr, rm`).
pub fn neg(size: Size, rd: impl Into<GprOrZr>, rm: impl Into<GprOrZr>) -> u32 {
    add_sub_shifted(AddSubOp::Sub, size, rd, GprOrZr::Zr, rm, Shift::Lsl, 0)
}

/// How the extended-register forms widen their last operand (before the
/// shift by 0 to 4). The `*xtb`, `*xth` and `*xtw` forms read a `w`
/// register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extend {
    /// Zero-extend the low 8 bits.
    Uxtb = 0,
    /// Zero-extend the low 16 bits.
    Uxth = 1,
    /// Zero-extend the low 32 bits.
    Uxtw = 2,
    /// All 64 bits (`lsl` when register 31 of the instruction is `sp`).
    Uxtx = 3,
    /// Sign-extend the low 8 bits.
    Sxtb = 4,
    /// Sign-extend the low 16 bits.
    Sxth = 5,
    /// Sign-extend the low 32 bits.
    Sxtw = 6,
    /// All 64 bits.
    Sxtx = 7,
}

/// `add`/`sub rd, rn, rm, extend #amount` (register 31 is `sp` for `rd`
/// and `rn`, `xzr` for `rm`): the form that adds a 32-bit index to a
/// 64-bit address, or adds to `sp`.
#[track_caller]
pub fn add_sub_extended(
    op: AddSubOp,
    size: Size,
    rd: impl Into<GprOrSp>,
    rn: impl Into<GprOrSp>,
    rm: impl Into<GprOrZr>,
    extend: Extend,
    amount: u8,
) -> u32 {
    extended(
        op,
        size,
        rd.into().hw(),
        rn.into(),
        rm.into(),
        extend,
        amount,
    )
}

/// `adds`/`subs rd, rn, rm, extend #amount` (register 31 is `xzr` for
/// `rd`: `cmp sp, x0` is `subs xzr, sp, x0, uxtx`).
#[track_caller]
pub fn add_sub_extended_set_flags(
    op: AddSubOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrSp>,
    rm: impl Into<GprOrZr>,
    extend: Extend,
    amount: u8,
) -> u32 {
    extended(
        op,
        size,
        rd.into().hw(),
        rn.into(),
        rm.into(),
        extend,
        amount,
    ) | SET_FLAGS
}

#[track_caller]
fn extended(
    op: AddSubOp,
    size: Size,
    rd: u8,
    rn: GprOrSp,
    rm: GprOrZr,
    extend: Extend,
    amount: u8,
) -> u32 {
    assert!(amount <= 4, "extended register shifted by {amount}");
    ADD_SUB_EXTENDED
        | size.sf()
        | op.bits()
        | reg_m(rm.hw())
        | (extend as u32) << 13
        | u32::from(amount) << 10
        | reg_n(rn.hw())
        | reg_d(rd)
}

/// Multiply-add and multiply-subtract: `sf 00 11011 000 Rm o0 Ra Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MulAddOp {
    /// `rd = ra + rn * rm`.
    Madd = 0x1B00_0000,
    /// `rd = ra - rn * rm`.
    Msub = 0x1B00_8000,
}

/// `madd`/`msub rd, rn, rm, ra`.
pub fn mul_add(
    op: MulAddOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    ra: impl Into<GprOrZr>,
) -> u32 {
    op as u32
        | size.sf()
        | reg_m(rm.into().hw())
        | reg_a(ra.into().hw())
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// `mul rd, rn, rm` (`madd rd, rn, rm, xzr`).
pub fn mul(
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
) -> u32 {
    mul_add(MulAddOp::Madd, size, rd, rn, rm, GprOrZr::Zr)
}

/// The high 64 bits of a 128-bit product (64-bit only; `Ra` is 31).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MulHighOp {
    /// Signed.
    Smulh = 0x9B40_7C00,
    /// Unsigned.
    Umulh = 0x9BC0_7C00,
}

/// `smulh`/`umulh xd, xn, xm`.
pub fn mul_high(
    op: MulHighOp,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
) -> u32 {
    op as u32 | reg_m(rm.into().hw()) | reg_n(rn.into().hw()) | reg_d(rd.into().hw())
}

/// Data processing with two register sources:
/// `sf 0 0 11010110 Rm opcode Rn Rd`; the rows are the opcode (bits 15:10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoSourceOp {
    /// Unsigned division (`x / 0` is 0: no trap).
    Udiv = 0b00_0010 << 10,
    /// Signed division (`x / 0` is 0, `MIN / -1` is `MIN`: no trap).
    Sdiv = 0b00_0011 << 10,
    /// Shift left by `rm` modulo the width.
    Lslv = 0b00_1000 << 10,
    /// Logical shift right by `rm` modulo the width.
    Lsrv = 0b00_1001 << 10,
    /// Arithmetic shift right by `rm` modulo the width.
    Asrv = 0b00_1010 << 10,
    /// Rotate right by `rm` modulo the width.
    Rorv = 0b00_1011 << 10,
}

/// `udiv`/`sdiv`/`lslv`/`lsrv`/`asrv`/`rorv rd, rn, rm`.
pub fn two_source(
    op: TwoSourceOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
) -> u32 {
    0x1AC0_0000
        | op as u32
        | size.sf()
        | reg_m(rm.into().hw())
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// Data processing with one register source:
/// `sf 1 0 11010110 00000 opcode Rn Rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneSourceOp {
    /// Reverse the bit order.
    Rbit,
    /// Reverse the byte order of the whole register.
    Rev,
    /// Count leading zeros.
    Clz,
    /// Count leading sign bits (not counting the sign bit itself).
    Cls,
}

/// `rbit`/`rev`/`clz`/`cls rd, rn`.
pub fn one_source(
    op: OneSourceOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
) -> u32 {
    let opcode = match op {
        OneSourceOp::Rbit => 0b00_0000,
        OneSourceOp::Rev => match size {
            Size::S32 => 0b00_0010,
            Size::S64 => 0b00_0011,
        },
        OneSourceOp::Clz => 0b00_0100,
        OneSourceOp::Cls => 0b00_0101,
    };
    0x5AC0_0000 | size.sf() | field(opcode, 6, 10) | reg_n(rn.into().hw()) | reg_d(rd.into().hw())
}
