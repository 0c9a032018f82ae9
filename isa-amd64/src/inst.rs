//! Machine instructions on virtual registers.
//!
//! Each [`Amd64Inst`] is one x86-64 instruction or a short fixed sequence
//! (a compare fused with its jump, a division with its wasm checks). Its
//! register operands are kept beside it as allocator [`Operand`](kiln_regalloc::Operand)s, in the
//! order each variant documents; emission reads their allocated locations
//! in the same order.

use crate::encode::Size;
use crate::encode::opcodes::{AluOp, Cond, FloatWidth, IntRmOp, ShiftOp, SseOp};
use kiln_machinst::MachInst;
use kiln_ssa::{Helper, TrapCode};

/// How the flags of a fused compare are set. The compared values are the
/// first operands of the instruction that embeds the condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// `cmp a, b`: operands `[a: Reg, b: Any]`.
    Int(Size),
    /// `cmp a, imm`: operands `[a: Reg]`.
    IntImm(Size, i32),
    /// `test a, a`: operands `[a: Reg]`.
    NonZero(Size),
    /// `test a, b`, the flags of `a & b`: operands `[a: Reg, b: Any]`.
    Test(Size),
    /// `test a, imm`, the flags of `a & imm`: operands `[a: Reg]`.
    TestImm(Size, i32),
    /// `ucomiss/ucomisd a, b`: operands `[a: Reg, b: Any]`.
    Float(FloatWidth),
}

impl Compare {
    /// How many operands the compare reads.
    pub fn num_operands(self) -> usize {
        match self {
            Compare::Int(_) | Compare::Test(_) | Compare::Float(_) => 2,
            Compare::IntImm(..) | Compare::NonZero(_) | Compare::TestImm(..) => 1,
        }
    }
}

/// Which flags decide a fused condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagTest {
    /// One x86 condition code.
    Single(Cond),
    /// Float equality: `ZF and not PF`.
    FloatEq,
    /// Float inequality: `not ZF or PF`.
    FloatNe,
}

/// A compare and the flags that make it true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Condition {
    /// How the flags are set.
    pub compare: Compare,
    /// Which flags mean "true".
    pub test: FlagTest,
}

/// An address `[base + index << shift + disp]`; the base (and index) are
/// operands of the instruction, at the position the instruction documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrMode {
    /// The shift of the index, when there is one.
    pub index_shift: Option<u8>,
    /// The displacement.
    pub disp: i32,
    /// Whether the address lies in linear memory, relying on guard pages
    /// where no explicit check precedes it: emission records an access
    /// through it as a fault site, which resumes at the `HeapOutOfBounds`
    /// trap stub.
    pub heap: bool,
}

/// What a load reads and how it extends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOp {
    /// An integer load of `size`, possibly extending with `IntRmOp`
    /// (`Load`, `Movzx8/16`, `Movsx8/16`, `Movsxd`).
    Int(IntRmOp, Size),
    /// `movss`/`movsd`.
    Float(FloatWidth),
}

/// What a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOp {
    /// The low `size` bytes of an integer register.
    Int(Size),
    /// An immediate of `size` (sign-extended 32 bits for 64-bit stores).
    IntImm(Size, i32),
    /// `movss`/`movsd`.
    Float(FloatWidth),
}

/// Integer division and remainder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivOp {
    Sdiv,
    Udiv,
    Srem,
    Urem,
}

/// A rounding direction of `ceil`, `floor`, `trunc` and `nearest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundMode {
    Nearest = 0,
    Floor = 1,
    Ceil = 2,
    Trunc = 3,
}

/// Float operations with one input and a separate output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatUnaryOp {
    Sqrt,
    /// `roundss/sd` (SSE4.1).
    Round(RoundMode),
    /// `cvtss2sd` / `cvtsd2ss`: from the width of the instruction to the
    /// other one.
    ConvertWidth,
}

