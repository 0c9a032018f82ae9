//! The two trampolines between the engine and compiled code on AArch64:
//!
//! - [`entry_trampoline`]: Rust calls wasm. Callable as an
//!   [`EntryTrampoline`](kiln_machinst::runtime::EntryTrampoline)
//!   (`extern "C"`, which is AAPCS64); it returns 0, or `1 + trap code`
//!   when the callee trapped.
//! - [`host_exit_trampoline`]: wasm calls the host. It speaks the internal
//!   convention ([`crate::abi::INTERNAL`]) and calls the shim of the
//!   host-function record its `vmctx` points to.
//!
//! Both take the wasm signature without the `vmctx` parameter. Both keep a
//! frame record (`x29`, `x30`) so that a walk of the frame-pointer chain
//! passes through them, and neither touches `x18`.
//!
//! A trap unwinds to the innermost entry trampoline: whoever traps (a trap
//! stub, or [`host_exit_trampoline`] when the shim fails) stores the code
//! into `VmRuntime::trap_code`, sets `sp` to `VmRuntime::entry_sp` and
//! branches to the address stored at `[sp]`, the entry trampoline's
//! landing pad. The landing pad needs nothing else: it finds its frame from
//! `sp`.

use crate::abi::INTERNAL;
use crate::encode::arith::{
    AddSubOp, Extend, Imm12, add_sub_extended, add_sub_extended_set_flags, add_sub_imm, mov_sp,
};
use crate::encode::branch::{
    BranchRegOp, CompareBranchOp, PcRelField, adr, b, b_cond, branch_reg, compare_branch,
};
use crate::encode::constant::mov_imm;
use crate::encode::float::fmov_to_gpr;
use crate::encode::logical::mov;
use crate::encode::memory::{
    AddrMode, FpSize, Load, PairMode, PairOffset, PairSize, Store, fp_load, fp_load_pair, fp_store,
    fp_store_pair, load, load_pair, store, store_pair,
};
use crate::encode::{Cond, Size};
use crate::regs::{
    FP, Fpr, Gpr, GprOrSp, GprOrZr, LR, SP, V8, V9, V10, V11, V12, V13, V14, V15, X0, X1, X2, X16,
    X17, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, XZR, fpr, gpr,
};
use kiln_machinst::runtime::{host_record, vm_runtime};
use kiln_machinst::{Location, stack_slots};
use kiln_regalloc::{PReg, RegClass};
use kiln_ssa::target::{CompiledFunction, TrapSite};
use kiln_ssa::{Signature, TrapCode, Type};

/// Instruction words with pc-relative uses of labels, patched at the end.
/// A trampoline is far smaller than the reach of any branch.
#[derive(Default)]
struct Code {
    words: Vec<u32>,
    /// The word index each label is bound to.
    labels: Vec<Option<usize>>,
    /// (word index, label, field) of every pc-relative use.
    uses: Vec<(usize, usize, PcRelField)>,
    trap_sites: Vec<TrapSite>,
}

impl Code {
    fn put(&mut self, word: u32) {
        self.words.push(word);
    }

    fn put_all(&mut self, words: &[u32]) {
        self.words.extend_from_slice(words);
    }

    fn new_label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    fn bind(&mut self, label: usize) {
        self.labels[label] = Some(self.words.len());
    }

    /// A pc-relative instruction whose `field` reaches `label`.
    fn put_to(&mut self, word: u32, label: usize, field: PcRelField) {
        self.uses.push((self.words.len(), label, field));
        self.put(word);
    }

    /// Records that the next instruction jumps to a trap with `code`.
    fn trap_site(&mut self, code: TrapCode) {
        self.trap_sites.push(TrapSite {
            offset: 4 * self.words.len() as u32,
            code,
            fault_stub: None,
        });
    }

    fn finish(mut self) -> CompiledFunction {
        for &(at, label, field) in &self.uses {
            let target = self.labels[label].expect("every label of a trampoline is bound");
            let offset = 4 * (target as i64 - at as i64);
            self.words[at] = field
                .patch(self.words[at], offset)
                .expect("a trampoline is within the reach of its branches");
        }
        CompiledFunction {
            code: self.words.iter().flat_map(|w| w.to_le_bytes()).collect(),
            relocations: Vec::new(),
            trap_sites: self.trap_sites,
        }
    }

