//! Emission: allocated machine code to bytes.
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
//! jumps to the `StackOverflow` stub. Trap stubs, one per trap code used,
//! and the constant pool follow the last block.

mod fallback;
mod float;
mod insts;

use crate::encode::opcodes::{AluOp, Cond, FloatWidth, SseOp};
use crate::encode::{Assembler, Label, Mem, RegMem, Size};
use crate::inst::{Compare, FlagTest, MachInst};
use crate::regs::{
    CALLEE_SAVED, Gpr, R11, RBP, RDI, RDX, RSI, RSP, SCRATCH_GPR, SCRATCH_XMM, Xmm, gpr, xmm,
};
use crate::vcode::VCode;
use kiln_regalloc::{Allocation, Edit, Inst, Output, RegClass};
use kiln_ssa::TrapCode;
use kiln_ssa::target::CompiledFunction;

/// Offset of the saved `vmctx` below `rbp`.
const VMCTX_SLOT: i32 = -8;
/// Offsets in the store's `VmRuntime` record.
pub(crate) const RUNTIME_STACK_LIMIT: i32 = 0;
pub(crate) const RUNTIME_ENTRY_SP: i32 = 8;
pub(crate) const RUNTIME_TRAP_CODE: i32 = 16;
pub(crate) const RUNTIME_TRAP_HOOK: i32 = 24;

/// The layout of one function's frame.
struct Frame {
    /// Callee-saved registers to save, and where (below `rbp`).
    saved: Vec<(Gpr, i32)>,
    /// Offset below `rbp` of spill slot 0 (slot `i` is 8 bytes lower each).
    first_spill: i32,
    /// Bytes subtracted from `rsp` after pushing `rbp`.
    size: i32,
}

impl Frame {
    fn new(vcode: &VCode, output: &Output) -> Frame {
        let used = output.used_callee_saved();
        let saved: Vec<(Gpr, i32)> = CALLEE_SAVED
            .iter()
            .filter(|reg| used.contains(reg.preg()))
            .enumerate()
            .map(|(i, &reg)| (reg, -16 - 8 * i as i32))
            .collect();
        let first_spill = 16 + 8 * saved.len() as i32;
        let bytes =
            first_spill - 8 + 8 * output.num_spill_slots() as i32 + 8 * vcode.outgoing_slots as i32;
        Frame {
            saved,
            first_spill,
            size: (bytes + 15) & !15,
        }
    }
}

/// The state of emitting one function.
struct Emitter<'a> {
    vcode: &'a VCode,
    output: &'a Output,
    asm: Assembler,
    frame: Frame,
    block_labels: Vec<Label>,
    /// Where a jump to each block goes (see [`jump_destinations`]).
    destinations: Vec<usize>,
    /// The block being emitted, to find fall-through successors.
    block: usize,
    trap_labels: Vec<(TrapCode, Label)>,
    helper_trap: Option<Label>,
}

/// Emits the allocated function; with `listing`, also returns the text
/// of its instructions.
pub fn emit(vcode: &VCode, output: &Output, listing: bool) -> (CompiledFunction, String) {
    let mut asm = if listing {
        Assembler::with_listing()
    } else {
        Assembler::new()
    };
    let block_labels = vcode.blocks.iter().map(|_| asm.new_label()).collect();
    let mut emitter = Emitter {
        vcode,
        output,
        asm,
        frame: Frame::new(vcode, output),
        block_labels,
        destinations: jump_destinations(vcode, output),
        block: 0,
        trap_labels: Vec::new(),
        helper_trap: None,
    };
    emitter.prologue();
    let mut edits = output.edits().iter().peekable();
    for (b, block) in vcode.blocks.iter().enumerate() {
        if emitter.destinations[b] != b {
            continue;
        }
        emitter.block = b;
        emitter.asm.bind(emitter.block_labels[b]);
        for i in block.range.0.0..block.range.1.0 {
            let inst = Inst(i);
            while let Some((_, edit)) = edits.next_if(|(at, _)| *at == inst) {
                emitter.edit(*edit);
            }
            emitter.inst(inst);
        }
    }
    emitter.trap_stubs();
    let text = emitter.asm.listing();
    (emitter.asm.finish(), text)
}

