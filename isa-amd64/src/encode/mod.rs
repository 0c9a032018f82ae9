//! The x86-64 assembler: instructions in, bytes out.
//!
//! Every instruction goes through one routine, `Assembler::encode`, that
//! writes the parts of an x86 instruction in their fixed order:
//!
//! ```text
//! [66] [F2/F3] [REX] [0F [3A]] opcode ModRM [SIB] [disp8/disp32] [imm]
//! ```
//!
//! The mnemonic methods only pick a row of the [`opcodes`] tables and the
//! operands. The bytes go into a [`MachBuffer`], which resolves labels
//! (blocks, trap stubs, constants: every reference to them is a [`Rel32`]
//! displacement) and keeps the constant pool, the relocations of calls
//! outside the function and the trap sites.

pub mod listing;
pub mod opcodes;
mod rel32;

use crate::regs::{Gpr, Xmm};
use kiln_machinst::{Label, MachBuffer};
use kiln_ssa::TrapCode;
use kiln_ssa::target::{CompiledFunction, RelocationKind, RelocationTarget};
use opcodes::{
    ALU, ALU_IMM8, ALU_IMM32, AluOp, Cond, FloatWidth, IMUL_IMM8, IMUL_IMM32, INDIRECT_GROUP,
    IntRmOp, MOV_IMM_RM, MOV_IMM_RM8, MOV_STORE, MOV_STORE8, MOVD_FROM_XMM, MOVD_TO_XMM, OpMap,
    Opcode, SHIFT_CL, SHIFT_IMM, ShiftOp, SseOp, TEST_IMM32, UNARY_GROUP, UnaryGroupOp,
};

/// Operand size of an integer instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 8 bits.
    S8,
    /// 16 bits (`66` prefix).
    S16,
    /// 32 bits (the default; writes zero the upper half).
    S32,
    /// 64 bits (`REX.W`).
    S64,
}

impl Size {
    /// 32 or 64 bits, for a value of `bytes` bytes.
    pub fn of_bytes(bytes: u32) -> Size {
        match bytes {
            1 => Size::S8,
            2 => Size::S16,
            4 => Size::S32,
            _ => Size::S64,
        }
    }
}

pub use rel32::Rel32;

/// A memory operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mem {
    /// `[base + index << shift + disp]`.
    Base {
        /// The base register.
        base: Gpr,
        /// The index register (never `rsp`) and its shift (0 to 3).
        index: Option<(Gpr, u8)>,
        /// The displacement.
        disp: i32,
    },
    /// `[rip + label]`: a constant or a jump table of this function.
    Label(Label),
}

impl Mem {
    /// `[base + disp]`.
    pub fn at(base: Gpr, disp: i32) -> Mem {
        Mem::Base {
            base,
            index: None,
            disp,
        }
    }
}

/// The `r/m` operand of an instruction: a register (by hardware number, of
/// the class the instruction expects) or memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegMem {
    /// A register.
    Reg(u8),
    /// A memory operand.
    Mem(Mem),
}

impl From<Gpr> for RegMem {
    fn from(reg: Gpr) -> RegMem {
        RegMem::Reg(reg.0)
    }
}

impl From<Xmm> for RegMem {
    fn from(reg: Xmm) -> RegMem {
        RegMem::Reg(reg.0)
    }
}

impl From<Mem> for RegMem {
    fn from(mem: Mem) -> RegMem {
        RegMem::Mem(mem)
    }
}

/// An immediate that ends an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Imm {
    None,
    I8(i8),
    I16(i16),
    I32(i32),
}

