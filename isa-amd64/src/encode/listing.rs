//! A text listing of assembled code, in Intel syntax, for tests that check
//! which instructions a function compiles to, and for people reading the
//! output of the backend.

use super::{Mem, RegMem, Size};

const GPR64: [&str; 16] = [
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15",
];
const GPR32: [&str; 16] = [
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d",
    "r13d", "r14d", "r15d",
];
const GPR16: [&str; 16] = [
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w",
    "r14w", "r15w",
];
const GPR8: [&str; 16] = [
    "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b",
    "r13b", "r14b", "r15b",
];

/// The name of general-purpose register `hw` at `size`.
pub fn gpr(hw: u8, size: Size) -> String {
    let table = match size {
        Size::S8 => &GPR8,
        Size::S16 => &GPR16,
        Size::S32 => &GPR32,
        Size::S64 => &GPR64,
    };
    table[hw as usize].to_string()
}

/// The name of SSE register `hw`.
pub fn xmm(hw: u8) -> String {
    format!("xmm{hw}")
}

/// A memory operand.
pub fn mem(mem: Mem) -> String {
    match mem {
        Mem::Label(label) => format!("[rip+{label}]"),
        Mem::Base { base, index, disp } => {
            let mut text = format!("[{}", GPR64[base.0 as usize]);
            if let Some((index, shift)) = index {
                text += &format!("+{}*{}", GPR64[index.0 as usize], 1 << shift);
            }
            if disp < 0 {
                text += &format!("-{:#x}", -i64::from(disp));
            } else if disp > 0 {
                text += &format!("+{disp:#x}");
            }
            text + "]"
        }
    }
}

/// An `r/m` operand holding an integer of `size`.
pub fn int_rm(rm: RegMem, size: Size) -> String {
    match rm {
        RegMem::Reg(hw) => gpr(hw, size),
        RegMem::Mem(m) => mem(m),
    }
}

/// An `r/m` operand holding a float.
pub fn float_rm(rm: RegMem) -> String {
    match rm {
        RegMem::Reg(hw) => xmm(hw),
        RegMem::Mem(m) => mem(m),
    }
}

/// The size keyword of a memory operand without a register to imply it.
pub fn size_name(size: Size) -> &'static str {
    match size {
        Size::S8 => "byte",
        Size::S16 => "word",
        Size::S32 => "dword",
        Size::S64 => "qword",
    }
}
