//! Host functions called from compiled code. Each host function of a store
//! that runs compiled code gets a record, which its function reference names as
//! its context, and the store's host-exit trampoline for its signature as its
//! code. The trampoline calls the record's shim with the arguments in an array;
//! the shim finds the store through the runtime record and calls the closure.

use super::runtime::HOST_ERROR;
use crate::runtime::{Pinned, VmContext, VmRuntime};
use crate::store::Store;
use kiln_machinst::runtime::{HostShim, value_slots};

/// What a host function's context points to (`kiln_machinst::runtime::host_record`).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct HostRecord {
    /// Like every context: the store's runtime record, at offset 0.
    runtime: *mut VmRuntime,
    /// Called by the exit trampoline with (record, values, caller's vmctx).
    shim: HostShim,
    /// The store function this record calls.
    func: u32,
}

/// The record for host function `func` of `store`.
pub(crate) fn host_record<T>(store: &Store<T>, func: u32) -> Pinned<HostRecord> {
    Pinned::new(HostRecord {
        runtime: store.inner.runtime.ptr(),
        shim: host_shim::<T>,
        func,
    })
}

/// Calls the host function of `record` with the arguments in `values` and
/// writes its results there; returns 0, or `1 + HOST_ERROR` after leaving the
/// error in the store.
extern "C" fn host_shim<T>(record: *mut u8, values: *mut u64, caller_vmctx: *mut u8) -> u32 {
    // SAFETY: the exit trampoline passes the record this shim was made for,
    // whose runtime record names the store running compiled code right now
    // (set by `enter::call`, which holds the only other access to the store and
    // does not use it until compiled code returns), and the context of the
    // compiled function that made the call.
    let (store, func, caller) = unsafe {
        let record = *(record as *const HostRecord);
        let store = &mut *((*record.runtime).store as *mut Store<T>);
        (store, record.func, VmContext::instance_of(caller_vmctx))
    };
    // While the host function runs, a fault on this thread is not wasm's.
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    let _host = crate::signals::Activation::host();
    let ty = store.inner.func_type(func);
    let (params, results) = (ty.params().len(), ty.results().len());
    // SAFETY: the trampoline's array has max(params, results) slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, value_slots(params, results)) };
    match crate::call::call_host_raw(store, func, caller, &values[..params]) {
        Ok(out) => {
            values[..results].copy_from_slice(&out);
            0
        }
        Err(err) => {
            store.inner.pending_error = Some(err);
            HOST_ERROR + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostRecord;
    use kiln_machinst::runtime::host_record;
    use std::mem::offset_of;

    #[test]
    fn the_host_record_has_the_layout_of_the_contract() {
        let offset = |at: i32| at as usize;
        assert_eq!(
            offset_of!(HostRecord, runtime),
            offset(host_record::RUNTIME)
        );
        assert_eq!(offset_of!(HostRecord, shim), offset(host_record::SHIM));
    }
}
