//! Machine instructions on virtual registers.
//!
//! Each [`Arm64Inst`] is one AArch64 instruction or a short fixed sequence
//! (a compare fused with its branch, a division with its wasm checks, a
//! trapping conversion with its range checks). Its register operands are
//! kept beside it as allocator [`Operand`](kiln_regalloc::Operand)s, in the
//! order each variant documents; emission reads their allocated locations
//! in the same order. AArch64 is a three-address machine: every operand is
//! a register, except the stack arguments and results of calls.

use crate::encode::Cond;
use crate::encode::Size;
use crate::encode::float::{FloatWidth, FpBinaryOp, FpUnaryOp};
use crate::encode::memory::IndexExtend;
use kiln_machinst::MachInst;
use kiln_ssa::{Helper, TrapCode};

/// How the flags of a fused condition are set. The compared values are the
/// first operands of the instruction that embeds the condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// `cmp a, b`: operands `[a, b]`.
    Int(Size),
    /// `cmp a, #imm` (or `cmn a, #-imm` when `negated`): operands `[a]`.
    IntImm {
        /// The width of the compare.
        size: Size,
        /// The 12-bit immediate (possibly shifted by 12).
        imm: u32,
        /// `cmn`: the compared constant is `-imm`.
        negated: bool,
    },
    /// A test of `a` against zero: operands `[a]`. A branch on it is a
    /// `cbz`/`cbnz`, other users compare with `#0`.
    Zero(Size),
    /// `fcmp a, b`: operands `[a, b]`.
    Float(FloatWidth),
}

impl Compare {
    /// How many operands the compare reads.
    pub fn num_operands(self) -> usize {
        match self {
            Compare::Int(_) | Compare::Float(_) => 2,
            Compare::IntImm { .. } | Compare::Zero(_) => 1,
        }
    }
}

/// A compare and the condition on its flags that makes it true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Condition {
    /// How the flags are set.
    pub compare: Compare,
    /// The condition that means "true" (for [`Compare::Zero`]: `Ne` means
    /// non-zero, `Eq` zero).
    pub cond: Cond,
}

/// An address; its registers are operands of the instruction, at the
/// position the instruction documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amode {
    /// How the address is formed.
    pub kind: AmodeKind,
    /// Whether the address lies in linear memory: emission records an
    /// access through it as a fault site, which resumes at the
    /// `HeapOutOfBounds` trap stub.
    pub heap: bool,
}

/// The shape of an [`Amode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmodeKind {
    /// `[base + offset]`: operands `[base]`.
    Base {
        /// The byte offset.
        offset: i64,
    },
    /// `[base + extend(index) + offset]`: operands `[base, index]`.
    BaseIndex {
        /// How the index is widened (`uxtw` for a zero-extended `i32`).
        extend: IndexExtend,
        /// The byte offset.
        offset: u32,
    },
}

/// What a load reads and how it extends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOp {
    /// An integer load (`ldrb`, `ldrsh`, `ldr w`, ...).
    Int(crate::encode::memory::Load),
    /// `ldr s`/`ldr d`.
    Float(FloatWidth),
}

/// What a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOp {
    /// The low bytes of an integer register.
    Int(crate::encode::memory::Store),
    /// `str s`/`str d`.
    Float(FloatWidth),
}

impl StoreOp {
    /// The bytes written.
    pub fn bytes(self) -> u32 {
        match self {
            StoreOp::Int(op) => op.bytes(),
            StoreOp::Float(FloatWidth::F32) => 4,
            StoreOp::Float(FloatWidth::F64) => 8,
        }
    }
}

/// Integer operations on two registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    Add,
    Sub,
    And,
    Orr,
    Eor,
    Mul,
    Lsl,
    Lsr,
    Asr,
    Ror,
    /// Rotate left: `ror` by the negated count.
    Rol,
}

/// Integer operations with an immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluImmOp {
    /// `add`/`sub` with a 12-bit immediate (`imm` is its value).
    Add(u32),
    Sub(u32),
    /// `and`/`orr`/`eor` with a value encodable as a logical immediate.
    And(u64),
    Orr(u64),
    Eor(u64),
    /// Shifts and rotates by a constant amount (below the width).
    Lsl(u8),
    Lsr(u8),
    Asr(u8),
    Ror(u8),
}

/// Integer operations with one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntUnaryOp {
    Clz,
    /// `rbit` then `clz`.
    Ctz,
    /// The parallel bit count, in the scratch registers.
    Popcnt,
    /// `sxtb`/`sxth` within the operand size, `sxtw` to 64 bits.
    Sext8,
    Sext16,
    Sext32,
    /// `mov w, w`: the low 32 bits, zero-extended.
    Wrap,
}