/// Where a jump to each block really goes: the block itself, or, for a
/// block that only jumps on (no moves on the way, as split edges often
/// are), the end of that chain. Such blocks are not emitted at all.
fn jump_destinations(vcode: &VCode, output: &Output) -> Vec<usize> {
    let mut has_edits = vec![false; vcode.insts.len()];
    for (inst, _) in output.edits() {
        has_edits[inst.index()] = true;
    }
    let only_jumps = |b: usize| {
        let (start, end) = vcode.blocks[b].range;
        b != 0
            && end.0 - start.0 == 1
            && vcode.insts[start.index()] == MachInst::Jump
            && !has_edits[start.index()]
    };
    (0..vcode.blocks.len())
        .map(|b| {
            let mut destination = b;
            for _ in 0..vcode.blocks.len() {
                if !only_jumps(destination) {
                    return destination;
                }
                destination = vcode.blocks[destination].succs[0].index();
            }
            b
        })
        .collect()
}

impl Emitter<'_> {
    fn prologue(&mut self) {
        let asm = &mut self.asm;
        asm.push(RBP);
        asm.mov(Size::S64, RBP, RSP);
        asm.alu_imm(AluOp::Sub, Size::S64, RSP, self.frame.size);
        asm.store(Size::S64, Mem::at(RBP, VMCTX_SLOT), RDI);
        asm.load(Size::S64, R11, Mem::at(RDI, 0));
        asm.alu(
            AluOp::Cmp,
            Size::S64,
            RSP,
            Mem::at(R11, RUNTIME_STACK_LIMIT),
        );
        let overflow = self.trap_label(TrapCode::StackOverflow);
        self.asm.trap_site(TrapCode::StackOverflow);
        self.asm.jcc(Cond::B, overflow);
        for &(reg, offset) in &self.frame.saved {
            self.asm.store(Size::S64, Mem::at(RBP, offset), reg);
        }
    }

    fn epilogue(&mut self) {
        for &(reg, offset) in &self.frame.saved {
            self.asm.load(Size::S64, reg, Mem::at(RBP, offset));
        }
        self.asm.mov(Size::S64, RSP, RBP);
        self.asm.pop(RBP);
        self.asm.ret();
    }

    /// The label of the stub that traps with `code`.
    fn trap_label(&mut self, code: TrapCode) -> Label {
        if let Some(&(_, label)) = self.trap_labels.iter().find(|(c, _)| *c == code) {
            return label;
        }
        let label = self.asm.new_label();
        self.trap_labels.push((code, label));
        label
    }

    /// The label of the stub that traps with the status a helper returned
    /// in `rdx`.
    fn helper_trap_label(&mut self) -> Label {
        *self.helper_trap.get_or_insert_with(|| self.asm.new_label())
    }

    /// Trap stubs: record the code in `VmRuntime.trap_code`, then return to
    /// the entry trampoline's landing pad through `VmRuntime.entry_sp`.
    fn trap_stubs(&mut self) {
        for (code, label) in std::mem::take(&mut self.trap_labels) {
            self.asm.bind(label);
            self.load_runtime();
            self.asm
                .store_imm(Size::S32, Mem::at(R11, RUNTIME_TRAP_CODE), code as i32);
            self.unwind();
        }
        if let Some(label) = self.helper_trap {
            self.asm.bind(label);
            self.load_runtime();
            self.asm.lea(Size::S32, RDX, Mem::at(RDX, -1));
            self.asm
                .store(Size::S32, Mem::at(R11, RUNTIME_TRAP_CODE), RDX);
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
        self.asm.call_indirect(Mem::at(R11, RUNTIME_TRAP_HOOK));
        self.load_runtime();
        self.asm
            .load(Size::S64, RSP, Mem::at(R11, RUNTIME_ENTRY_SP));
        self.asm.ret();
    }

    /// The memory operand of a spill slot.
    fn slot(&self, slot: kiln_regalloc::SpillSlot) -> Mem {
        Mem::at(RBP, -(self.frame.first_spill + 8 * slot.index() as i32))
    }

    /// A location as an `r/m` operand.
    fn rm(&self, alloc: Allocation) -> RegMem {
        match alloc {
            Allocation::Reg(reg) => RegMem::Reg(reg.hw()),
            Allocation::Stack(slot) => RegMem::Mem(self.slot(slot)),
        }
    }

    fn edit(&mut self, edit: Edit) {
        match edit {
            Edit::Move { from, to } => self.move_value(from, to),
            Edit::Remat { vreg, to } => {
                let constant = self.vcode.constants[vreg.index()].expect("a constant");
                match to {
                    Allocation::Reg(reg) => self.constant(constant, reg.hw()),
                    Allocation::Stack(slot) => {
                        let class = self.vcode.vreg_classes[vreg.index()];
                        let scratch = if class == RegClass::Int {
                            SCRATCH_GPR.0
                        } else {
                            SCRATCH_XMM.0
                        };
                        self.constant(constant, scratch);
                        self.move_value(
                            Allocation::Reg(kiln_regalloc::PReg::new(scratch, class)),
                            Allocation::Stack(slot),
                        );
                    }
                }
            }
        }
    }

    fn class_of(&self, alloc: Allocation) -> RegClass {
        match alloc {
            Allocation::Reg(reg) => reg.class(),
            Allocation::Stack(slot) => self.output.spill_slot_classes()[slot.index()],
        }
    }

    /// A register move, spill or reload.
    fn move_value(&mut self, from: Allocation, to: Allocation) {
        let class = self.class_of(from);
        match (from, to, class) {
            (Allocation::Reg(f), Allocation::Reg(t), RegClass::Int) => {
                self.asm.mov(Size::S64, gpr(t), gpr(f))
            }
            (Allocation::Reg(f), Allocation::Reg(t), RegClass::Float) => {
                self.asm
                    .sse(SseOp::MovAligned, FloatWidth::F32, xmm(t), xmm(f))
            }
            (Allocation::Reg(f), Allocation::Stack(s), RegClass::Int) => {
                self.asm.store(Size::S64, self.slot(s), gpr(f))
            }
            (Allocation::Reg(f), Allocation::Stack(s), RegClass::Float) => {
                self.asm.sse_store(FloatWidth::F64, self.slot(s), xmm(f))
            }
            (Allocation::Stack(s), Allocation::Reg(t), RegClass::Int) => {
                self.asm.load(Size::S64, gpr(t), self.slot(s))
            }
            (Allocation::Stack(s), Allocation::Reg(t), RegClass::Float) => {
                self.asm
                    .sse(SseOp::MovLoad, FloatWidth::F64, xmm(t), self.slot(s))
            }
            (Allocation::Stack(_), Allocation::Stack(_), _) => {
                unreachable!("the allocator never moves between two spill slots")
            }
        }
    }

    /// Materializes a constant into register number `hw` of its class.
    fn constant(&mut self, inst: MachInst, hw: u8) {
        match inst {
            MachInst::Const { bits } => self.asm.mov_imm(Size::S64, Gpr(hw), bits, false),
            MachInst::FloatConst { width, bits } => {
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
            Compare::IntImm(size, _) | Compare::NonZero(size) => self.asm.int_rm(
                crate::encode::opcodes::IntRmOp::Test,
                size,
                Gpr(reg(0)),
                Gpr(reg(0)),
            ),
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

    /// The block emitted right after the current one.
    fn next_block(&self) -> Option<usize> {
        (self.block + 1..self.vcode.blocks.len()).find(|&b| self.destinations[b] == b)
    }

    /// Where a jump to successor `succ` of the current block goes.
    fn destination(&self, succ: usize) -> usize {
        self.destinations[self.vcode.blocks[self.block].succs[succ].index()]
    }
}
