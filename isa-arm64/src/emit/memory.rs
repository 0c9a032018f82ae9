//! Loads and stores: the frame's (spill slots, saved registers, stack
//! arguments) and linear memory's, through one [`Address`] type that falls
//! back to a register offset in `x17` (or `x16` when `x17` is the base)
//! when an offset does not fit the instruction.

use super::asm::{base, xr};
use super::{Emitter, fpr, gpr};
use crate::encode::Size;
use crate::encode::arith::{self, AddSubOp, Extend};
use crate::encode::float::FloatWidth;
use crate::encode::memory::{
    AddrMode, FpSize, IndexExtend, Load, Store, fp_load, fp_store, load, store,
};
use crate::regs::{GprOrSp, GprOrZr, SP, X16, X17};
use kiln_regalloc::RegClass;

/// One kind of single-register access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Load(Load),
    Store(Store),
    FpLoad(FpSize),
    FpStore(FpSize),
}

impl Access {
    /// The 8-byte load or store of a register of `class`.
    pub fn of_class(class: RegClass, load: bool) -> Access {
        match (class, load) {
            (RegClass::Int, true) => Access::Load(Load::LdrX),
            (RegClass::Int, false) => Access::Store(Store::StrX),
            (RegClass::Float, true) => Access::FpLoad(FpSize::D),
            (RegClass::Float, false) => Access::FpStore(FpSize::D),
        }
    }

    /// The access of a float of `width`.
    pub fn float(width: FloatWidth, load: bool) -> Access {
        let size = match width {
            FloatWidth::F32 => FpSize::S,
            FloatWidth::F64 => FpSize::D,
        };
        if load {
            Access::FpLoad(size)
        } else {
            Access::FpStore(size)
        }
    }

    /// The bytes accessed.
    pub fn bytes(self) -> u32 {
        match self {
            Access::Load(op) => op.bytes(),
            Access::Store(op) => op.bytes(),
            Access::FpLoad(size) | Access::FpStore(size) => size.bytes(),
        }
    }

    fn word(self, rt: u8, base: GprOrSp, mode: AddrMode) -> u32 {
        let int = || -> GprOrZr {
            if rt == 31 {
                crate::regs::XZR
            } else {
                gpr(rt).into()
            }
        };
        match self {
            Access::Load(op) => load(op, int(), base, mode),
            Access::Store(op) => store(op, int(), base, mode),
            Access::FpLoad(size) => fp_load(size, fpr(rt), base, mode),
            Access::FpStore(size) => fp_store(size, fpr(rt), base, mode),
        }
    }

    /// The mnemonic and the name of the transferred register.
    fn text(self, rt: u8) -> (&'static str, String) {
        let float = |size: FpSize| match size {
            FpSize::S => format!("s{rt}"),
            FpSize::D => format!("d{rt}"),
            FpSize::Q => format!("q{rt}"),
        };
        match self {
            Access::Load(op) => {
                let (name, size) = match op {
                    Load::Ldrb => ("ldrb", Size::S32),
                    Load::Ldrh => ("ldrh", Size::S32),
                    Load::LdrW => ("ldr", Size::S32),
                    Load::LdrX => ("ldr", Size::S64),
                    Load::LdrsbW => ("ldrsb", Size::S32),
                    Load::LdrsbX => ("ldrsb", Size::S64),
                    Load::LdrshW => ("ldrsh", Size::S32),
                    Load::LdrshX => ("ldrsh", Size::S64),
                    Load::Ldrsw => ("ldrsw", Size::S64),
                };
                (name, xr(size, rt))
            }
            Access::Store(op) => {
                let (name, size) = match op {
                    Store::Strb => ("strb", Size::S32),
                    Store::Strh => ("strh", Size::S32),
                    Store::StrW => ("str", Size::S32),
                    Store::StrX => ("str", Size::S64),
                };
                (name, xr(size, rt))
            }
            Access::FpLoad(size) => ("ldr", float(size)),
            Access::FpStore(size) => ("str", float(size)),
        }
    }
}

/// An address as registers and an offset (register number 31 is `sp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Address {
    /// `[base, #offset]`.
    Offset { base: u8, offset: i64 },
    /// `[base, index, extend]`.
    Index {
        base: u8,
        index: u8,
        extend: IndexExtend,
    },
}

impl Address {
    /// `[base, #offset]`.
    pub fn offset(base: u8, offset: i64) -> Address {
        Address::Offset { base, offset }
    }
}

/// The base register operand for number `hw` (31 is `sp`).
fn base_reg(hw: u8) -> GprOrSp {
    if hw == 31 { SP } else { gpr(hw).into() }
}

/// The text of an address.
fn address_text(address: Address) -> String {
    match address {
        Address::Offset { base: b, offset: 0 } => format!("[{}]", base(b)),
        Address::Offset { base: b, offset } => format!("[{}, #{offset}]", base(b)),
        Address::Index {
            base: b,
            index,
            extend,
        } => match extend {
            IndexExtend::Uxtw => format!("[{}, w{index}, uxtw]", base(b)),
            _ => format!("[{}, x{index}]", base(b)),
        },
    }
}

impl Emitter<'_> {
    /// Emits `access` of register `rt` at `address`; an offset that does
    /// not fit goes through `x17` first. With `fault_stub`, the access
    /// itself (the last instruction) is recorded as a fault site.
    pub(super) fn access_at(
        &mut self,
        access: Access,
        rt: u8,
        address: Address,
        fault_stub: Option<kiln_machinst::Label>,
    ) {
        let (address, mode) = match address {
            Address::Offset { base, offset } => match AddrMode::offset(offset, access.bytes()) {
                Some(mode) => (address, mode),
                None => {
                    // `x17` holds the offset, unless it is the base (an
                    // address of linear memory, where `x16` is free).
                    let temp = if base == X17.hw() { X16.hw() } else { X17.hw() };
                    self.mov_imm(Size::S64, temp, offset as u64);
                    let address = Address::Index {
                        base,
                        index: temp,
                        extend: IndexExtend::Lsl,
                    };
                    (address, index_mode(temp, IndexExtend::Lsl))
                }
            },
            Address::Index { index, extend, .. } => (address, index_mode(index, extend)),
        };
        let base = match address {
            Address::Offset { base, .. } | Address::Index { base, .. } => base,
        };
        if let Some(stub) = fault_stub {
            self.asm.fault_site(stub);
        }
        self.asm.put(access.word(rt, base_reg(base), mode), || {
            let (name, reg) = access.text(rt);
            format!("{name} {reg}, {}", address_text(address))
        });
    }

    /// Emits `access` of register `rt` at `address` in the frame or the
    /// runtime's records.
    pub(super) fn access(&mut self, access: Access, rt: u8, address: Address) {
        self.access_at(access, rt, address, None);
    }

    /// `x17 = base + extend(index)`.
    pub(super) fn add_index(&mut self, base: u8, index: u8, extend: IndexExtend) {
        let (ext, text) = match extend {
            IndexExtend::Uxtw => (Extend::Uxtw, format!("w{index}, uxtw")),
            _ => (Extend::Uxtx, format!("x{index}")),
        };
        let word = arith::add_sub_extended(
            AddSubOp::Add,
            Size::S64,
            X17,
            base_reg(base),
            gpr(index),
            ext,
            0,
        );
        self.asm.put(word, || {
            format!("add x17, {}, {text}", super::asm::base(base))
        });
    }
}

fn index_mode(index: u8, extend: IndexExtend) -> AddrMode {
    AddrMode::Index {
        index: gpr(index).into(),
        extend,
        scaled: false,
    }
}