/// Integer division and remainder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivOp {
    Sdiv,
    Udiv,
    Srem,
    Urem,
}

/// Which function a call reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callee {
    /// A function of the module, by index (`bl` with a relocation).
    Direct(u32),
    /// A code pointer, the first operand (`blr`).
    Indirect,
    /// A runtime helper (AAPCS64, status in `x1`; `bl` with a relocation).
    Helper(Helper),
}

/// One machine instruction; the comment of each variant gives its operands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arm64Inst {
    /// Defines the register parameters: one fixed def each.
    Args,
    /// Reads incoming stack parameter `slot`: `[def]`.
    StackArg { slot: u32 },
    /// An integer constant: `[def]`.
    Const { bits: u64 },
    /// A float constant: `[def]`.
    FloatConst { width: FloatWidth, bits: u64 },
    /// `a op b`: `[a, b, def]`.
    Alu { op: AluOp, size: Size },
    /// `a op imm`: `[a, def]`.
    AluImm { op: AluImmOp, size: Size },
    /// `[src, def]`.
    IntUnary { op: IntUnaryOp, size: Size },
    /// Division with wasm's traps: `[dividend, divisor, def]`.
    Div {
        op: DivOp,
        size: Size,
        check_zero: bool,
        check_minus_one: bool,
    },
    /// 0 or 1 from a condition: `[compare..., def]`.
    CondSet { cond: Condition },
    /// `cond ? a : b`: `[compare..., a, b, def]` (`csel` or `fcsel`).
    Select {
        cond: Condition,
        size: Size,
        float: Option<FloatWidth>,
    },
    /// Trap with `code` when the condition holds: `[compare...]`.
    TrapIf { cond: Condition, code: TrapCode },
    /// `[address..., def]`.
    Load { op: LoadOp, addr: Amode },
    /// `[address..., value]`.
    Store { op: StoreOp, addr: Amode },
    /// `a op b` on floats: `[a, b, def]`.
    FloatBinary { op: FpBinaryOp, width: FloatWidth },
    /// `[src, def]` (`fabs`, `fneg`, `fsqrt`, `frint*`).
    FloatUnary { op: FpUnaryOp, width: FloatWidth },
    /// `fcvt` from `from` to the other width: `[src, def]`.
    FloatConvert { from: FloatWidth },
    /// `[magnitude, sign, def]`.
    Copysign { width: FloatWidth },
    /// Integer to float: `[src, def]`.
    IntToFloat {
        width: FloatWidth,
        size: Size,
        signed: bool,
    },
    /// Float to integer, trapping or saturating: `[src, def]`.
    FloatToInt {
        width: FloatWidth,
        size: Size,
        signed: bool,
        saturating: bool,
    },
    /// `fmov` from an integer register: `[src, def]`.
    MovToFloat { size: Size },
    /// `fmov` to an integer register: `[src, def]`.
    MovFromFloat { size: Size },
    /// A call: `[code (indirect only), register args: Fixed..., stack
    /// args: Any..., register results: Fixed defs..., results in the
    /// result area: Stack defs...]`.
    Call {
        callee: Callee,
        reg_args: u16,
        stack_args: u16,
        stack_results: u16,
        zero_extend_i32_result: bool,
    },
    /// Jumps through a table of the block's successors, the index clamped
    /// to the last one: `[index]`.
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

impl MachInst for Arm64Inst {
    fn args() -> Arm64Inst {
        Arm64Inst::Args
    }

    fn stack_arg(slot: u32) -> Arm64Inst {
        Arm64Inst::StackArg { slot }
    }

    fn jump() -> Arm64Inst {
        Arm64Inst::Jump
    }

    fn is_jump(&self) -> bool {
        *self == Arm64Inst::Jump
    }

    fn is_pure(&self) -> bool {
        match self {
            Arm64Inst::Const { .. }
            | Arm64Inst::FloatConst { .. }
            | Arm64Inst::Alu { .. }
            | Arm64Inst::AluImm { .. }
            | Arm64Inst::IntUnary { .. }
            | Arm64Inst::CondSet { .. }
            | Arm64Inst::Select { .. }
            | Arm64Inst::FloatBinary { .. }
            | Arm64Inst::FloatUnary { .. }
            | Arm64Inst::FloatConvert { .. }
            | Arm64Inst::Copysign { .. }
            | Arm64Inst::IntToFloat { .. }
            | Arm64Inst::MovToFloat { .. }
            | Arm64Inst::MovFromFloat { .. } => true,
            Arm64Inst::FloatToInt { saturating, .. } => *saturating,
            _ => false,
        }
    }
}
