//! Where compiled code resumes after a fault: the faulting-access trap sites
//! of each function of a module, and the resolver that the signal handler
//! asks (see [`crate::signals`]).
//!
//! A linear-memory access that relies on guard pages is a trap site whose
//! [`TrapSite::fault_stub`] names the function's `HeapOutOfBounds` trap stub.
//! When such an access faults, the handler makes the thread continue at that
//! stub, with the registers of the faulting instruction: the frame pointer
//! still heads the function's frame, so the stub records the trap and its
//! backtrace and unwinds to the entry trampoline exactly as it does when an
//! explicit check jumps to it.

use crate::runtime::{StoreInner, VmRuntime};
use kiln_ssa::target::{CompiledFunction, TrapSite};

/// The faulting accesses of each function of a module.
pub(crate) struct FaultTable {
    /// Per defined function: `(offset of the access, offset of its stub)`,
    /// sorted by the access.
    functions: Vec<Box<[(u32, u32)]>>,
}

impl FaultTable {
    /// The table of `functions`, from their trap sites.
    pub fn new(functions: &[CompiledFunction]) -> FaultTable {
        let functions = functions
            .iter()
            .map(|function| {
                let mut sites: Vec<(u32, u32)> = function
                    .trap_sites
                    .iter()
                    .filter_map(
                        |&TrapSite {
                             offset, fault_stub, ..
                         }| Some((offset, fault_stub?)),
                    )
                    .collect();
                sites.sort_unstable();
                sites.into_boxed_slice()
            })
            .collect();
        FaultTable { functions }
    }

    /// A table from each function's `(access, stub)` pairs, sorted by the
    /// access; `None` when a list is not sorted.
    pub fn from_sites(functions: Vec<Box<[(u32, u32)]>>) -> Option<FaultTable> {
        functions
            .iter()
            .all(|sites| sites.is_sorted_by_key(|&(site, _)| site))
            .then_some(FaultTable { functions })
    }

    /// Each function's `(access, stub)` pairs, sorted by the access.
    pub fn sites(&self) -> &[Box<[(u32, u32)]>] {
        &self.functions
    }

    /// Where function `function` resumes after a fault at `offset`, if that
    /// is one of its faulting accesses.
    pub fn resume(&self, function: usize, offset: u32) -> Option<u32> {
        let sites = self.functions.get(function)?;
        let at = sites
            .binary_search_by_key(&offset, |&(site, _)| site)
            .ok()?;
        Some(sites[at].1)
    }
}

/// The [`FaultResolver`](crate::signals::FaultResolver) of compiled code: a
/// fault is wasm's when the faulting address lies in the reservation of one
/// of the running store's memories and the pc is a faulting access of one of
/// its compiled functions; the thread then resumes at that function's stub.
///
/// It only reads: the store's memories and instances, and the modules' code
/// and fault tables, none of which changes while wasm runs on this thread
/// (the handler asks only then; see [`crate::signals::Activation`]).
///
/// # Safety
/// `runtime` must be the runtime record of the store whose compiled code runs
/// on this thread.
pub(crate) unsafe fn resolve_fault(
    runtime: *mut VmRuntime,
    pc: usize,
    address: usize,
) -> Option<usize> {
    // SAFETY: per the caller, the record's `inner` is the running store, set
    // by the entry path, and nothing writes to the store while its wasm runs.
    let inner: &StoreInner = unsafe { &*(*runtime).inner };
    if !inner.memories.iter().any(|memory| memory.reserves(address)) {
        return None;
    }
    inner.instances.iter().find_map(|instance| {
        let compiled = instance.module.compiled.as_ref()?;
        let (function, offset) = compiled.locate(pc)?;
        let stub = compiled.faults.resume(function, offset)?;
        Some(compiled.entry(function) as usize + stub as usize)
    })
}
