//! The AArch64 encoder: operands in, 32-bit instruction words out.
//!
//! Every A64 instruction is one 32-bit word (stored little-endian). Within
//! an instruction class the operand fields sit at fixed positions and the
//! remaining bits select the instruction, so each module holds, per class,
//! a table of those fixed bits (one row per instruction) and one function
//! that ORs the operands into a row.
//!
//! How operands are checked:
//!
//! - Immediates whose encodability a lowering has to decide are types whose
//!   constructor is the check: [`arith::Imm12`], [`bitmask::LogicalImm`],
//!   [`float::FpImm8`], and the offsets of [`memory`]. An encoder given
//!   them cannot fail.
//! - A pc-relative offset is a distance the code buffer measures: every
//!   pc-relative instruction is encoded with a zero offset, and
//!   [`branch::PcRelField::patch`] fills the field in once the target is
//!   known (and again when a veneer moves it).
//! - Operands the lowering fixes by construction (shift amounts, bit
//!   positions, register widths that must agree) are checked with
//!   assertions: a violation is a bug in the caller, and the encoder panics
//!   rather than emit some other instruction.
//!
//! Register number 31 is typed (see [`crate::regs`]): an encoder takes a
//! `GprOrSp` where the instruction reads 31 as `sp` and a `GprOrZr` where it
//! reads it as `xzr`.

pub mod arith;
pub mod bitfield;
pub mod bitmask;
pub mod branch;
pub mod constant;
pub mod float;
pub mod logical;
pub mod memory;
pub mod select;
pub mod system;

/// The width of an integer operation: the `sf` bit. 32-bit operations
/// read the low halves of their sources (`w` registers) and write their
/// destination zero-extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 32 bits (`w` registers).
    S32,
    /// 64 bits (`x` registers).
    S64,
}

impl Size {
    /// The number of bits.
    pub const fn bits(self) -> u32 {
        match self {
            Size::S32 => 32,
            Size::S64 => 64,
        }
    }

    /// The `sf` bit (bit 31) of data-processing instructions.
    const fn sf(self) -> u32 {
        match self {
            Size::S32 => 0,
            Size::S64 => 1 << 31,
        }
    }
}

/// A condition on the flags (NZCV), as `b.cond`, `csel` and `ccmp` read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// Equal (Z).
    Eq = 0,
    /// Not equal (!Z).
    Ne = 1,
    /// Unsigned higher or same, carry set (C).
    Hs = 2,
    /// Unsigned lower, carry clear (!C).
    Lo = 3,
    /// Negative (N).
    Mi = 4,
    /// Positive or zero (!N).
    Pl = 5,
    /// Overflow (V).
    Vs = 6,
    /// No overflow (!V).
    Vc = 7,
    /// Unsigned higher (C && !Z).
    Hi = 8,
    /// Unsigned lower or same (!C || Z).
    Ls = 9,
    /// Signed greater or equal (N == V).
    Ge = 10,
    /// Signed less than (N != V).
    Lt = 11,
    /// Signed greater than (!Z && N == V).
    Gt = 12,
    /// Signed less or equal (Z || N != V).
    Le = 13,
    /// Always.
    Al = 14,
    /// Always as well (the encoding of "never" executes as `al`).
    Nv = 15,
}

impl Cond {
    /// The opposite condition: flipping the low bit negates every
    /// condition but `al`/`nv`.
    pub const fn invert(self) -> Cond {
        const ALL: [Cond; 16] = [
            Cond::Eq,
            Cond::Ne,
            Cond::Hs,
            Cond::Lo,
            Cond::Mi,
            Cond::Pl,
            Cond::Vs,
            Cond::Vc,
            Cond::Hi,
            Cond::Ls,
            Cond::Ge,
            Cond::Lt,
            Cond::Gt,
            Cond::Le,
            Cond::Al,
            Cond::Nv,
        ];
        ALL[self as usize ^ 1]
    }

    /// The 4-bit field.
    const fn bits(self) -> u32 {
        self as u32
    }
}

/// The shift applied to the last register operand of the shifted-register
/// forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    /// Logical shift left.
    Lsl = 0,
    /// Logical shift right.
    Lsr = 1,
    /// Arithmetic shift right.
    Asr = 2,
    /// Rotate right (logical instructions only).
    Ror = 3,
}

/// A short sequence of instruction words, for operations the ISA does in
/// several instructions (at most four).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    words: [u32; 4],
    len: usize,
}

impl Words {
    /// No words yet.
    const fn new() -> Words {
        Words {
            words: [0; 4],
            len: 0,
        }
    }

    /// Appends a word.
    fn push(&mut self, word: u32) {
        self.words[self.len] = word;
        self.len += 1;
    }
}

impl core::ops::Deref for Words {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.words[..self.len]
    }
}

/// The destination (or transferred) register field, bits 4:0.
const fn reg_d(hw: u8) -> u32 {
    hw as u32
}

/// The first source (or base) register field, bits 9:5.
const fn reg_n(hw: u8) -> u32 {
    (hw as u32) << 5
}

/// The second source register field, bits 20:16.
const fn reg_m(hw: u8) -> u32 {
    (hw as u32) << 16
}

/// The third register field (`Ra` of multiply-add, `Rt2` of pairs), bits 14:10.
const fn reg_a(hw: u8) -> u32 {
    (hw as u32) << 10
}

/// `value` as an unsigned field of `width` bits at bit `at`. A value that
/// does not fit is a bug in the caller (see the module comment).
#[track_caller]
fn field(value: u32, width: u32, at: u32) -> u32 {
    assert!(
        value < 1 << width,
        "{value} does not fit an instruction field of {width} bits"
    );
    value << at
}