/// Which function a call reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callee {
    /// A function of the module, by index (`call rel32`).
    Direct(u32),
    /// A code pointer, the first operand (`call reg`).
    Indirect,
    /// A runtime helper (SysV ABI, status in `rdx`).
    Helper(Helper),
}

/// One machine instruction; the comment of each variant gives its operands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amd64Inst {
    /// Defines the register parameters: one fixed def each.
    Args,
    /// Reads incoming stack parameter `slot`: `[def: Reg]`.
    StackArg { slot: u32 },
    /// An integer constant: `[def: Reg]`.
    Const { bits: u64 },
    /// A float constant: `[def: Reg]`.
    FloatConst { width: FloatWidth, bits: u64 },
    /// `a op b`: `[a: Reg, b: Any, def: Reuse(0)]`, or with `b` a folded
    /// load, `[a: Reg, b's address..., def: Reuse(0)]`.
    Alu {
        op: AluOp,
        size: Size,
        mem: Option<AddrMode>,
    },
    /// `a op imm`: `[a: Reg, def: Reuse(0)]`.
    AluImm { op: AluOp, size: Size, imm: i32 },
    /// `imul a, b`: operands as for [`Amd64Inst::Alu`].
    Imul { size: Size, mem: Option<AddrMode> },
    /// `imul dst, a, imm`: `[a: Any, def: Reg]`.
    ImulImm { size: Size, imm: i32 },
    /// `lea`: `[address..., def: Reg]`.
    Lea { size: Size, addr: AddrMode },
    /// Shift or rotate by `cl`: `[a: Reg, count: Fixed(rcx), def: Reuse(0)]`.
    ShiftCl { op: ShiftOp, size: Size },
    /// Shift or rotate by an immediate: `[a: Reg, def: Reuse(0)]`.
    ShiftImm { op: ShiftOp, size: Size, amount: u8 },
    /// `op dst, src` of [`IntRmOp`] (`popcnt`, `lzcnt`, `tzcnt`, `movsx`,
    /// `movzx`, `movsxd`, `mov`): `[src: Any, def: Reg]`.
    IntUnary { op: IntRmOp, size: Size },
    /// Count leading (`clz`) or trailing zeros with `bsr`/`bsf` for CPUs
    /// without `lzcnt`/`tzcnt`: `[src: Any, def: Reg]`.
    BitScan { leading: bool, size: Size },
    /// `popcnt` for CPUs without it, by the parallel bit count:
    /// `[src: Any, def: Reg, temp: EarlyDef Reg]`.
    PopcntFallback { size: Size },
    /// Division with wasm's traps: `[dividend: Fixed(rax), divisor: Reg,
    /// remainder: EarlyDef Fixed(rdx), quotient: Def Fixed(rax)]`.
    Div {
        op: DivOp,
        size: Size,
        check_zero: bool,
        check_minus_one: bool,
    },
    /// 0 or 1 from a condition: `[compare..., def: Reg]`.
    CondSet { cond: Condition },
    /// `cond ? a : b` on integers: `[compare..., a: Any, b: Reg, def: Reuse(b)]`.
    CondMove { cond: Condition, size: Size },
    /// `cond ? a : b` on floats: `[compare..., a: Reg, b: Reg, def: Reuse(b)]`.
    FloatCondMove { cond: Condition },
    /// Trap with `code` when the condition holds: `[compare...]`.
    TrapIf { cond: Condition, code: TrapCode },
    /// `[address..., def: Reg]`.
    Load { op: LoadOp, addr: AddrMode },
    /// `[address..., value: Reg]` (no value operand for immediates).
    Store { op: StoreOp, addr: AddrMode },
    /// `a = a op b`: operands as for [`Amd64Inst::Alu`].
    Sse {
        op: SseOp,
        width: FloatWidth,
        mem: Option<AddrMode>,
    },
    /// Negate (`xor` with the sign bit) or absolute value (`and` without
    /// it): `[a: Reg, def: Reuse(0)]`.
    FloatSign { negate: bool, width: FloatWidth },
    /// `[magnitude: Reg, sign: Reg, def: Reuse(0)]`.
    Copysign { width: FloatWidth },
    /// Wasm `min`/`max`: `[a: Reg, b: Reg, def: Reuse(0)]`.
    FloatMinMax { max: bool, width: FloatWidth },
    /// `[src: Any, def: Reg]`.
    FloatUnary { op: FloatUnaryOp, width: FloatWidth },
    /// `ceil`/`floor`/`trunc`/`nearest` for CPUs without SSE4.1:
    /// `[src: Any, def: Reg, temp: EarlyDef Reg]`.
    RoundFallback { mode: RoundMode, width: FloatWidth },
    /// Integer to float: `[src: Reg, def: Reg]`.
    IntToFloat {
        width: FloatWidth,
        size: Size,
        signed: bool,
    },
    /// Float to integer, trapping or saturating: `[src: Reg, def: Reg]`.
    FloatToInt {
        width: FloatWidth,
        size: Size,
        signed: bool,
        saturating: bool,
    },
    /// `movd`/`movq` from an integer: `[src: Reg, def: Reg]`.
    MovToFloat { size: Size },
    /// `movd`/`movq` to an integer: `[src: Reg, def: Reg]`.
    MovFromFloat { size: Size },
    /// A call: `[code: Reg (indirect only), register args: Fixed...,
    /// stack args: Any..., register results: Fixed defs..., results in the
    /// result area: Stack defs...]` (every register but the callee-saved
    /// integer ones is clobbered, so those results go to spill slots).
    Call {
        callee: Callee,
        reg_args: u16,
        stack_args: u16,
        stack_results: u16,
        zero_extend_i32_result: bool,
    },
    /// Clamps a `br_table` index to `targets - 1`: `[index: Reg, def: Reg]`.
    BrTableIndex { targets: u32 },
    /// Jumps to the successor that the index picks, through a table of
    /// 32-bit offsets from the table's start: `[index: Reg]`. It
    /// overwrites the index register: the index is a value of its own,
    /// made by [`Amd64Inst::BrTableIndex`] for this jump alone.
    BrTable,
    /// Unconditional jump to the single successor.
    Jump,
    /// To the first successor when the condition holds, else the second:
    /// `[compare...]`.
    Branch { cond: Condition },
    /// Return: `[register results: Fixed..., results for the result area:
    /// Any...]`; the result area starts after `stack_params` slots.
    Return {
        stack_params: u16,
        stack_results: u16,
    },
    /// Unconditional trap.
    Trap { code: TrapCode },
}

