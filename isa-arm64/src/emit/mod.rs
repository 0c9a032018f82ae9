//! Emission: allocated machine code to bytes, the AArch64 half. The shared
//! driver (`kiln_machinst::emit`) walks the blocks and dispatches the
//! allocator's edits to the hooks here; this module supplies the prologue,
//! the epilogue, each instruction and the trap stubs.
//!
//! The frame, from the caller's side down:
//!
//! ```text
//! [x29+16+8k]        incoming stack argument k (then the result area)
//! [x29+8]            return address (x30)
//! [x29]              caller's x29 (the frame-pointer chain)
//! [x29-8]            vmctx (read by the trap stubs)
//! [x29-16-8i]        callee-saved register i, when the allocator used it
//! below              spill slots, 8 bytes each
//! [sp+8k]            outgoing stack argument k, then the result area
//! ```
//!
//! The frame size is a multiple of 16, so `sp` stays 16-byte aligned.
//! Spill slots are addressed from `sp` (scaled unsigned offsets reach
//! 32 KiB), the saved registers and the `vmctx` from `x29`. The prologue
//! compares the lowered `sp` with the stack limit and branches to the
//! `StackOverflow` stub, unless the function calls nothing and its frame is
//! small (`FrameLayout::checks_stack`). Trap stubs, one per trap code used, follow the
//! last block.

mod asm;
mod float;
mod insts;
mod int;
pub(crate) mod label;
mod memory;

use crate::encode::Cond;
use crate::encode::Size;
use crate::encode::arith::{self, AddSubOp, Extend, Imm12};
use crate::encode::branch::{self, BranchRegOp, CompareBranchOp};
use crate::encode::constant::mov_imm;
use crate::encode::float::{self as fp, FloatWidth, FpImm8};
use crate::encode::logical;
use crate::encode::memory::{FpSize, Load, PairMode, PairOffset, PairSize, Store};
use crate::encode::memory::{load_pair, store_pair};
use crate::inst::{Arm64Inst, Compare};
use crate::regs::{
    CALLEE_SAVED_FPRS, CALLEE_SAVED_GPRS, FP, Fpr, Gpr, LR, SCRATCH_FPR, SCRATCH_GPR, SP, X0, X1,
    X2, X16, X17, XZR,
};
use asm::{Asm, fr, xr};
use kiln_machinst::runtime::vm_runtime;
use kiln_machinst::{EditSink, EmitCtx, EmitIsa, FrameLayout, FrameSpec, Label, MachBuffer, VCode};
use kiln_regalloc::{Allocation, Inst, Output, PReg, RegClass, SpillSlot};
use kiln_ssa::TrapCode;
use kiln_ssa::target::CompiledFunction;
use label::Arm64LabelUse;
use memory::{Access, Address};

/// Offset of the saved `vmctx` below `x29`.
const VMCTX_SLOT: i64 = -8;

/// The registers a function saves when it uses them, in save order.
const CALLEE_SAVED: [PReg; 18] = {
    let mut regs = [PReg::new(0, RegClass::Int); 18];
    let mut i = 0;
    while i < 10 {
        regs[i] = PReg::new(CALLEE_SAVED_GPRS[i].hw(), RegClass::Int);
        i += 1;
    }
    while i < 18 {
        regs[i] = PReg::new(CALLEE_SAVED_FPRS[i - 10].hw(), RegClass::Float);
        i += 1;
    }
    regs
};

/// The shape of every frame: the `vmctx` slot, then the callee-saved
/// registers (the low 64 bits of `v8`-`v15`), then 8-byte spill slots.
const FRAME: FrameSpec<'static> = FrameSpec {
    reserved: 8,
    callee_saved: &CALLEE_SAVED,
    spill_slot_size: [8, 8],
    stack_alignment: 16,
};

/// The most bytes one ordinary instruction may add, with the veneers of its
/// branches and its constants: the longest sequence (a trapping
/// conversion: 12 words, 3 branches, 2 constants) stays well below it.
const MAX_INST_SIZE: u32 = 256;

/// The state of emitting one function.
struct Emitter<'a> {
    cx: EmitCtx<'a, Arm64Inst>,
    asm: Asm,
    helper_trap: Option<Label>,
}

