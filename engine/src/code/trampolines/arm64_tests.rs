//! The AArch64 trampolines run for real (natively, or under qemu-user on
//! x86-64 hosts): small functions encoded by hand with the backend's
//! encoder stand in for compiled wasm, and are placed in executable memory
//! by [`CodeMemory`] next to the trampolines they call or are called by.

use super::super::memory::{CodeMemory, Target};
use crate::runtime::VmRuntime;
use kiln_isa_arm64::encode::arith::{AddSubOp, Imm12, add_sub_imm, add_sub_shifted, mov_sp};
use kiln_isa_arm64::encode::branch::{BranchRegOp, branch_reg};
use kiln_isa_arm64::encode::constant::mov_imm;
use kiln_isa_arm64::encode::float::{FloatWidth, fcvt, fmov_from_gpr};
use kiln_isa_arm64::encode::logical::mov;
use kiln_isa_arm64::encode::memory::{
    AddrMode, IndexExtend, Load, PairMode, PairOffset, PairSize, Store, load, load_pair, store,
    store_pair,
};
use kiln_isa_arm64::encode::{Shift, Size};
use kiln_isa_arm64::regs::*;
use kiln_isa_arm64::trampolines::{entry_trampoline, host_exit_trampoline};
use kiln_machinst::runtime::{EntryTrampoline, HostShim};
use kiln_ssa::target::CompiledFunction;
use kiln_ssa::{Signature, TrapCode, Type};

/// What `entry_sp` holds outside any call, so that a test sees it restored.
const OUTSIDE: u64 = 0x5eed;

fn code(words: &[u32]) -> CompiledFunction {
    CompiledFunction {
        code: words.iter().flat_map(|word| word.to_le_bytes()).collect(),
        relocations: Vec::new(),
        trap_sites: Vec::new(),
    }
}

fn map(functions: &[CompiledFunction]) -> CodeMemory {
    CodeMemory::new(functions, |_, _| Target::Function(0)).expect("executable memory")
}

fn at(offset: i64, bytes: u32) -> AddrMode {
    AddrMode::offset(offset, bytes).expect("a small offset")
}

fn imm(value: u64) -> Imm12 {
    Imm12::new(value).expect("a small immediate")
}

/// A compiled function's context as these tests lay it out: the runtime
/// pointer every context starts with, then two words the hand-made
/// callees read.
#[repr(C)]
struct Context {
    runtime: *mut VmRuntime,
    first: u64,
    second: u64,
}

fn runtime() -> Box<VmRuntime> {
    Box::new(VmRuntime {
        entry_sp: OUTSIDE,
        ..VmRuntime::default()
    })
}

/// Calls the entry trampoline at `entry` for `callee` with `vmctx`.
fn enter(entry: *const u8, callee: *const u8, vmctx: *mut u8, values: &mut [u64]) -> u32 {
    // SAFETY: `entry` is an entry trampoline for the callee's signature,
    // `values` has its value slots, and `vmctx` is a context laid out as the
    // callee and the trampoline expect.
    unsafe {
        let entry: EntryTrampoline = std::mem::transmute(entry);
        entry(callee, vmctx, values.as_mut_ptr())
    }
}