    /// `add`/`sub sp, sp, #bytes`, in two instructions when `bytes` needs
    /// more than 12 bits.
    fn adjust_sp(&mut self, op: AddSubOp, bytes: u32) {
        for part in [bytes & !0xFFF, bytes & 0xFFF] {
            if part != 0 {
                let imm = Imm12::new(u64::from(part)).expect("a trampoline frame below 16 MiB");
                self.put(add_sub_imm(op, Size::S64, SP, SP, imm));
            }
        }
    }

    /// The address `[base, #offset]` for an access of `bytes`; when the
    /// offset does not fit the instruction, `x17` is made to hold the
    /// address.
    fn address(&mut self, base: GprOrSp, offset: i64, bytes: u32) -> (GprOrSp, AddrMode) {
        match AddrMode::offset(offset, bytes) {
            Some(mode) => (base, mode),
            None => {
                self.put_all(&mov_imm(Size::S64, X17, offset as u64));
                self.put(add_sub_extended(
                    AddSubOp::Add,
                    Size::S64,
                    X17,
                    base,
                    X17,
                    Extend::Uxtx,
                    0,
                ));
                (X17.into(), AddrMode::offset(0, bytes).expect("offset 0"))
            }
        }
    }

    /// `ldr` of 32 bits (zero-extended) or 64 into a general register.
    fn load_gpr(&mut self, narrow: bool, rt: Gpr, base: impl Into<GprOrSp>, offset: i64) {
        let (op, bytes) = if narrow {
            (Load::LdrW, 4)
        } else {
            (Load::LdrX, 8)
        };
        let (base, mode) = self.address(base.into(), offset, bytes);
        self.put(load(op, rt, base, mode));
    }

    /// `str` of a whole general register (or `xzr`).
    fn store_gpr(&mut self, rt: impl Into<GprOrZr>, base: impl Into<GprOrSp>, offset: i64) {
        let (base, mode) = self.address(base.into(), offset, 8);
        self.put(store(Store::StrX, rt, base, mode));
    }

    /// Loads the value of type `ty` at `[base + offset]` into `reg`: `i32`
    /// and `f32` from the low 4 bytes (an `i32` zero-extended).
    fn load_value(&mut self, ty: Type, reg: PReg, base: impl Into<GprOrSp>, offset: i64) {
        let narrow = narrow(ty);
        match reg.class() {
            RegClass::Int => self.load_gpr(narrow, gpr(reg), base, offset),
            RegClass::Float => {
                let (size, bytes) = if narrow {
                    (FpSize::S, 4)
                } else {
                    (FpSize::D, 8)
                };
                let (base, mode) = self.address(base.into(), offset, bytes);
                self.put(fp_load(size, fpr(reg), base, mode));
            }
        }
    }

    /// Stores the value of type `ty` in `reg` into the 8 bytes at
    /// `[base + offset]`, with `i32` and `f32` zero-extended (through
    /// `x16`).
    fn store_value(&mut self, ty: Type, reg: PReg, base: impl Into<GprOrSp>, offset: i64) {
        match (reg.class(), narrow(ty)) {
            (RegClass::Int, true) => {
                self.put(mov(Size::S32, X16, gpr(reg)));
                self.store_gpr(X16, base, offset);
            }
            (RegClass::Int, false) => self.store_gpr(gpr(reg), base, offset),
            (RegClass::Float, true) => {
                self.put(fmov_to_gpr(Size::S32, X16, fpr(reg)));
                self.store_gpr(X16, base, offset);
            }
            (RegClass::Float, false) => {
                let (base, mode) = self.address(base.into(), offset, 8);
                self.put(fp_store(FpSize::D, fpr(reg), base, mode));
            }
        }
    }

    /// Copies the 8-byte slot at `[from + from_offset]` to `[to +
    /// to_offset]` through `x16`, keeping only the low 4 bytes of an `i32`
    /// or `f32`.
    fn copy_slot(
        &mut self,
        ty: Type,
        from: impl Into<GprOrSp>,
        from_offset: i64,
        to: impl Into<GprOrSp>,
        to_offset: i64,
    ) {
        self.load_gpr(narrow(ty), X16, from, from_offset);
        self.store_gpr(X16, to, to_offset);
    }
}

