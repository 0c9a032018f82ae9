//! The instruction set: opcodes and their immediates.
//!
//! An [`Op`] says what an instruction does; its operands are SSA values kept
//! beside it in [`InstData`](crate::InstData). Every wasm 2.0 operator except
//! SIMD lowers to these: arithmetic, comparisons, conversions, loads and
//! stores, select, calls, runtime helper calls, branches and traps.
//!
//! Result types are not implied by the opcode: every result carries its own
//! type, so `iadd` works on `i32` and `i64`, and a conversion names only its
//! kind (`fcvt_to_sint`), the two types coming from operand and result.

use crate::named::named_enum;
use crate::trap::TrapCode;
use crate::types::Type;
use std::fmt;
use std::num::NonZeroU32;

named_enum! {
    /// Operations with one operand and one result.
    pub enum UnaryOp {
        /// Count leading zero bits.
        Clz = "clz",
        /// Count trailing zero bits.
        Ctz = "ctz",
        /// Count one bits.
        Popcnt = "popcnt",
        /// Sign-extend the low 8 bits, within the same type.
        Sextend8 = "sextend8",
        /// Sign-extend the low 16 bits, within the same type.
        Sextend16 = "sextend16",
        /// Sign-extend the low 32 bits of an `i64`.
        Sextend32 = "sextend32",
        /// Float negation (flips the sign bit).
        Fneg = "fneg",
        /// Float absolute value (clears the sign bit).
        Fabs = "fabs",
        /// Float square root.
        Sqrt = "sqrt",
        /// Round toward +infinity.
        Ceil = "ceil",
        /// Round toward -infinity.
        Floor = "floor",
        /// Round toward zero.
        Trunc = "trunc",
        /// Round to nearest, ties to even.
        Nearest = "nearest",
        /// `i64` to `i32`, keeping the low bits.
        Wrap = "wrap",
        /// `i32` to `i64`, sign-extending.
        Sextend = "sextend",
        /// `i32` to `i64`, zero-extending.
        Uextend = "uextend",
        /// Float to signed int; traps on NaN or overflow.
        FcvtToSint = "fcvt_to_sint",
        /// Float to unsigned int; traps on NaN or overflow.
        FcvtToUint = "fcvt_to_uint",
        /// Float to signed int, saturating; NaN gives 0.
        FcvtToSintSat = "fcvt_to_sint_sat",
        /// Float to unsigned int, saturating; NaN gives 0.
        FcvtToUintSat = "fcvt_to_uint_sat",
        /// Signed int to float.
        FcvtFromSint = "fcvt_from_sint",
        /// Unsigned int to float.
        FcvtFromUint = "fcvt_from_uint",
        /// `f32` to `f64`.
        Fpromote = "fpromote",
        /// `f64` to `f32`.
        Fdemote = "fdemote",
        /// Reinterpret the bits as another type of the same size.
        Bitcast = "bitcast",
    }
}

impl UnaryOp {
    /// Whether the operation can trap (and so must stay where it is).
    pub fn may_trap(self) -> bool {
        matches!(self, UnaryOp::FcvtToSint | UnaryOp::FcvtToUint)
    }
}

named_enum! {
    /// Operations with two operands of one type and a result of that type.
    pub enum BinaryOp {
        /// Wrapping addition.
        Iadd = "iadd",
        /// Wrapping subtraction.
        Isub = "isub",
        /// Wrapping multiplication.
        Imul = "imul",
        /// Signed division; traps on zero and on `MIN / -1`.
        Sdiv = "sdiv",
        /// Unsigned division; traps on zero.
        Udiv = "udiv",
        /// Signed remainder; traps on zero.
        Srem = "srem",
        /// Unsigned remainder; traps on zero.
        Urem = "urem",
        /// Bitwise and.
        Band = "band",
        /// Bitwise or.
        Bor = "bor",
        /// Bitwise exclusive or.
        Bxor = "bxor",
        /// Shift left (count taken modulo the bit width).
        Ishl = "ishl",
        /// Arithmetic shift right.
        Sshr = "sshr",
        /// Logical shift right.
        Ushr = "ushr",
        /// Rotate left.
        Rotl = "rotl",
        /// Rotate right.
        Rotr = "rotr",
        /// Float addition.
        Fadd = "fadd",
        /// Float subtraction.
        Fsub = "fsub",
        /// Float multiplication.
        Fmul = "fmul",
        /// Float division.
        Fdiv = "fdiv",
        /// Wasm `min`: NaN if either is NaN, -0 below +0.
        Fmin = "fmin",
        /// Wasm `max`: NaN if either is NaN, +0 above -0.
        Fmax = "fmax",
        /// Magnitude of the first, sign of the second.
        Fcopysign = "fcopysign",
    }
}

