//! Emission: allocated machine code to bytes, the x86-64 half. The shared
//! driver (`kiln_machinst::emit`) walks the blocks and dispatches the
//! allocator's edits to the hooks here; this module supplies the prologue,
//! the epilogue, each instruction and the trap stubs.
//!
//! The frame, from the caller's side down:
//!
//! ```text
//! [rbp+16+8k]        incoming stack argument k
//! [rbp+8]            return address
//! [rbp]              caller's rbp (the frame-pointer chain)
//! [rbp-8]            vmctx (read by the trap stubs)
//! [rbp-16-8i]        callee-saved register i, when the allocator used it
//! below              spill slots, 8 bytes each
//! [rsp+8k]           outgoing stack argument k
//! ```
//!
//! The frame size is a multiple of 16, so `rsp` is 16-byte aligned at every
//! call. The prologue compares the lowered `rsp` with the stack limit and
//! jumps to the `StackOverflow` stub, unless the function calls nothing and
//! its frame is small (`FrameLayout::checks_stack`). Trap stubs, one per trap code used,
//! and the constant pool follow the last block.

mod fallback;
mod float;
mod insts;

use crate::encode::opcodes::{AluOp, Cond, FloatWidth, IntRmOp, SseOp};
use crate::encode::{Assembler, Mem, RegMem, Rel32, Size};
use crate::inst::{Amd64Inst, Compare, FlagTest};
use crate::regs::{
    CALLEE_SAVED, Gpr, R11, RBP, RDI, RDX, RSI, RSP, SCRATCH_GPR, SCRATCH_XMM, Xmm, gpr, xmm,
};
use kiln_machinst::runtime::vm_runtime;
use kiln_machinst::{EditSink, EmitCtx, EmitIsa, FrameLayout, FrameSpec, Label, MachBuffer, VCode};
use kiln_regalloc::{Allocation, Inst, Output, PReg, RegClass, SpillSlot};
use kiln_ssa::TrapCode;
use kiln_ssa::target::CompiledFunction;

/// Offset of the saved `vmctx` below `rbp`.
const VMCTX_SLOT: i32 = -8;

/// The shape of every frame: the `vmctx` slot, then the callee-saved
/// registers, then 8-byte spill slots (a float spills as its 64 bits).
const FRAME: FrameSpec<'static> = FrameSpec {
    reserved: 8,
    callee_saved: &[
        CALLEE_SAVED[0].preg(),
        CALLEE_SAVED[1].preg(),
        CALLEE_SAVED[2].preg(),
        CALLEE_SAVED[3].preg(),
        CALLEE_SAVED[4].preg(),
    ],
    spill_slot_size: [8, 8],
    stack_alignment: 16,
};

/// Where loop headers start: see [`EmitIsa::align_loop_header`].
const LOOP_ALIGNMENT: u32 = 32;

/// The most bytes one instruction may add: the longest sequences (the
/// float fallbacks) stay well below it. It only decides islands, which
/// x86-64 never needs, since its label uses reach the whole function.
const MAX_INST_SIZE: u32 = 256;

/// The state of emitting one function.
struct Emitter<'a> {
    cx: EmitCtx<'a, Amd64Inst>,
    asm: Assembler,
    helper_trap: Option<Label>,
}

/// Emits the allocated function; with `listing`, also returns the text
/// of its instructions.
pub fn emit(
    vcode: &VCode<Amd64Inst>,
    output: &Output,
    listing: bool,
) -> (CompiledFunction, String) {
    let mut asm = if listing {
        Assembler::with_listing()
    } else {
        Assembler::new()
    };
    let frame = FrameLayout::new(&FRAME, output, vcode.outgoing_slots);
    let cx = EmitCtx::new(vcode, output, frame, asm.buffer());
    let mut emitter = Emitter {
        cx,
        asm,
        helper_trap: None,
    };
    kiln_machinst::emit(&mut emitter);
    let text = emitter.asm.listing();
    (emitter.asm.finish(), text)
}

impl<'a> EmitIsa<'a> for Emitter<'a> {
    type Inst = Amd64Inst;
    type LabelUse = Rel32;

    /// A rematerialized float constant into a spill slot: a load and a
    /// store, and a constant.
    const MAX_EDIT_SIZE: u32 = 64;

    fn cx(&self) -> &EmitCtx<'a, Amd64Inst> {
        &self.cx
    }

    fn cx_mut(&mut self) -> &mut EmitCtx<'a, Amd64Inst> {
        &mut self.cx
    }

    fn buffer(&mut self) -> &mut MachBuffer<Rel32> {
        self.asm.buffer()
    }

    fn worst_case_size(&self, inst: Inst) -> u32 {
        match self.cx.vcode.insts[inst.index()] {
            Amd64Inst::BrTable => {
                let targets = self.cx.vcode.flow.succs(self.cx.block()).len() as u32;
                MAX_INST_SIZE + 4 * targets
            }
            _ => MAX_INST_SIZE,
        }
    }

    fn prologue(&mut self) {
        self.emit_prologue();
    }

    /// Loop headers start at a multiple of 32 bytes (functions start at
    /// one too), so that a loop of up to 32 bytes never straddles a 64-byte
    /// fetch line: `sieve`'s inner loop ran a third slower when it did.
    fn align_loop_header(&mut self) {
        self.asm.align_with_nops(LOOP_ALIGNMENT);
    }

    fn inst(&mut self, inst: Inst) {
        self.emit_inst(inst);
    }

    fn after_blocks(&mut self) {
        self.trap_stubs();
    }
}