/// Emits the allocated function; with `listing`, also returns the text
/// of its instructions.
pub fn emit(
    vcode: &VCode<Arm64Inst>,
    output: &Output,
    listing: bool,
) -> (CompiledFunction, String) {
    let mut asm = Asm::new(listing);
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
    type Inst = Arm64Inst;
    type LabelUse = Arm64LabelUse;

    /// A float constant recomputed into a far spill slot: a literal load,
    /// an address and a store, and the constant.
    const MAX_EDIT_SIZE: u32 = 64;

    fn cx(&self) -> &EmitCtx<'a, Arm64Inst> {
        &self.cx
    }

    fn cx_mut(&mut self) -> &mut EmitCtx<'a, Arm64Inst> {
        &mut self.cx
    }

    fn buffer(&mut self) -> &mut MachBuffer<Arm64LabelUse> {
        self.asm.buffer()
    }

    fn worst_case_size(&self, inst: Inst) -> u32 {
        match self.cx.vcode.insts[inst.index()] {
            Arm64Inst::BrTable => {
                let targets = self.cx.vcode.flow.succs(self.cx.block()).len() as u32;
                MAX_INST_SIZE + 4 * targets
            }
            Arm64Inst::Call {
                stack_args,
                stack_results,
                ..
            } => MAX_INST_SIZE + 16 * (u32::from(stack_args) + u32::from(stack_results)),
            Arm64Inst::Return { stack_results, .. } => {
                MAX_INST_SIZE + 16 * u32::from(stack_results) + 8 * 18
            }
            _ => MAX_INST_SIZE,
        }
    }

    fn prologue(&mut self) {
        self.emit_prologue();
    }

    fn inst(&mut self, inst: Inst) {
        self.emit_inst(inst);
    }

    fn after_blocks(&mut self) {
        self.trap_stubs();
    }
}

impl EditSink<Arm64Inst> for Emitter<'_> {
    fn move_reg(&mut self, from: PReg, to: PReg) {
        match from.class() {
            RegClass::Int => self.mov(Size::S64, to.hw(), from.hw()),
            RegClass::Float => self.fmov(FloatWidth::F64, to.hw(), from.hw()),
        }
    }

    fn spill(&mut self, from: PReg, to: SpillSlot) {
        let address = self.slot(to);
        self.access(Access::of_class(from.class(), false), from.hw(), address);
    }

    fn reload(&mut self, from: SpillSlot, to: PReg) {
        let address = self.slot(from);
        self.access(Access::of_class(to.class(), true), to.hw(), address);
    }

    fn remat(&mut self, constant: &Arm64Inst, to: PReg) {
        self.constant(*constant, to.hw());
    }

    fn scratch(&self, class: RegClass) -> PReg {
        match class {
            RegClass::Int => SCRATCH_GPR.preg(),
            RegClass::Float => SCRATCH_FPR.preg(),
        }
    }
}

