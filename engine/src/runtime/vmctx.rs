//! An instance's context (`vmctx`): the flat record that generated code reads
//! at the offsets of the front end's [`VmLayout`]. Every compiled function gets
//! its address as a hidden first argument.
//!
//! kiln fills every memory, table and global slot with a *pointer* to the
//! store's record for that item (the form the layout calls "imported"), whether
//! the instance defines the item or imports it. The store's records are the only
//! copy of what may change, so growing a memory or setting a global from the
//! host is seen at once by every instance that uses it. A memory's slot also
//! holds a copy of its base address, which never changes.
//!
//! Offset 0 (`VmLayout::RUNTIME`) holds a pointer to the store's
//! [`VmRuntime`](super::VmRuntime) record, which carries the stack limit, and
//! offset 8 (`VmLayout::EPOCH_FLAG`) the instance's epoch flag, which the
//! store keeps (see [`super::StoreEpoch`]).
//! Sixteen bytes just before the context, outside the layout, hold the
//! instance's index in its store, so that runtime helpers called with `vmctx`
//! know which instance they serve.

use super::{InstanceData, StoreInner};
use kiln_frontend::VmLayout;
use std::cell::UnsafeCell;
use std::sync::atomic::AtomicU64;

/// The bytes of one instance's context, 16-byte aligned, at a stable address,
/// after a 16-byte header holding the instance index.
pub(crate) struct VmContext {
    words: Box<[UnsafeCell<u128>]>,
}

/// Size of the header before the context.
const HEADER: usize = 16;

impl VmContext {
    /// A context of no bytes, for an instance whose items are not yet allocated.
    pub fn empty() -> VmContext {
        VmContext {
            words: Box::new([]),
        }
    }

    /// The context of `instance`, the store's instance number `index`, laid out
    /// by `layout`.
    pub fn new(
        layout: &VmLayout,
        store: &StoreInner,
        instance: &InstanceData,
        index: u32,
    ) -> VmContext {
        let words = (0..1 + layout.size().div_ceil(16))
            .map(|_| UnsafeCell::new(0))
            .collect();
        let context = VmContext { words };
        // SAFETY: the header's last 8 bytes lie inside the allocation, 8-aligned.
        unsafe { context.ptr().sub(8).cast::<u64>().write(index.into()) };
        context.write_u64(VmLayout::RUNTIME, store.runtime.ptr() as u64);
        for (index, &memory) in instance.memories.iter().enumerate() {
            let vm = &store.memories[memory as usize].vm;
            let slot = layout.memory(index as u32);
            context.write_u64(slot, vm.ptr() as u64);
            context.write_u64(slot + VmLayout::IMPORTED_MEMORY_BASE, vm.get().base as u64);
        }
        for (index, &table) in instance.tables.iter().enumerate() {
            let record = store.tables[table as usize].vm.ptr() as u64;
            context.write_u64(layout.table(index as u32), record);
        }
        for (index, &global) in instance.globals.iter().enumerate() {
            let cell = store.globals[global as usize].value.ptr() as u64;
            context.write_u64(layout.global(index as u32), cell);
        }
        let imported = instance.module.info.num_imported_funcs as usize;
        for (index, &func) in instance.funcs[..imported].iter().enumerate() {
            let funcref = store.funcs[func as usize].funcref.get();
            let slot = layout.imported_function(index as u32);
            context.write_u64(slot + VmLayout::IMPORT_CODE, funcref.code);
            context.write_u64(slot + VmLayout::IMPORT_VMCTX, funcref.vmctx);
        }
        for (index, &type_id) in instance.type_ids.iter().enumerate() {
            context.write_u32(layout.type_id(index as u32), type_id);
        }
        context
    }

    /// The address of the epoch flag word, which other threads write.
    pub fn epoch_flag(&self) -> *const AtomicU64 {
        // SAFETY: the flag lies inside every context but `empty`, 8-aligned;
        // for `empty`, the address is never used.
        unsafe { self.ptr().add(VmLayout::EPOCH_FLAG as usize).cast() }
    }

    /// The address generated code receives.
    pub fn ptr(&self) -> *mut u8 {
        let header = HEADER.min(self.words.len() * 16);
        // SAFETY: every context but `empty` has the header; `empty` is never
        // handed to generated code, and the offset stays within one past its end.
        unsafe { (self.words.as_ptr() as *mut u8).add(header) }
    }

    /// The index of the instance whose context is at `vmctx`.
    ///
    /// # Safety
    /// `vmctx` must be [`VmContext::ptr`] of a live context made by `new`.
    pub unsafe fn instance_of(vmctx: *const u8) -> u32 {
        // SAFETY: per the caller, the header precedes `vmctx`.
        unsafe { vmctx.sub(8).cast::<u64>().read() as u32 }
    }

    fn write_u64(&self, offset: u32, value: u64) {
        assert!(
            HEADER + offset as usize + 8 <= self.words.len() * 16,
            "vmctx offset {offset}"
        );
        // SAFETY: the offset is in bounds (checked above) and 8-aligned by the
        // layout; the words are `UnsafeCell`s, so writing through a shared
        // reference is allowed, and no other reference to them is alive.
        unsafe { self.ptr().add(offset as usize).cast::<u64>().write(value) }
    }

    fn write_u32(&self, offset: u32, value: u32) {
        assert!(
            HEADER + offset as usize + 4 <= self.words.len() * 16,
            "vmctx offset {offset}"
        );
        // SAFETY: as in `write_u64`, with 4-byte alignment.
        unsafe { self.ptr().add(offset as usize).cast::<u32>().write(value) }
    }
}
