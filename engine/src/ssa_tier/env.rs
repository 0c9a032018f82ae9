//! The SSA interpreter's view of the world: loads and stores at real host
//! addresses (an instance context, the store's records, linear memory), calls
//! through the store, and the runtime helpers, implemented by the store's own
//! operations on memories and tables.

use super::call_any;
use crate::error::{Error, Result, Trap, TrapCode};
use crate::store::Store;
use kiln_ssa::interp::InterpEnv;
use kiln_ssa::{Helper, Region};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment of one running SSA function of instance `instance`.
pub(super) struct SsaEnv<'a, T> {
    pub store: &'a mut Store<T>,
    pub instance: u32,
}

impl<T> SsaEnv<'_, T> {
    /// Checks that a linear-memory access lies inside memory `memory`. With
    /// explicit checks the SSA checks bounds itself before every access, so an
    /// access that escapes them is a bug in the front end or a pass, reported
    /// instead of performed. Where the front end relied on the memory's
    /// guarded span, an access beyond the memory but within the span is the
    /// trap that compiled code gets from a fault.
    fn check_heap(&self, memory: u32, address: u64, size: u32) -> Result<()> {
        let inner = &self.store.inner;
        let instance = &inner.instances[self.instance as usize];
        let index = instance.memories[memory as usize];
        let bytes = inner.memories[index as usize].bytes();
        let start = bytes.as_ptr() as u64;
        let end = address.checked_add(u64::from(size));
        if address >= start && end.is_some_and(|end| end <= start + bytes.len() as u64) {
            return Ok(());
        }
        let guarded = instance.module.engine.memory_guarded_bytes();
        if address >= start && end.is_some_and(|end| end <= start + guarded) {
            return Err(Trap::new(TrapCode::MemoryOutOfBounds).into());
        }
        Err(Error::Host(format!(
            "internal error: the SSA accessed {size} bytes outside memory {memory}"
        )))
    }
}

fn bool_result(code: std::result::Result<(), crate::error::TrapCode>) -> Result<Vec<u64>> {
    code.map(|()| Vec::new()).map_err(Error::from)
}

impl<T> InterpEnv for SsaEnv<'_, T> {
    type Error = Error;

    fn load(&mut self, region: Region, address: u64, size: u32) -> Result<u64> {
        if let Region::Heap(memory) = region {
            self.check_heap(memory, address, size)?;
        }
        if matches!(region, Region::Vm | Region::Fixed) && size == 8 && address.is_multiple_of(8) {
            // SAFETY: as below. Runtime data includes the store's epoch
            // flag, which other threads write meanwhile, so whole aligned
            // words are read atomically.
            let word = unsafe { AtomicU64::from_ptr(address as *mut u64) };
            return Ok(word.load(Ordering::Relaxed));
        }
        let mut bytes = [0u8; 8];
        // SAFETY: a heap address was checked to lie inside the memory's bytes
        // above; a `vm` address is a context slot or a store record that the
        // front end computed from the context by its layout, all of which are
        // live allocations of this store.
        unsafe {
            std::ptr::copy_nonoverlapping(address as *const u8, bytes.as_mut_ptr(), size as usize)
        };
        Ok(u64::from_le_bytes(bytes))
    }

    fn store(&mut self, region: Region, address: u64, size: u32, bits: u64) -> Result<()> {
        if let Region::Heap(memory) = region {
            self.check_heap(memory, address, size)?;
        }
        let bytes = bits.to_le_bytes();
        // SAFETY: as in `load`; the SSA stores only to linear memory and to the
        // global cells the context points to.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), address as *mut u8, size as usize) };
        Ok(())
    }

    fn call(&mut self, func: u32, args: &[u64]) -> Result<Vec<u64>> {
        let callee = self.store.inner.instances[self.instance as usize].funcs[func as usize];
        call_any(self.store, callee, self.instance, &args[1..])
    }

    fn call_indirect(&mut self, code: u64, _sig: u32, args: &[u64]) -> Result<Vec<u64>> {
        // In this tier a code pointer is the store function index plus one.
        call_any(self.store, (code - 1) as u32, self.instance, &args[1..])
    }

    fn call_helper(&mut self, helper: Helper, args: &[u64]) -> Result<Vec<u64>> {
        let instance = self.instance;
        let inner = &mut self.store.inner;
        let a = |i: usize| args[i] as u32;
        match helper {
            Helper::MemoryGrow => Ok(vec![inner.memory_grow(instance, a(1), a(2)).into()]),
            Helper::MemoryFill => {
                bool_result(inner.memory_fill(instance, a(1), a(2), a(3) as u8, a(4)))
            }
            Helper::MemoryCopy => {
                bool_result(inner.memory_copy(instance, a(1), a(2), a(3), a(4), a(5)))
            }
            Helper::MemoryInit => {
                bool_result(inner.memory_init(instance, a(1), a(2), a(3), a(4), a(5)))
            }
            Helper::DataDrop => {
                inner.data_drop(instance, a(1));
                Ok(Vec::new())
            }
            Helper::TableGet => Ok(vec![inner.table_get(instance, a(1), a(2))?]),
            Helper::TableSet => bool_result(inner.table_set(instance, a(1), a(2), args[3])),
            Helper::TableGrow => Ok(vec![inner.table_grow(instance, a(1), args[2], a(3)).into()]),
            Helper::TableFill => bool_result(inner.table_fill(instance, a(1), a(2), args[3], a(4))),
            Helper::TableCopy => {
                bool_result(inner.table_copy(instance, a(1), a(2), a(3), a(4), a(5)))
            }
            Helper::TableInit => {
                bool_result(inner.table_init(instance, a(1), a(2), a(3), a(4), a(5)))
            }
            Helper::ElemDrop => {
                inner.elem_drop(instance, a(1));
                Ok(Vec::new())
            }
            Helper::RefFunc => Ok(vec![inner.ref_func(instance, a(1))]),
            Helper::EpochDeadline => {
                self.store.on_epoch_deadline(instance)?;
                Ok(Vec::new())
            }
        }
    }
}
