//! Calling compiled code from Rust: point the store's runtime record at the
//! store, call the callee through the entry trampoline for its signature with
//! the caller's array of raw words, and turn the status into a trap or the
//! error a host function left behind.
//!
//! What stays the same for a store's life (the trap hook, the epoch hook for
//! the store's type) is written into the record once, when the store is
//! made; a call writes the three words that may change: the stack limit and
//! where the store is.

use super::runtime::HOST_ERROR;
use crate::error::{Error, Result, Trap};
use crate::runtime::VmRuntime;
use crate::store::Store;
use kiln_machinst::runtime::{EntryTrampoline, TrapHook};

/// The runtime record a new `Store<T>` starts with.
pub(crate) fn runtime_record<T>() -> VmRuntime {
    VmRuntime {
        trap_hook: super::backtrace::record_trap as TrapHook as usize as u64,
        epoch_hook: Some(super::runtime::run_epoch_deadline::<T>),
        ..VmRuntime::default()
    }
}

/// The entry trampoline for the store's signature `type_id`, from the
/// store's own table, or from the engine the first time.
#[inline]
fn entry_trampoline<T>(store: &mut Store<T>, type_id: u32) -> Result<EntryTrampoline> {
    if let Some(Some(entry)) = store.inner.entry_trampolines.get(type_id as usize) {
        return Ok(*entry);
    }
    let backend = store.engine.backend()?;
    let ty = store.inner.types.get(type_id);
    let entry = store.engine.trampolines().entry(backend, ty)?;
    let table = &mut store.inner.entry_trampolines;
    if table.len() <= type_id as usize {
        table.resize(type_id as usize + 1, None);
    }
    table[type_id as usize] = Some(entry);
    Ok(entry)
}

/// Runs compiled wasm function `func` of the store with its arguments as raw
/// words in `values`, which receives its results.
pub(crate) fn call<T>(store: &mut Store<T>, func: u32, values: &mut [u64]) -> Result<()> {
    let funcref = store.inner.funcs[func as usize].funcref.get();
    let entry = entry_trampoline(store, funcref.type_id)?;
    let inner = &store.inner;
    let stack_limit = inner
        .native_stack_base
        .saturating_sub(inner.limits.max_wasm_stack) as u64;
    let runtime = inner.runtime.ptr();
    let store_ptr: *mut Store<T> = store;
    // SAFETY: `store_ptr` comes from the exclusive borrow `store`, which is not
    // used again until the trampoline returns; helpers and host shims reach the
    // store only through these pointers meanwhile. The record is the store's
    // own, at a stable address, and nothing else accesses it right now.
    unsafe {
        (*runtime).stack_limit = stack_limit;
        (*runtime).inner = &raw mut (*store_ptr).inner;
        (*runtime).store = store_ptr as *mut ();
    }
    // Until the trampoline returns, a fault at a trap site of compiled code
    // on this thread is this store's.
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    let activation = crate::signals::Activation::wasm(runtime)
        .map_err(|err| Error::Host(format!("cannot set up the signal stack: {err}")))?;
    // SAFETY: `entry` is the entry trampoline for the callee's signature, the
    // callee's code and context come from its function reference, and
    // `values` has the slots the trampoline reads and writes.
    let status = unsafe {
        entry(
            funcref.code as *const u8,
            funcref.vmctx as *mut u8,
            values.as_mut_ptr(),
        )
    };
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    drop(activation);
    if status == 0 {
        return Ok(());
    }
    Err(failure(store, status))
}

/// The error for a non-zero status of an entry trampoline.
#[cold]
fn failure<T>(store: &mut Store<T>, status: u32) -> Error {
    let code = status - 1;
    if code == HOST_ERROR {
        return store
            .inner
            .pending_error
            .take()
            .unwrap_or_else(|| Error::Host("a host function failed without an error".into()));
    }
    let Some(code) = kiln_ssa::TrapCode::ALL.get(code as usize).copied() else {
        return Error::Host(format!("compiled code reported unknown trap code {code}"));
    };
    if code == kiln_ssa::TrapCode::OutOfFuel {
        // What the code held in its fuel register is gone; running out leaves none.
        store.inner.set_fuel(0);
    }
    let backtrace = std::mem::take(&mut store.inner.trap_backtrace);
    match Error::from(code) {
        Error::Trap(trap) => Error::Trap(Trap::with_backtrace(trap.code(), backtrace)),
        other => other,
    }
}