impl Emitter<'_> {
    fn emit_prologue(&mut self) {
        let pre = PairMode::PreIndex(PairOffset::new(-16, 8).expect("fits"));
        self.asm.put(store_pair(PairSize::X, FP, LR, SP, pre), || {
            "stp x29, x30, [sp, #-16]!".into()
        });
        self.asm.put(arith::mov_sp(FP, SP), || "mov x29, sp".into());
        let size = u64::from(self.cx.frame.size);
        self.adjust_sp(AddSubOp::Sub, size);
        self.access(
            Access::Store(Store::StrX),
            X0.hw(),
            Address::offset(FP.hw(), VMCTX_SLOT),
        );
        if self.cx.frame.checks_stack(self.cx.vcode.is_leaf()) {
            self.stack_check();
        }
        for (reg, offset) in self.cx.frame.saved.clone() {
            let address = Address::offset(FP.hw(), i64::from(offset));
            self.access(Access::of_class(reg.class(), false), reg.hw(), address);
        }
    }

    /// Branches to the `StackOverflow` stub when `sp` is below the stack
    /// limit.
    fn stack_check(&mut self) {
        self.access(
            Access::Load(Load::LdrX),
            X16.hw(),
            Address::offset(X0.hw(), 0),
        );
        self.access(
            Access::Load(Load::LdrX),
            X16.hw(),
            Address::offset(X16.hw(), i64::from(vm_runtime::STACK_LIMIT)),
        );
        let cmp = arith::add_sub_extended_set_flags(
            AddSubOp::Sub,
            Size::S64,
            XZR,
            SP,
            X16,
            Extend::Uxtx,
            0,
        );
        self.asm.put(cmp, || "cmp sp, x16".into());
        let overflow = self.trap_label(TrapCode::StackOverflow);
        self.asm.trap_site(TrapCode::StackOverflow);
        self.b_cond(Cond::Lo, overflow);
    }

    fn epilogue(&mut self) {
        for (reg, offset) in self.cx.frame.saved.clone() {
            let address = Address::offset(FP.hw(), i64::from(offset));
            self.access(Access::of_class(reg.class(), true), reg.hw(), address);
        }
        self.asm.put(arith::mov_sp(SP, FP), || "mov sp, x29".into());
        let post = PairMode::PostIndex(PairOffset::new(16, 8).expect("fits"));
        self.asm.put(load_pair(PairSize::X, FP, LR, SP, post), || {
            "ldp x29, x30, [sp], #16".into()
        });
        self.asm
            .put(branch::branch_reg(BranchRegOp::Ret, LR), || "ret".into());
    }

    /// `sp = sp op bytes`.
    fn adjust_sp(&mut self, op: AddSubOp, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let name = if op == AddSubOp::Add { "add" } else { "sub" };
        match Imm12::new(bytes) {
            Some(imm) => self
                .asm
                .put(arith::add_sub_imm(op, Size::S64, SP, SP, imm), || {
                    format!("{name} sp, sp, #{bytes}")
                }),
            None => {
                self.mov_imm(Size::S64, X16.hw(), bytes);
                let word = arith::add_sub_extended(op, Size::S64, SP, SP, X16, Extend::Uxtx, 0);
                self.asm.put(word, || format!("{name} sp, sp, x16"));
            }
        }
    }

    /// The label of the stub that traps with `code`.
    fn trap_label(&mut self, code: TrapCode) -> Label {
        self.cx.trap_label(code, self.asm.buffer())
    }

    /// The label of the stub that traps with the status a helper returned
    /// in `x1`.
    fn helper_trap_label(&mut self) -> Label {
        *self.helper_trap.get_or_insert_with(|| self.asm.new_label())
    }

    /// Trap stubs: record the code in `VmRuntime.trap_code`, then unwind
    /// through the shared tail.
    fn trap_stubs(&mut self) {
        let stubs = self.cx.take_trap_labels();
        if stubs.is_empty() && self.helper_trap.is_none() {
            return;
        }
        let unwind = self.asm.new_label();
        for (code, label) in stubs {
            self.asm.buffer().reserve(MAX_INST_SIZE);
            self.asm.bind(label);
            self.load_runtime();
            self.mov_imm(Size::S32, X17.hw(), code as u64);
            self.store_trap_code();
            self.b(unwind);
        }
        if let Some(label) = self.helper_trap {
            self.asm.buffer().reserve(MAX_INST_SIZE);
            self.asm.bind(label);
            self.load_runtime();
            let imm = Imm12::new(1).expect("fits");
            let word = arith::add_sub_imm(AddSubOp::Sub, Size::S32, X17, X1, imm);
            self.asm.put(word, || "sub w17, w1, #1".into());
            self.store_trap_code();
            self.b(unwind);
        }
        self.asm.buffer().reserve(MAX_INST_SIZE);
        self.asm.bind(unwind);
        self.unwind(unwind);
    }

    /// `x16 = [[x29-8]]`: the `VmRuntime` of the running store.
    fn load_runtime(&mut self) {
        let vmctx = Address::offset(FP.hw(), VMCTX_SLOT);
        self.access(Access::Load(Load::LdrX), X16.hw(), vmctx);
        self.access(
            Access::Load(Load::LdrX),
            X16.hw(),
            Address::offset(X16.hw(), 0),
        );
    }

    /// `VmRuntime.trap_code = w17`.
    fn store_trap_code(&mut self) {
        let at = Address::offset(X16.hw(), i64::from(vm_runtime::TRAP_CODE));
        self.access(Access::Store(Store::StrW), X17.hw(), at);
    }

    /// Reports the trap to the engine's hook while the trapping frames are
    /// still on the stack, as `hook(runtime, x29, pc)` with `pc` inside
    /// this function, then returns into the entry trampoline's landing
    /// pad: `sp = VmRuntime.entry_sp`, `x30 = [sp]`, `ret`. `sp` is 16-byte
    /// aligned at every point of compiled code, so the hook is called with
    /// an aligned stack.
    fn unwind(&mut self, here: Label) {
        self.asm
            .put_use(branch::adr(X2), Arm64LabelUse::Adr21, here, || {
                format!("adr x2, {here}")
            });
        self.mov(Size::S64, X0.hw(), X16.hw());
        self.mov(Size::S64, X1.hw(), FP.hw());
        let hook = Address::offset(X16.hw(), i64::from(vm_runtime::TRAP_HOOK));
        self.access(Access::Load(Load::LdrX), X17.hw(), hook);
        self.asm.put(branch::branch_reg(BranchRegOp::Blr, X17), || {
            "blr x17".into()
        });
        self.load_runtime();
        let entry_sp = Address::offset(X16.hw(), i64::from(vm_runtime::ENTRY_SP));
        self.access(Access::Load(Load::LdrX), X17.hw(), entry_sp);
        self.asm
            .put(arith::mov_sp(SP, X17), || "mov sp, x17".into());
        self.access(Access::Load(Load::LdrX), LR.hw(), Address::offset(31, 0));
        self.asm
            .put(branch::branch_reg(BranchRegOp::Ret, LR), || "ret".into());
    }

    /// The address of a spill slot, from `sp`.
    fn slot(&self, slot: SpillSlot) -> Address {
        let from_sp = i64::from(self.cx.frame.size) + i64::from(self.cx.frame.spill_offset(slot));
        Address::offset(31, from_sp)
    }

    /// `mov rd, rm` between integer registers.
    fn mov(&mut self, size: Size, rd: u8, rm: u8) {
        let word = logical::mov(size, gpr(rd), gpr(rm));
        self.asm
            .put(word, || format!("mov {}, {}", xr(size, rd), xr(size, rm)));
    }

    /// `fmov rd, rn` between float registers.
    fn fmov(&mut self, width: FloatWidth, rd: u8, rn: u8) {
        self.asm.put(fp::fmov(width, fpr(rd), fpr(rn)), || {
            format!("fmov {}, {}", fr(width, rd), fr(width, rn))
        });
    }

    /// Any integer constant into `rd`, in the fewest instructions.
    fn mov_imm(&mut self, size: Size, rd: u8, value: u64) {
        for (i, &word) in mov_imm(size, gpr(rd), value).iter().enumerate() {
            self.asm.put(word, || {
                if i == 0 {
                    format!("mov {}, #{value:#x}", xr(size, rd))
                } else {
                    let (imm16, shift) = ((word >> 5) & 0xFFFF, 16 * ((word >> 21) & 3));
                    format!("movk {}, #{imm16:#x}, lsl #{shift}", xr(size, rd))
                }
            });
        }
    }

    /// Materializes a constant into register number `hw` of its class.
    fn constant(&mut self, inst: Arm64Inst, hw: u8) {
        match inst {
            Arm64Inst::Const { bits } => self.mov_imm(Size::S64, hw, bits),
            Arm64Inst::FloatConst { width, bits } => self.float_constant(width, bits, hw),
            _ => unreachable!("only constants are rematerialized"),
        }
    }

    /// A float constant of `width` (its bits) into `v<hw>`: `fmov` from the
    /// zero register or an 8-bit immediate when it can, else a literal
    /// load from the pool.
    fn float_constant(&mut self, width: FloatWidth, bits: u64, hw: u8) {
        let (value, size) = match width {
            FloatWidth::F32 => (f64::from(f32::from_bits(bits as u32)), Size::S32),
            FloatWidth::F64 => (f64::from_bits(bits), Size::S64),
        };
        if bits == 0 {
            let word = fp::fmov_from_gpr(size, fpr(hw), XZR);
            self.asm
                .put(word, || format!("fmov {}, {}", fr(width, hw), xr(size, 31)));
        } else if let Some(imm) = FpImm8::new(value).filter(|_| !value.is_nan()) {
            self.asm.put(fp::fmov_imm(width, fpr(hw), imm), || {
                format!("fmov {}, #{value}", fr(width, hw))
            });
        } else {
            let label = self.asm.constant(u128::from(bits));
            let fp_size = match width {
                FloatWidth::F32 => FpSize::S,
                FloatWidth::F64 => FpSize::D,
            };
            let word = crate::encode::memory::fp_load_literal(fp_size, fpr(hw));
            self.asm.put_use(word, Arm64LabelUse::Literal19, label, || {
                format!("ldr {}, {label} ; {bits:#x}", fr(width, hw))
            });
        }
    }

    /// `b label`.
    fn b(&mut self, label: Label) {
        self.asm
            .put_use(branch::b(), Arm64LabelUse::Branch26, label, || {
                format!("b {label}")
            });
    }

    /// `b.cond label`.
    fn b_cond(&mut self, cond: Cond, label: Label) {
        self.asm
            .put_use(branch::b_cond(cond), Arm64LabelUse::Branch19, label, || {
                format!("b.{} {label}", cond_name(cond))
            });
    }

    /// `cbz`/`cbnz rt, label`.
    fn cbz(&mut self, nonzero: bool, size: Size, rt: u8, label: Label) {
        let op = if nonzero {
            CompareBranchOp::Cbnz
        } else {
            CompareBranchOp::Cbz
        };
        let word = branch::compare_branch(op, size, gpr(rt));
        self.asm.put_use(word, Arm64LabelUse::Branch19, label, || {
            let name = if nonzero { "cbnz" } else { "cbz" };
            format!("{name} {}, {label}", xr(size, rt))
        });
    }

    /// Sets the flags for a fused condition from its operands.
    fn compare(&mut self, compare: Compare, allocs: &[Allocation]) {
        let reg = |i: usize| allocs[i].as_reg().expect("a register operand").hw();
        match compare {
            Compare::Int(size) => {
                let (a, b) = (reg(0), reg(1));
                self.asm.put(arith::cmp(size, gpr(a), gpr(b)), || {
                    format!("cmp {}, {}", xr(size, a), xr(size, b))
                });
            }
            Compare::IntImm { size, imm, negated } => {
                let a = reg(0);
                let imm12 = Imm12::new(u64::from(imm)).expect("a 12-bit immediate");
                let (word, name) = if negated {
                    (arith::cmn_imm(size, gpr(a), imm12), "cmn")
                } else {
                    (arith::cmp_imm(size, gpr(a), imm12), "cmp")
                };
                self.asm
                    .put(word, || format!("{name} {}, #{imm}", xr(size, a)));
            }
            Compare::Zero(size) => {
                let a = reg(0);
                let imm12 = Imm12::new(0).expect("fits");
                self.asm.put(arith::cmp_imm(size, gpr(a), imm12), || {
                    format!("cmp {}, #0", xr(size, a))
                });
            }
            Compare::Float(width) => {
                let (a, b) = (reg(0), reg(1));
                self.asm.put(fp::fcmp(width, fpr(a), fpr(b)), || {
                    format!("fcmp {}, {}", fr(width, a), fr(width, b))
                });
            }
        }
    }
}

/// The register `x<hw>` (never 31 here).
pub(crate) fn gpr(hw: u8) -> Gpr {
    Gpr::new(hw).expect("an integer register, not sp or xzr")
}

/// The register `v<hw>`.
pub(crate) fn fpr(hw: u8) -> Fpr {
    Fpr::new(hw).expect("a float register")
}

/// The assembler name of a condition.
pub(crate) fn cond_name(cond: Cond) -> &'static str {
    const NAMES: [&str; 16] = [
        "eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al",
        "nv",
    ];
    NAMES[cond as usize]
}