/// Whether values of `ty` take the low 4 bytes of their slot.
fn narrow(ty: Type) -> bool {
    matches!(ty, Type::I32 | Type::F32)
}

/// The offset of a pair of 8-byte registers.
fn pair_offset(offset: i64) -> PairMode {
    PairMode::Offset(PairOffset::new(offset, 8).expect("the save area is within a pair's reach"))
}

/// The locations of the wasm parameters (the `vmctx` comes first, in `x0`).
fn wasm_param_locations(sig: &Signature) -> Vec<Location> {
    let mut types = vec![Type::PTR];
    types.extend(&sig.params);
    INTERNAL.param_locations(&types).split_off(1)
}

/// `stp x29, x30, [sp, #-16]!; mov x29, sp`: the frame record.
fn push_frame_record(code: &mut Code) {
    let pre = PairMode::PreIndex(PairOffset::new(-16, 8).expect("-16"));
    code.put(store_pair(PairSize::X, FP, LR, SP, pre));
    code.put(mov_sp(FP, SP));
}

/// `mov sp, x29; ldp x29, x30, [sp], #16; ret`.
fn pop_frame_record_and_return(code: &mut Code) {
    let post = PairMode::PostIndex(PairOffset::new(16, 8).expect("16"));
    code.put(mov_sp(SP, FP));
    code.put(load_pair(PairSize::X, FP, LR, SP, post));
    code.put(branch_reg(BranchRegOp::Ret, LR));
}

/// The general registers the entry trampoline saves in pairs, and where
/// (from `x29`). `x19` shares its pair with the null `vmctx` at `[x29 -
/// 8]`; `x28` shares one with the previous `entry_sp` ([`PREVIOUS_ENTRY_SP`]).
const SAVED_GPR_PAIRS: [(Gpr, GprOrZr, i64); 5] = [
    (X19, XZR, -16),
    (X20, GprOrZr::Reg(X21), -32),
    (X22, GprOrZr::Reg(X23), -48),
    (X24, GprOrZr::Reg(X25), -64),
    (X26, GprOrZr::Reg(X27), -80),
];

/// The pair `x28` and the previous `entry_sp`.
const PREVIOUS_ENTRY_SP: i64 = -96;

/// The float registers whose low 64 bits the entry trampoline saves.
const SAVED_FPR_PAIRS: [(Fpr, Fpr, i64); 4] = [
    (V8, V9, -112),
    (V10, V11, -128),
    (V12, V13, -144),
    (V14, V15, -160),
];

/// The bytes from `x29` down to the landing-pad slot, which `entry_sp`
/// points at; the `VmRuntime` pointer lies 8 bytes above it.
const ENTRY_SAVE_AREA: u32 = 176;