impl BinaryOp {
    /// Whether the operation can trap.
    pub fn may_trap(self) -> bool {
        matches!(
            self,
            BinaryOp::Sdiv | BinaryOp::Udiv | BinaryOp::Srem | BinaryOp::Urem
        )
    }

    /// Whether the operands and result are floats.
    pub fn is_float(self) -> bool {
        matches!(
            self,
            BinaryOp::Fadd
                | BinaryOp::Fsub
                | BinaryOp::Fmul
                | BinaryOp::Fdiv
                | BinaryOp::Fmin
                | BinaryOp::Fmax
                | BinaryOp::Fcopysign
        )
    }

    /// Whether `a op b == b op a` bit for bit (integer operations only: float
    /// results may differ in NaN payloads).
    pub fn is_commutative(self) -> bool {
        matches!(
            self,
            BinaryOp::Iadd | BinaryOp::Imul | BinaryOp::Band | BinaryOp::Bor | BinaryOp::Bxor
        )
    }
}

named_enum! {
    /// Integer comparison conditions. The result is an `i32` 0 or 1.
    pub enum IntCC {
        /// Equal.
        Eq = "eq",
        /// Not equal.
        Ne = "ne",
        /// Signed less than.
        Slt = "slt",
        /// Signed less or equal.
        Sle = "sle",
        /// Signed greater than.
        Sgt = "sgt",
        /// Signed greater or equal.
        Sge = "sge",
        /// Unsigned less than.
        Ult = "ult",
        /// Unsigned less or equal.
        Ule = "ule",
        /// Unsigned greater than.
        Ugt = "ugt",
        /// Unsigned greater or equal.
        Uge = "uge",
    }
}

named_enum! {
    /// Float comparison conditions (ordered, except `ne`, which is true for NaN).
    pub enum FloatCC {
        /// Equal.
        Eq = "eq",
        /// Not equal (true if either operand is NaN).
        Ne = "ne",
        /// Less than.
        Lt = "lt",
        /// Less or equal.
        Le = "le",
        /// Greater than.
        Gt = "gt",
        /// Greater or equal.
        Ge = "ge",
    }
}

named_enum! {
    /// How many bytes a load reads and how it extends them to the result type.
    pub enum LoadKind {
        /// The full width of the result type.
        Full = "load",
        /// 8 bits, sign-extended.
        S8 = "load8_s",
        /// 8 bits, zero-extended.
        U8 = "load8_u",
        /// 16 bits, sign-extended.
        S16 = "load16_s",
        /// 16 bits, zero-extended.
        U16 = "load16_u",
        /// 32 bits, sign-extended.
        S32 = "load32_s",
        /// 32 bits, zero-extended.
        U32 = "load32_u",
    }
}

impl LoadKind {
    /// Bytes read from memory for a result of type `ty`.
    pub fn bytes(self, ty: Type) -> u32 {
        match self {
            LoadKind::Full => ty.bytes(),
            LoadKind::S8 | LoadKind::U8 => 1,
            LoadKind::S16 | LoadKind::U16 => 2,
            LoadKind::S32 | LoadKind::U32 => 4,
        }
    }

    /// Whether the narrow value is sign-extended.
    pub fn is_signed(self) -> bool {
        matches!(self, LoadKind::S8 | LoadKind::S16 | LoadKind::S32)
    }
}

named_enum! {
    /// How many bytes of the stored value a store writes.
    pub enum StoreKind {
        /// The full width of the value's type.
        Full = "store",
        /// The low 8 bits.
        Low8 = "store8",
        /// The low 16 bits.
        Low16 = "store16",
        /// The low 32 bits.
        Low32 = "store32",
    }
}

impl StoreKind {
    /// Bytes written for a value of type `ty`.
    pub fn bytes(self, ty: Type) -> u32 {
        match self {
            StoreKind::Full => ty.bytes(),
            StoreKind::Low8 => 1,
            StoreKind::Low16 => 2,
            StoreKind::Low32 => 4,
        }
    }
}

/// What a load or store touches, for passes that reason about memory.
/// The address operand is always a host pointer (`i64`); the region only
/// tells which object it points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    /// Linear memory number `n` of the instance. Accesses are preceded by an
    /// explicit bounds check unless the engine relies on guard pages.
    Heap(u32),
    /// Runtime data: the `vmctx`, table element arrays, function references.
    /// Always valid to read.
    Vm,
    /// Runtime data that never changes while the instance lives: the
    /// pointers its `vmctx` holds to the records of imported memories,
    /// tables, globals and functions, the base address of a linear memory
    /// (which never moves) and the ids of signatures. It is always valid to
    /// read and never written: `vm_loads` reuses a fixed load across stores
    /// and calls, and LICM lifts it out of loops that make no call.
    Fixed,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Region::Heap(memory) => write!(f, "heap{memory}"),
            Region::Vm => f.write_str("vm"),
            Region::Fixed => f.write_str("fixed"),
        }
    }
}

