//! The opcode tables the assembler reads: one row per instruction form, so
//! that adding an instruction is adding a row, not a branch of code.

/// The escape bytes that select an opcode map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpMap {
    /// One-byte opcodes.
    Primary,
    /// `0F xx`.
    Esc0F,
    /// `0F 3A xx` (SSE4.1 `roundss`/`roundsd`).
    Esc0F3A,
}

/// One instruction form: mandatory prefix, opcode map and opcode byte.
/// The ModRM `reg` field is either a register or, for `/digit` forms, the
/// opcode extension given by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opcode {
    /// `66`, `F2` or `F3` when the form requires one.
    pub prefix: Option<u8>,
    /// The escape bytes.
    pub map: OpMap,
    /// The opcode byte.
    pub byte: u8,
}

const fn primary(byte: u8) -> Opcode {
    Opcode {
        prefix: None,
        map: OpMap::Primary,
        byte,
    }
}

const fn op0f(prefix: Option<u8>, byte: u8) -> Opcode {
    Opcode {
        prefix,
        map: OpMap::Esc0F,
        byte,
    }
}

/// The two-operand integer operations of the `00`-`3F` block and `81`/`83`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    /// `add`.
    Add,
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `sub`.
    Sub,
    /// `xor`.
    Xor,
    /// `cmp` (a `sub` that only sets the flags).
    Cmp,
}

/// Per [`AluOp`]: the `op r/m, reg` opcode, the `op reg, r/m` opcode, and the
/// `/digit` of the immediate forms (`81 /d id`, `83 /d ib`).
pub const ALU: [(AluOp, u8, u8, u8); 6] = [
    (AluOp::Add, 0x01, 0x03, 0),
    (AluOp::Or, 0x09, 0x0B, 1),
    (AluOp::And, 0x21, 0x23, 4),
    (AluOp::Sub, 0x29, 0x2B, 5),
    (AluOp::Xor, 0x31, 0x33, 6),
    (AluOp::Cmp, 0x39, 0x3B, 7),
];

/// Shifts and rotates of the `C1`/`D3` group, by `/digit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftOp {
    /// Rotate left.
    Rol = 0,
    /// Rotate right.
    Ror = 1,
    /// Shift left.
    Shl = 4,
    /// Logical shift right.
    Shr = 5,
    /// Arithmetic shift right.
    Sar = 7,
}

/// One-operand forms of the `F7` group, by `/digit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryGroupOp {
    /// Bitwise not.
    Not = 2,
    /// Two's complement negation.
    Neg = 3,
    /// Unsigned division of `rdx:rax`.
    Div = 6,
    /// Signed division of `rdx:rax`.
    Idiv = 7,
}

/// `reg, r/m` integer forms that are single rows of the `0F` map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntRmOp {
    /// Two-operand multiplication.
    Imul,
    /// Count of one bits.
    Popcnt,
    /// Count of leading zeros.
    Lzcnt,
    /// Count of trailing zeros.
    Tzcnt,
    /// Index of the highest one bit.
    Bsr,
    /// Index of the lowest one bit.
    Bsf,
    /// Zero-extend 8 bits.
    Movzx8,
    /// Zero-extend 16 bits.
    Movzx16,
    /// Sign-extend 8 bits.
    Movsx8,
    /// Sign-extend 16 bits.
    Movsx16,
    /// Sign-extend 32 bits.
    Movsxd,
    /// Load an effective address.
    Lea,
    /// `mov reg, r/m`.
    Load,
    /// `and` that only sets the flags.
    Test,
}