#[test]
fn the_entry_trampoline_passes_arguments_and_results_in_registers_and_on_the_stack() {
    // x1 = the i32, x2-x7 and two stack slots the i64s, d0 the f64; the
    // results: x0-x7, the i32 in result slot 0, the f32 in s0.
    let sig = Signature {
        params: [&[Type::I32][..], &[Type::I64; 8], &[Type::F64]].concat(),
        results: [&[Type::I64; 8][..], &[Type::I32, Type::F32]].concat(),
    };
    let mut callee = vec![
        load(Load::LdrX, X16, X0, at(8, 8)),
        add_sub_shifted(AddSubOp::Add, Size::S64, X0, X1, X16, Shift::Lsl, 0),
    ];
    for (to, from) in [(X1, X2), (X2, X3), (X3, X4), (X4, X5), (X5, X6), (X6, X7)] {
        callee.push(mov(Size::S64, to, from));
    }
    callee.extend([
        load(Load::LdrX, X7, SP, at(0, 8)),
        load(Load::LdrX, X16, SP, at(8, 8)),
        store(Store::StrX, X16, SP, at(16, 8)),
        fcvt(FloatWidth::F32, V0, V0),
        branch_reg(BranchRegOp::Ret, LR),
    ]);
    let memory = map(&[entry_trampoline(&sig), code(&callee)]);
    let mut runtime = runtime();
    let mut context = Context {
        runtime: &mut *runtime,
        first: 1000,
        second: 0,
    };
    let mut values = [
        0xffff_ffff_0000_0005,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        0xdead_beef_0000_0042,
        2.5f64.to_bits(),
    ];
    let vmctx = (&raw mut context).cast();
    let status = enter(memory.function(0), memory.function(1), vmctx, &mut values);
    assert_eq!(status, 0);
    assert_eq!(
        values,
        [
            1005,
            11,
            12,
            13,
            14,
            15,
            16,
            17,
            0x42,
            u64::from(2.5f32.to_bits())
        ]
    );
    assert_eq!(runtime.entry_sp, OUTSIDE);
}

/// Calls `entry(callee, vmctx, values)` with `x19`-`x28` holding
/// `0x1900`-`0x1909` and `d8`-`d15` the bits `0x1900`-`0x1907`, and returns
/// the status and what those 18 registers held after the call.
fn enter_watching_callee_saved(
    entry: *const u8,
    callee: *const u8,
    vmctx: *mut u8,
    values: &mut [u64],
) -> (u32, [u64; 18]) {
    let mut after = [0u64; 18];
    let status: u64;
    // SAFETY: as in `enter`. The block saves and restores `x19` and `x29`,
    // which the compiler reserves, declares every other register it
    // changes, and keeps `sp` 16-byte aligned.
    unsafe {
        std::arch::asm!(
            "stp x19, x29, [sp, #-32]!",
            "str {after}, [sp, #16]",
            "mov x19, #0x1900",
            "mov x20, #0x1901",
            "mov x21, #0x1902",
            "mov x22, #0x1903",
            "mov x23, #0x1904",
            "mov x24, #0x1905",
            "mov x25, #0x1906",
            "mov x26, #0x1907",
            "mov x27, #0x1908",
            "mov x28, #0x1909",
            "fmov d8, x19",
            "fmov d9, x20",
            "fmov d10, x21",
            "fmov d11, x22",
            "fmov d12, x23",
            "fmov d13, x24",
            "fmov d14, x25",
            "fmov d15, x26",
            "blr {entry}",
            "ldr x9, [sp, #16]",
            "stp x19, x20, [x9]",
            "stp x21, x22, [x9, #16]",
            "stp x23, x24, [x9, #32]",
            "stp x25, x26, [x9, #48]",
            "stp x27, x28, [x9, #64]",
            "stp d8, d9, [x9, #80]",
            "stp d10, d11, [x9, #96]",
            "stp d12, d13, [x9, #112]",
            "stp d14, d15, [x9, #128]",
            "ldp x19, x29, [sp], #32",
            entry = in(reg) entry,
            after = in(reg) after.as_mut_ptr(),
            inout("x0") callee => status,
            in("x1") vmctx,
            in("x2") values.as_mut_ptr(),
            out("x20") _, out("x21") _, out("x22") _, out("x23") _, out("x24") _,
            out("x25") _, out("x26") _, out("x27") _, out("x28") _,
            out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _,
            clobber_abi("C"),
        );
    }
    (status as u32, after)
}

/// The registers as `enter_watching_callee_saved` sets them.
fn watched() -> [u64; 18] {
    std::array::from_fn(|i| 0x1900 + if i < 10 { i } else { i - 10 } as u64)
}