named_enum! {
    /// Runtime functions that compiled code calls for operations too large to
    /// inline. Every helper takes `vmctx` first, then the immediates of the
    /// wasm operator (memory, table, segment indices) as `i32`, then its
    /// operands; see [`Helper::signature`].
    pub enum Helper {
        /// `memory.grow`: (vmctx, memory, delta) -> old size in pages or -1.
        MemoryGrow = "memory_grow",
        /// `memory.fill`: (vmctx, memory, dst, byte, len).
        MemoryFill = "memory_fill",
        /// `memory.copy`: (vmctx, dst memory, src memory, dst, src, len).
        MemoryCopy = "memory_copy",
        /// `memory.init`: (vmctx, memory, data segment, dst, src, len).
        MemoryInit = "memory_init",
        /// `data.drop`: (vmctx, data segment).
        DataDrop = "data_drop",
        /// `table.get`: (vmctx, table, index) -> reference.
        TableGet = "table_get",
        /// `table.set`: (vmctx, table, index, reference).
        TableSet = "table_set",
        /// `table.grow`: (vmctx, table, init reference, delta) -> old size or -1.
        TableGrow = "table_grow",
        /// `table.fill`: (vmctx, table, dst, reference, len).
        TableFill = "table_fill",
        /// `table.copy`: (vmctx, dst table, src table, dst, src, len).
        TableCopy = "table_copy",
        /// `table.init`: (vmctx, table, element segment, dst, src, len).
        TableInit = "table_init",
        /// `elem.drop`: (vmctx, element segment).
        ElemDrop = "elem_drop",
        /// `ref.func`: (vmctx, function index) -> reference.
        RefFunc = "ref_func",
        /// An epoch check found the epoch at or past the store's deadline:
        /// (vmctx). Runs the store's deadline behaviour, which either moves
        /// the deadline (status 0) or stops the guest (a trap status).
        EpochDeadline = "epoch_deadline",
    }
}

impl Helper {
    /// Parameter and result types of the helper.
    pub fn signature(self) -> (&'static [Type], &'static [Type]) {
        use Type::{I32, I64};
        match self {
            Helper::MemoryGrow => (&[I64, I32, I32], &[I32]),
            Helper::MemoryFill => (&[I64, I32, I32, I32, I32], &[]),
            Helper::MemoryCopy | Helper::MemoryInit => (&[I64, I32, I32, I32, I32, I32], &[]),
            Helper::DataDrop | Helper::ElemDrop => (&[I64, I32], &[]),
            Helper::TableGet => (&[I64, I32, I32], &[I64]),
            Helper::TableSet => (&[I64, I32, I32, I64], &[]),
            Helper::TableGrow => (&[I64, I32, I64, I32], &[I32]),
            Helper::TableFill => (&[I64, I32, I32, I64, I32], &[]),
            Helper::TableCopy | Helper::TableInit => (&[I64, I32, I32, I32, I32, I32], &[]),
            Helper::RefFunc => (&[I64, I32], &[I64]),
            Helper::EpochDeadline => (&[I64], &[]),
        }
    }

    /// Whether the helper keeps every register except the one that carries
    /// its status back (such a helper has no results). It is called from
    /// rarely taken paths inside loops (the epoch check's), where treating it
    /// as an ordinary call would make the register allocator save the loop's
    /// values around it on the common path too.
    pub fn preserves_registers(self) -> bool {
        matches!(self, Helper::EpochDeadline)
    }
}

/// Marks a `trapnz` as the bounds check of a linear-memory access: it traps
/// unless `index + end <= memory length`, where `index` is the instruction's
/// second operand (the wasm address, `i32`) and `end` is the static offset
/// plus the access size. The bounds-check pass removes a check that a
/// dominating check of the same memory and index with a larger `end` covers.
///
/// It is stored in twelve bytes aligned to four, with the memory index
/// complemented so that zero is never a valid pattern: `Option<HeapBounds>`
/// then needs no tag of its own, and [`Op`] stays at sixteen bytes, which
/// keeps every instruction of the IR small.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeapBounds {
    /// `!memory`: never zero, because no memory has index `u32::MAX`.
    not_memory: NonZeroU32,
    /// `end`, low and high half.
    end: [u32; 2],
}

impl HeapBounds {
    /// The highest memory index a check can name; a module cannot have
    /// more memories than this.
    pub const MAX_MEMORY: u32 = u32::MAX - 1;

    /// The check of memory `memory` for an access that ends `end` bytes
    /// past the index; `None` when `memory` is above [`Self::MAX_MEMORY`].
    pub fn new(memory: u32, end: u64) -> Option<HeapBounds> {
        Some(HeapBounds {
            not_memory: NonZeroU32::new(!memory)?,
            end: [end as u32, (end >> 32) as u32],
        })
    }

