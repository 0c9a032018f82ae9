//! The store's contents: every function, memory, table, global and instance that
//! exists, owned in flat arrays and named by index. Public handles (`Func`,
//! `Memory`, ...) are these indices plus the id of the store they belong to.
//!
//! Values are kept raw (one `u64` each, see [`crate::values`]). A `funcref` is
//! the address of the function's [`VmFuncRef`] record and an `externref` is the
//! host value's index plus one; zero is null for both.

mod cow_image;
mod epoch;
mod memory;
mod ops;
mod pool;
mod reservation;
mod table;
mod vm;
mod vmctx;

pub(crate) use cow_image::CowImage;
pub(crate) use epoch::{EngineEpochs, StoreEpoch};
pub(crate) use memory::{MAX_PAGES, MemoryConfig, MemoryData, PAGE_SIZE, SIGNAL_TRAPS_SUPPORTED};
pub(crate) use pool::IDLE_RESERVATIONS;
pub(crate) use reservation::host_page_size;
pub(crate) use table::TableData;
pub(crate) use vm::{Pinned, PinnedBlock, PinnedRef, VmFuncRef, VmRuntime};
pub(crate) use vmctx::VmContext;

use crate::error::Error;
use crate::limits::StoreLimits;
use crate::module::ModuleInner;
use crate::types::{FuncType, GlobalType};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Function signatures interned per store, so that a `call_indirect` type check is
/// one integer comparison. A new store may start as a copy of a registry
/// prepared for it (see [`crate::InstancePre`]), which costs no hashing.
#[derive(Clone, Default)]
pub(crate) struct TypeRegistry {
    ids: HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

impl TypeRegistry {
    pub fn intern(&mut self, ty: &FuncType) -> u32 {
        if let Some(&id) = self.ids.get(ty) {
            return id;
        }
        let id = self.types.len() as u32;
        self.types.push(ty.clone());
        self.ids.insert(ty.clone(), id);
        id
    }

    /// Whether no signature is interned yet.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    pub fn get(&self, id: u32) -> &FuncType {
        &self.types[id as usize]
    }
}

/// How a function runs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FuncKind {
    /// Defined by a module: the `index`th function the module defines.
    Wasm { instance: u32, defined: u32 },
    /// A host closure, the `index`th of the store's host functions.
    Host { index: u32 },
}

pub(crate) struct FuncData {
    /// Id of the signature in the store's `TypeRegistry`.
    pub type_id: u32,
    pub kind: FuncKind,
    /// The record that `funcref` values of this function point to, in one of
    /// the store's `funcref_blocks`.
    pub funcref: PinnedRef<VmFuncRef>,
}

pub(crate) struct GlobalData {
    pub ty: GlobalType,
    /// The raw value, at an address that instance contexts point to.
    pub value: Pinned<u64>,
}

impl GlobalData {
    pub fn new(ty: GlobalType, value: u64) -> GlobalData {
        GlobalData {
            ty,
            value: Pinned::new(value),
        }
    }
}

/// An instance's own view of the store: which store items its index spaces name,
/// and the segments it has not dropped yet.
pub(crate) struct InstanceData {
    pub module: Arc<ModuleInner>,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// The store type id of each of the module's types.
    pub type_ids: Vec<u32>,
    /// Element segments as raw references; a dropped segment is empty.
    pub elems: Vec<Arc<[u64]>>,
    /// Which data segments have been dropped.
    pub dropped_data: Vec<bool>,
    /// The context generated code reads.
    pub vmctx: VmContext,
}

/// Everything in a store except the host's data and host closures, which depend on
/// the store's type parameter.
pub(crate) struct StoreInner {
    pub id: u64,
    pub funcs: Vec<FuncData>,
    /// The function references of `funcs`: one block per instance for the
    /// functions it defines, one per host function.
    pub funcref_blocks: Vec<PinnedBlock<VmFuncRef>>,
    pub memories: Vec<MemoryData>,
    pub tables: Vec<TableData>,
    pub globals: Vec<GlobalData>,
    pub instances: Vec<InstanceData>,
    pub externs: Vec<Box<dyn Any + Send + Sync>>,
    pub types: TypeRegistry,
    pub limits: StoreLimits,
    /// Wasm and host frames active right now, across nested calls.
    pub call_depth: u32,
    /// The native stack pointer when the outermost call from the host began,
    /// for tiers that run wasm frames on the native stack.
    pub native_stack_base: usize,
    /// The record compiled code shares with the engine; every instance context
    /// points to it.
    pub runtime: Pinned<VmRuntime>,
    /// The error of a host function called from compiled code, waiting for the
    /// entry trampoline to return.
    pub pending_error: Option<Error>,
    /// The wasm frames of the last trap in compiled code, innermost first.
    pub trap_backtrace: Vec<crate::error::FrameInfo>,
    /// The store's epoch deadline, and the flag that running code checks.
    pub epoch: Arc<StoreEpoch>,
    /// The engine's entry trampoline for each signature id of the store,
    /// once a call has looked it up.
    pub entry_trampolines: Vec<Option<kiln_machinst::runtime::EntryTrampoline>>,
    /// The records through which compiled code calls the store's host
    /// functions.
    pub host_records: crate::code::HostRecords,
}

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

