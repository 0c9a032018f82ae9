//! The two trampolines between the engine and compiled code:
//!
//! - [`entry_trampoline`]: Rust calls wasm. Callable as an
//!   [`EntryTrampoline`](kiln_machinst::runtime::EntryTrampoline)
//!   (`extern "C"`, which is SysV on x86-64 Linux); it returns 0, or
//!   `1 + trap code` when the callee trapped.
//! - [`host_exit_trampoline`]: wasm calls the host. It speaks the internal
//!   convention and calls the shim of the host-function record its `vmctx`
//!   points to.
//!
//! Both take the wasm signature without the `vmctx` parameter.

use crate::abi::INTERNAL;
use crate::encode::opcodes::{AluOp, Cond, FloatWidth, SseOp};
use crate::encode::{Assembler, Mem, Size};
use crate::regs::{R11, R12, R13, R14, R15, RAX, RBP, RBX, RCX, RDI, RDX, RSI, RSP, gpr, xmm};
use kiln_machinst::runtime::{host_record, vm_runtime};
use kiln_machinst::{Location, stack_slots};
use kiln_regalloc::{PReg, RegClass};
use kiln_ssa::target::CompiledFunction;
use kiln_ssa::{Signature, TrapCode, Type};

/// The locations of the wasm parameters (the `vmctx` comes first, in `rdi`).
fn wasm_param_locations(sig: &Signature) -> Vec<Location> {
    let mut types = vec![Type::PTR];
    types.extend(&sig.params);
    INTERNAL.param_locations(&types).split_off(1)
}

/// Loads the value of type `ty` at `from` into `reg`: `i32` zero-extended,
/// `f32` and `f64` with `movss`/`movsd`.
fn load_value(asm: &mut Assembler, ty: Type, reg: PReg, from: Mem) {
    match (reg.class(), ty) {
        (RegClass::Int, Type::I32) => asm.load(Size::S32, gpr(reg), from),
        (RegClass::Int, _) => asm.load(Size::S64, gpr(reg), from),
        (RegClass::Float, Type::F32) => asm.sse(SseOp::MovLoad, FloatWidth::F32, xmm(reg), from),
        (RegClass::Float, _) => asm.sse(SseOp::MovLoad, FloatWidth::F64, xmm(reg), from),
    }
}

/// Stores the value of type `ty` in `reg` into the 8 bytes at `to`, with
/// `i32` and `f32` zero-extended.
fn store_value(asm: &mut Assembler, ty: Type, reg: PReg, to: Mem) {
    match (reg.class(), ty) {
        (RegClass::Int, Type::I32) => {
            asm.mov(Size::S32, R11, gpr(reg));
            asm.store(Size::S64, to, R11);
        }
        (RegClass::Int, _) => asm.store(Size::S64, to, gpr(reg)),
        (RegClass::Float, Type::F32) => {
            asm.movd_from_xmm(Size::S32, R11, xmm(reg));
            asm.store(Size::S64, to, R11);
        }
        (RegClass::Float, _) => asm.sse_store(FloatWidth::F64, to, xmm(reg)),
    }
}

/// The entry trampoline for wasm functions of signature `sig` (without
/// `vmctx`). `values` holds the arguments on entry and the results on
/// return, one 8-byte slot each.
///
/// Frame: `rbp`, a null `vmctx` at `[rbp-8]` (where a compiled caller
/// keeps its own, so that a host function called straight from here sees a
/// null caller), `rbx r12 r13 r14 r15`, the previous `entry_sp`, the
/// `VmRuntime` pointer, and the landing-pad address, whose slot becomes the
/// new `entry_sp`; then the callee's stack arguments and result area,
/// sized so that `rsp` is 16-byte aligned at the call.
pub fn entry_trampoline(sig: &Signature) -> CompiledFunction {
    let results = INTERNAL.result_locations(&sig.results);
    let locations = wasm_param_locations(sig);
    let stack_params = stack_slots(&locations) as i32;
    let slots = stack_params + stack_slots(&results) as i32;
    let stack_area = ((8 * slots + 8 + 15) & !15) - 8;
    let mut asm = Assembler::new();
    let (landing, restore) = (asm.new_label(), asm.new_label());
    asm.push(RBP);
    asm.mov(Size::S64, RBP, RSP);
    asm.mov_imm(Size::S32, RAX, 0, false);
    asm.push(RAX);
    for reg in [RBX, R12, R13, R14, R15] {
        asm.push(reg);
    }
    asm.mov(Size::S64, R12, RDI);
    asm.mov(Size::S64, R13, RSI);
    asm.mov(Size::S64, R14, RDX);
    asm.load(Size::S64, R15, Mem::at(R13, 0));
    asm.push_mem(Mem::at(R15, vm_runtime::ENTRY_SP));
    asm.push(R15);
    asm.lea(Size::S64, RAX, Mem::Label(landing));
    asm.push(RAX);
    asm.store(Size::S64, Mem::at(R15, vm_runtime::ENTRY_SP), RSP);
    asm.alu_imm(AluOp::Sub, Size::S64, RSP, stack_area);
    for (i, (&ty, location)) in sig.params.iter().zip(&locations).enumerate() {
        let value = Mem::at(R14, 8 * i as i32);
        match *location {
            Location::Reg(reg) => load_value(&mut asm, ty, reg, value),
            Location::Stack(slot) => {
                let size = if ty == Type::I32 {
                    Size::S32
                } else {
                    Size::S64
                };
                asm.load(size, RAX, value);
                asm.store(Size::S64, Mem::at(RSP, 8 * slot as i32), RAX);
            }
        }
    }
    asm.mov(Size::S64, RDI, R13);
    asm.call_indirect(R12);
    for (i, (&ty, location)) in sig.results.iter().zip(&results).enumerate() {
        let value = Mem::at(R14, 8 * i as i32);
        match *location {
            Location::Reg(reg) => store_value(&mut asm, ty, reg, value),
            Location::Stack(slot) => {
                // Through r11, which is never a result register: `rax`
                // may still hold a result that is stored later.
                let narrow = matches!(ty, Type::I32 | Type::F32);
                let size = if narrow { Size::S32 } else { Size::S64 };
                asm.load(size, R11, Mem::at(RSP, 8 * (stack_params + slot as i32)));
                asm.store(Size::S64, value, R11);
            }
        }
    }
    asm.alu_imm(AluOp::Add, Size::S64, RSP, stack_area + 8);
    asm.mov_imm(Size::S32, RAX, 0, false);
    asm.jmp(restore);
    asm.bind(landing);
    asm.load(Size::S64, R15, Mem::at(RSP, 0));
    asm.load(Size::S32, RAX, Mem::at(R15, vm_runtime::TRAP_CODE));
    asm.alu_imm(AluOp::Add, Size::S32, RAX, 1);
    asm.bind(restore);
    asm.pop(R15);
    asm.pop(RCX);
    asm.store(Size::S64, Mem::at(R15, vm_runtime::ENTRY_SP), RCX);
    for reg in [R15, R14, R13, R12, RBX, RCX, RBP] {
        asm.pop(reg);
    }
    asm.ret();
    asm.finish()
}