    /// The linear memory checked.
    pub fn memory(self) -> u32 {
        !self.not_memory.get()
    }

    /// The first byte past the access, relative to `index`.
    pub fn end(self) -> u64 {
        u64::from(self.end[0]) | (u64::from(self.end[1]) << 32)
    }
}

impl fmt::Debug for HeapBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeapBounds")
            .field("memory", &self.memory())
            .field("end", &self.end())
            .finish()
    }
}

/// What an instruction does. Operands live in
/// [`InstData::args`](crate::InstData::args), branch targets in
/// [`InstData::targets`](crate::InstData::targets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// An integer constant; the bits are zero-extended from the result type.
    Iconst(u64),
    /// A float constant, as IEEE bits.
    Fconst(u64),
    /// `args: [x]`.
    Unary(UnaryOp),
    /// `args: [a, b]`.
    Binary(BinaryOp),
    /// Integer comparison, `args: [a, b]`, result `i32`.
    Icmp(IntCC),
    /// Float comparison, `args: [a, b]`, result `i32`.
    Fcmp(FloatCC),
    /// `args: [cond, if_nonzero, if_zero]`.
    Select,
    /// [`Select`](Op::Select) as a Spectre guard: `args: [cond, if_nonzero,
    /// if_zero]`, where `cond` is the out-of-bounds condition of a check that
    /// traps before, `if_nonzero` a harmless value (null) and `if_zero` the
    /// address an access is about to use. Architecturally it always gives
    /// `if_zero`; its point is that a CPU that mispredicts the check still
    /// computes with the harmless value, because backends must lower it to a
    /// conditional move, never to a branch. It is not pure, so no pass
    /// folds, merges or moves it; only an unused one may be removed.
    SelectSpectreGuard,
    /// Load from `args[0] + offset`.
    Load {
        /// Width and extension.
        kind: LoadKind,
        /// Which memory object.
        region: Region,
        /// Static offset added to the address.
        offset: u32,
    },
    /// Store `args[1]` to `args[0] + offset`.
    Store {
        /// Width.
        kind: StoreKind,
        /// Which memory object.
        region: Region,
        /// Static offset added to the address.
        offset: u32,
    },
    /// Direct call of function `func` (module function index) with `args`;
    /// `args[0]` is the callee's `vmctx`.
    Call {
        /// Module function index.
        func: u32,
    },
    /// Call through a code pointer `args[0]` with arguments `args[1..]`
    /// (`args[1]` is the callee's `vmctx`); `sig` is the module type index.
    CallIndirect {
        /// Module type index of the callee.
        sig: u32,
    },
    /// Call of a runtime helper.
    CallHelper(Helper),
    /// Unconditional trap (terminator).
    Trap(TrapCode),
    /// Trap if `args[0]` is zero.
    Trapz(TrapCode),
    /// Trap if `args[0]` is nonzero; with `bounds`, `args[1]` is the checked index.
    Trapnz(TrapCode, Option<HeapBounds>),
    /// Jump to `targets[0]` (terminator).
    Jump,
    /// To `targets[0]` if `args[0]` is nonzero, else `targets[1]` (terminator).
    Brif,
    /// To `targets[args[0]]`, or the last target when out of range (terminator).
    BrTable,
    /// Return `args` (terminator).
    Return,
}

// Every instruction carries an `Op`; `HeapBounds`' layout keeps it at 16 bytes.
const _: () = assert!(std::mem::size_of::<Op>() <= 16);

impl Op {
    /// Whether the instruction ends a block.
    pub fn is_terminator(self) -> bool {
        matches!(
            self,
            Op::Trap(_) | Op::Jump | Op::Brif | Op::BrTable | Op::Return
        )
    }

    /// Whether the instruction calls a function or a helper.
    pub fn is_call(self) -> bool {
        matches!(
            self,
            Op::Call { .. } | Op::CallIndirect { .. } | Op::CallHelper(_)
        )
    }

    /// Whether the result depends only on the operands, with no side effect
    /// and no trap: such instructions can be folded, merged and removed.
    pub fn is_pure(self) -> bool {
        match self {
            Op::Iconst(_) | Op::Fconst(_) | Op::Icmp(_) | Op::Fcmp(_) | Op::Select => true,
            Op::Unary(op) => !op.may_trap(),
            Op::Binary(op) => !op.may_trap(),
            _ => false,
        }
    }

    /// Whether the instruction can be deleted when its results are unused.
    /// Runtime-data loads can: `vmctx` and what it points to are always valid.
    pub fn is_removable_if_unused(self) -> bool {
        self.is_pure()
            || matches!(
                self,
                Op::SelectSpectreGuard
                    | Op::Load {
                        region: Region::Vm | Region::Fixed,
                        ..
                    }
            )
    }
}
