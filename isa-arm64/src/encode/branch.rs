//! Branches and pc-relative addresses, and the offset fields the code
//! buffer patches.
//!
//! Each pc-relative instruction is encoded here with its offset field zero
//! (a branch to itself, an address of itself). [`PcRelField::patch`] writes
//! the offset from the instruction's own address to its target, once the
//! code buffer knows it, and writes it again when a veneer takes over a
//! branch that cannot reach. Each field has a fixed range:
//!
//! | field | instructions | bits | range (bytes) |
//! | --- | --- | --- | --- |
//! | [`Imm26`](PcRelField::Imm26) | `b`, `bl` | 25:0, × 4 | ±128 MiB |
//! | [`Imm19`](PcRelField::Imm19) | `b.cond`, `cbz`, `cbnz`, `ldr` literal | 23:5, × 4 | ±1 MiB |
//! | [`Imm14`](PcRelField::Imm14) | `tbz`, `tbnz` | 18:5, × 4 | ±32 KiB |
//! | [`Adr`](PcRelField::Adr) | `adr` | 23:5 high, 30:29 low, × 1 | ±1 MiB |
//! | [`Adrp`](PcRelField::Adrp) | `adrp` | 23:5 high, 30:29 low, × 4 KiB | ±4 GiB |
//!
//! An `adrp` offset is from the 4 KiB page of the instruction to the page of
//! the target, so it is a multiple of 4096.

use super::{Cond, Size, field, reg_d, reg_n};
use crate::regs::{Gpr, GprOrZr};

/// A pc-relative offset field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcRelField {
    /// 26 bits of words: `b`, `bl`.
    Imm26,
    /// 19 bits of words: `b.cond`, `cbz`, `cbnz`, `ldr` (literal).
    Imm19,
    /// 14 bits of words: `tbz`, `tbnz`.
    Imm14,
    /// 21 bits of bytes, split in two: `adr`.
    Adr,
    /// 21 bits of 4 KiB pages, split in two: `adrp`.
    Adrp,
}

impl PcRelField {
    /// The width of the field in bits and log2 of the unit it counts.
    const fn layout(self) -> (u32, u32) {
        match self {
            PcRelField::Imm26 => (26, 2),
            PcRelField::Imm19 => (19, 2),
            PcRelField::Imm14 => (14, 2),
            PcRelField::Adr => (21, 0),
            PcRelField::Adrp => (21, 12),
        }
    }

    /// The lowest and highest offsets in bytes that the field holds.
    pub const fn range(self) -> (i64, i64) {
        let (width, unit) = self.layout();
        (-(1 << (width - 1 + unit)), ((1 << (width - 1)) - 1) << unit)
    }

    /// Whether `offset` is in range and a multiple of the field's unit.
    pub fn fits(self, offset: i64) -> bool {
        let (_, unit) = self.layout();
        let (low, high) = self.range();
        offset & ((1 << unit) - 1) == 0 && (low..=high).contains(&offset)
    }

    /// The bits of the field within the instruction.
    const fn mask(self) -> u32 {
        match self {
            PcRelField::Imm26 => 0x03FF_FFFF,
            PcRelField::Imm19 => 0x00FF_FFE0,
            PcRelField::Imm14 => 0x0007_FFE0,
            PcRelField::Adr | PcRelField::Adrp => 0x60FF_FFE0,
        }
    }

    /// `word` with its offset field set to `offset` bytes, or `None` when
    /// the field cannot hold it.
    pub fn patch(self, word: u32, offset: i64) -> Option<u32> {
        if !self.fits(offset) {
            return None;
        }
        let (width, unit) = self.layout();
        let value = (offset >> unit) as u32 & ((1 << width) - 1);
        let bits = match self {
            PcRelField::Imm26 => value,
            PcRelField::Imm19 | PcRelField::Imm14 => value << 5,
            PcRelField::Adr | PcRelField::Adrp => (value & 3) << 29 | (value >> 2) << 5,
        };
        Some(word & !self.mask() | bits)
    }

    /// The offset in bytes that `word`'s field holds.
    pub fn offset(self, word: u32) -> i64 {
        let (width, unit) = self.layout();
        let value = match self {
            PcRelField::Imm26 => word & self.mask(),
            PcRelField::Imm19 | PcRelField::Imm14 => (word & self.mask()) >> 5,
            PcRelField::Adr | PcRelField::Adrp => (word >> 29) & 3 | ((word >> 5) & 0x7FFFF) << 2,
        };
        // Sign-extend from the field's width, then scale.
        let shift = 64 - width;
        ((i64::from(value) << shift) >> shift) << unit
    }
}

/// `b <target>`.
pub const fn b() -> u32 {
    0x1400_0000
}

/// `bl <target>`: also writes the return address to `x30`.
pub const fn bl() -> u32 {
    0x9400_0000
}

/// `b.cond <target>`.
pub const fn b_cond(cond: Cond) -> u32 {
    0x5400_0000 | cond.bits()
}

/// Compare and branch: `sf 011010 op imm19 Rt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum CompareBranchOp {
    /// Branch if zero.
    Cbz = 0x3400_0000,
    /// Branch if not zero.
    Cbnz = 0x3500_0000,
}

/// `cbz`/`cbnz rt, <target>`.
pub fn compare_branch(op: CompareBranchOp, size: Size, rt: impl Into<GprOrZr>) -> u32 {
    op as u32 | size.sf() | reg_d(rt.into().hw())
}

/// Test bit and branch: `b5 011011 op b40 imm14 Rt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum TestBranchOp {
    /// Branch if the bit is zero.
    Tbz = 0x3600_0000,
    /// Branch if the bit is one.
    Tbnz = 0x3700_0000,
}

/// `tbz`/`tbnz rt, #bit, <target>`, `bit` in 0..=63.
#[track_caller]
pub fn test_branch(op: TestBranchOp, rt: impl Into<GprOrZr>, bit: u8) -> u32 {
    let bit = field(u32::from(bit), 6, 0);
    op as u32 | (bit >> 5) << 31 | (bit & 0x1F) << 19 | reg_d(rt.into().hw())
}

/// Branch to a register: `1101011 0 0 op 11111 000000 Rn 00000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BranchRegOp {
    /// `br`: jump.
    Br = 0xD61F_0000,
    /// `blr`: call (writes the return address to `x30`).
    Blr = 0xD63F_0000,
    /// `ret`: return (a jump with a hint for the return-address predictor).
    Ret = 0xD65F_0000,
}

/// `br`/`blr`/`ret rn`.
pub fn branch_reg(op: BranchRegOp, rn: Gpr) -> u32 {
    op as u32 | reg_n(rn.hw())
}

/// `adr rd, <target>`: the address of the target.
pub fn adr(rd: Gpr) -> u32 {
    0x1000_0000 | reg_d(rd.hw())
}

/// `adrp rd, <target>`: the address of the target's 4 KiB page.
pub fn adrp(rd: Gpr) -> u32 {
    0x9000_0000 | reg_d(rd.hw())
}
