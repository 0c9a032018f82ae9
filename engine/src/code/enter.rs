//! Calling compiled code from Rust: set up the store's runtime record, call the
//! callee through the entry trampoline for its signature, and turn the status
//! into results, a trap, or the error a host function left behind.

use super::runtime::HOST_ERROR;
use crate::error::{Error, Result, Trap};
use crate::store::Store;
use kiln_machinst::runtime::{TrapHook, value_slots};

/// Runs compiled wasm function `func` of the store with raw arguments.
pub(crate) fn call<T>(store: &mut Store<T>, func: u32, args: &[u64]) -> Result<Vec<u64>> {
    let funcref = store.inner.funcs[func as usize].funcref.get();
    let ty = store.inner.func_type(func).clone();
    let backend = store.engine.backend()?;
    let entry = store.engine.trampolines().entry(backend, &ty)?;
    let mut values = vec![0u64; value_slots(ty.params().len(), ty.results().len())];
    values[..args.len()].copy_from_slice(args);

    let inner = &store.inner;
    let stack_limit = inner
        .native_stack_base
        .saturating_sub(inner.limits.max_wasm_stack) as u64;
    let runtime = inner.runtime.get();
    let store_ptr: *mut Store<T> = store;
    // SAFETY: `store_ptr` comes from the exclusive borrow `store`, which is not
    // used again until the trampoline returns; helpers and host shims reach the
    // store only through these pointers meanwhile.
    let inner_ptr = unsafe { &raw mut (*store_ptr).inner };
    // SAFETY: as above.
    unsafe {
        (*inner_ptr).runtime.set(crate::runtime::VmRuntime {
            stack_limit,
            trap_hook: super::backtrace::record_trap as TrapHook as usize as u64,
            inner: inner_ptr,
            store: store_ptr as *mut (),
            epoch_hook: Some(super::runtime::run_epoch_deadline::<T>),
            ..runtime
        })
    };
    // Until the trampoline returns, a fault at a trap site of compiled code
    // on this thread is this store's.
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    // SAFETY: as above.
    let activation = crate::signals::Activation::wasm(unsafe { (*inner_ptr).runtime.ptr() })
        .map_err(|err| Error::Host(format!("cannot set up the signal stack: {err}")))?;
    // SAFETY: `entry` is the entry trampoline for the callee's signature, the
    // callee's code and context come from its function reference, and `values`
    // has the slots the trampoline reads and writes.
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
        values.truncate(ty.results().len());
        return Ok(values);
    }
    let code = status - 1;
    if code == HOST_ERROR {
        return Err(store
            .inner
            .pending_error
            .take()
            .unwrap_or_else(|| Error::Host("a host function failed without an error".into())));
    }
    let code = kiln_ssa::TrapCode::ALL
        .get(code as usize)
        .copied()
        .ok_or_else(|| Error::Host(format!("compiled code reported unknown trap code {code}")))?;
    if code == kiln_ssa::TrapCode::OutOfFuel {
        // What the code held in its fuel register is gone; running out leaves none.
        store.inner.set_fuel(0);
    }
    let backtrace = std::mem::take(&mut store.inner.trap_backtrace);
    match Error::from(code) {
        Error::Trap(trap) => Err(Error::Trap(Trap::with_backtrace(trap.code(), backtrace))),
        other => Err(other),
    }
}
