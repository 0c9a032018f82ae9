//! Bitfield moves and extract: `sbfm`, `bfm`, `ubfm`, `extr`, and the
//! aliases a compiler writes with them: shifts and rotations by an
//! immediate, sign and zero extensions, field extraction and insertion.
//!
//! `ubfm rd, rn, #immr, #imms` takes bits `imms:immr` of `rn` to the bottom
//! of `rd` when `imms >= immr`, and otherwise bits `imms:0` to position
//! `width - immr`; `sbfm` also sign-extends the field, `bfm` keeps the other
//! bits of `rd`. Every alias below is one choice of `immr` and `imms`.

use super::{Size, field, reg_d, reg_m, reg_n};
use crate::regs::GprOrZr;

/// Bitfield move: `sf opc 100110 N immr imms Rn Rd`, with `N` = `sf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BitfieldOp {
    /// Signed: the field is sign-extended, the rest of `rd` is cleared.
    Sbfm = 0x1300_0000,
    /// The field is inserted, the rest of `rd` is kept.
    Bfm = 0x3300_0000,
    /// Unsigned: the field is zero-extended, the rest of `rd` is cleared.
    Ubfm = 0x5300_0000,
}

/// `N` (bit 22) of the 64-bit bitfield and extract forms.
const fn n_bit(size: Size) -> u32 {
    match size {
        Size::S32 => 0,
        Size::S64 => 1 << 22,
    }
}

/// `op rd, rn, #immr, #imms`; both positions are below the width.
#[track_caller]
pub fn bitfield(
    op: BitfieldOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    immr: u8,
    imms: u8,
) -> u32 {
    let positions = size.bits().trailing_zeros();
    op as u32
        | size.sf()
        | n_bit(size)
        | field(u32::from(immr), positions, 16)
        | field(u32::from(imms), positions, 10)
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// `lsl rd, rn, #amount` (`ubfm rd, rn, #(-amount mod width), #(width-1-amount)`).
#[track_caller]
pub fn lsl_imm(size: Size, rd: impl Into<GprOrZr>, rn: impl Into<GprOrZr>, amount: u8) -> u32 {
    let width = size.bits() as u8;
    assert!(amount < width, "shift by {amount}");
    let immr = (width - amount) % width;
    bitfield(BitfieldOp::Ubfm, size, rd, rn, immr, width - 1 - amount)
}

/// `lsr rd, rn, #amount` (`ubfm rd, rn, #amount, #(width-1)`).
#[track_caller]
pub fn lsr_imm(size: Size, rd: impl Into<GprOrZr>, rn: impl Into<GprOrZr>, amount: u8) -> u32 {
    bitfield(
        BitfieldOp::Ubfm,
        size,
        rd,
        rn,
        amount,
        size.bits() as u8 - 1,
    )
}

/// `asr rd, rn, #amount` (`sbfm rd, rn, #amount, #(width-1)`).
#[track_caller]
pub fn asr_imm(size: Size, rd: impl Into<GprOrZr>, rn: impl Into<GprOrZr>, amount: u8) -> u32 {
    bitfield(
        BitfieldOp::Sbfm,
        size,
        rd,
        rn,
        amount,
        size.bits() as u8 - 1,
    )
}

/// `ror rd, rn, #amount` (`extr rd, rn, rn, #amount`).
#[track_caller]
pub fn ror_imm(size: Size, rd: impl Into<GprOrZr>, rn: impl Into<GprOrZr>, amount: u8) -> u32 {
    let rn = rn.into();
    extr(size, rd, rn, rn, amount)
}

/// `extr rd, rn, rm, #lsb`: bits `lsb + width - 1 : lsb` of the
/// concatenation `rn:rm`.
#[track_caller]
pub fn extr(
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    rm: impl Into<GprOrZr>,
    lsb: u8,
) -> u32 {
    0x1380_0000
        | size.sf()
        | n_bit(size)
        | reg_m(rm.into().hw())
        | field(u32::from(lsb), size.bits().trailing_zeros(), 10)
        | reg_n(rn.into().hw())
        | reg_d(rd.into().hw())
}

/// How many low bits an extension keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendFrom {
    /// A byte.
    B8 = 8,
    /// A halfword.
    B16 = 16,
    /// A word (sign extension to 64 bits only; a 32-bit `mov` zero-extends).
    B32 = 32,
}

/// `uxtb`/`uxth rd, rn` (`ubfm rd, rn, #0, #(bits-1)`), zero-extending to
/// `size` (the 32-bit form also clears the upper half).
#[track_caller]
pub fn zero_extend(
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    from: ExtendFrom,
) -> u32 {
    assert!((from as u32) < size.bits(), "zero-extend to the same width");
    bitfield(BitfieldOp::Ubfm, size, rd, rn, 0, from as u8 - 1)
}

/// `sxtb`/`sxth`/`sxtw rd, rn` (`sbfm rd, rn, #0, #(bits-1)`),
/// sign-extending to `size`.
#[track_caller]
pub fn sign_extend(
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    from: ExtendFrom,
) -> u32 {
    assert!((from as u32) < size.bits(), "sign-extend to the same width");
    bitfield(BitfieldOp::Sbfm, size, rd, rn, 0, from as u8 - 1)
}

/// `ubfx`/`sbfx rd, rn, #lsb, #width`: the field of `width` bits at `lsb`,
/// zero- or sign-extended (`op` is `Ubfm` or `Sbfm`).
#[track_caller]
pub fn extract(
    op: BitfieldOp,
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    lsb: u8,
    width: u8,
) -> u32 {
    assert!(op != BitfieldOp::Bfm, "bfm does not extract");
    assert!(
        width >= 1 && u32::from(lsb) + u32::from(width) <= size.bits(),
        "field of {width} bits at {lsb}"
    );
    bitfield(op, size, rd, rn, lsb, lsb + width - 1)
}

/// `bfi rd, rn, #lsb, #width`: the low `width` bits of `rn` replace the
/// field at `lsb` of `rd` (`bfm rd, rn, #(-lsb mod size), #(width-1)`).
#[track_caller]
pub fn insert(
    size: Size,
    rd: impl Into<GprOrZr>,
    rn: impl Into<GprOrZr>,
    lsb: u8,
    width: u8,
) -> u32 {
    let bits = size.bits() as u8;
    assert!(
        width >= 1 && u32::from(lsb) + u32::from(width) <= size.bits(),
        "field of {width} bits at {lsb}"
    );
    bitfield(
        BitfieldOp::Bfm,
        size,
        rd,
        rn,
        (bits - lsb) % bits,
        width - 1,
    )
}
