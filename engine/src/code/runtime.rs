//! The runtime helpers compiled code calls for the operations too large to
//! inline, and how they find the store and the instance they work on. Each is
//! an `extern "C"` function that returns a `kiln_machinst::runtime::HelperReturn`.
//!
//! Every instance context starts with a pointer to its store's `VmRuntime`
//! (`VmLayout::RUNTIME`), and the engine keeps the instance's index just
//! before the context (see [`crate::runtime::VmContext`]), so a helper that
//! receives `vmctx` finds both the store and the instance.

use crate::runtime::{StoreInner, VmContext, VmRuntime};
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
    };
    address as u64
}
