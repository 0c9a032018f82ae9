//! Host functions called from compiled code. Each host function of a store
//! that runs compiled code gets a record, which its function reference names as
//! its context, and the engine's host-exit trampoline for its signature as its
//! code. The trampoline spills the arguments into an array on its stack and
//! calls the record's shim, made for the store's type; the shim finds the
//! store through the runtime record and calls the closure, which for a typed
//! closure reads its arguments from that array and writes its results there.

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
    /// The store's host closure this record calls.
    host: u32,
    /// The slots of the trampoline's array: `value_slots(params, results)`.
    slots: u32,
}

/// The record for store function `func`, a host function, of `store`.
pub(crate) fn host_record<T>(store: &Store<T>, func: u32) -> Pinned<HostRecord> {
    let crate::runtime::FuncKind::Host { index } = store.inner.funcs[func as usize].kind else {
        unreachable!("host_record of a wasm function");
    };
    let ty = store.inner.func_type(func);
    Pinned::new(HostRecord {
        runtime: store.inner.runtime.ptr(),
        shim: host_shim::<T>,
        host: index,
        slots: value_slots(ty.params().len(), ty.results().len()) as u32,
    })
}

/// Calls the host function of `record` with the arguments in `values` and
/// writes its results there; returns 0, or `1 + HOST_ERROR` after leaving the
/// error in the store.
extern "C" fn host_shim<T>(record: *mut u8, values: *mut u64, caller_vmctx: *mut u8) -> u32 {
    // SAFETY: the exit trampoline passes the record this shim was made for,
    // whose runtime record names the store running compiled code right now
    // (set by `enter::call`, which holds the only other access to the store and
    // does not use it until compiled code returns), the context of the
    // compiled function that made the call (or null), and its array of
    // `slots` values.
    let (store, record, caller, values) = unsafe {
        let record = *(record as *const HostRecord);
        let store = &mut *((*record.runtime).store as *mut Store<T>);
        let caller = (!caller_vmctx.is_null()).then(|| VmContext::instance_of(caller_vmctx));
        let values = std::slice::from_raw_parts_mut(values, record.slots as usize);
        (store, record, caller, values)
    };
    // While the host function runs, a fault on this thread is not wasm's.
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    let _host = crate::signals::Activation::host();
    match crate::call::call_host(store, record.host, caller, values) {
        Ok(()) => 0,
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