#[test]
fn a_trap_lands_in_the_entry_trampoline_which_restores_the_callers_registers() {
    // What a trap stub does, after destroying every callee-saved register
    // and the frame pointer: store the code, unwind to `entry_sp` and branch
    // to the landing pad stored there.
    let mut callee: Vec<u32> = (19..=29)
        .flat_map(|n| mov_imm(Size::S64, Gpr::new(n).expect("x19-x29"), 0).to_vec())
        .collect();
    callee.extend((8..=15).map(|n| fmov_from_gpr(Size::S64, Fpr::new(n).expect("v8-v15"), XZR)));
    callee.extend(mov_imm(Size::S32, X17, TrapCode::IntegerOverflow as u64).iter());
    callee.extend([
        load(Load::LdrX, X16, X0, at(0, 8)),
        store(Store::StrW, X17, X16, at(16, 4)),
        load(Load::LdrX, X17, X16, at(8, 8)),
        mov_sp(SP, X17),
        load(Load::LdrX, X16, SP, at(0, 8)),
        branch_reg(BranchRegOp::Br, X16),
    ]);
    let sig = Signature {
        params: vec![Type::I64],
        results: vec![Type::I64],
    };
    let memory = map(&[entry_trampoline(&sig), code(&callee)]);
    let mut runtime = runtime();
    let mut context = Context {
        runtime: &mut *runtime,
        first: 0,
        second: 0,
    };
    let mut values = [7];
    let (status, after) = enter_watching_callee_saved(
        memory.function(0),
        memory.function(1),
        (&raw mut context).cast(),
        &mut values,
    );
    assert_eq!(status, TrapCode::IntegerOverflow as u32 + 1);
    assert_eq!(runtime.trap_code, TrapCode::IntegerOverflow as u32);
    assert_eq!(runtime.entry_sp, OUTSIDE);
    assert_eq!(after, watched());
}

/// A host-function record as the exit trampoline reads it (`runtime`,
/// `shim`), followed by what [`shim`] saw and is to answer.
#[repr(C)]
struct Record {
    runtime: *mut VmRuntime,
    shim: HostShim,
    slots: usize,
    caller: *mut u8,
    seen: Vec<u64>,
    results: Vec<u64>,
    status: u32,
}

impl Record {
    fn new(runtime: *mut VmRuntime, slots: usize, results: Vec<u64>) -> Box<Record> {
        Box::new(Record {
            runtime,
            shim,
            slots,
            caller: std::ptr::dangling_mut(),
            seen: Vec::new(),
            results,
            status: 0,
        })
    }
}

/// Records the arguments and the caller's context, writes the record's
/// results and returns its status.
extern "C" fn shim(record: *mut u8, values: *mut u64, caller: *mut u8) -> u32 {
    // SAFETY: the exit trampoline passes the record its context points to,
    // a `Record` of these tests, and its array of `slots` values.
    let (record, values) = unsafe {
        let record = &mut *(record as *mut Record);
        let values = std::slice::from_raw_parts_mut(values, record.slots);
        (record, values)
    };
    record.caller = caller;
    record.seen = values.to_vec();
    values[..record.results.len()].copy_from_slice(&record.results);
    record.status
}

