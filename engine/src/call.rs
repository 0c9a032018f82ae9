//! Calling into a store: the one path every call from the host takes, whatever
//! tier runs the callee, and the one path every call to a host function takes.

use crate::error::{Error, Result, Trap, TrapCode};
use crate::func::{Caller, check_values};
use crate::runtime::FuncKind;
use crate::store::Store;
use crate::values::Val;

/// Calls store function `func` with `args` (already type-checked) and writes its
/// results.
pub(crate) fn invoke<T>(
    store: &mut Store<T>,
    func: u32,
    args: &[Val],
    results: &mut [Val],
) -> Result<()> {
    if let FuncKind::Host { index } = store.inner.funcs[func as usize].kind {
        return call_host(store, func, index, None, args, results);
    }
    let raw_args: Vec<u64> = args
        .iter()
        .map(|arg| arg.to_raw(&store.inner).expect("arguments were checked"))
        .collect();
    let depth = store.inner.call_depth;
    let stack_base = store.inner.native_stack_base;
    if depth == 0 {
        store.inner.native_stack_base = native_stack_pointer();
    }
    let outcome = call_wasm(store, func, &raw_args);
    store.inner.call_depth = depth;
    store.inner.native_stack_base = stack_base;
    let raw_results = outcome?;
    let ty = store.inner.func_type(func);
    for ((slot, ty), raw) in results.iter_mut().zip(ty.results()).zip(&raw_results) {
        *slot = Val::from_raw(*raw, *ty, &store.inner);
    }
    Ok(())
}

/// Runs wasm function `func` in the tier its module was prepared for.
fn call_wasm<T>(store: &mut Store<T>, func: u32, args: &[u64]) -> Result<Vec<u64>> {
    let FuncKind::Wasm { instance, .. } = store.inner.funcs[func as usize].kind else {
        unreachable!("call_wasm on a host function");
    };
    let module = &store.inner.instances[instance as usize].module;
    if module.compiled.is_some() {
        return crate::code::call(store, func, args);
    }
    if module.ssa.is_some() {
        crate::ssa_tier::call(store, func, args)
    } else {
        crate::interp::call(store, func, args)
    }
}

/// Calls host function `host` (store function `func`) on behalf of `instance`.
pub(crate) fn call_host<T>(
    store: &mut Store<T>,
    func: u32,
    host: u32,
    instance: Option<u32>,
    args: &[Val],
    results: &mut [Val],
) -> Result<()> {
    if store.inner.call_depth >= store.inner.limits.max_call_depth {
        return Err(Trap::new(TrapCode::StackOverflow).into());
    }
    store.inner.call_depth += 1;
    let closure = store.host_funcs[host as usize].clone();
    let outcome = closure(Caller { store, instance }, args, results);
    store.inner.call_depth -= 1;
    outcome?;
    let ty = store.inner.func_type(func);
    check_values("result", ty.results(), results, &store.inner)
        .map_err(|err| Error::Host(format!("host function returned a bad result: {err}")))
}

/// Calls host function `func` with raw arguments, for tiers that keep values raw.
pub(crate) fn call_host_raw<T>(
    store: &mut Store<T>,
    func: u32,
    instance: u32,
    args: &[u64],
) -> Result<Vec<u64>> {
    let FuncKind::Host { index } = store.inner.funcs[func as usize].kind else {
        unreachable!("call_host_raw on a wasm function");
    };
    let ty = store.inner.func_type(func).clone();
    let args: Vec<Val> = ty
        .params()
        .iter()
        .zip(args)
        .map(|(ty, raw)| Val::from_raw(*raw, *ty, &store.inner))
        .collect();
    let mut results: Vec<Val> = ty
        .results()
        .iter()
        .map(|ty| Val::default_for(*ty))
        .collect();
    call_host(store, func, index, Some(instance), &args, &mut results)?;
    Ok(results
        .iter()
        .map(|val| val.to_raw(&store.inner).expect("results were checked"))
        .collect())
}

/// An address near the top of the native stack: the address of a local.
#[inline(never)]
pub(crate) fn native_stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
