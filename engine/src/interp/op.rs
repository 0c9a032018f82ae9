//! The interpreter's instruction set: wasm operators with their immediates
//! resolved, branch targets turned into instruction indices, and the stack
//! adjustment of each branch worked out ahead of time.
//!
//! Every value lives in one 64-bit slot of the value stack. A function's frame is
//! its locals (parameters first) followed by its operand stack; heights below are
//! counted in slots from the start of the frame.

/// Where a branch goes and what it does to the stack on the way: the top `keep`
/// slots move down so that they start at height `height`, and everything above
/// them is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BranchTarget {
    pub pc: u32,
    pub keep: u32,
    pub height: u32,
}

/// Which bytes a load reads and how it extends them to the result type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoadKind {
    I32,
    I64,
    F32,
    F64,
    I32S8,
    I32U8,
    I32S16,
    I32U16,
    I64S8,
    I64U8,
    I64S16,
    I64U16,
    I64S32,
    I64U32,
}

/// How many low bytes of the value a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StoreWidth {
    B1,
    B2,
    B4,
    B8,
}

/// One interpreter instruction. Variants without data take their operands from
/// the stack and push their result, exactly like the wasm operator of the same name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    /// Pay for the fuel region that starts here (see `kiln_frontend::fuel`),
    /// or trap if the fuel left is less.
    Fuel(u64),
    /// While the store's epoch flag is set, run the store's deadline
    /// behaviour (which clears the flag unless the guest is to stop).
    EpochCheck,
    /// Replace an `f32` NaN on top of the stack by the canonical NaN.
    CanonicalizeNanF32,
    /// Replace an `f64` NaN on top of the stack by the canonical NaN.
    CanonicalizeNanF64,
    Unreachable,
    /// Continue at `pc` with the stack as it is.
    Jump(u32),
    /// Pop a condition; jump when it is zero.
    JumpIfZero(u32),
    /// Pop a condition; jump when it is not zero.
    JumpIfNonZero(u32),
    Br(BranchTarget),
    /// Pop a condition; take the branch when it is not zero.
    BrIf(BranchTarget),
    /// Pop an index; take `targets[start + min(index, len - 1)]` (the last one is the default).
    BrTable {
        start: u32,
        len: u32,
    },
    /// Return the top `results` slots to the caller.
    Return {
        results: u32,
    },
    Call(u32),
    CallIndirect {
        type_index: u32,
        table: u32,
    },
    Drop,
    Select,
    Const(u64),
    LocalGet(u32),
    LocalSet(u32),
    LocalTee(u32),
    GlobalGet(u32),
    GlobalSet(u32),
    TableGet(u32),
    TableSet(u32),
    TableSize(u32),
    TableGrow(u32),
    TableFill(u32),
    TableCopy {
        dst: u32,
        src: u32,
    },
    TableInit {
        table: u32,
        elem: u32,
    },
    ElemDrop(u32),
    Load(LoadKind, u32),
    Store(StoreWidth, u32),
    MemorySize,
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit(u32),
    DataDrop(u32),
    RefIsNull,
    RefFunc(u32),

    I32Eqz,
    I32Eq,
    I32Ne,
    I32LtS,
    I32LtU,
    I32GtS,
    I32GtU,
    I32LeS,
    I32LeU,
    I32GeS,
    I32GeU,
    I64Eqz,
    I64Eq,
    I64Ne,
    I64LtS,
    I64LtU,
    I64GtS,
    I64GtU,
    I64LeS,
    I64LeU,
    I64GeS,
    I64GeU,
    F32Eq,
    F32Ne,
    F32Lt,
    F32Gt,
    F32Le,
    F32Ge,
    F64Eq,
    F64Ne,
    F64Lt,
    F64Gt,
    F64Le,
    F64Ge,

    I32Clz,
    I32Ctz,
    I32Popcnt,
    I32Add,
    I32Sub,
    I32Mul,
    I32DivS,
    I32DivU,
    I32RemS,
    I32RemU,
    I32And,
    I32Or,
    I32Xor,
    I32Shl,
    I32ShrS,
    I32ShrU,
    I32Rotl,
    I32Rotr,
    I64Clz,
    I64Ctz,
    I64Popcnt,
    I64Add,
    I64Sub,
    I64Mul,
    I64DivS,
    I64DivU,
    I64RemS,
    I64RemU,
    I64And,
    I64Or,
    I64Xor,
    I64Shl,
    I64ShrS,
    I64ShrU,
    I64Rotl,
    I64Rotr,

    F32Abs,
    F32Neg,
    F32Ceil,
    F32Floor,
    F32Trunc,
    F32Nearest,
    F32Sqrt,
    F32Add,
    F32Sub,
    F32Mul,
    F32Div,
    F32Min,
    F32Max,
    F32Copysign,
    F64Abs,
    F64Neg,
    F64Ceil,
    F64Floor,
    F64Trunc,
    F64Nearest,
    F64Sqrt,
    F64Add,
    F64Sub,
    F64Mul,
    F64Div,
    F64Min,
    F64Max,
    F64Copysign,

    I32WrapI64,
    I32TruncF32S,
    I32TruncF32U,
    I32TruncF64S,
    I32TruncF64U,
    I64ExtendI32S,
    I64ExtendI32U,
    I64TruncF32S,
    I64TruncF32U,
    I64TruncF64S,
    I64TruncF64U,
    F32ConvertI32S,
    F32ConvertI32U,
    F32ConvertI64S,
    F32ConvertI64U,
    F32DemoteF64,
    F64ConvertI32S,
    F64ConvertI32U,
    F64ConvertI64S,
    F64ConvertI64U,
    F64PromoteF32,
    I32Extend8S,
    I32Extend16S,
    I64Extend8S,
    I64Extend16S,
    I64Extend32S,
    I32TruncSatF32S,
    I32TruncSatF32U,
    I32TruncSatF64S,
    I32TruncSatF64U,
    I64TruncSatF32S,
    I64TruncSatF32U,
    I64TruncSatF64S,
    I64TruncSatF64U,
}

/// One translated function body.
#[derive(Debug)]
pub(crate) struct Code {
    pub ops: Vec<Op>,
    /// Targets of every `br_table`, each table's default last.
    pub branch_tables: Vec<BranchTarget>,
    /// Number of parameters, which the caller leaves at the start of the frame.
    pub params: u32,
    /// Number of locals after the parameters, zeroed on entry.
    pub locals: u32,
    /// The most slots the frame ever needs: locals plus the deepest operand stack.
    pub max_height: u32,
}