impl EditSink<Amd64Inst> for Emitter<'_> {
    fn move_reg(&mut self, from: PReg, to: PReg) {
        match from.class() {
            RegClass::Int => self.asm.mov(Size::S64, gpr(to), gpr(from)),
            RegClass::Float => self
                .asm
                .sse(SseOp::MovAligned, FloatWidth::F32, xmm(to), xmm(from)),
        }
    }

    fn spill(&mut self, from: PReg, to: SpillSlot) {
        match from.class() {
            RegClass::Int => self.asm.store(Size::S64, self.slot(to), gpr(from)),
            RegClass::Float => self
                .asm
                .sse_store(FloatWidth::F64, self.slot(to), xmm(from)),
        }
    }

    fn reload(&mut self, from: SpillSlot, to: PReg) {
        match to.class() {
            RegClass::Int => self.asm.load(Size::S64, gpr(to), self.slot(from)),
            RegClass::Float => {
                self.asm
                    .sse(SseOp::MovLoad, FloatWidth::F64, xmm(to), self.slot(from))
            }
        }
    }

    fn remat(&mut self, constant: &Amd64Inst, to: PReg) {
        self.constant(*constant, to.hw());
    }

    fn scratch(&self, class: RegClass) -> PReg {
        match class {
            RegClass::Int => SCRATCH_GPR.preg(),
            RegClass::Float => SCRATCH_XMM.preg(),
        }
    }
}