impl Drop for StoreInner {
    fn drop(&mut self) {
        // The instances' contexts, which hold the epoch flags, go next.
        self.epoch.forget_instances();
    }
}

impl StoreInner {
    /// An empty store whose runtime record starts as `runtime`.
    pub fn new(limits: StoreLimits, runtime: VmRuntime) -> StoreInner {
        StoreInner {
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            funcs: Vec::new(),
            funcref_blocks: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            instances: Vec::new(),
            externs: Vec::new(),
            types: TypeRegistry::default(),
            limits,
            call_depth: 0,
            native_stack_base: 0,
            runtime: Pinned::new(runtime),
            entry_trampolines: Vec::new(),
            pending_error: None,
            trap_backtrace: Vec::new(),
            epoch: Arc::default(),
            host_records: Vec::new(),
        }
    }

    /// The fuel left.
    pub fn fuel(&self) -> u64 {
        // SAFETY: the record is alive as long as `self`; generated code
        // writes it only while it runs, and it runs only while the store is
        // borrowed by the call that runs it, which is this very thread.
        unsafe { (*self.runtime.ptr()).fuel }
    }

    pub fn set_fuel(&self, fuel: u64) {
        // SAFETY: as in `fuel`.
        unsafe { (*self.runtime.ptr()).fuel = fuel }
    }

    pub fn func_type(&self, func: u32) -> &FuncType {
        self.types.get(self.funcs[func as usize].type_id)
    }

    /// Adds a host function, the `index`th host closure, of signature id
    /// `type_id`.
    pub fn push_host_func(&mut self, type_id: u32, index: u32) -> u32 {
        let func = self.funcs.len() as u32;
        self.push_funcs(std::iter::once((type_id, FuncKind::Host { index })), |_| {
            u64::from(func) + 1
        });
        func
    }

    /// Adds the functions an instance defines, given as their signature ids
    /// and kinds, with their references in one block; `code` gives the code
    /// address of the `i`th (the references' contexts are set later).
    /// Returns the store index of the first.
    pub fn push_funcs(
        &mut self,
        funcs: impl ExactSizeIterator<Item = (u32, FuncKind)> + Clone,
        code: impl Fn(usize) -> u64,
    ) -> u32 {
        let first = self.funcs.len() as u32;
        let block =
            PinnedBlock::new(
                funcs
                    .clone()
                    .enumerate()
                    .map(|(i, (type_id, _))| VmFuncRef {
                        code: code(i),
                        vmctx: 0,
                        type_id,
                        func: first + i as u32,
                    }),
            );
        self.funcs.reserve(funcs.len());
        for (i, (type_id, kind)) in funcs.enumerate() {
            self.funcs.push(FuncData {
                type_id,
                kind,
                funcref: block.get_ref(i),
            });
        }
        self.funcref_blocks.push(block);
        first
    }

    /// The raw `funcref` of store function `func`.
    pub fn funcref(&self, func: u32) -> u64 {
        self.funcs[func as usize].funcref.ptr() as u64
    }

    /// The store function a non-null raw `funcref` of this store refers to.
    pub fn func_of_ref(&self, raw: u64) -> u32 {
        debug_assert_ne!(raw, 0, "null funcref");
        // SAFETY: raw funcrefs are only ever made by `funcref` above (wasm code
        // cannot forge references), and the records they point to live as long
        // as the store.
        unsafe { (*(raw as *const VmFuncRef)).func }
    }

    /// Checks that a handle's store id is this store's.
    pub fn check_owner(&self, store_id: u64, what: &str) -> Result<(), Error> {
        if store_id == self.id {
            Ok(())
        } else {
            Err(Error::usage(format!("{what} belongs to a different store")))
        }
    }
}
