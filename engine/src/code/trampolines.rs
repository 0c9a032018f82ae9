//! The store's trampolines between Rust and compiled code, made once per
//! signature and kept for the store's life: entry trampolines (Rust calls
//! wasm) and host-exit trampolines (wasm calls a host function).

use super::host::HostRecord;
use super::memory::{CodeMemory, Target};
use crate::error::{Error, Result};
use crate::runtime::{Pinned, VmFuncRef};
use crate::types::FuncType;
use kiln_machinst::runtime::EntryTrampoline;
use kiln_ssa::target::Backend;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Trampolines by signature id, and the records of host functions.
#[derive(Default)]
pub(crate) struct Trampolines {
    entry: HashMap<u32, CodeMemory>,
    exit: HashMap<u32, CodeMemory>,
    host_records: Vec<Pinned<HostRecord>>,
}

fn signature(ty: &FuncType) -> kiln_ssa::Signature {
    let ssa =
        |tys: &[crate::types::ValType]| tys.iter().map(|&t| crate::ssa_tier::ssa_type(t)).collect();
    kiln_ssa::Signature {
        params: ssa(ty.params()),
        results: ssa(ty.results()),
    }
}

fn load(compiled: kiln_ssa::target::CompiledFunction) -> Result<CodeMemory> {
    CodeMemory::new(std::slice::from_ref(&compiled), |_, _| Target::Function(0))
        .map_err(|err| Error::Instantiate(format!("cannot map a trampoline: {err}")))
}

impl Trampolines {
    /// The entry trampoline for signature `type_id` (= `ty`), made by
    /// `backend` the first time.
    pub fn entry(
        &mut self,
        backend: &dyn Backend,
        type_id: u32,
        ty: &FuncType,
    ) -> Result<EntryTrampoline> {
        let address = match self.entry.entry(type_id) {
            Entry::Occupied(code) => code.into_mut().function(0),
            Entry::Vacant(slot) => {
                let code = load(backend.entry_trampoline(&signature(ty)))?;
                slot.insert(code).function(0)
            }
        };
        // SAFETY: the code is an entry trampoline, which has exactly this
        // signature (see `kiln_machinst::runtime`), and lives as long as
        // `self`.
        Ok(unsafe { std::mem::transmute::<*const u8, EntryTrampoline>(address) })
    }

    /// The address of the host-exit trampoline for signature `type_id` (= `ty`),
    /// made by `backend` the first time.
    pub fn exit(
        &mut self,
        backend: &dyn Backend,
        type_id: u32,
        ty: &FuncType,
    ) -> Result<*const u8> {
        Ok(match self.exit.entry(type_id) {
            Entry::Occupied(code) => code.into_mut().function(0),
            Entry::Vacant(slot) => {
                let code = load(backend.host_exit_trampoline(&signature(ty)))?;
                slot.insert(code).function(0)
            }
        })
    }
}

/// Lets compiled code call host function `func` of `store`: its function
/// reference gets the exit trampoline for its signature as code and a host
/// record as context. If there is no backend or the trampoline cannot be
/// mapped, the code stays null and instantiating a compiled module with this
/// import fails.
pub(crate) fn prepare_host_function<T>(store: &mut crate::store::Store<T>, func: u32) {
    let record = super::host::host_record(store, func);
    let inner = &mut store.inner;
    let type_id = inner.funcs[func as usize].type_id;
    let ty = inner.types.get(type_id).clone();
    let code = store.engine.backend().map_or(0, |backend| {
        inner
            .trampolines
            .exit(backend, type_id, &ty)
            .map_or(0, |code| code as u64)
    });
    let funcref = &inner.funcs[func as usize].funcref;
    funcref.set(VmFuncRef {
        code,
        vmctx: record.ptr() as u64,
        ..funcref.get()
    });
    inner.trampolines.host_records.push(record);
}
