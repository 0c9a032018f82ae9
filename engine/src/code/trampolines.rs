//! Trampolines between Rust and compiled code, made once per signature and
//! shared by every store of the engine: entry trampolines (Rust calls wasm)
//! and host-exit trampolines (wasm calls a host function). Making one maps
//! fresh executable memory, which is far too slow to do per store or per
//! instantiation; after the first store, a signature costs one lookup.

use super::host::HostRecord;
use super::memory::{CodeMemory, Target};
use crate::error::{Error, Result};
use crate::runtime::{Pinned, VmFuncRef};
use crate::types::FuncType;
use kiln_machinst::runtime::EntryTrampoline;
use kiln_ssa::target::Backend;
use std::collections::HashMap;
use std::sync::Mutex;

/// The engine's trampolines, by signature.
#[derive(Default)]
pub(crate) struct TrampolineCache {
    entry: Mutex<HashMap<FuncType, CodeMemory>>,
    exit: Mutex<HashMap<FuncType, CodeMemory>>,
}

fn signature(ty: &FuncType) -> kiln_ssa::Signature {
    let ssa =
        |tys: &[crate::types::ValType]| tys.iter().map(|&t| crate::ssa_tier::ssa_type(t)).collect();
    kiln_ssa::Signature {
        params: ssa(ty.params()),
        results: ssa(ty.results()),
    }
}

/// The address of the trampoline for `ty` in `cache`, made by `make` the
/// first time.
fn lookup(
    cache: &Mutex<HashMap<FuncType, CodeMemory>>,
    ty: &FuncType,
    make: impl FnOnce(&kiln_ssa::Signature) -> kiln_ssa::target::CompiledFunction,
) -> Result<*const u8> {
    // A poisoned lock only means another thread panicked while making a
    // trampoline; the map holds only finished ones.
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(code) = cache.get(ty) {
        return Ok(code.function(0));
    }
    let compiled = make(&signature(ty));
    let code = CodeMemory::new(std::slice::from_ref(&compiled), |_, _| Target::Function(0))
        .map_err(|err| Error::Instantiate(format!("cannot map a trampoline: {err}")))?;
    let address = code.function(0);
    cache.insert(ty.clone(), code);
    Ok(address)
}

impl TrampolineCache {
    /// The entry trampoline for signature `ty`, made by `backend` the first
    /// time. It lives as long as the cache, that is as long as the engine.
    pub fn entry(&self, backend: &dyn Backend, ty: &FuncType) -> Result<EntryTrampoline> {
        let address = lookup(&self.entry, ty, |sig| backend.entry_trampoline(sig))?;
        // SAFETY: the code is an entry trampoline, which has exactly this
        // signature (see `kiln_machinst::runtime`), and lives as long as
        // `self`.
        Ok(unsafe { std::mem::transmute::<*const u8, EntryTrampoline>(address) })
    }

    /// The address of the host-exit trampoline for signature `ty`, made by
    /// `backend` the first time.
    pub fn exit(&self, backend: &dyn Backend, ty: &FuncType) -> Result<*const u8> {
        lookup(&self.exit, ty, |sig| backend.host_exit_trampoline(sig))
    }
}

/// Lets compiled code call host function `func` of `store`: its function
/// reference gets the engine's exit trampoline for its signature as code and
/// a host record as context. If there is no backend or the trampoline cannot
/// be mapped, the code stays null and instantiating a compiled module with
/// this import fails.
pub(crate) fn prepare_host_function<T>(store: &mut crate::store::Store<T>, func: u32) {
    let record = super::host::host_record(store, func);
    let inner = &mut store.inner;
    let ty = inner.func_type(func);
    let code = store.engine.backend().map_or(0, |backend| {
        store
            .engine
            .trampolines()
            .exit(backend, ty)
            .map_or(0, |code| code as u64)
    });
    let funcref = &inner.funcs[func as usize].funcref;
    funcref.set(VmFuncRef {
        code,
        vmctx: record.ptr() as u64,
        ..funcref.get()
    });
    inner.host_records.push(record);
}

/// The host records of a store's host functions, which live as long as the
/// store.
pub(crate) type HostRecords = Vec<Pinned<HostRecord>>;

#[cfg(all(test, target_arch = "aarch64"))]
mod arm64_tests;
