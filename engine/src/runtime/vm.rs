//! The records that compiled code reads directly, at fixed offsets: a memory's
//! base and length, a table's element array and length, a function reference's
//! code, context and signature, and a global's value. Each lives in its own heap
//! allocation that never moves while the store lives, so that raw pointers to it
//! (in instance contexts and table elements) stay valid however the store's own
//! vectors grow.

use super::StoreInner;
use crate::error::Error;
use std::cell::UnsafeCell;

/// A value at a stable address that both Rust code and generated code read and
/// write. All access goes through raw pointers from [`UnsafeCell::get`], so no
/// Rust reference to the contents outlives a single read or write.
pub(crate) struct Pinned<T: Copy>(Box<UnsafeCell<T>>);

impl<T: Copy> Pinned<T> {
    pub fn new(value: T) -> Pinned<T> {
        Pinned(Box::new(UnsafeCell::new(value)))
    }

    /// The stable address of the value.
    pub fn ptr(&self) -> *mut T {
        self.0.get()
    }

    pub fn get(&self) -> T {
        // SAFETY: the pointer comes from a live Box; writes happen only through
        // `set` or generated code, never while this copy is being read, because
        // the store is single-threaded and borrowed for the duration.
        unsafe { *self.0.get() }
    }

    pub fn set(&self, value: T) {
        // SAFETY: as in `get`; no reference into the cell is alive here.
        unsafe { *self.0.get() = value }
    }
}

/// Values at stable addresses made together in one allocation, such as the
/// function references of all the functions an instance defines. The store
/// keeps the block for its whole life and hands out [`PinnedRef`]s into it.
pub(crate) struct PinnedBlock<T: Copy>(Box<[UnsafeCell<T>]>);

impl<T: Copy> PinnedBlock<T> {
    pub fn new(values: impl Iterator<Item = T>) -> PinnedBlock<T> {
        PinnedBlock(values.map(UnsafeCell::new).collect())
    }

    /// A handle to the `index`th value.
    pub fn get_ref(&self, index: usize) -> PinnedRef<T> {
        PinnedRef(self.0[index].get())
    }
}

/// A value in a [`PinnedBlock`], read and written as through a [`Pinned`].
/// Whoever holds one keeps the block alive as long as the handle (the store
/// keeps both).
pub(crate) struct PinnedRef<T: Copy>(*mut T);

impl<T: Copy> PinnedRef<T> {
    /// The stable address of the value.
    pub fn ptr(&self) -> *mut T {
        self.0
    }

    pub fn get(&self) -> T {
        // SAFETY: the block outlives the handle (see the type's comment), and
        // access follows the rules of `Pinned::get`.
        unsafe { *self.0 }
    }

    pub fn set(&self, value: T) {
        // SAFETY: as in `get`, following the rules of `Pinned::set`.
        unsafe { *self.0 = value }
    }
}

/// Where a linear memory's bytes are (`VmLayout::MEMORY_BASE`/`MEMORY_LENGTH`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmMemory {
    pub base: *mut u8,
    pub length: u64,
}

/// Where a table's elements are (`VmLayout::TABLE_BASE`/`TABLE_LENGTH`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmTable {
    pub base: *mut u64,
    pub length: u32,
}

/// A function reference as tables and `funcref` values hold it: a pointer to
/// this record, or 0 for null (`VmLayout::FUNCREF_*`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmFuncRef {
    /// What a call through the reference jumps to. The interpreting tiers put
    /// the store function index plus one here.
    pub code: u64,
    /// The callee's instance context, or 0 for a host function.
    pub vmctx: u64,
    /// The store-wide id of the function's signature.
    pub type_id: u32,
    /// The store function index, for the runtime's own use.
    pub func: u32,
}

/// Runs a store's epoch deadline behaviour on behalf of compiled code: the
/// store (a `Store<T>`, type-erased) and the instance whose code found the
/// deadline reached.
pub(crate) type EpochHook = fn(store: *mut (), instance: u32) -> Result<(), Error>;

