//! Encoding tests: each instruction against the bytes a reference
//! disassembler (GNU objdump) reads back as the instruction named beside it.

use kiln_isa_amd64::encode::opcodes::{
    AluOp, Cond, FloatWidth, IntRmOp, ShiftOp, SseOp, UnaryGroupOp,
};
use kiln_isa_amd64::encode::{Assembler, Mem, Size};
use kiln_isa_amd64::regs::*;

/// One case: what objdump prints, the expected bytes, and how to emit them.
type Case = (&'static str, &'static [u8], fn(&mut Assembler));

const CASES: &[Case] = &[
    ("add eax,ecx", &[0x03, 0xC1], |a| {
        a.alu(AluOp::Add, Size::S32, RAX, RCX)
    }),
    ("add r8,r15", &[0x4D, 0x03, 0xC7], |a| {
        a.alu(AluOp::Add, Size::S64, R8, R15)
    }),
    (
        "sub rdx,QWORD PTR [rbp-0x10]",
        &[0x48, 0x2B, 0x55, 0xF0],
        |a| a.alu(AluOp::Sub, Size::S64, RDX, Mem::at(RBP, -16)),
    ),
    ("xor r12d,DWORD PTR [r12]", &[0x45, 0x33, 0x24, 0x24], |a| {
        a.alu(AluOp::Xor, Size::S32, R12, Mem::at(R12, 0))
    }),
    (
        "cmp rax,QWORD PTR [r13+0x0]",
        &[0x49, 0x3B, 0x45, 0x00],
        |a| a.alu(AluOp::Cmp, Size::S64, RAX, Mem::at(R13, 0)),
    ),
    ("and ebx,0x7f", &[0x83, 0xE3, 0x7F], |a| {
        a.alu_imm(AluOp::And, Size::S32, RBX, 0x7F)
    }),
    (
        "or r9,0x12345",
        &[0x49, 0x81, 0xC9, 0x45, 0x23, 0x01, 0x00],
        |a| a.alu_imm(AluOp::Or, Size::S64, R9, 0x12345),
    ),
    (
        "cmp DWORD PTR [rsp+0x8],0xffffffff",
        &[0x83, 0x7C, 0x24, 0x08, 0xFF],
        |a| a.alu_imm(AluOp::Cmp, Size::S32, Mem::at(RSP, 8), -1),
    ),
    (
        "mov eax,DWORD PTR [rsi+rdi*4+0x100]",
        &[0x8B, 0x84, 0xBE, 0x00, 0x01, 0x00, 0x00],
        |a| {
            a.load(
                Size::S32,
                RAX,
                Mem::Base {
                    base: RSI,
                    index: Some((RDI, 2)),
                    disp: 0x100,
                },
            )
        },
    ),
    (
        "mov r10,QWORD PTR [r13+r12*1+0x0]",
        &[0x4F, 0x8B, 0x54, 0x25, 0x00],
        |a| {
            a.load(
                Size::S64,
                R10,
                Mem::Base {
                    base: R13,
                    index: Some((R12, 0)),
                    disp: 0,
                },
            )
        },
    ),
    (
        "mov QWORD PTR [rbx+0x8],r11",
        &[0x4C, 0x89, 0x5B, 0x08],
        |a| a.store(Size::S64, Mem::at(RBX, 8), R11),
    ),
    ("mov BYTE PTR [rax],sil", &[0x40, 0x88, 0x30], |a| {
        a.store(Size::S8, Mem::at(RAX, 0), RSI)
    }),
    (
        "mov WORD PTR [rcx+0x2],dx",
        &[0x66, 0x89, 0x51, 0x02],
        |a| a.store(Size::S16, Mem::at(RCX, 2), RDX),
    ),
    (
        "mov DWORD PTR [r11+0x10],0x5",
        &[0x41, 0xC7, 0x43, 0x10, 0x05, 0x00, 0x00, 0x00],
        |a| a.store_imm(Size::S32, Mem::at(R11, 16), 5),
    ),
    ("mov rbx,r14", &[0x4C, 0x89, 0xF3], |a| {
        a.mov(Size::S64, RBX, R14)
    }),
    ("mov r9d,eax", &[0x41, 0x89, 0xC1], |a| {
        a.mov(Size::S32, R9, RAX)
    }),
    ("xor eax,eax", &[0x33, 0xC0], |a| {
        a.mov_imm(Size::S64, RAX, 0, false)
    }),
    (
        "mov r10d,0x2a",
        &[0x41, 0xBA, 0x2A, 0x00, 0x00, 0x00],
        |a| a.mov_imm(Size::S64, R10, 42, true),
    ),
    (
        "mov rcx,0xffffffffffffffff",
        &[0x48, 0xC7, 0xC1, 0xFF, 0xFF, 0xFF, 0xFF],
        |a| a.mov_imm(Size::S64, RCX, u64::MAX, false),
    ),
    (
        "movabs r15,0x123456789a",
        &[0x49, 0xBF, 0x9A, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00],
        |a| a.mov_imm(Size::S64, R15, 0x12_3456_789A, false),
    ),
    (
        "lea rax,[rdi+rsi*8-0x8]",
        &[0x48, 0x8D, 0x44, 0xF7, 0xF8],
        |a| {
            a.lea(
                Size::S64,
                RAX,
                Mem::Base {
                    base: RDI,
                    index: Some((RSI, 3)),
                    disp: -8,
                },
            )
        },
    ),
    (
        "lea r8d,[rbp+0x1000]",
        &[0x44, 0x8D, 0x85, 0x00, 0x10, 0x00, 0x00],
        |a| a.lea(Size::S32, R8, Mem::at(RBP, 0x1000)),
    ),
    ("imul rdx,r8", &[0x49, 0x0F, 0xAF, 0xD0], |a| {
        a.int_rm(IntRmOp::Imul, Size::S64, RDX, R8)
    }),
    ("imul eax,ecx,0x10", &[0x6B, 0xC1, 0x10], |a| {
        a.imul_imm(Size::S32, RAX, RCX, 16)
    }),
    (
        "imul r8,QWORD PTR [rbp-0x8],0x3e8",
        &[0x4C, 0x69, 0x45, 0xF8, 0xE8, 0x03, 0x00, 0x00],
        |a| a.imul_imm(Size::S64, R8, Mem::at(RBP, -8), 1000),
    ),
    ("popcnt eax,ecx", &[0xF3, 0x0F, 0xB8, 0xC1], |a| {
        a.int_rm(IntRmOp::Popcnt, Size::S32, RAX, RCX)
    }),
    ("lzcnt r11,rax", &[0xF3, 0x4C, 0x0F, 0xBD, 0xD8], |a| {
        a.int_rm(IntRmOp::Lzcnt, Size::S64, R11, RAX)
    }),
    ("tzcnt edx,r9d", &[0xF3, 0x41, 0x0F, 0xBC, 0xD1], |a| {
        a.int_rm(IntRmOp::Tzcnt, Size::S32, RDX, R9)
    }),
    ("bsr eax,ecx", &[0x0F, 0xBD, 0xC1], |a| {
        a.int_rm(IntRmOp::Bsr, Size::S32, RAX, RCX)
    }),
    ("movzx eax,sil", &[0x40, 0x0F, 0xB6, 0xC6], |a| {
        a.int_rm(IntRmOp::Movzx8, Size::S32, RAX, RSI)
    }),
    ("movsx rax,WORD PTR [rdx]", &[0x48, 0x0F, 0xBF, 0x02], |a| {
        a.int_rm(IntRmOp::Movsx16, Size::S64, RAX, Mem::at(RDX, 0))
    }),
    ("movsxd r8,ecx", &[0x4C, 0x63, 0xC1], |a| {
        a.int_rm(IntRmOp::Movsxd, Size::S64, R8, RCX)
    }),
    ("test edi,edi", &[0x85, 0xFF], |a| {
        a.int_rm(IntRmOp::Test, Size::S32, RDI, RDI)
    }),
    (
        "test eax,0xe0",
        &[0xF7, 0xC0, 0xE0, 0x00, 0x00, 0x00],
        |a| a.test_imm(Size::S32, RAX, 0xE0),
    ),
    (
        "test r9,0xfffffffffffffff0",
        &[0x49, 0xF7, 0xC1, 0xF0, 0xFF, 0xFF, 0xFF],
        |a| a.test_imm(Size::S64, R9, -16),
    ),
    ("test r13,rdx", &[0x49, 0x85, 0xD5], |a| {
        a.int_rm(IntRmOp::Test, Size::S64, RDX, R13)
    }),
    ("shl eax,cl", &[0xD3, 0xE0], |a| {
        a.shift_cl(ShiftOp::Shl, Size::S32, RAX)
    }),
    ("sar r12,cl", &[0x49, 0xD3, 0xFC], |a| {
        a.shift_cl(ShiftOp::Sar, Size::S64, R12)
    }),
    ("rol edx,0x7", &[0xC1, 0xC2, 0x07], |a| {
        a.shift_imm(ShiftOp::Rol, Size::S32, RDX, 7)
    }),
    ("ror rbx,0x3", &[0x48, 0xC1, 0xCB, 0x03], |a| {
        a.shift_imm(ShiftOp::Ror, Size::S64, RBX, 3)
    }),
    ("shr r9d,0x1f", &[0x41, 0xC1, 0xE9, 0x1F], |a| {
        a.shift_imm(ShiftOp::Shr, Size::S32, R9, 31)
    }),
    ("neg rax", &[0x48, 0xF7, 0xD8], |a| {
        a.unary(UnaryGroupOp::Neg, Size::S64, RAX)
    }),
    ("idiv ecx", &[0xF7, 0xF9], |a| {
        a.unary(UnaryGroupOp::Idiv, Size::S32, RCX)
    }),
    ("div r10", &[0x49, 0xF7, 0xF2], |a| {
        a.unary(UnaryGroupOp::Div, Size::S64, R10)
    }),
    ("cqo", &[0x48, 0x99], |a| a.sign_extend_rax(Size::S64)),
    ("cdq", &[0x99], |a| a.sign_extend_rax(Size::S32)),
    ("cmovl eax,edx", &[0x0F, 0x4C, 0xC2], |a| {
        a.cmov(Cond::L, Size::S32, RAX, RDX)
    }),
    (
        "cmovae r8,QWORD PTR [rbp-0x18]",
        &[0x4C, 0x0F, 0x43, 0x45, 0xE8],
        |a| a.cmov(Cond::Ae, Size::S64, R8, Mem::at(RBP, -24)),
    ),
    ("sete dil", &[0x40, 0x0F, 0x94, 0xC7], |a| {
        a.setcc(Cond::E, RDI)
    }),
    ("setp r11b", &[0x41, 0x0F, 0x9A, 0xC3], |a| {
        a.setcc(Cond::P, R11)
    }),
    ("push r13", &[0x41, 0x55], |a| a.push(R13)),
    ("pop rbp", &[0x5D], |a| a.pop(RBP)),
    ("push QWORD PTR [r15+0x8]", &[0x41, 0xFF, 0x77, 0x08], |a| {
        a.push_mem(Mem::at(R15, 8))
    }),
    ("call r11", &[0x41, 0xFF, 0xD3], |a| a.call_indirect(R11)),
    ("call QWORD PTR [rdi+0x8]", &[0xFF, 0x57, 0x08], |a| {
        a.call_indirect(Mem::at(RDI, 8))
    }),
    ("jmp r11", &[0x41, 0xFF, 0xE3], |a| a.jmp_indirect(R11)),
    ("ret", &[0xC3], |a| a.ret()),
    ("addsd xmm0,xmm1", &[0xF2, 0x0F, 0x58, 0xC1], |a| {
        a.sse(SseOp::Add, FloatWidth::F64, Xmm(0), Xmm(1))
    }),
    (
        "mulss xmm9,DWORD PTR [rbp-0x8]",
        &[0xF3, 0x44, 0x0F, 0x59, 0x4D, 0xF8],
        |a| a.sse(SseOp::Mul, FloatWidth::F32, Xmm(9), Mem::at(RBP, -8)),
    ),
    ("subss xmm2,xmm14", &[0xF3, 0x41, 0x0F, 0x5C, 0xD6], |a| {
        a.sse(SseOp::Sub, FloatWidth::F32, Xmm(2), Xmm(14))
    }),
    ("divsd xmm3,xmm4", &[0xF2, 0x0F, 0x5E, 0xDC], |a| {
        a.sse(SseOp::Div, FloatWidth::F64, Xmm(3), Xmm(4))
    }),
    ("minsd xmm1,xmm2", &[0xF2, 0x0F, 0x5D, 0xCA], |a| {
        a.sse(SseOp::Min, FloatWidth::F64, Xmm(1), Xmm(2))
    }),
    ("maxss xmm1,xmm2", &[0xF3, 0x0F, 0x5F, 0xCA], |a| {
        a.sse(SseOp::Max, FloatWidth::F32, Xmm(1), Xmm(2))
    }),
    ("sqrtsd xmm5,xmm6", &[0xF2, 0x0F, 0x51, 0xEE], |a| {
        a.sse(SseOp::Sqrt, FloatWidth::F64, Xmm(5), Xmm(6))
    }),
    ("cvtss2sd xmm0,xmm0", &[0xF3, 0x0F, 0x5A, 0xC0], |a| {
        a.sse(SseOp::CvtToOther, FloatWidth::F32, Xmm(0), Xmm(0))
    }),
    (
        "movsd xmm12,QWORD PTR [rax+0x8]",
        &[0xF2, 0x44, 0x0F, 0x10, 0x60, 0x08],
        |a| a.sse(SseOp::MovLoad, FloatWidth::F64, Xmm(12), Mem::at(RAX, 8)),
    ),
    (
        "movss DWORD PTR [rsp],xmm1",
        &[0xF3, 0x0F, 0x11, 0x0C, 0x24],
        |a| a.sse_store(FloatWidth::F32, Mem::at(RSP, 0), Xmm(1)),
    ),
    ("andpd xmm0,xmm1", &[0x66, 0x0F, 0x54, 0xC1], |a| {
        a.sse(SseOp::And, FloatWidth::F64, Xmm(0), Xmm(1))
    }),
    ("xorps xmm7,xmm8", &[0x41, 0x0F, 0x57, 0xF8], |a| {
        a.sse(SseOp::Xor, FloatWidth::F32, Xmm(7), Xmm(8))
    }),
    ("orps xmm1,xmm2", &[0x0F, 0x56, 0xCA], |a| {
        a.sse(SseOp::Or, FloatWidth::F32, Xmm(1), Xmm(2))
    }),
    ("andnpd xmm1,xmm2", &[0x66, 0x0F, 0x55, 0xCA], |a| {
        a.sse(SseOp::AndNot, FloatWidth::F64, Xmm(1), Xmm(2))
    }),
    ("ucomisd xmm0,xmm1", &[0x66, 0x0F, 0x2E, 0xC1], |a| {
        a.sse(SseOp::Ucomi, FloatWidth::F64, Xmm(0), Xmm(1))
    }),
    ("ucomiss xmm3,xmm3", &[0x0F, 0x2E, 0xDB], |a| {
        a.sse(SseOp::Ucomi, FloatWidth::F32, Xmm(3), Xmm(3))
    }),
    ("movaps xmm1,xmm15", &[0x41, 0x0F, 0x28, 0xCF], |a| {
        a.sse(SseOp::MovAligned, FloatWidth::F32, Xmm(1), Xmm(15))
    }),
    ("movq xmm1,rax", &[0x66, 0x48, 0x0F, 0x6E, 0xC8], |a| {
        a.movd_to_xmm(Size::S64, Xmm(1), RAX)
    }),
    ("movd ecx,xmm2", &[0x66, 0x0F, 0x7E, 0xD1], |a| {
        a.movd_from_xmm(Size::S32, RCX, Xmm(2))
    }),
    ("cvtsi2sd xmm0,rdi", &[0xF2, 0x48, 0x0F, 0x2A, 0xC7], |a| {
        a.cvt_int_to_float(FloatWidth::F64, Size::S64, Xmm(0), RDI)
    }),
    ("cvtsi2ss xmm1,eax", &[0xF3, 0x0F, 0x2A, 0xC8], |a| {
        a.cvt_int_to_float(FloatWidth::F32, Size::S32, Xmm(1), RAX)
    }),
    ("cvttsd2si eax,xmm1", &[0xF2, 0x0F, 0x2C, 0xC1], |a| {
        a.cvt_float_to_int(FloatWidth::F64, Size::S32, RAX, Xmm(1))
    }),
    ("cvttss2si r9,xmm10", &[0xF3, 0x4D, 0x0F, 0x2C, 0xCA], |a| {
        a.cvt_float_to_int(FloatWidth::F32, Size::S64, R9, Xmm(10))
    }),
    (
        "roundsd xmm0,xmm1,0x9",
        &[0x66, 0x0F, 0x3A, 0x0B, 0xC1, 0x09],
        |a| a.round(FloatWidth::F64, Xmm(0), Xmm(1), 9),
    ),
    (
        "roundss xmm8,xmm2,0xa",
        &[0x66, 0x44, 0x0F, 0x3A, 0x0A, 0xC2, 0x0A],
        |a| a.round(FloatWidth::F32, Xmm(8), Xmm(2), 10),
    ),
    ("ret; nop", &[0xC3, 0x90], |a| {
        a.ret();
        a.align_with_nops(2)
    }),
    ("ret; nop DWORD PTR [rax]", &[0xC3, 0x0F, 0x1F, 0x00], |a| {
        a.ret();
        a.align_with_nops(4)
    }),
    (
        "ret; nop WORD PTR [rax+rax*1+0x0]; nop WORD PTR [rax+rax*1+0x0]",
        &[
            0xC3, 0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66, 0x0F, 0x1F, 0x44,
            0x00, 0x00,
        ],
        |a| {
            a.ret();
            a.align_with_nops(16)
        },
    ),
];

#[test]
fn instructions_encode_to_known_bytes() {
    let mut failures = Vec::new();
    for (text, bytes, emit) in CASES {
        let mut asm = Assembler::new();
        emit(&mut asm);
        if asm.code() != *bytes {
            failures.push(format!(
                "{text}: expected {bytes:02X?}, got {:02X?}",
                asm.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
