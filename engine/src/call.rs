//! Calling into a store: the one path every call from the host takes, whatever
//! tier runs the callee, and the one path every call to a host function takes.
//!
//! Values cross as raw words (see [`crate::values`]) in one array, arguments
//! in and results out, as the entry and exit trampolines of compiled code
//! pass them: a typed call fills the array on the stack and never allocates;
//! only calls with [`Val`]s convert.

use crate::error::{Result, Trap, TrapCode};
use crate::runtime::FuncKind;
use crate::store::Store;
use crate::values::Val;
use kiln_machinst::runtime::value_slots;

/// Calls store function `func` with `args` (already type-checked) and writes its
/// results.
pub(crate) fn invoke<T>(
    store: &mut Store<T>,
    func: u32,
    args: &[Val],
    results: &mut [Val],
) -> Result<()> {
    let mut raw = vec![0u64; value_slots(args.len(), results.len())];
    for (slot, arg) in raw.iter_mut().zip(args) {
        *slot = arg.to_raw(&store.inner).expect("arguments were checked");
    }
    invoke_raw(store, func, &mut raw)?;
    let ty = store.inner.func_type(func);
    for ((slot, ty), raw) in results.iter_mut().zip(ty.results()).zip(&raw) {
        *slot = Val::from_raw(*raw, *ty, &store.inner);
    }
    Ok(())
}

/// Calls store function `func` with its arguments (already type-checked) as
/// raw words in `values`, which receives its results: `values` has
/// `value_slots(params, results)` slots.
pub(crate) fn invoke_raw<T>(store: &mut Store<T>, func: u32, values: &mut [u64]) -> Result<()> {
    let instance = match store.inner.funcs[func as usize].kind {
        FuncKind::Host { index } => return call_host(store, index, None, values),
        FuncKind::Wasm { instance, .. } => instance,
    };
    let depth = store.inner.call_depth;
    let stack_base = store.inner.native_stack_base;
    if depth == 0 {
        store.inner.native_stack_base = native_stack_pointer();
    }
    let outcome = call_wasm(store, func, instance, values);
    store.inner.call_depth = depth;
    store.inner.native_stack_base = stack_base;
    outcome
}

/// Runs wasm function `func` of `instance` in the tier its module was
/// prepared for.
fn call_wasm<T>(store: &mut Store<T>, func: u32, instance: u32, values: &mut [u64]) -> Result<()> {
    let module = &store.inner.instances[instance as usize].module;
    if module.compiled.is_some() {
        return crate::code::call(store, func, values);
    }
    let params = store.inner.func_type(func).params().len();
    let results = if module.ssa.is_some() {
        crate::ssa_tier::call(store, func, &values[..params])?
    } else {
        crate::interp::call(store, func, &values[..params])?
    };
    values[..results.len()].copy_from_slice(&results);
    Ok(())
}

/// Calls host closure `host` on behalf of `instance` with the raw words in
/// `values`, arguments in and results out.
#[inline]
pub(crate) fn call_host<T>(
    store: &mut Store<T>,
    host: u32,
    instance: Option<u32>,
    values: &mut [u64],
) -> Result<()> {
    if store.inner.call_depth >= store.inner.limits.max_call_depth {
        return Err(Trap::new(TrapCode::StackOverflow).into());
    }
    store.inner.call_depth += 1;
    let closure = std::sync::Arc::as_ptr(&store.host_funcs[host as usize]);
    // SAFETY: the store keeps every host closure it was given until it is
    // dropped (`host_funcs` only grows), and it is borrowed here, so the
    // closure outlives the call even if the closure adds host functions.
    let outcome = unsafe { (*closure)(store, instance, values) };
    store.inner.call_depth -= 1;
    outcome
}

/// Calls host function `func` with raw arguments, for the interpreting tiers,
/// which keep values on stacks of their own.
pub(crate) fn call_host_raw<T>(
    store: &mut Store<T>,
    func: u32,
    instance: u32,
    args: &[u64],
) -> Result<Vec<u64>> {
    let FuncKind::Host { index } = store.inner.funcs[func as usize].kind else {
        unreachable!("call_host_raw on a wasm function");
    };
    let results = store.inner.func_type(func).results().len();
    let mut values = vec![0u64; value_slots(args.len(), results)];
    values[..args.len()].copy_from_slice(args);
    call_host(store, index, Some(instance), &mut values)?;
    values.truncate(results);
    Ok(values)
}

/// An address near the top of the native stack: the address of a local.
#[inline(never)]
pub(crate) fn native_stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