/// The opcode of each [`IntRmOp`].
pub fn int_rm_opcode(form: IntRmOp) -> Opcode {
    match form {
        IntRmOp::Imul => op0f(None, 0xAF),
        IntRmOp::Popcnt => op0f(Some(0xF3), 0xB8),
        IntRmOp::Lzcnt => op0f(Some(0xF3), 0xBD),
        IntRmOp::Tzcnt => op0f(Some(0xF3), 0xBC),
        IntRmOp::Bsr => op0f(None, 0xBD),
        IntRmOp::Bsf => op0f(None, 0xBC),
        IntRmOp::Movzx8 => op0f(None, 0xB6),
        IntRmOp::Movzx16 => op0f(None, 0xB7),
        IntRmOp::Movsx8 => op0f(None, 0xBE),
        IntRmOp::Movsx16 => op0f(None, 0xBF),
        IntRmOp::Movsxd => primary(0x63),
        IntRmOp::Lea => primary(0x8D),
        IntRmOp::Load => primary(0x8B),
        IntRmOp::Test => primary(0x85),
    }
}

/// SSE operations of the form `xmm, xmm/m`. Scalar forms take the `F3`
/// (single) or `F2` (double) prefix; packed bitwise forms take none
/// (single) or `66` (double).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SseOp {
    /// Addition.
    Add,
    /// Multiplication.
    Mul,
    /// Subtraction.
    Sub,
    /// x86 minimum (returns the second operand for NaNs and equal zeros).
    Min,
    /// Division.
    Div,
    /// x86 maximum (like [`SseOp::Min`]).
    Max,
    /// Square root.
    Sqrt,
    /// `cvtss2sd` (F3) / `cvtsd2ss` (F2): converts to the other width.
    CvtToOther,
    /// `movss`/`movsd` load.
    MovLoad,
    /// Bitwise and.
    And,
    /// Bitwise and of the complement of the destination.
    AndNot,
    /// Bitwise or.
    Or,
    /// Bitwise exclusive or.
    Xor,
    /// `ucomiss`/`ucomisd`.
    Ucomi,
    /// `movaps`/`movapd` register copy.
    MovAligned,
}

/// Whether a float operation is on `f32` or `f64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatWidth {
    /// Single precision.
    F32,
    /// Double precision.
    F64,
}

/// The opcode of an [`SseOp`] at a width.
pub fn sse_opcode(op: SseOp, width: FloatWidth) -> Opcode {
    let scalar = match width {
        FloatWidth::F32 => Some(0xF3),
        FloatWidth::F64 => Some(0xF2),
    };
    let packed = match width {
        FloatWidth::F32 => None,
        FloatWidth::F64 => Some(0x66),
    };
    let (prefix, byte) = match op {
        SseOp::Add => (scalar, 0x58),
        SseOp::Mul => (scalar, 0x59),
        SseOp::Sub => (scalar, 0x5C),
        SseOp::Min => (scalar, 0x5D),
        SseOp::Div => (scalar, 0x5E),
        SseOp::Max => (scalar, 0x5F),
        SseOp::Sqrt => (scalar, 0x51),
        SseOp::CvtToOther => (scalar, 0x5A),
        SseOp::MovLoad => (scalar, 0x10),
        SseOp::And => (packed, 0x54),
        SseOp::AndNot => (packed, 0x55),
        SseOp::Or => (packed, 0x56),
        SseOp::Xor => (packed, 0x57),
        SseOp::Ucomi => (packed, 0x2E),
        SseOp::MovAligned => (packed, 0x28),
    };
    op0f(prefix, byte)
}

/// `movss`/`movsd` store (`xmm/m, xmm`).
pub fn sse_store_opcode(width: FloatWidth) -> Opcode {
    match width {
        FloatWidth::F32 => op0f(Some(0xF3), 0x11),
        FloatWidth::F64 => op0f(Some(0xF2), 0x11),
    }
}

/// `cvtsi2ss`/`cvtsi2sd xmm, r/m` (REX.W for a 64-bit source).
pub fn cvt_int_to_float_opcode(width: FloatWidth) -> Opcode {
    match width {
        FloatWidth::F32 => op0f(Some(0xF3), 0x2A),
        FloatWidth::F64 => op0f(Some(0xF2), 0x2A),
    }
}

