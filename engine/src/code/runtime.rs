//! The runtime helpers compiled code calls for the operations too large to
//! inline, and how they find the store and the instance they work on. Each is
//! an `extern "C"` function that returns a `kiln_machinst::runtime::HelperReturn`.
//!
//! Every instance context starts with a pointer to its store's `VmRuntime`
//! (`VmLayout::RUNTIME`), and the engine keeps the instance's index just
//! before the context (see [`crate::runtime::VmContext`]), so a helper that
//! receives `vmctx` finds both the store and the instance. The epoch helper
//! needs the whole `Store<T>`, whose type it does not know: it calls the hook
//! for that type that the entry path left in the runtime record.

use crate::error::{Error, Result, TrapCode};
use crate::runtime::{StoreInner, VmContext, VmRuntime};
use crate::store::Store;
use kiln_machinst::runtime::HelperReturn;
use kiln_ssa::{Helper, TrapCode as SsaTrap};

/// The trap code a host shim reports when the host function failed; the error
/// itself waits in [`StoreInner::pending_error`].
pub(crate) const HOST_ERROR: u32 = 0xffff;

/// A helper's return for an operation that may trap with a table or memory
/// bounds error.
fn outcome(outcome: Result<(), crate::error::TrapCode>) -> HelperReturn {
    match outcome {
        Ok(()) => HelperReturn::value(0),
        Err(crate::error::TrapCode::TableOutOfBounds) => {
            HelperReturn::trap(SsaTrap::TableOutOfBounds)
        }
        Err(_) => HelperReturn::trap(SsaTrap::HeapOutOfBounds),
    }
}

/// The store and instance behind a context pointer.
///
/// # Safety
/// `vmctx` must be the context of a live instance of the store whose compiled
/// code is running, so that its runtime record points at that store.
unsafe fn context<'a>(vmctx: *mut u8) -> (&'a mut StoreInner, u32) {
    // SAFETY: per the caller, `vmctx` starts with the runtime pointer, which the
    // engine set to the running store before entering compiled code.
    unsafe {
        let runtime = *(vmctx as *const *const VmRuntime);
        (&mut *(*runtime).inner, VmContext::instance_of(vmctx))
    }
}

macro_rules! helpers {
    ($($name:ident($($arg:ident: $ty:ty),*) => |$inner:ident, $instance:ident| $body:expr;)*) => {$(
        extern "C" fn $name(vmctx: *mut u8, $($arg: $ty),*) -> HelperReturn {
            // SAFETY: compiled code passes its own context.
            let ($inner, $instance) = unsafe { context(vmctx) };
            $body
        }
    )*};
}

helpers! {
    memory_grow(memory: u32, delta: u32) => |inner, instance| {
        HelperReturn::value(inner.memory_grow(instance, memory, delta).into())
    };
    memory_fill(memory: u32, dst: u32, byte: u32, len: u32) => |inner, instance| {
        outcome(inner.memory_fill(instance, memory, dst, byte as u8, len))
    };
    memory_copy(dst_memory: u32, src_memory: u32, dst: u32, src: u32, len: u32) => |inner, instance| {
        outcome(inner.memory_copy(instance, dst_memory, src_memory, dst, src, len))
    };
    memory_init(memory: u32, data: u32, dst: u32, src: u32, len: u32) => |inner, instance| {
        outcome(inner.memory_init(instance, memory, data, dst, src, len))
    };
    data_drop(data: u32) => |inner, instance| {
        inner.data_drop(instance, data);
        HelperReturn::value(0)
    };
    table_get(table: u32, index: u32) => |inner, instance| {
        match inner.table_get(instance, table, index) {
            Ok(value) => HelperReturn::value(value),
            Err(code) => outcome(Err(code)),
        }
    };
    table_set(table: u32, index: u32, value: u64) => |inner, instance| {
        outcome(inner.table_set(instance, table, index, value))
    };
    table_grow(table: u32, init: u64, delta: u32) => |inner, instance| {
        HelperReturn::value(inner.table_grow(instance, table, init, delta).into())
    };
    table_fill(table: u32, dst: u32, value: u64, len: u32) => |inner, instance| {
        outcome(inner.table_fill(instance, table, dst, value, len))
    };
    table_copy(dst_table: u32, src_table: u32, dst: u32, src: u32, len: u32) => |inner, instance| {
        outcome(inner.table_copy(instance, dst_table, src_table, dst, src, len))
    };
    table_init(table: u32, elem: u32, dst: u32, src: u32, len: u32) => |inner, instance| {
        outcome(inner.table_init(instance, table, elem, dst, src, len))
    };
    elem_drop(elem: u32) => |inner, instance| {
        inner.elem_drop(instance, elem);
        HelperReturn::value(0)
    };
    ref_func(func: u32) => |inner, instance| HelperReturn::value(inner.ref_func(instance, func));
}