/// A stand-in for a compiled function of `sig`'s host import: it keeps its
/// context at `[x29 - 8]` as compiled code does, and calls the code at
/// `[vmctx + 16]` with the context at `[vmctx + 8]`, passing its own
/// arguments and results through.
fn forwarding_function(sig: &Signature) -> CompiledFunction {
    let conv = kiln_isa_arm64::abi::INTERNAL;
    let mut types = vec![Type::PTR];
    types.extend(&sig.params);
    let stack_params = kiln_machinst::stack_slots(&conv.param_locations(&types)) as i64;
    let stack_results = kiln_machinst::stack_slots(&conv.result_locations(&sig.results)) as i64;
    let outgoing = 8 * (stack_params + stack_results);
    let frame = (8 + outgoing as u64).next_multiple_of(16);
    let pre = PairMode::PreIndex(PairOffset::new(-16, 8).expect("-16"));
    let post = PairMode::PostIndex(PairOffset::new(16, 8).expect("16"));
    let mut words = vec![
        store_pair(PairSize::X, FP, LR, SP, pre),
        mov_sp(FP, SP),
        add_sub_imm(AddSubOp::Sub, Size::S64, SP, SP, imm(frame)),
        store(Store::StrX, X0, FP, at(-8, 8)),
    ];
    for slot in 0..stack_params {
        words.push(load(Load::LdrX, X16, FP, at(16 + 8 * slot, 8)));
        words.push(store(Store::StrX, X16, SP, at(8 * slot, 8)));
    }
    words.extend([
        load(Load::LdrX, X16, X0, at(16, 8)),
        load(Load::LdrX, X0, X0, at(8, 8)),
        branch_reg(BranchRegOp::Blr, X16),
    ]);
    for slot in stack_params..stack_params + stack_results {
        words.push(load(Load::LdrX, X16, SP, at(8 * slot, 8)));
        words.push(store(Store::StrX, X16, FP, at(16 + 8 * slot, 8)));
    }
    words.extend([
        mov_sp(SP, FP),
        load_pair(PairSize::X, FP, LR, SP, post),
        branch_reg(BranchRegOp::Ret, LR),
    ]);
    code(&words)
}

/// An import of every kind of argument and result, some beyond the
/// registers: x1-x7 take the i32 and six i64s, two i64s go on the stack,
/// s0 and d1 the floats; the results take x0-x7, result slot 0 (an i64)
/// and slot 1 (the i32), and s0.
fn host_signature() -> Signature {
    Signature {
        params: [&[Type::I32][..], &[Type::I64; 8], &[Type::F32, Type::F64]].concat(),
        results: [&[Type::I64; 9][..], &[Type::F32, Type::I32]].concat(),
    }
}

/// The arguments for [`host_signature`], with bits above the `i32` and the
/// `f32` that no one may pass on.
fn host_arguments() -> Vec<u64> {
    let mut values = vec![0xffff_ffff_0000_0001];
    values.extend(2..=9);
    values.extend([
        0xffff_ffff_0000_0000 | u64::from(3.5f32.to_bits()),
        4.25f64.to_bits(),
    ]);
    values
}

/// What each of [`host_arguments`] arrives as: `i32` and `f32` zero-extended.
fn host_arguments_seen() -> Vec<u64> {
    let mut values = vec![1];
    values.extend(2..=9);
    values.extend([u64::from(3.5f32.to_bits()), 4.25f64.to_bits()]);
    values
}

/// The host's results, with bits above the `f32` and the `i32`.
fn host_results() -> Vec<u64> {
    let mut values: Vec<u64> = (100..=108).collect();
    values.extend([
        0xffff_ffff_0000_0000 | u64::from(1.5f32.to_bits()),
        0xffff_ffff_8000_0007,
    ]);
    values
}

/// Maps the entry and exit trampolines of [`host_signature`] and a
/// forwarding function: functions 0, 1 and 2.
fn host_call_code() -> CodeMemory {
    let sig = host_signature();
    map(&[
        entry_trampoline(&sig),
        host_exit_trampoline(&sig),
        forwarding_function(&sig),
    ])
}

#[test]
fn wasm_calls_the_host_through_the_exit_trampoline_with_its_own_context() {
    let memory = host_call_code();
    let mut runtime = runtime();
    let mut record = Record::new(&mut *runtime, 11, host_results());
    let mut context = Context {
        runtime: &mut *runtime,
        first: &raw mut *record as u64,
        second: memory.function(1) as u64,
    };
    let vmctx: *mut u8 = (&raw mut context).cast();
    let mut values = host_arguments();
    let status = enter(memory.function(0), memory.function(2), vmctx, &mut values);
    assert_eq!(status, 0);
    assert_eq!(record.seen, host_arguments_seen());
    assert_eq!(record.caller, vmctx);
    let mut expected: Vec<u64> = (100..=108).collect();
    expected.extend([u64::from(1.5f32.to_bits()), 0x8000_0007]);
    assert_eq!(values, expected);
    assert_eq!(runtime.entry_sp, OUTSIDE);
}