/// `cvttss2si`/`cvttsd2si reg, xmm/m` (REX.W for a 64-bit result).
pub fn cvt_float_to_int_opcode(width: FloatWidth) -> Opcode {
    match width {
        FloatWidth::F32 => op0f(Some(0xF3), 0x2C),
        FloatWidth::F64 => op0f(Some(0xF2), 0x2C),
    }
}

/// `movd`/`movq xmm, r/m` (REX.W for 64 bits).
pub const MOVD_TO_XMM: Opcode = op0f(Some(0x66), 0x6E);
/// `movd`/`movq r/m, xmm` (REX.W for 64 bits).
pub const MOVD_FROM_XMM: Opcode = op0f(Some(0x66), 0x7E);

/// `roundss`/`roundsd xmm, xmm/m, imm8` (SSE4.1).
pub fn round_opcode(width: FloatWidth) -> Opcode {
    let byte = match width {
        FloatWidth::F32 => 0x0A,
        FloatWidth::F64 => 0x0B,
    };
    Opcode {
        prefix: Some(0x66),
        map: OpMap::Esc0F3A,
        byte,
    }
}

/// `mov r/m, reg`.
pub const MOV_STORE: Opcode = primary(0x89);
/// `mov r/m8, reg8`.
pub const MOV_STORE8: Opcode = primary(0x88);
/// `mov r/m, imm32` (`C7 /0`).
pub const MOV_IMM_RM: Opcode = primary(0xC7);
/// `mov r/m8, imm8` (`C6 /0`).
pub const MOV_IMM_RM8: Opcode = primary(0xC6);
/// Shifts by an immediate (`C1 /d ib`).
pub const SHIFT_IMM: Opcode = primary(0xC1);
/// Shifts by `cl` (`D3 /d`).
pub const SHIFT_CL: Opcode = primary(0xD3);
/// The `F7` group (`not`, `neg`, `div`, `idiv`).
pub const UNARY_GROUP: Opcode = primary(0xF7);
/// `test r/m, imm32` (`F7 /0 id`), in the same group.
pub const TEST_IMM32: Opcode = UNARY_GROUP;
/// ALU with a 32-bit immediate (`81 /d id`).
pub const ALU_IMM32: Opcode = primary(0x81);
/// ALU with a sign-extended 8-bit immediate (`83 /d ib`).
pub const ALU_IMM8: Opcode = primary(0x83);
/// `imul reg, r/m, imm32` (`69 /r id`).
pub const IMUL_IMM32: Opcode = primary(0x69);
/// `imul reg, r/m, imm8` (`6B /r ib`).
pub const IMUL_IMM8: Opcode = primary(0x6B);
/// `call r/m` (`FF /2`) and `jmp r/m` (`FF /4`).
pub const INDIRECT_GROUP: Opcode = primary(0xFF);
/// `push r/m` (`FF /6`).
pub const PUSH_RM_DIGIT: u8 = 6;

/// `cmovcc reg, r/m` is `0F 40+cc`.
pub fn cmov_opcode(cc: Cond) -> Opcode {
    op0f(None, 0x40 | cc as u8)
}

/// `setcc r/m8` is `0F 90+cc /0`.
pub fn setcc_opcode(cc: Cond) -> Opcode {
    op0f(None, 0x90 | cc as u8)
}

/// x86 condition codes, by their encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// Overflow.
    O = 0,
    /// No overflow.
    No = 1,
    /// Below (unsigned <, carry).
    B = 2,
    /// Above or equal (unsigned >=).
    Ae = 3,
    /// Equal (zero).
    E = 4,
    /// Not equal.
    Ne = 5,
    /// Below or equal (unsigned <=).
    Be = 6,
    /// Above (unsigned >).
    A = 7,
    /// Sign.
    S = 8,
    /// No sign.
    Ns = 9,
    /// Parity (unordered after `ucomis`).
    P = 10,
    /// No parity.
    Np = 11,
    /// Less (signed <).
    L = 12,
    /// Greater or equal (signed >=).
    Ge = 13,
    /// Less or equal (signed <=).
    Le = 14,
    /// Greater (signed >).
    G = 15,
}

