//! Loads and stores: one register (general or SIMD&FP) with an immediate
//! offset, an index register, pre- or post-indexing; pairs (`ldp`/`stp`);
//! and pc-relative literal loads.
//!
//! Every single-register form shares its first bits, `size 111 V 0x opc`:
//! `size` is log2 of the access in bytes (`q` is size 0 with `opc` 1x),
//! `V` picks the SIMD&FP register file and `opc` store, load, or signed
//! load to 64 or 32 bits. A row of [`Load`], [`Store`] or [`FpSize`] gives
//! those bits; the addressing mode ([`AddrMode`]) gives the rest.

use super::{reg_a, reg_d, reg_m, reg_n};
use crate::regs::{Fpr, GprOrSp, GprOrZr};

/// A load into a general register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// A byte, zero-extended.
    Ldrb,
    /// A halfword, zero-extended.
    Ldrh,
    /// A word into a `w` register (zero-extended to 64 bits).
    LdrW,
    /// A doubleword into an `x` register.
    LdrX,
    /// A byte, sign-extended to 32 bits (then zero-extended).
    LdrsbW,
    /// A byte, sign-extended to 64 bits.
    LdrsbX,
    /// A halfword, sign-extended to 32 bits (then zero-extended).
    LdrshW,
    /// A halfword, sign-extended to 64 bits.
    LdrshX,
    /// A word, sign-extended to 64 bits.
    Ldrsw,
}

/// A store from a general register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// The low byte.
    Strb,
    /// The low halfword.
    Strh,
    /// A `w` register.
    StrW,
    /// An `x` register.
    StrX,
}

/// The part of a SIMD&FP register a load or store moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpSize {
    /// `s`: 32 bits (a load clears the rest of the register).
    S,
    /// `d`: 64 bits (a load clears the rest of the register).
    D,
    /// `q`: all 128 bits.
    Q,
}

/// The fixed bits of one access: `size`, `V` and `opc`, and log2 of its
/// width in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Access {
    bits: u32,
    log2_bytes: u8,
}

const fn access(size: u32, simd: bool, opc: u32) -> Access {
    Access {
        bits: size << 30 | (simd as u32) << 26 | opc << 22,
        log2_bytes: if simd && opc >= 2 { 4 } else { size as u8 },
    }
}

impl Load {
    const fn access(self) -> Access {
        match self {
            Load::Ldrb => access(0, false, 1),
            Load::LdrsbX => access(0, false, 2),
            Load::LdrsbW => access(0, false, 3),
            Load::Ldrh => access(1, false, 1),
            Load::LdrshX => access(1, false, 2),
            Load::LdrshW => access(1, false, 3),
            Load::LdrW => access(2, false, 1),
            Load::Ldrsw => access(2, false, 2),
            Load::LdrX => access(3, false, 1),
        }
    }

    /// The width of the access in bytes.
    pub const fn bytes(self) -> u32 {
        1 << self.access().log2_bytes
    }
}

impl Store {
    const fn access(self) -> Access {
        match self {
            Store::Strb => access(0, false, 0),
            Store::Strh => access(1, false, 0),
            Store::StrW => access(2, false, 0),
            Store::StrX => access(3, false, 0),
        }
    }

    /// The width of the access in bytes.
    pub const fn bytes(self) -> u32 {
        1 << self.access().log2_bytes
    }
}

impl FpSize {
    const fn load(self) -> Access {
        match self {
            FpSize::S => access(2, true, 1),
            FpSize::D => access(3, true, 1),
            FpSize::Q => access(0, true, 3),
        }
    }

    const fn store(self) -> Access {
        match self {
            FpSize::S => access(2, true, 0),
            FpSize::D => access(3, true, 0),
            FpSize::Q => access(0, true, 2),
        }
    }

    /// The width of the access in bytes.
    pub const fn bytes(self) -> u32 {
        1 << self.load().log2_bytes
    }
}

/// `[base, #offset]` with `offset` a multiple of the access width, from 0
/// to 4095 times it (`ldr`/`str`, unsigned offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaledOffset {
    imm12: u16,
    log2_bytes: u8,
}

impl ScaledOffset {
    /// `offset` for an access of `bytes` (1, 2, 4, 8 or 16), if it fits.
    pub fn new(offset: i64, bytes: u32) -> Option<ScaledOffset> {
        debug_assert!(bytes.is_power_of_two() && bytes <= 16);
        let scaled = offset / i64::from(bytes);
        (offset % i64::from(bytes) == 0 && (0..1 << 12).contains(&scaled)).then_some(ScaledOffset {
            imm12: scaled as u16,
            log2_bytes: bytes.trailing_zeros() as u8,
        })
    }
}

/// A byte offset from -256 to 255: `ldur`/`stur`, and the writeback of
/// pre- and post-indexing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnscaledOffset(i16);

impl UnscaledOffset {
    /// `offset`, if it fits.
    pub fn new(offset: i64) -> Option<UnscaledOffset> {
        (-256..256)
            .contains(&offset)
            .then_some(UnscaledOffset(offset as i16))
    }