impl MachInst for Amd64Inst {
    fn args() -> Amd64Inst {
        Amd64Inst::Args
    }

    fn stack_arg(slot: u32) -> Amd64Inst {
        Amd64Inst::StackArg { slot }
    }

    fn jump() -> Amd64Inst {
        Amd64Inst::Jump
    }

    fn is_jump(&self) -> bool {
        *self == Amd64Inst::Jump
    }

    fn is_pure(&self) -> bool {
        matches!(
            self,
            Amd64Inst::Const { .. }
                | Amd64Inst::FloatConst { .. }
                | Amd64Inst::Alu { .. }
                | Amd64Inst::AluImm { .. }
                | Amd64Inst::Imul { .. }
                | Amd64Inst::ImulImm { .. }
                | Amd64Inst::Lea { .. }
                | Amd64Inst::ShiftCl { .. }
                | Amd64Inst::ShiftImm { .. }
                | Amd64Inst::IntUnary { .. }
                | Amd64Inst::CondSet { .. }
                | Amd64Inst::CondMove { .. }
                | Amd64Inst::FloatCondMove { .. }
                | Amd64Inst::Sse { .. }
                | Amd64Inst::FloatSign { .. }
                | Amd64Inst::MovToFloat { .. }
                | Amd64Inst::MovFromFloat { .. }
        )
    }
}