/// The exit trampoline for host functions of signature `sig` (without
/// `vmctx`): called with the internal convention, its `vmctx` pointing to
/// a host-function record `{ runtime: *mut VmRuntime, shim }`. It stores
/// the arguments into an array of 8-byte slots, calls
/// `shim(record, values, caller_vmctx) -> u32` (a
/// [`HostShim`](kiln_machinst::runtime::HostShim); the caller's `vmctx` is
/// read from its frame at `[rbp - 8]`, and is null when the caller is an
/// entry trampoline), traps with code `status - 1` when
/// the status is not 0, and otherwise returns the results the shim left in
/// the same array.
pub fn host_exit_trampoline(sig: &Signature) -> CompiledFunction {
    let results = INTERNAL.result_locations(&sig.results);
    let locations = wasm_param_locations(sig);
    let stack_params = stack_slots(&locations) as i32;
    let slots = sig.params.len().max(sig.results.len()) as i32;
    let frame = (8 + 8 * slots + 15) & !15;
    let mut asm = Assembler::new();
    let (trap, overflow) = (asm.new_label(), asm.new_label());
    asm.push(RBP);
    asm.mov(Size::S64, RBP, RSP);
    asm.alu_imm(AluOp::Sub, Size::S64, RSP, frame);
    asm.store(Size::S64, Mem::at(RBP, -8), RDI);
    asm.load(Size::S64, R11, Mem::at(RDI, 0));
    asm.alu(
        AluOp::Cmp,
        Size::S64,
        RSP,
        Mem::at(R11, vm_runtime::STACK_LIMIT),
    );
    asm.trap_site(TrapCode::StackOverflow);
    asm.jcc(Cond::B, overflow);
    for (i, (&ty, location)) in sig.params.iter().zip(&locations).enumerate() {
        let value = Mem::at(RSP, 8 * i as i32);
        match *location {
            Location::Reg(reg) => store_value(&mut asm, ty, reg, value),
            Location::Stack(slot) => {
                asm.load(Size::S64, R11, Mem::at(RBP, 16 + 8 * slot as i32));
                asm.store(Size::S64, value, R11);
            }
        }
    }
    // The third argument of the shim: the caller's vmctx, from its frame.
    asm.load(Size::S64, R11, Mem::at(RBP, 0));
    asm.load(Size::S64, RDX, Mem::at(R11, -8));
    asm.mov(Size::S64, RSI, RSP);
    asm.call_indirect(Mem::at(RDI, host_record::SHIM));
    asm.int_rm(crate::encode::opcodes::IntRmOp::Test, Size::S32, RAX, RAX);
    asm.jcc(Cond::Ne, trap);
    for (i, (&ty, location)) in sig.results.iter().zip(&results).enumerate() {
        let value = Mem::at(RSP, 8 * i as i32);
        match *location {
            Location::Reg(reg) => load_value(&mut asm, ty, reg, value),
            Location::Stack(slot) => {
                let size = if ty == Type::I32 {
                    Size::S32
                } else {
                    Size::S64
                };
                asm.load(size, R11, value);
                asm.store(
                    Size::S64,
                    Mem::at(RBP, 16 + 8 * (stack_params + slot as i32)),
                    R11,
                );
            }
        }
    }
    asm.mov(Size::S64, RSP, RBP);
    asm.pop(RBP);
    asm.ret();
    asm.bind(overflow);
    asm.mov_imm(Size::S32, RAX, TrapCode::StackOverflow as u64 + 1, false);
    asm.bind(trap);
    asm.load(Size::S64, R11, Mem::at(RBP, -8));
    asm.load(Size::S64, R11, Mem::at(R11, 0));
    asm.lea(Size::S32, RAX, Mem::at(RAX, -1));
    asm.store(Size::S32, Mem::at(R11, vm_runtime::TRAP_CODE), RAX);
    asm.load(Size::S64, RSP, Mem::at(R11, vm_runtime::ENTRY_SP));
    asm.ret();
    asm.finish()
}