    /// The 9-bit field at bits 20:12.
    fn bits(self) -> u32 {
        (self.0 as u32 & 0x1FF) << 12
    }
}

/// How an index register is widened and scaled before it is added to the
/// base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexExtend {
    /// A `w` index, zero-extended.
    Uxtw = 0b010,
    /// An `x` index (`lsl`).
    Lsl = 0b011,
    /// A `w` index, sign-extended.
    Sxtw = 0b110,
    /// An `x` index (`sxtx`, the same as `lsl`).
    Sxtx = 0b111,
}

/// How a single-register load or store forms its address from the base
/// register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrMode {
    /// `[base, #offset]`, scaled unsigned (`ldr`/`str`).
    Scaled(ScaledOffset),
    /// `[base, #offset]`, unscaled signed (`ldur`/`stur`).
    Unscaled(UnscaledOffset),
    /// `[base, #offset]!`: the base is updated first and used.
    PreIndex(UnscaledOffset),
    /// `[base], #offset`: the base is used, then updated.
    PostIndex(UnscaledOffset),
    /// `[base, index, extend #shift]`: `shift` is log2 of the access width
    /// when `scaled`, else 0.
    Index {
        /// The index register (`xzr`/`wzr` when number 31).
        index: GprOrZr,
        /// How the index is widened.
        extend: IndexExtend,
        /// Whether the index is multiplied by the access width.
        scaled: bool,
    },
}

impl AddrMode {
    /// `[base, #offset]` for an access of `bytes`: the scaled form when it
    /// fits, else the unscaled one, else none.
    pub fn offset(offset: i64, bytes: u32) -> Option<AddrMode> {
        ScaledOffset::new(offset, bytes)
            .map(AddrMode::Scaled)
            .or_else(|| UnscaledOffset::new(offset).map(AddrMode::Unscaled))
    }
}

// The class bits of each addressing mode, ORed with the `size 111 V 0x opc`
// row: bits 25:24 and, for the unscaled, indexed and register forms, 21 and
// 11:10.
const UNSIGNED_OFFSET: u32 = 0x3900_0000;
const UNSCALED: u32 = 0x3800_0000;
const POST_INDEX: u32 = 0x3800_0400;
const PRE_INDEX: u32 = 0x3800_0C00;
const REGISTER_OFFSET: u32 = 0x3820_0800;

#[track_caller]
fn single(access: Access, rt: u8, base: GprOrSp, mode: AddrMode) -> u32 {
    let operands = reg_n(base.hw()) | reg_d(rt);
    access.bits
        | operands
        | match mode {
            AddrMode::Scaled(offset) => {
                assert_eq!(
                    offset.log2_bytes, access.log2_bytes,
                    "offset scaled for another width"
                );
                UNSIGNED_OFFSET | u32::from(offset.imm12) << 10
            }
            AddrMode::Unscaled(offset) => UNSCALED | offset.bits(),
            AddrMode::PreIndex(offset) => PRE_INDEX | offset.bits(),
            AddrMode::PostIndex(offset) => POST_INDEX | offset.bits(),
            AddrMode::Index {
                index,
                extend,
                scaled,
            } => {
                REGISTER_OFFSET
                    | reg_m(index.hw())
                    | (extend as u32) << 13
                    | u32::from(scaled) << 12
            }
        }
}

/// `op rt, address` (the base's register 31 is `sp`, the data's `xzr`).
#[track_caller]
pub fn load(op: Load, rt: impl Into<GprOrZr>, base: impl Into<GprOrSp>, mode: AddrMode) -> u32 {
    single(op.access(), rt.into().hw(), base.into(), mode)
}

/// `op rt, address`.
#[track_caller]
pub fn store(op: Store, rt: impl Into<GprOrZr>, base: impl Into<GprOrSp>, mode: AddrMode) -> u32 {
    single(op.access(), rt.into().hw(), base.into(), mode)
}

/// `ldr st/dt/qt, address`.
#[track_caller]
pub fn fp_load(size: FpSize, rt: Fpr, base: impl Into<GprOrSp>, mode: AddrMode) -> u32 {
    single(size.load(), rt.hw(), base.into(), mode)
}

/// `str st/dt/qt, address`.
#[track_caller]
pub fn fp_store(size: FpSize, rt: Fpr, base: impl Into<GprOrSp>, mode: AddrMode) -> u32 {
    single(size.store(), rt.hw(), base.into(), mode)
}

/// The offset of a pair: a multiple of the width of one register, from -64
/// to 63 times it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairOffset {
    imm7: i8,
    log2_bytes: u8,
}

impl PairOffset {
    /// `offset` for a pair of registers of `bytes` each (4, 8 or 16), if it
    /// fits.
    pub fn new(offset: i64, bytes: u32) -> Option<PairOffset> {
        debug_assert!(bytes.is_power_of_two() && (4..=16).contains(&bytes));
        let scaled = offset / i64::from(bytes);
        (offset % i64::from(bytes) == 0 && (-64..64).contains(&scaled)).then_some(PairOffset {
            imm7: scaled as i8,
            log2_bytes: bytes.trailing_zeros() as u8,
        })
    }
}