#[test]
fn a_host_function_called_straight_from_the_host_sees_no_caller() {
    let memory = host_call_code();
    let mut runtime = runtime();
    let mut record = Record::new(&mut *runtime, 11, host_results());
    let mut values = host_arguments();
    let status = enter(
        memory.function(0),
        memory.function(1),
        (&raw mut *record).cast(),
        &mut values,
    );
    assert_eq!(status, 0);
    assert_eq!(record.seen, host_arguments_seen());
    assert!(record.caller.is_null());
}

#[test]
fn a_failing_host_function_traps_through_the_wasm_frames_to_the_entry() {
    let memory = host_call_code();
    let mut runtime = runtime();
    let mut record = Record::new(&mut *runtime, 11, Vec::new());
    record.status = 0x1_0000;
    let mut context = Context {
        runtime: &mut *runtime,
        first: &raw mut *record as u64,
        second: memory.function(1) as u64,
    };
    let mut values = host_arguments();
    let (status, after) = enter_watching_callee_saved(
        memory.function(0),
        memory.function(2),
        (&raw mut context).cast(),
        &mut values,
    );
    assert_eq!(status, 0x1_0000);
    assert_eq!(runtime.trap_code, 0xffff);
    assert_eq!(runtime.entry_sp, OUTSIDE);
    assert_eq!(after, watched());
}

#[test]
fn the_exit_trampoline_traps_below_the_stack_limit_without_calling_the_host() {
    let memory = host_call_code();
    let mut runtime = runtime();
    runtime.stack_limit = u64::MAX;
    let mut record = Record::new(&mut *runtime, 11, host_results());
    let mut context = Context {
        runtime: &mut *runtime,
        first: &raw mut *record as u64,
        second: memory.function(1) as u64,
    };
    let mut values = host_arguments();
    let vmctx = (&raw mut context).cast();
    let status = enter(memory.function(0), memory.function(2), vmctx, &mut values);
    assert_eq!(status, TrapCode::StackOverflow as u32 + 1);
    assert_eq!(record.caller, std::ptr::dangling_mut());
    assert_eq!(runtime.entry_sp, OUTSIDE);
}

#[test]
fn signatures_with_thousands_of_parameters_reach_every_slot() {
    // 5,000 i64 arguments: 4,993 on the stack, at offsets beyond what a
    // load or store can hold, and an area beyond one `sub sp` immediate.
    let sig = Signature {
        params: vec![Type::I64; 5000],
        results: vec![Type::I64],
    };
    let memory = map(&[entry_trampoline(&sig), host_exit_trampoline(&sig)]);
    let mut runtime = runtime();
    let arguments: Vec<u64> = (0..5000).map(|i| i * 3).collect();
    let mut record = Record::new(&mut *runtime, 5000, vec![77]);
    let mut values = arguments.clone();
    let status = enter(
        memory.function(0),
        memory.function(1),
        (&raw mut *record).cast(),
        &mut values,
    );
    assert_eq!(status, 0);
    assert_eq!(record.seen, arguments);
    assert_eq!(values[0], 77);

    // The callee reads the last argument back, from the top of the area.
    let last_slot = 8 * (5000 - 7 - 1);
    let mut callee = mov_imm(Size::S64, X16, last_slot).to_vec();
    callee.extend([
        load(
            Load::LdrX,
            X0,
            SP,
            AddrMode::Index {
                index: X16.into(),
                extend: IndexExtend::Lsl,
                scaled: false,
            },
        ),
        branch_reg(BranchRegOp::Ret, LR),
    ]);
    let memory = map(&[entry_trampoline(&sig), code(&callee)]);
    let mut context = Context {
        runtime: &mut *runtime,
        first: 0,
        second: 0,
    };
    let mut values = arguments;
    let vmctx = (&raw mut context).cast();
    assert_eq!(
        enter(memory.function(0), memory.function(1), vmctx, &mut values),
        0
    );
    assert_eq!(values[0], 4999 * 3);
}
