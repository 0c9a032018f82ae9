//! Move wide (`movz`, `movn`, `movk`) and the materialization of any
//! constant in a register with the fewest of them, or one `orr` of a
//! logical immediate.

use super::bitmask::LogicalImm;
use super::logical::{LogicalImmOp, logical_imm};
use super::{Size, Words, field, reg_d};
use crate::regs::{Gpr, GprOrZr};

/// Move wide (immediate): `sf opc 100101 hw imm16 Rd`, a 16-bit immediate
/// shifted left by 16 × `hw`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MoveWideOp {
    /// `rd = !(imm16 << shift)`.
    Movn = 0x1280_0000,
    /// `rd = imm16 << shift`.
    Movz = 0x5280_0000,
    /// Replace bits `shift + 15 : shift` of `rd` with `imm16`.
    Movk = 0x7280_0000,
}

/// `op rd, #imm16, lsl #shift`; `shift` is 0 or 16 (32-bit), or 0, 16, 32
/// or 48 (64-bit).
#[track_caller]
pub fn move_wide(op: MoveWideOp, size: Size, rd: impl Into<GprOrZr>, imm16: u16, shift: u8) -> u32 {
    assert!(
        shift.is_multiple_of(16) && u32::from(shift) < size.bits(),
        "move wide shifted by {shift}"
    );
    op as u32
        | size.sf()
        | field(u32::from(shift / 16), 2, 21)
        | u32::from(imm16) << 5
        | reg_d(rd.into().hw())
}

/// The instructions that put `value` in `rd`: one `movz` or `movn`, one
/// `orr rd, xzr, #value`, or a `movz`/`movn` followed by a `movk` for every
/// other halfword that differs from the background. For 32-bit operations
/// only the low 32 bits of `value` count; a 64-bit value whose upper half is
/// zero may come out as 32-bit instructions, which zero the upper half.
pub fn mov_imm(size: Size, rd: Gpr, value: u64) -> Words {
    let words = mov_imm_of_width(size, rd, value);
    if size == Size::S64 && value >> 32 == 0 {
        let narrow = mov_imm_of_width(Size::S32, rd, value);
        if narrow.len() < words.len() {
            return narrow;
        }
    }
    words
}

/// [`mov_imm`] in instructions of `size` only.
fn mov_imm_of_width(size: Size, rd: Gpr, value: u64) -> Words {
    let halfwords = (size.bits() / 16) as u8;
    let halfword = |i: u8| (value >> (16 * i)) as u16;
    let count = |of: u16| (0..halfwords).filter(|&i| halfword(i) == of).count();
    // Start from all zeros (`movz`) or all ones (`movn`), whichever leaves
    // fewer halfwords to set.
    let (first, background) = if count(0xFFFF) > count(0) {
        (MoveWideOp::Movn, 0xFFFF)
    } else {
        (MoveWideOp::Movz, 0)
    };
    let mut words = Words::new();
    for i in 0..halfwords {
        let part = halfword(i);
        if part == background {
            continue;
        }
        words.push(if words.is_empty() {
            let imm = if first == MoveWideOp::Movn {
                !part
            } else {
                part
            };
            move_wide(first, size, rd, imm, 16 * i)
        } else {
            move_wide(MoveWideOp::Movk, size, rd, part, 16 * i)
        });
    }
    if words.is_empty() {
        words.push(move_wide(first, size, rd, 0, 0));
    }
    if words.len() > 1
        && let Some(imm) = LogicalImm::new(value, size)
    {
        let mut orr = Words::new();
        orr.push(logical_imm(LogicalImmOp::Orr, rd, GprOrZr::Zr, imm));
        return orr;
    }
    words
}