/// How a pair forms its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairMode {
    /// `[base, #offset]`.
    Offset(PairOffset),
    /// `[base, #offset]!`.
    PreIndex(PairOffset),
    /// `[base], #offset`.
    PostIndex(PairOffset),
}

/// The registers of a pair: `opc 101 V 0` (bits 31:26).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum PairRegs {
    W = 0x2800_0000,
    X = 0xA800_0000,
    S = 0x2C00_0000,
    D = 0x6C00_0000,
    Q = 0xAC00_0000,
}

/// The width of a pair of general registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairSize {
    /// Two `w` registers.
    W,
    /// Two `x` registers.
    X,
}

/// Bit 22 of pairs: load.
const PAIR_LOAD: u32 = 1 << 22;

#[track_caller]
fn pair(regs: PairRegs, log2_bytes: u8, rt1: u8, rt2: u8, base: GprOrSp, mode: PairMode) -> u32 {
    let (index, offset) = match mode {
        PairMode::PostIndex(offset) => (0b01, offset),
        PairMode::Offset(offset) => (0b10, offset),
        PairMode::PreIndex(offset) => (0b11, offset),
    };
    assert_eq!(
        offset.log2_bytes, log2_bytes,
        "pair offset scaled for another width"
    );
    regs as u32
        | index << 23
        | (offset.imm7 as u32 & 0x7F) << 15
        | reg_a(rt2)
        | reg_n(base.hw())
        | reg_d(rt1)
}

fn pair_regs(size: PairSize) -> (PairRegs, u8) {
    match size {
        PairSize::W => (PairRegs::W, 2),
        PairSize::X => (PairRegs::X, 3),
    }
}

fn fp_pair_regs(size: FpSize) -> (PairRegs, u8) {
    match size {
        FpSize::S => (PairRegs::S, 2),
        FpSize::D => (PairRegs::D, 3),
        FpSize::Q => (PairRegs::Q, 4),
    }
}

/// `ldp rt1, rt2, address`.
#[track_caller]
pub fn load_pair(
    size: PairSize,
    rt1: impl Into<GprOrZr>,
    rt2: impl Into<GprOrZr>,
    base: impl Into<GprOrSp>,
    mode: PairMode,
) -> u32 {
    let (regs, log2) = pair_regs(size);
    pair(
        regs,
        log2,
        rt1.into().hw(),
        rt2.into().hw(),
        base.into(),
        mode,
    ) | PAIR_LOAD
}

/// `stp rt1, rt2, address`.
#[track_caller]
pub fn store_pair(
    size: PairSize,
    rt1: impl Into<GprOrZr>,
    rt2: impl Into<GprOrZr>,
    base: impl Into<GprOrSp>,
    mode: PairMode,
) -> u32 {
    let (regs, log2) = pair_regs(size);
    pair(
        regs,
        log2,
        rt1.into().hw(),
        rt2.into().hw(),
        base.into(),
        mode,
    )
}

/// `ldp` of two `s`, `d` or `q` registers.
#[track_caller]
pub fn fp_load_pair(
    size: FpSize,
    rt1: Fpr,
    rt2: Fpr,
    base: impl Into<GprOrSp>,
    mode: PairMode,
) -> u32 {
    let (regs, log2) = fp_pair_regs(size);
    pair(regs, log2, rt1.hw(), rt2.hw(), base.into(), mode) | PAIR_LOAD
}

/// `stp` of two `s`, `d` or `q` registers.
#[track_caller]
pub fn fp_store_pair(
    size: FpSize,
    rt1: Fpr,
    rt2: Fpr,
    base: impl Into<GprOrSp>,
    mode: PairMode,
) -> u32 {
    let (regs, log2) = fp_pair_regs(size);
    pair(regs, log2, rt1.hw(), rt2.hw(), base.into(), mode)
}

/// Load (literal): `opc 011 V 00 imm19 Rt`, a load from pc + 4 × imm19.
const LOAD_LITERAL: u32 = 0x1800_0000;

/// `ldr rt, <literal>` with a zero offset, for [`Load::LdrW`],
/// [`Load::LdrX`] and [`Load::Ldrsw`]; the offset is filled in with
/// [`super::branch::PcRelField::Imm19`].
#[track_caller]
pub fn load_literal(op: Load, rt: impl Into<GprOrZr>) -> u32 {
    let opc = match op {
        Load::LdrW => 0b00,
        Load::LdrX => 0b01,
        Load::Ldrsw => 0b10,
        _ => panic!("no literal form of {op:?}"),
    };
    LOAD_LITERAL | opc << 30 | reg_d(rt.into().hw())
}

/// `ldr st/dt/qt, <literal>` with a zero offset (see [`load_literal`]).
pub fn fp_load_literal(size: FpSize, rt: Fpr) -> u32 {
    let opc = match size {
        FpSize::S => 0b00,
        FpSize::D => 0b01,
        FpSize::Q => 0b10,
    };
    LOAD_LITERAL | 1 << 26 | opc << 30 | reg_d(rt.hw())
}