/// `epoch_deadline(vmctx)`: runs the store's deadline behaviour. Status 0
/// lets the guest go on; an interrupt traps with `Interrupt`, and any other
/// error (a callback's own) waits in the store like a host function's.
extern "C" fn epoch_deadline(vmctx: *mut u8) -> HelperReturn {
    // SAFETY: compiled code passes its own context, whose runtime record the
    // entry path (`enter::call`) filled with the running store and its hook.
    let (runtime, instance) = unsafe {
        (
            *(vmctx as *const *mut VmRuntime),
            VmContext::instance_of(vmctx),
        )
    };
    // SAFETY: as above; the record outlives the call.
    let (store, hook) = unsafe { ((*runtime).store, (*runtime).epoch_hook) };
    let outcome = match hook {
        Some(hook) => hook(store, instance),
        None => Err(Error::Host(
            "internal error: compiled code ran without an epoch hook".into(),
        )),
    };
    match outcome {
        Ok(()) => HelperReturn::value(0),
        Err(error) if error.trap_code() == Some(TrapCode::Interrupt) => HelperReturn {
            value: 0,
            status: SsaTrap::Interrupt as u64 + 1,
        },
        Err(error) => {
            // SAFETY: the hook has returned, so nothing else borrows the
            // store's state; the record's `inner` is that state.
            unsafe { (*(*runtime).inner).pending_error = Some(error) };
            HelperReturn {
                value: 0,
                status: u64::from(HOST_ERROR) + 1,
            }
        }
    }
}

/// What compiled code calls for `epoch_deadline`, which promises to keep
/// every register but `rdx`, its status (`Helper::preserves_registers`): it
/// saves the other registers a SysV call may change, calls
/// [`epoch_deadline`] and restores them, passing on the status in `rdx`.
/// Compiled code calls with `rsp` 16-byte aligned, so after the return
/// address and seven pushes `rsp` is aligned again, and stays so below the
/// 256 bytes for `xmm0`-`xmm15`.
// SAFETY (of the naked function): the body saves and restores every register
// it promises to keep, keeps `rsp` aligned for the call it makes, and leaves
// in `rdx` the status of `epoch_deadline`, a SysV function of the same
// signature.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
extern "C" fn epoch_deadline_keeping_registers(vmctx: *mut u8) -> HelperReturn {
    core::arch::naked_asm!(
        "push rax",
        "push rcx",
        "push rsi",
        "push rdi",
        "push r8",
        "push r9",
        "push r10",
        "sub rsp, 256",
        "movdqu [rsp + 0], xmm0",
        "movdqu [rsp + 16], xmm1",
        "movdqu [rsp + 32], xmm2",
        "movdqu [rsp + 48], xmm3",
        "movdqu [rsp + 64], xmm4",
        "movdqu [rsp + 80], xmm5",
        "movdqu [rsp + 96], xmm6",
        "movdqu [rsp + 112], xmm7",
        "movdqu [rsp + 128], xmm8",
        "movdqu [rsp + 144], xmm9",
        "movdqu [rsp + 160], xmm10",
        "movdqu [rsp + 176], xmm11",
        "movdqu [rsp + 192], xmm12",
        "movdqu [rsp + 208], xmm13",
        "movdqu [rsp + 224], xmm14",
        "movdqu [rsp + 240], xmm15",
        "call {helper}",
        "movdqu xmm0, [rsp + 0]",
        "movdqu xmm1, [rsp + 16]",
        "movdqu xmm2, [rsp + 32]",
        "movdqu xmm3, [rsp + 48]",
        "movdqu xmm4, [rsp + 64]",
        "movdqu xmm5, [rsp + 80]",
        "movdqu xmm6, [rsp + 96]",
        "movdqu xmm7, [rsp + 112]",
        "movdqu xmm8, [rsp + 128]",
        "movdqu xmm9, [rsp + 144]",
        "movdqu xmm10, [rsp + 160]",
        "movdqu xmm11, [rsp + 176]",
        "movdqu xmm12, [rsp + 192]",
        "movdqu xmm13, [rsp + 208]",
        "movdqu xmm14, [rsp + 224]",
        "movdqu xmm15, [rsp + 240]",
        "add rsp, 256",
        "pop r10",
        "pop r9",
        "pop r8",
        "pop rdi",
        "pop rsi",
        "pop rcx",
        "pop rax",
        "ret",
        helper = sym epoch_deadline,
    )
}