/// The store-wide record. The first four fields are read and written by
/// generated code at the offsets of `kiln_machinst::runtime::vm_runtime`, and
/// so is `fuel` (at the front end's `VmLayout::RUNTIME_FUEL`) when fuel is on.
/// New fields go at the end.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmRuntime {
    /// Lowest stack pointer compiled code may use.
    pub stack_limit: u64,
    /// Where a trap unwinds to: the innermost entry trampoline's landing pad.
    pub entry_sp: u64,
    /// The code of the last trap (`kiln_ssa::TrapCode as u32`, or the engine's host-error code).
    pub trap_code: u32,
    /// The address of the engine's function that records a trap's backtrace
    /// (a `kiln_machinst::runtime::TrapHook`), called by trap stubs as
    /// `hook(runtime, frame_pointer, pc)`.
    pub trap_hook: u64,
    /// The runtime state of the store running compiled code right now.
    pub inner: *mut StoreInner,
    /// The whole `Store<T>` running compiled code right now, for host calls.
    pub store: *mut (),
    /// The fuel left, as written at the last call or return of running code.
    pub fuel: u64,
    /// The deadline behaviour of the store in `store`, for the runtime helper
    /// compiled code calls (`None` until compiled code first runs).
    pub epoch_hook: Option<EpochHook>,
}

impl Default for VmRuntime {
    fn default() -> VmRuntime {
        VmRuntime {
            stack_limit: 0,
            entry_sp: 0,
            trap_code: 0,
            trap_hook: 0,
            inner: std::ptr::null_mut(),
            store: std::ptr::null_mut(),
            fuel: 0,
            epoch_hook: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn records_have_the_layout_generated_code_expects() {
        assert_eq!(offset_of!(VmMemory, base), 0);
        assert_eq!(offset_of!(VmMemory, length), 8);
        assert_eq!(offset_of!(VmTable, base), 0);
        assert_eq!(offset_of!(VmTable, length), 8);
        assert_eq!(offset_of!(VmFuncRef, code), 0);
        assert_eq!(offset_of!(VmFuncRef, vmctx), 8);
        assert_eq!(offset_of!(VmFuncRef, type_id), 16);
        assert_eq!(std::mem::size_of::<VmFuncRef>(), 24);
    }

    #[test]
    fn the_runtime_record_has_the_layout_of_the_contract() {
        use kiln_machinst::runtime::vm_runtime;
        let offset = |at: i32| at as usize;
        assert_eq!(
            offset_of!(VmRuntime, stack_limit),
            offset(vm_runtime::STACK_LIMIT)
        );
        assert_eq!(
            offset_of!(VmRuntime, entry_sp),
            offset(vm_runtime::ENTRY_SP)
        );
        assert_eq!(
            offset_of!(VmRuntime, trap_code),
            offset(vm_runtime::TRAP_CODE)
        );
        assert_eq!(
            offset_of!(VmRuntime, trap_hook),
            offset(vm_runtime::TRAP_HOOK)
        );
    }

    #[test]
    fn the_runtime_record_has_the_fuel_offset_of_the_front_end() {
        let fuel = offset_of!(VmRuntime, fuel);
        assert_eq!(
            u32::try_from(fuel),
            Ok(kiln_frontend::VmLayout::RUNTIME_FUEL)
        );
        assert_eq!(std::mem::size_of::<u64>(), 8);
    }

    #[test]
    fn pinned_values_keep_their_address() {
        let cells: Vec<Pinned<u64>> = (0..100).map(Pinned::new).collect();
        let first = cells[0].ptr();
        let mut more = cells;
        more.extend((0..1000).map(Pinned::new));
        assert_eq!(more[0].ptr(), first);
        more[0].set(7);
        // SAFETY: `first` points at the live cell `more[0]`.
        assert_eq!(unsafe { *first }, 7);
    }
}