/// The entry trampoline for wasm functions of signature `sig` (without
/// `vmctx`), an AAPCS64 `fn(callee, vmctx, values) -> u32`. `values`
/// holds the arguments on entry and the results on return, one 8-byte slot
/// each.
///
/// Frame, from `x29` (which holds the frame record) down: a null `vmctx`
/// at `[x29 - 8]` (where a compiled caller keeps its own, so that a host
/// function called straight from here sees a null caller), `x19`-`x28`,
/// the previous `entry_sp`, `d8`-`d15`, then at `[x29 - 176]` the
/// landing-pad address and above it the `VmRuntime` pointer: that slot is
/// the new `entry_sp`. Below: the callee's stack arguments and result
/// area, so that `sp` stays 16-byte aligned at the call.
///
/// While the callee runs, `x19` holds its address, `x20` its `vmctx`,
/// `x21` the value array and `x22` the `VmRuntime` pointer.
pub fn entry_trampoline(sig: &Signature) -> CompiledFunction {
    let results = INTERNAL.result_locations(&sig.results);
    let locations = wasm_param_locations(sig);
    let stack_params = stack_slots(&locations);
    let stack_area = (8 * (stack_params + stack_slots(&results))).next_multiple_of(16);
    let (callee, vmctx, values, runtime) = (X19, X20, X21, X22);
    let mut code = Code::default();
    let (landing, restore) = (code.new_label(), code.new_label());
    push_frame_record(&mut code);
    code.adjust_sp(AddSubOp::Sub, ENTRY_SAVE_AREA);
    for (first, second, offset) in SAVED_GPR_PAIRS {
        code.put(store_pair(
            PairSize::X,
            first,
            second,
            FP,
            pair_offset(offset),
        ));
    }
    for (first, second, offset) in SAVED_FPR_PAIRS {
        code.put(fp_store_pair(
            FpSize::D,
            first,
            second,
            FP,
            pair_offset(offset),
        ));
    }
    code.put(mov(Size::S64, callee, X0));
    code.put(mov(Size::S64, vmctx, X1));
    code.put(mov(Size::S64, values, X2));
    code.load_gpr(false, runtime, vmctx, 0);
    code.load_gpr(false, X17, runtime, vm_runtime::ENTRY_SP.into());
    code.put(store_pair(
        PairSize::X,
        X28,
        X17,
        FP,
        pair_offset(PREVIOUS_ENTRY_SP),
    ));
    code.put_to(adr(X16), landing, PcRelField::Adr);
    code.put(store_pair(PairSize::X, X16, runtime, SP, pair_offset(0)));
    code.put(mov_sp(X16, SP));
    code.store_gpr(X16, runtime, vm_runtime::ENTRY_SP.into());
    code.adjust_sp(AddSubOp::Sub, stack_area);
    for (i, (&ty, location)) in sig.params.iter().zip(&locations).enumerate() {
        let value = 8 * i as i64;
        match *location {
            Location::Reg(reg) => code.load_value(ty, reg, values, value),
            Location::Stack(slot) => code.copy_slot(ty, values, value, SP, 8 * i64::from(slot)),
        }
    }
    code.put(mov(Size::S64, X0, vmctx));
    code.put(branch_reg(BranchRegOp::Blr, callee));
    for (i, (&ty, location)) in sig.results.iter().zip(&results).enumerate() {
        let value = 8 * i as i64;
        match *location {
            Location::Reg(reg) => code.store_value(ty, reg, values, value),
            Location::Stack(slot) => {
                let at = 8 * i64::from(stack_params + slot);
                code.copy_slot(ty, SP, at, values, value);
            }
        }
    }
    code.put_all(&mov_imm(Size::S32, X0, 0));
    code.put_to(b(), restore, PcRelField::Imm26);

    // A trap arrives with `sp` at the landing-pad slot.
    code.bind(landing);
    code.put(add_sub_imm(
        AddSubOp::Add,
        Size::S64,
        FP,
        SP,
        Imm12::new(ENTRY_SAVE_AREA.into()).expect("small"),
    ));
    code.load_gpr(false, X16, SP, 8);
    code.load_gpr(true, X0, X16, vm_runtime::TRAP_CODE.into());
    code.put(add_sub_imm(
        AddSubOp::Add,
        Size::S32,
        X0,
        X0,
        Imm12::new(1).expect("1"),
    ));

    code.bind(restore);
    code.load_gpr(false, X16, FP, 8 - i64::from(ENTRY_SAVE_AREA));
    code.put(load_pair(
        PairSize::X,
        X28,
        X17,
        FP,
        pair_offset(PREVIOUS_ENTRY_SP),
    ));
    code.store_gpr(X17, X16, vm_runtime::ENTRY_SP.into());
    for (first, second, offset) in SAVED_GPR_PAIRS {
        code.put(load_pair(
            PairSize::X,
            first,
            second,
            FP,
            pair_offset(offset),
        ));
    }
    for (first, second, offset) in SAVED_FPR_PAIRS {
        code.put(fp_load_pair(
            FpSize::D,
            first,
            second,
            FP,
            pair_offset(offset),
        ));
    }
    pop_frame_record_and_return(&mut code);
    code.finish()
}