/// What compiled code calls for `epoch_deadline` on AArch64, which promises
/// to keep every register but `x1`, its status (`Helper::preserves_registers`):
/// it saves the registers an AAPCS64 call may change (`x0`, `x2`-`x17`, the
/// link register and all 128 bits of `v0`-`v7` and `v16`-`v31`; `x18` is the
/// platform's), calls [`epoch_deadline`] and restores them, passing on the
/// status in `x1`. The save area keeps `sp` 16-byte aligned.
// SAFETY (of the naked function): the body saves and restores every register
// it promises to keep, keeps `sp` aligned for the call it makes, and leaves in
// `x1` the status of `epoch_deadline`, an AAPCS64 function of the same
// signature.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
extern "C" fn epoch_deadline_keeping_registers(vmctx: *mut u8) -> HelperReturn {
    core::arch::naked_asm!(
        "stp x29, x30, [sp, #-16]!",
        "mov x29, sp",
        "sub sp, sp, #528",
        "stp x0, x2, [sp, #0]",
        "stp x3, x4, [sp, #16]",
        "stp x5, x6, [sp, #32]",
        "stp x7, x8, [sp, #48]",
        "stp x9, x10, [sp, #64]",
        "stp x11, x12, [sp, #80]",
        "stp x13, x14, [sp, #96]",
        "stp x15, x16, [sp, #112]",
        "stp x17, xzr, [sp, #128]",
        "stp q0, q1, [sp, #144]",
        "stp q2, q3, [sp, #176]",
        "stp q4, q5, [sp, #208]",
        "stp q6, q7, [sp, #240]",
        "stp q16, q17, [sp, #272]",
        "stp q18, q19, [sp, #304]",
        "stp q20, q21, [sp, #336]",
        "stp q22, q23, [sp, #368]",
        "stp q24, q25, [sp, #400]",
        "stp q26, q27, [sp, #432]",
        "stp q28, q29, [sp, #464]",
        "stp q30, q31, [sp, #496]",
        "bl {helper}",
        "ldp x0, x2, [sp, #0]",
        "ldp x3, x4, [sp, #16]",
        "ldp x5, x6, [sp, #32]",
        "ldp x7, x8, [sp, #48]",
        "ldp x9, x10, [sp, #64]",
        "ldp x11, x12, [sp, #80]",
        "ldp x13, x14, [sp, #96]",
        "ldp x15, x16, [sp, #112]",
        "ldr x17, [sp, #128]",
        "ldp q0, q1, [sp, #144]",
        "ldp q2, q3, [sp, #176]",
        "ldp q4, q5, [sp, #208]",
        "ldp q6, q7, [sp, #240]",
        "ldp q16, q17, [sp, #272]",
        "ldp q18, q19, [sp, #304]",
        "ldp q20, q21, [sp, #336]",
        "ldp q22, q23, [sp, #368]",
        "ldp q24, q25, [sp, #400]",
        "ldp q26, q27, [sp, #432]",
        "ldp q28, q29, [sp, #464]",
        "ldp q30, q31, [sp, #496]",
        "mov sp, x29",
        "ldp x29, x30, [sp], #16",
        "ret",
        helper = sym epoch_deadline,
    )
}

/// Without a backend for this CPU no compiled code calls the helper, which
/// then needs no register-preserving entry.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
use epoch_deadline as epoch_deadline_keeping_registers;

/// The epoch hook of stores of type `Store<T>` (`VmRuntime::epoch_hook`).
pub(crate) fn run_epoch_deadline<T>(store: *mut (), instance: u32) -> Result<()> {
    // SAFETY: `store` is the `Store<T>` whose call `enter::call` is running;
    // that call does not touch the store until compiled code returns, and
    // compiled code is stopped in this helper meanwhile.
    let store = unsafe { &mut *(store as *mut Store<T>) };
    store.on_epoch_deadline(instance)
}

/// The address of the function implementing `helper`.
pub(crate) fn helper_address(helper: Helper) -> u64 {
    let address: usize = match helper {
        Helper::MemoryGrow => memory_grow as extern "C" fn(_, _, _) -> _ as usize,
        Helper::MemoryFill => memory_fill as extern "C" fn(_, _, _, _, _) -> _ as usize,
        Helper::MemoryCopy => memory_copy as extern "C" fn(_, _, _, _, _, _) -> _ as usize,
        Helper::MemoryInit => memory_init as extern "C" fn(_, _, _, _, _, _) -> _ as usize,
        Helper::DataDrop => data_drop as extern "C" fn(_, _) -> _ as usize,
        Helper::TableGet => table_get as extern "C" fn(_, _, _) -> _ as usize,
        Helper::TableSet => table_set as extern "C" fn(_, _, _, _) -> _ as usize,
        Helper::TableGrow => table_grow as extern "C" fn(_, _, _, _) -> _ as usize,
        Helper::TableFill => table_fill as extern "C" fn(_, _, _, _, _) -> _ as usize,
        Helper::TableCopy => table_copy as extern "C" fn(_, _, _, _, _, _) -> _ as usize,
        Helper::TableInit => table_init as extern "C" fn(_, _, _, _, _, _) -> _ as usize,
        Helper::ElemDrop => elem_drop as extern "C" fn(_, _) -> _ as usize,
        Helper::RefFunc => ref_func as extern "C" fn(_, _) -> _ as usize,
        Helper::EpochDeadline => epoch_deadline_keeping_registers as extern "C" fn(_) -> _ as usize,
    };
    address as u64
}