/// The recommended no-operation instructions of one to nine bytes (Intel's
/// optimization manual, "multi-byte NOP"): `nop`, `66 nop`, then `nop` with
/// ever longer memory operands.
const NOPS: [&[u8]; 9] = [
    &[0x90],
    &[0x66, 0x90],
    &[0x0F, 0x1F, 0x00],
    &[0x0F, 0x1F, 0x40, 0x00],
    &[0x0F, 0x1F, 0x44, 0x00, 0x00],
    &[0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
    &[0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
    &[0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    &[0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/// Accumulates the code of one function.
#[derive(Default)]
pub struct Assembler {
    buf: MachBuffer<Rel32>,
}

/// Whether a value fits in a sign-extended 8-bit immediate or displacement.
fn fits_i8(value: i64) -> bool {
    i8::try_from(value).is_ok()
}

impl Assembler {
    /// An empty function.
    pub fn new() -> Assembler {
        Assembler::default()
    }

    /// An empty function whose instructions are also written down as text
    /// (see [`Assembler::listing`]).
    pub fn with_listing() -> Assembler {
        Assembler {
            buf: MachBuffer::with_listing(),
        }
    }

    /// The buffer the code goes to.
    pub fn buffer(&mut self) -> &mut MachBuffer<Rel32> {
        &mut self.buf
    }

    /// The text of the instructions so far, one line each, with their
    /// offsets (empty unless made by [`Assembler::with_listing`]).
    pub fn listing(&self) -> String {
        self.buf.listing()
    }

    /// Writes down the instruction about to be emitted, when listing.
    fn note(&mut self, text: impl FnOnce() -> String) {
        self.buf.note(text);
    }

    /// The bytes emitted so far.
    pub fn code(&self) -> &[u8] {
        self.buf.code()
    }

    /// A new, unbound label.
    pub fn new_label(&mut self) -> Label {
        self.buf.new_label()
    }

    /// Binds `label` to the current offset.
    pub fn bind(&mut self, label: Label) {
        self.buf.bind(label);
    }

    /// Records that the next instruction may trap with `code`.
    pub fn trap_site(&mut self, code: TrapCode) {
        self.buf.trap_site(code);
    }

    /// Records that the next instruction is a memory access that traps with
    /// `code` by faulting, resuming at the stub `stub`.
    pub fn fault_site(&mut self, code: TrapCode, stub: Label) {
        self.buf.fault_site(code, stub);
    }

    /// A RIP-relative operand for 16 bytes of constant data, shared by every
    /// use of the same bits in the function.
    pub fn constant(&mut self, bits: u128) -> Mem {
        Mem::Label(self.buf.constant(bits))
    }

    /// Encodes one instruction. `reg` is the ModRM `reg` field (a register
    /// number or an opcode extension); `byte_regs` says which of `reg` and
    /// `rm` are 8-bit registers (which need a REX prefix to mean `sil`,
    /// `dil`, `spl`, `bpl` rather than `dh`, `bh`, `ah`, `ch`).
    fn encode(
        &mut self,
        opcode: Opcode,
        size: Size,
        reg: u8,
        rm: RegMem,
        byte_regs: (bool, bool),
        imm: Imm,
    ) {
        if size == Size::S16 {
            self.buf.put_u8(0x66);
        }
        if let Some(prefix) = opcode.prefix {
            self.buf.put_u8(prefix);
        }
        let w = size == Size::S64;
        let (x, b, rm_low) = match rm {
            RegMem::Reg(r) => (false, r & 8 != 0, r),
            RegMem::Mem(Mem::Base { base, index, .. }) => {
                (index.is_some_and(|(i, _)| i.0 & 8 != 0), base.0 & 8 != 0, 0)
            }
            RegMem::Mem(Mem::Label(_)) => (false, false, 0),
        };
        let needs_byte_rex = (byte_regs.0 && (4..8).contains(&reg))
            || (byte_regs.1 && matches!(rm, RegMem::Reg(_)) && (4..8).contains(&rm_low));
        let rex = 0x40 | (w as u8) << 3 | ((reg & 8 != 0) as u8) << 2 | (x as u8) << 1 | b as u8;
        if rex != 0x40 || needs_byte_rex {
            self.buf.put_u8(rex);
        }
        match opcode.map {
            OpMap::Primary => {}
            OpMap::Esc0F => self.buf.put_u8(0x0F),
            OpMap::Esc0F3A => self.buf.put(&[0x0F, 0x3A]),
        }
        self.buf.put_u8(opcode.byte);
        let rip_fixup = self.modrm(reg & 7, rm);
        match imm {
            Imm::None => {}
            Imm::I8(v) => self.buf.put_u8(v as u8),
            Imm::I16(v) => self.buf.put(&v.to_le_bytes()),
            Imm::I32(v) => self.buf.put(&v.to_le_bytes()),
        }
        if let Some((at, label)) = rip_fixup {
            let trailing = (self.buf.offset() - at - 4) as u8;
            self.buf.use_label(at, label, Rel32::pc_relative(trailing));
        }
    }

    /// Writes ModRM, SIB and displacement; returns the place of a
    /// RIP-relative displacement still to patch.
    fn modrm(&mut self, reg: u8, rm: RegMem) -> Option<(u32, Label)> {
        let modrm = |md: u8, rm: u8| md << 6 | reg << 3 | rm;
        match rm {
            RegMem::Reg(r) => {
                self.buf.put_u8(modrm(0b11, r & 7));
                None
            }
            RegMem::Mem(Mem::Label(label)) => {
                self.buf.put_u8(modrm(0b00, 0b101));
                let at = self.buf.offset();
                self.buf.put(&[0; 4]);
                Some((at, label))
            }
            RegMem::Mem(Mem::Base { base, index, disp }) => {
                let base_low = base.0 & 7;
                let md = if disp == 0 && base_low != 0b101 {
                    0b00
                } else if fits_i8(disp.into()) {
                    0b01
                } else {
                    0b10
                };
                if index.is_some() || base_low == 0b100 {
                    let (index, shift) = index.unwrap_or((crate::regs::RSP, 0));
                    debug_assert!(index != crate::regs::RSP || shift == 0);
                    self.buf.put_u8(modrm(md, 0b100));
                    self.buf.put_u8(shift << 6 | (index.0 & 7) << 3 | base_low);
                } else {
                    self.buf.put_u8(modrm(md, base_low));
                }
                match md {
                    0b01 => self.buf.put_u8(disp as u8),
                    0b10 => self.buf.put(&disp.to_le_bytes()),
                    _ => {}
                }
                None
            }
        }
    }

    fn alu_row(op: AluOp) -> (u8, u8, u8) {
        let &(_, rm_reg, reg_rm, digit) = ALU.iter().find(|row| row.0 == op).expect("ALU row");
        (rm_reg, reg_rm, digit)
    }

    /// `op dst, src` for `add or and sub xor cmp`.
    pub fn alu(&mut self, op: AluOp, size: Size, dst: Gpr, src: impl Into<RegMem>) {
        let src = src.into();
        self.note(|| {
            format!(
                "{} {}, {}",
                op.name(),
                listing::gpr(dst.0, size),
                listing::int_rm(src, size)
            )
        });
        let (_, reg_rm, _) = Self::alu_row(op);
        let opcode = Opcode {
            prefix: None,
            map: OpMap::Primary,
            byte: reg_rm,
        };
        self.encode(opcode, size, dst.0, src, (false, false), Imm::None);
    }

    /// `op dst, imm` with the shortest immediate.
    pub fn alu_imm(&mut self, op: AluOp, size: Size, dst: impl Into<RegMem>, imm: i32) {
        let dst = dst.into();
        self.note(|| format!("{} {}, {imm:#x}", op.name(), listing::int_rm(dst, size)));
        let (_, _, digit) = Self::alu_row(op);
        if fits_i8(imm.into()) {
            self.encode(
                ALU_IMM8,
                size,
                digit,
                dst,
                (false, false),
                Imm::I8(imm as i8),
            );
        } else {
            self.encode(ALU_IMM32, size, digit, dst, (false, false), Imm::I32(imm));
        }
    }

    /// `test dst, imm32`: the flags of `dst & imm`, the immediate
    /// sign-extended to 64 bits for a 64-bit test.
    pub fn test_imm(&mut self, size: Size, dst: impl Into<RegMem>, imm: i32) {
        let dst = dst.into();
        self.note(|| format!("test {}, {imm:#x}", listing::int_rm(dst, size)));
        self.encode(TEST_IMM32, size, 0, dst, (false, false), Imm::I32(imm));
    }

    /// `op reg, r/m` for the rows of [`IntRmOp`] (`imul`, `popcnt`, `lzcnt`,
    /// `tzcnt`, `bsr`, `bsf`, `movzx`, `movsx`, `movsxd`, `lea`, `mov` load,
    /// `test`).
    pub fn int_rm(&mut self, op: IntRmOp, size: Size, dst: Gpr, src: impl Into<RegMem>) {
        let src = src.into();
        let src_size = match op {
            IntRmOp::Movzx8 | IntRmOp::Movsx8 => Size::S8,
            IntRmOp::Movzx16 | IntRmOp::Movsx16 => Size::S16,
            IntRmOp::Movsxd => Size::S32,
            _ => size,
        };
        self.note(|| {
            format!(
                "{} {}, {}",
                op.name(),
                listing::gpr(dst.0, size),
                listing::int_rm(src, src_size)
            )
        });
        let byte_src = matches!(op, IntRmOp::Movzx8 | IntRmOp::Movsx8);
        let opcode = opcodes::int_rm_opcode(op);
        self.encode(opcode, size, dst.0, src, (false, byte_src), Imm::None);
    }

    /// `imul dst, src, imm` with the shortest immediate.
    pub fn imul_imm(&mut self, size: Size, dst: Gpr, src: impl Into<RegMem>, imm: i32) {
        let src = src.into();
        self.note(|| {
            let (dst, src) = (listing::gpr(dst.0, size), listing::int_rm(src, size));
            format!("imul {dst}, {src}, {imm:#x}")
        });
        if fits_i8(imm.into()) {
            self.encode(
                IMUL_IMM8,
                size,
                dst.0,
                src,
                (false, false),
                Imm::I8(imm as i8),
            );
        } else {
            self.encode(IMUL_IMM32, size, dst.0, src, (false, false), Imm::I32(imm));
        }
    }

    /// `mov dst, src` between registers.
    pub fn mov(&mut self, size: Size, dst: Gpr, src: Gpr) {
        self.note(|| {
            format!(
                "mov {}, {}",
                listing::gpr(dst.0, size),
                listing::gpr(src.0, size)
            )
        });
        self.encode(
            MOV_STORE,
            size,
            src.0,
            dst.into(),
            (false, false),
            Imm::None,
        );
    }

    /// `mov dst, [mem]` (32 or 64 bits; 32-bit loads zero-extend).
    pub fn load(&mut self, size: Size, dst: Gpr, src: Mem) {
        self.int_rm(IntRmOp::Load, size, dst, src);
    }

    /// `mov [mem], src` of 8, 16, 32 or 64 bits.
    pub fn store(&mut self, size: Size, dst: Mem, src: Gpr) {
        self.note(|| format!("mov {}, {}", listing::mem(dst), listing::gpr(src.0, size)));
        let opcode = if size == Size::S8 {
            MOV_STORE8
        } else {
            MOV_STORE
        };
        self.encode(opcode, size, src.0, dst.into(), (true, false), Imm::None);
    }

    /// `mov [mem], imm` of 8, 16, 32 or 64 bits (sign-extended imm32).
    pub fn store_imm(&mut self, size: Size, dst: Mem, imm: i32) {
        self.note(|| {
            format!(
                "mov {} {}, {imm:#x}",
                listing::size_name(size),
                listing::mem(dst)
            )
        });
        let (opcode, imm) = match size {
            Size::S8 => (MOV_IMM_RM8, Imm::I8(imm as i8)),
            Size::S16 => (MOV_IMM_RM, Imm::I16(imm as i16)),
            Size::S32 | Size::S64 => (MOV_IMM_RM, Imm::I32(imm)),
        };
        self.encode(opcode, size, 0, dst.into(), (false, false), imm);
    }

    /// Loads a constant into `dst` with the shortest form: `xor` for zero,
    /// `mov r32, imm32` (which zero-extends), `mov r64, simm32`, or
    /// `movabs`. `xor` writes the flags; `keep_flags` forbids it.
    pub fn mov_imm(&mut self, size: Size, dst: Gpr, imm: u64, keep_flags: bool) {
        let imm = if size == Size::S64 {
            imm
        } else {
            imm & 0xFFFF_FFFF
        };
        if imm == 0 && !keep_flags {
            self.alu(AluOp::Xor, Size::S32, dst, dst);
            return;
        }
        let zero_extends = u32::try_from(imm).is_ok();
        let form = if zero_extends { Size::S32 } else { Size::S64 };
        self.note(|| format!("mov {}, {imm:#x}", listing::gpr(dst.0, form)));
        if zero_extends {
            if dst.0 & 8 != 0 {
                self.buf.put_u8(0x41);
            }
            self.buf.put_u8(0xB8 | (dst.0 & 7));
            self.buf.put(&(imm as u32).to_le_bytes());
        } else if i32::try_from(imm as i64).is_ok() {
            self.encode(
                MOV_IMM_RM,
                Size::S64,
                0,
                dst.into(),
                (false, false),
                Imm::I32(imm as i32),
            );
        } else {
            self.buf.put_u8(0x48 | (dst.0 >> 3));
            self.buf.put_u8(0xB8 | (dst.0 & 7));
            self.buf.put(&imm.to_le_bytes());
        }
    }

    /// `movabs dst, 0` whose 8-byte immediate the engine patches with the
    /// address of `target`.
    pub fn mov_address(&mut self, dst: Gpr, target: RelocationTarget) {
        self.note(|| format!("movabs {}, {target:?}", listing::gpr(dst.0, Size::S64)));
        self.buf.put(&[0x48 | (dst.0 >> 3), 0xB8 | (dst.0 & 7)]);
        self.buf.relocation(RelocationKind::Absolute8, target);
        self.buf.put(&[0; 8]);
    }

    /// `lea dst, [mem]`.
    pub fn lea(&mut self, size: Size, dst: Gpr, src: Mem) {
        self.int_rm(IntRmOp::Lea, size, dst, src);
    }

    /// Shift or rotate `dst` by `cl`.
    pub fn shift_cl(&mut self, op: ShiftOp, size: Size, dst: Gpr) {
        self.note(|| format!("{} {}, cl", op.name(), listing::gpr(dst.0, size)));
        self.encode(
            SHIFT_CL,
            size,
            op as u8,
            dst.into(),
            (false, false),
            Imm::None,
        );
    }

    /// Shift or rotate `dst` by an immediate.
    pub fn shift_imm(&mut self, op: ShiftOp, size: Size, dst: Gpr, amount: u8) {
        self.note(|| format!("{} {}, {amount}", op.name(), listing::gpr(dst.0, size)));
        let imm = Imm::I8(amount as i8);
        self.encode(SHIFT_IMM, size, op as u8, dst.into(), (false, false), imm);
    }

    /// `not`, `neg`, `div`, `idiv` of `operand`.
    pub fn unary(&mut self, op: UnaryGroupOp, size: Size, operand: impl Into<RegMem>) {
        let operand = operand.into();
        self.note(|| format!("{} {}", op.name(), listing::int_rm(operand, size)));
        self.encode(
            UNARY_GROUP,
            size,
            op as u8,
            operand,
            (false, false),
            Imm::None,
        );
    }

    /// `cdq` (32 bits) or `cqo` (64 bits): sign-extends `rax` into `rdx`.
    pub fn sign_extend_rax(&mut self, size: Size) {
        self.note(|| {
            if size == Size::S64 {
                "cqo".into()
            } else {
                "cdq".into()
            }
        });
        if size == Size::S64 {
            self.buf.put_u8(0x48);
        }
        self.buf.put_u8(0x99);
    }

    /// `cmovcc dst, src`.
    pub fn cmov(&mut self, cc: Cond, size: Size, dst: Gpr, src: impl Into<RegMem>) {
        let src = src.into();
        self.note(|| {
            format!(
                "cmov{} {}, {}",
                cc.name(),
                listing::gpr(dst.0, size),
                listing::int_rm(src, size)
            )
        });
        let opcode = opcodes::cmov_opcode(cc);
        self.encode(opcode, size, dst.0, src, (false, false), Imm::None);
    }

    /// `setcc dst8`.
    pub fn setcc(&mut self, cc: Cond, dst: Gpr) {
        self.note(|| format!("set{} {}", cc.name(), listing::gpr(dst.0, Size::S8)));
        let opcode = opcodes::setcc_opcode(cc);
        self.encode(opcode, Size::S32, 0, dst.into(), (false, true), Imm::None);
    }

    /// `push reg`.
    pub fn push(&mut self, reg: Gpr) {
        self.note(|| format!("push {}", listing::gpr(reg.0, Size::S64)));
        if reg.0 & 8 != 0 {
            self.buf.put_u8(0x41);
        }
        self.buf.put_u8(0x50 | (reg.0 & 7));
    }

    /// `push qword [mem]`.
    pub fn push_mem(&mut self, mem: Mem) {
        self.note(|| format!("push qword {}", listing::mem(mem)));
        let digit = opcodes::PUSH_RM_DIGIT;
        self.encode(
            INDIRECT_GROUP,
            Size::S32,
            digit,
            mem.into(),
            (false, false),
            Imm::None,
        );
    }

    /// `pop reg`.
    pub fn pop(&mut self, reg: Gpr) {
        self.note(|| format!("pop {}", listing::gpr(reg.0, Size::S64)));
        if reg.0 & 8 != 0 {
            self.buf.put_u8(0x41);
        }
        self.buf.put_u8(0x58 | (reg.0 & 7));
    }

    /// No-operation instructions that fill the code up to the next multiple
    /// of `alignment` bytes: the longest recommended forms first
    /// ([`NOPS`]), so that as few instructions as possible decode.
    pub fn align_with_nops(&mut self, alignment: u32) {
        let mut pad = (alignment - self.buf.offset() % alignment) % alignment;
        while pad > 0 {
            let nop = NOPS[(pad as usize).min(NOPS.len()) - 1];
            self.note(|| format!("nop{}", nop.len()));
            self.buf.put(nop);
            pad -= nop.len() as u32;
        }
    }

    /// `ret`.
    pub fn ret(&mut self) {
        self.note(|| "ret".into());
        self.buf.put_u8(0xC3);
    }

    /// `call rel32` to `target`, through an [`RelocationKind::X86PcRel4`]
    /// relocation.
    pub fn call_relocated(&mut self, target: RelocationTarget) {
        self.note(|| format!("call {target:?}"));
        self.buf.put_u8(0xE8);
        self.buf.relocation(RelocationKind::X86PcRel4, target);
        self.buf.put(&[0; 4]);
    }

    /// `call r/m`.
    pub fn call_indirect(&mut self, target: impl Into<RegMem>) {
        let target = target.into();
        self.note(|| format!("call {}", listing::int_rm(target, Size::S64)));
        self.encode(
            INDIRECT_GROUP,
            Size::S32,
            2,
            target,
            (false, false),
            Imm::None,
        );
    }

    /// `jmp r/m`.
    pub fn jmp_indirect(&mut self, target: impl Into<RegMem>) {
        let target = target.into();
        self.note(|| format!("jmp {}", listing::int_rm(target, Size::S64)));
        self.encode(
            INDIRECT_GROUP,
            Size::S32,
            4,
            target,
            (false, false),
            Imm::None,
        );
    }

    fn label_rel32(&mut self, label: Label) {
        let at = self.buf.offset();
        self.buf.put(&[0; 4]);
        self.buf.use_label(at, label, Rel32::pc_relative(0));
    }

    /// `jmp label` (rel32).
    pub fn jmp(&mut self, label: Label) {
        self.note(|| format!("jmp {label}"));
        self.buf.put_u8(0xE9);
        self.label_rel32(label);
    }

    /// `jcc label` (rel32).
    pub fn jcc(&mut self, cc: Cond, label: Label) {
        self.note(|| format!("j{} {label}", cc.name()));
        self.buf.put(&[0x0F, 0x80 | cc as u8]);
        self.label_rel32(label);
    }

    /// Entry number `index` of the jump table that starts at `table`: the
    /// 32-bit offset of `target` from the table's start.
    pub fn jump_table_entry(&mut self, table: Label, index: u32, target: Label) {
        self.note(|| format!("dd {target} - {table}"));
        let at = self.buf.offset();
        self.buf.put(&[0; 4]);
        self.buf.use_label(at, target, Rel32::table_entry(index));
    }

    /// An SSE operation `dst = dst op src` (or `dst = op src`).
    pub fn sse(&mut self, op: SseOp, width: FloatWidth, dst: Xmm, src: impl Into<RegMem>) {
        let src = src.into();
        self.note(|| {
            format!(
                "{} {}, {}",
                op.name(width),
                listing::xmm(dst.0),
                listing::float_rm(src)
            )
        });
        let opcode = opcodes::sse_opcode(op, width);
        self.encode(opcode, Size::S32, dst.0, src, (false, false), Imm::None);
    }

    /// `movss`/`movsd [mem], src`.
    pub fn sse_store(&mut self, width: FloatWidth, dst: Mem, src: Xmm) {
        self.note(|| {
            format!(
                "{} {}, {}",
                SseOp::MovLoad.name(width),
                listing::mem(dst),
                listing::xmm(src.0)
            )
        });
        let opcode = opcodes::sse_store_opcode(width);
        self.encode(
            opcode,
            Size::S32,
            src.0,
            dst.into(),
            (false, false),
            Imm::None,
        );
    }

    /// `movd`/`movq dst, src` from an integer register or memory.
    pub fn movd_to_xmm(&mut self, size: Size, dst: Xmm, src: impl Into<RegMem>) {
        let src = src.into();
        self.note(|| {
            format!(
                "mov{} {}, {}",
                if size == Size::S64 { "q" } else { "d" },
                listing::xmm(dst.0),
                listing::int_rm(src, size)
            )
        });
        self.encode(MOVD_TO_XMM, size, dst.0, src, (false, false), Imm::None);
    }

    /// `movd`/`movq dst, src` to an integer register or memory.
    pub fn movd_from_xmm(&mut self, size: Size, dst: impl Into<RegMem>, src: Xmm) {
        let dst = dst.into();
        self.note(|| {
            format!(
                "mov{} {}, {}",
                if size == Size::S64 { "q" } else { "d" },
                listing::int_rm(dst, size),
                listing::xmm(src.0)
            )
        });
        self.encode(MOVD_FROM_XMM, size, src.0, dst, (false, false), Imm::None);
    }

    /// `cvtsi2ss`/`cvtsi2sd dst, src` from a signed integer of `size`.
    pub fn cvt_int_to_float(
        &mut self,
        width: FloatWidth,
        size: Size,
        dst: Xmm,
        src: impl Into<RegMem>,
    ) {
        let src = src.into();
        self.note(|| {
            format!(
                "cvtsi2{} {}, {}",
                if width == FloatWidth::F32 { "ss" } else { "sd" },
                listing::xmm(dst.0),
                listing::int_rm(src, size)
            )
        });
        let opcode = opcodes::cvt_int_to_float_opcode(width);
        self.encode(opcode, size, dst.0, src, (false, false), Imm::None);
    }

    /// `cvttss2si`/`cvttsd2si dst, src`, truncating to a signed integer.
    pub fn cvt_float_to_int(
        &mut self,
        width: FloatWidth,
        size: Size,
        dst: Gpr,
        src: impl Into<RegMem>,
    ) {
        let src = src.into();
        self.note(|| {
            format!(
                "cvtt{}2si {}, {}",
                if width == FloatWidth::F32 { "ss" } else { "sd" },
                listing::gpr(dst.0, size),
                listing::float_rm(src)
            )
        });
        let opcode = opcodes::cvt_float_to_int_opcode(width);
        self.encode(opcode, size, dst.0, src, (false, false), Imm::None);
    }

    /// `roundss`/`roundsd dst, src, mode` (SSE4.1); `mode` is the imm8
    /// (0 nearest, 1 floor, 2 ceil, 3 trunc; bit 3 suppresses inexact).
    pub fn round(&mut self, width: FloatWidth, dst: Xmm, src: impl Into<RegMem>, mode: u8) {
        let src = src.into();
        self.note(|| {
            format!(
                "round{} {}, {}, {mode}",
                if width == FloatWidth::F32 { "ss" } else { "sd" },
                listing::xmm(dst.0),
                listing::float_rm(src)
            )
        });
        let opcode = opcodes::round_opcode(width);
        let imm = Imm::I8(mode as i8);
        self.encode(opcode, Size::S32, dst.0, src, (false, false), imm);
    }

    /// Resolves labels, appends the constant pool, and hands over the code.
    pub fn finish(self) -> CompiledFunction {
        self.buf.finish()
    }
}