impl Emitter<'_> {
    fn emit_prologue(&mut self) {
        let asm = &mut self.asm;
        asm.push(RBP);
        asm.mov(Size::S64, RBP, RSP);
        asm.alu_imm(AluOp::Sub, Size::S64, RSP, self.cx.frame.size as i32);
        asm.store(Size::S64, Mem::at(RBP, VMCTX_SLOT), RDI);
        if self.cx.frame.checks_stack(self.cx.vcode.is_leaf()) {
            self.asm.load(Size::S64, R11, Mem::at(RDI, 0));
            self.asm.alu(
                AluOp::Cmp,
                Size::S64,
                RSP,
                Mem::at(R11, vm_runtime::STACK_LIMIT),
            );
            let overflow = self.trap_label(TrapCode::StackOverflow);
            self.asm.trap_site(TrapCode::StackOverflow);
            self.asm.jcc(Cond::B, overflow);
        }
        for &(reg, offset) in &self.cx.frame.saved {
            self.asm.store(Size::S64, Mem::at(RBP, offset), gpr(reg));
        }
    }

    fn epilogue(&mut self) {
        for &(reg, offset) in &self.cx.frame.saved {
            self.asm.load(Size::S64, gpr(reg), Mem::at(RBP, offset));
        }
        self.asm.mov(Size::S64, RSP, RBP);
        self.asm.pop(RBP);
        self.asm.ret();
    }

    /// The label of the stub that traps with `code`.
    fn trap_label(&mut self, code: TrapCode) -> Label {
        self.cx.trap_label(code, self.asm.buffer())
    }

    /// The label of the stub that traps with the status a helper returned
    /// in `rdx`.
    fn helper_trap_label(&mut self) -> Label {
        *self.helper_trap.get_or_insert_with(|| self.asm.new_label())
    }

    /// Trap stubs: record the code in `VmRuntime.trap_code`, then return to
    /// the entry trampoline's landing pad through `VmRuntime.entry_sp`.
    fn trap_stubs(&mut self) {
        for (code, label) in self.cx.take_trap_labels() {
            self.asm.bind(label);
            self.load_runtime();
            self.asm
                .store_imm(Size::S32, Mem::at(R11, vm_runtime::TRAP_CODE), code as i32);
            self.unwind();
        }
        if let Some(label) = self.helper_trap {
            self.asm.bind(label);
            self.load_runtime();
            self.asm.lea(Size::S32, RDX, Mem::at(RDX, -1));
            self.asm
                .store(Size::S32, Mem::at(R11, vm_runtime::TRAP_CODE), RDX);
            self.unwind();
        }
    }

    /// `r11 = [[rbp-8]]`: the `VmRuntime` of the running store.
    fn load_runtime(&mut self) {
        self.asm.load(Size::S64, R11, Mem::at(RBP, VMCTX_SLOT));
        self.asm.load(Size::S64, R11, Mem::at(R11, 0));
    }

    /// Reports the trap to the engine's hook while the trapping frames are
    /// still on the stack, then `rsp = VmRuntime.entry_sp; ret` into the
    /// entry trampoline. The hook is called (SysV) as
    /// `hook(runtime, rbp, pc)`: `rbp` heads the chain of frames of the
    /// trapping function and its callers, and `pc` lies in the trapping
    /// function, so the engine can name them in a backtrace.
    fn unwind(&mut self) {
        let here = self.asm.new_label();
        self.asm.bind(here);
        self.asm.lea(Size::S64, RDX, Mem::Label(here));
        self.asm.mov(Size::S64, RDI, R11);
        self.asm.mov(Size::S64, RSI, RBP);
        self.asm.alu_imm(AluOp::And, Size::S64, RSP, -16);
        self.asm.call_indirect(Mem::at(R11, vm_runtime::TRAP_HOOK));
        self.load_runtime();
        self.asm
            .load(Size::S64, RSP, Mem::at(R11, vm_runtime::ENTRY_SP));
        self.asm.ret();
    }

    /// The memory operand of a spill slot.
    fn slot(&self, slot: SpillSlot) -> Mem {
        Mem::at(RBP, self.cx.frame.spill_offset(slot))
    }

    /// A location as an `r/m` operand.
    fn rm(&self, alloc: Allocation) -> RegMem {
        match alloc {
            Allocation::Reg(reg) => RegMem::Reg(reg.hw()),
            Allocation::Stack(slot) => RegMem::Mem(self.slot(slot)),
        }
    }

    /// Materializes a constant into register number `hw` of its class.
    fn constant(&mut self, inst: Amd64Inst, hw: u8) {
        match inst {
            Amd64Inst::Const { bits } => self.asm.mov_imm(Size::S64, Gpr(hw), bits, false),
            Amd64Inst::FloatConst { width, bits } => {
                if bits == 0 {
                    self.asm.sse(SseOp::Xor, FloatWidth::F32, Xmm(hw), Xmm(hw));
                } else {
                    let constant = self.asm.constant(u128::from(bits));
                    self.asm.sse(SseOp::MovLoad, width, Xmm(hw), constant);
                }
            }
            _ => unreachable!("only constants are rematerialized"),
        }
    }

    /// Sets the flags for a fused condition from its operands. A compare
    /// with 0 is a `test`, which sets the flags exactly like `cmp r, 0`.
    fn compare(&mut self, compare: Compare, allocs: &[Allocation]) {
        let reg = |i: usize| allocs[i].as_reg().expect("a register operand").hw();
        match compare {
            Compare::Int(size) => self
                .asm
                .alu(AluOp::Cmp, size, Gpr(reg(0)), self.rm(allocs[1])),
            Compare::IntImm(size, imm) if imm != 0 => {
                self.asm.alu_imm(AluOp::Cmp, size, Gpr(reg(0)), imm)
            }
            Compare::IntImm(size, _) | Compare::NonZero(size) => {
                self.asm
                    .int_rm(IntRmOp::Test, size, Gpr(reg(0)), Gpr(reg(0)))
            }
            Compare::Test(size) => {
                self.asm
                    .int_rm(IntRmOp::Test, size, Gpr(reg(0)), self.rm(allocs[1]))
            }
            Compare::TestImm(size, imm) => self.asm.test_imm(size, Gpr(reg(0)), imm),
            Compare::Float(width) => {
                self.asm
                    .sse(SseOp::Ucomi, width, Xmm(reg(0)), self.rm(allocs[1]))
            }
        }
    }

    /// Jumps to `label` when `test` holds; `trap` records each jump as a
    /// trap site.
    fn jump_if(&mut self, test: FlagTest, label: Label, trap: Option<TrapCode>) {
        let jcc = |asm: &mut Assembler, cc: Cond, to: Label| {
            if let Some(code) = trap.filter(|_| to == label) {
                asm.trap_site(code);
            }
            asm.jcc(cc, to);
        };
        match test {
            FlagTest::Single(cc) => jcc(&mut self.asm, cc, label),
            FlagTest::FloatEq => {
                let skip = self.asm.new_label();
                jcc(&mut self.asm, Cond::P, skip);
                jcc(&mut self.asm, Cond::E, label);
                self.asm.bind(skip);
            }
            FlagTest::FloatNe => {
                jcc(&mut self.asm, Cond::P, label);
                jcc(&mut self.asm, Cond::Ne, label);
            }
        }
    }

    /// Jumps to `label` when `test` does not hold.
    fn jump_unless(&mut self, test: FlagTest, label: Label) {
        let inverse = match test {
            FlagTest::Single(cc) => FlagTest::Single(cc.invert()),
            FlagTest::FloatEq => FlagTest::FloatNe,
            FlagTest::FloatNe => FlagTest::FloatEq,
        };
        self.jump_if(inverse, label, None);
    }
}