impl Cond {
    /// The opposite condition.
    pub fn invert(self) -> Cond {
        const ALL: [Cond; 16] = [
            Cond::O,
            Cond::No,
            Cond::B,
            Cond::Ae,
            Cond::E,
            Cond::Ne,
            Cond::Be,
            Cond::A,
            Cond::S,
            Cond::Ns,
            Cond::P,
            Cond::Np,
            Cond::L,
            Cond::Ge,
            Cond::Le,
            Cond::G,
        ];
        ALL[(self as usize) ^ 1]
    }
}

impl AluOp {
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            AluOp::Add => "add",
            AluOp::Or => "or",
            AluOp::And => "and",
            AluOp::Sub => "sub",
            AluOp::Xor => "xor",
            AluOp::Cmp => "cmp",
        }
    }
}

impl ShiftOp {
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            ShiftOp::Rol => "rol",
            ShiftOp::Ror => "ror",
            ShiftOp::Shl => "shl",
            ShiftOp::Shr => "shr",
            ShiftOp::Sar => "sar",
        }
    }
}

impl UnaryGroupOp {
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            UnaryGroupOp::Not => "not",
            UnaryGroupOp::Neg => "neg",
            UnaryGroupOp::Div => "div",
            UnaryGroupOp::Idiv => "idiv",
        }
    }
}

impl IntRmOp {
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            IntRmOp::Imul => "imul",
            IntRmOp::Popcnt => "popcnt",
            IntRmOp::Lzcnt => "lzcnt",
            IntRmOp::Tzcnt => "tzcnt",
            IntRmOp::Bsr => "bsr",
            IntRmOp::Bsf => "bsf",
            IntRmOp::Movzx8 | IntRmOp::Movzx16 => "movzx",
            IntRmOp::Movsx8 | IntRmOp::Movsx16 => "movsx",
            IntRmOp::Movsxd => "movsxd",
            IntRmOp::Lea => "lea",
            IntRmOp::Load => "mov",
            IntRmOp::Test => "test",
        }
    }
}

impl SseOp {
    /// The mnemonic at a width (`addss`, `andpd`, `ucomisd`, ...).
    pub fn name(self, width: FloatWidth) -> String {
        let (scalar, packed) = match width {
            FloatWidth::F32 => ("ss", "ps"),
            FloatWidth::F64 => ("sd", "pd"),
        };
        let (stem, suffix) = match self {
            SseOp::Add => ("add", scalar),
            SseOp::Mul => ("mul", scalar),
            SseOp::Sub => ("sub", scalar),
            SseOp::Min => ("min", scalar),
            SseOp::Div => ("div", scalar),
            SseOp::Max => ("max", scalar),
            SseOp::Sqrt => ("sqrt", scalar),
            SseOp::CvtToOther => (
                if width == FloatWidth::F32 {
                    "cvtss2"
                } else {
                    "cvtsd2"
                },
                if width == FloatWidth::F32 { "sd" } else { "ss" },
            ),
            SseOp::MovLoad => ("mov", scalar),
            SseOp::And => ("and", packed),
            SseOp::AndNot => ("andn", packed),
            SseOp::Or => ("or", packed),
            SseOp::Xor => ("xor", packed),
            SseOp::Ucomi => ("ucomi", scalar),
            SseOp::MovAligned => ("mova", packed),
        };
        format!("{stem}{suffix}")
    }
}

impl Cond {
    /// The condition's suffix (`e`, `ne`, `l`, `ae`, ...).
    pub fn name(self) -> &'static str {
        const NAMES: [&str; 16] = [
            "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
        ];
        NAMES[self as usize]
    }
}