/// The exit trampoline for host functions of signature `sig` (without
/// `vmctx`): called with the internal convention, its `vmctx` (`x0`)
/// pointing to a host-function record `{ runtime: *mut VmRuntime, shim }`.
/// It checks the stack limit, stores the arguments into an array of 8-byte
/// slots at `sp`, calls `shim(record, values, caller_vmctx) -> u32` (a
/// [`HostShim`](kiln_machinst::runtime::HostShim); the caller's `vmctx` is
/// read from its frame at `[x29 - 8]` of the caller, and is null when the
/// caller is an entry trampoline), traps with code `status - 1` when the
/// status is not 0, and otherwise returns the results the shim left in the
/// same array.
///
/// Frame: the frame record, the record pointer at `[x29 - 8]` (where a
/// compiled function keeps its `vmctx`), the value array at `sp`.
pub fn host_exit_trampoline(sig: &Signature) -> CompiledFunction {
    let results = INTERNAL.result_locations(&sig.results);
    let locations = wasm_param_locations(sig);
    let stack_params = stack_slots(&locations);
    let slots = sig.params.len().max(sig.results.len()) as u32;
    let frame = (8 + 8 * slots).next_multiple_of(16);
    // Where the caller's stack arguments and result area start.
    let incoming = 16;
    let mut code = Code::default();
    let (trap, overflow) = (code.new_label(), code.new_label());
    push_frame_record(&mut code);
    code.adjust_sp(AddSubOp::Sub, frame);
    code.store_gpr(X0, FP, -8);
    code.load_gpr(false, X16, X0, host_record::RUNTIME.into());
    code.load_gpr(false, X16, X16, vm_runtime::STACK_LIMIT.into());
    code.put(add_sub_extended_set_flags(
        AddSubOp::Sub,
        Size::S64,
        XZR,
        SP,
        X16,
        Extend::Uxtx,
        0,
    ));
    code.trap_site(TrapCode::StackOverflow);
    code.put_to(b_cond(Cond::Lo), overflow, PcRelField::Imm19);
    for (i, (&ty, location)) in sig.params.iter().zip(&locations).enumerate() {
        let value = 8 * i as i64;
        match *location {
            Location::Reg(reg) => code.store_value(ty, reg, SP, value),
            Location::Stack(slot) => {
                code.copy_slot(ty, FP, incoming + 8 * i64::from(slot), SP, value)
            }
        }
    }
    // The third argument of the shim: the caller's vmctx, from its frame.
    code.load_gpr(false, X16, FP, 0);
    code.load_gpr(false, X2, X16, -8);
    code.put(mov_sp(X1, SP));
    code.load_gpr(false, X16, X0, host_record::SHIM.into());
    code.put(branch_reg(BranchRegOp::Blr, X16));
    code.put_to(
        compare_branch(CompareBranchOp::Cbnz, Size::S32, X0),
        trap,
        PcRelField::Imm19,
    );
    for (i, (&ty, location)) in sig.results.iter().zip(&results).enumerate() {
        let value = 8 * i as i64;
        match *location {
            Location::Reg(reg) => code.load_value(ty, reg, SP, value),
            Location::Stack(slot) => {
                let at = incoming + 8 * i64::from(stack_params + slot);
                code.copy_slot(ty, SP, value, FP, at);
            }
        }
    }
    pop_frame_record_and_return(&mut code);

    code.bind(overflow);
    code.put_all(&mov_imm(Size::S32, X0, TrapCode::StackOverflow as u64 + 1));
    code.bind(trap);
    code.load_gpr(false, X16, FP, -8);
    code.load_gpr(false, X16, X16, host_record::RUNTIME.into());
    code.put(add_sub_imm(
        AddSubOp::Sub,
        Size::S32,
        X0,
        X0,
        Imm12::new(1).expect("1"),
    ));
    let (base, mode) = code.address(X16.into(), vm_runtime::TRAP_CODE.into(), 4);
    code.put(store(Store::StrW, X0, base, mode));
    code.load_gpr(false, X17, X16, vm_runtime::ENTRY_SP.into());
    code.put(mov_sp(SP, X17));
    code.load_gpr(false, X16, SP, 0);
    code.put(branch_reg(BranchRegOp::Br, X16));
    code.finish()
}
