//! An instance's context (`vmctx`): the flat record that generated code reads
//! at the offsets of the front end's [`VmLayout`]. Every compiled function gets
//! its address as a hidden first argument.
//!
//! kiln fills every memory, table and global slot with a *pointer* to the
//! store's record for that item (the form the layout calls "imported"), whether
//! the instance defines the item or imports it. The store's records are the only
//! copy, so growing a memory or setting a global from the host is seen at once
//! by every instance that uses it.

use super::{InstanceData, StoreInner};
use kiln_frontend::VmLayout;
use std::cell::UnsafeCell;

/// The bytes of one instance's context, 16-byte aligned, at a stable address.
pub(crate) struct VmContext {
    words: Box<[UnsafeCell<u128>]>,
}

impl VmContext {
    /// A context of no bytes, for an instance whose items are not yet allocated.
    pub fn empty() -> VmContext {
        VmContext {
            words: Box::new([]),
        }
    }

    /// The context of `instance`, laid out by `layout`.
    pub fn new(layout: &VmLayout, store: &StoreInner, instance: &InstanceData) -> VmContext {
        let words = (0..layout.size().div_ceil(16))
            .map(|_| UnsafeCell::new(0))
            .collect();
        let context = VmContext { words };
        for (index, &memory) in instance.memories.iter().enumerate() {
            let record = store.memories[memory as usize].vm.ptr() as u64;
            context.write_u64(layout.memory(index as u32), record);
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

    /// The address generated code receives.
    pub fn ptr(&self) -> *mut u8 {
        self.words.as_ptr() as *mut u8
    }

    fn write_u64(&self, offset: u32, value: u64) {
        assert!(
            offset as usize + 8 <= self.words.len() * 16,
            "vmctx offset {offset}"
        );
        // SAFETY: the offset is in bounds (checked above) and 8-aligned by the
        // layout; the words are `UnsafeCell`s, so writing through a shared
        // reference is allowed, and no other reference to them is alive.
        unsafe { self.ptr().add(offset as usize).cast::<u64>().write(value) }
    }

    fn write_u32(&self, offset: u32, value: u32) {
        assert!(
            offset as usize + 4 <= self.words.len() * 16,
            "vmctx offset {offset}"
        );
        // SAFETY: as in `write_u64`, with 4-byte alignment.
        unsafe { self.ptr().add(offset as usize).cast::<u32>().write(value) }
    }
}
