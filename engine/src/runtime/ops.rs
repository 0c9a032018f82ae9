//! The operations on memories and tables that every execution tier shares:
//! growth and the bulk operations, each resolving the instance's index spaces
//! and checking bounds before anything is written. The interpreter calls them
//! directly; generated code reaches them as runtime helpers.

use super::StoreInner;
use crate::error::TrapCode;
use std::sync::Arc;

impl StoreInner {
    fn memory_of(&self, instance: u32, memory: u32) -> usize {
        self.instances[instance as usize].memories[memory as usize] as usize
    }

    fn table_of(&self, instance: u32, table: u32) -> usize {
        self.instances[instance as usize].tables[table as usize] as usize
    }

    /// `memory.grow`: the old size in pages, or -1 (as `u32`) when it cannot grow.
    pub fn memory_grow(&mut self, instance: u32, memory: u32, delta: u32) -> u32 {
        let memory = self.memory_of(instance, memory);
        self.memories[memory]
            .grow(delta.into())
            .map_or(u32::MAX, |old| old as u32)
    }

    /// `memory.fill`.
    pub fn memory_fill(
        &mut self,
        instance: u32,
        memory: u32,
        dst: u32,
        value: u8,
        len: u32,
    ) -> Result<(), TrapCode> {
        let memory = self.memory_of(instance, memory);
        self.memories[memory].fill(dst, value, len)
    }

    /// `memory.copy` from `src_memory` to `dst_memory`; the ranges may overlap.
    pub fn memory_copy(
        &mut self,
        instance: u32,
        dst_memory: u32,
        src_memory: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapCode> {
        let dst_memory = self.memory_of(instance, dst_memory);
        let src_memory = self.memory_of(instance, src_memory);
        if dst_memory == src_memory {
            return self.memories[dst_memory].copy_within(dst, src, len);
        }
        let bytes = self.memories[src_memory].slice_mut(src, len)?.to_vec();
        self.memories[dst_memory]
            .slice_mut(dst, len)?
            .copy_from_slice(&bytes);
        Ok(())
    }

    /// `memory.init` from data segment `data` (empty once dropped).
    pub fn memory_init(
        &mut self,
        instance: u32,
        memory: u32,
        data: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapCode> {
        let instance_data = &self.instances[instance as usize];
        let module = instance_data.module.clone();
        let bytes = if instance_data.dropped_data[data as usize] {
            &[][..]
        } else {
            &module.bytes[module.info.datas[data as usize].bytes.clone()]
        };
        let source = bytes
            .get(src as usize..src as usize + len as usize)
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        let memory = self.memory_of(instance, memory);
        self.memories[memory]
            .slice_mut(dst, len)?
            .copy_from_slice(source);
        Ok(())
    }

    /// `data.drop`.
    pub fn data_drop(&mut self, instance: u32, data: u32) {
        self.instances[instance as usize].dropped_data[data as usize] = true;
    }

    /// `table.get`.
    pub fn table_get(&self, instance: u32, table: u32, index: u32) -> Result<u64, TrapCode> {
        self.tables[self.table_of(instance, table)].get(index)
    }

    /// `table.set`.
    pub fn table_set(
        &mut self,
        instance: u32,
        table: u32,
        index: u32,
        value: u64,
    ) -> Result<(), TrapCode> {
        let table = self.table_of(instance, table);
        self.tables[table].set(index, value)
    }

    /// `table.size`.
    pub fn table_size(&self, instance: u32, table: u32) -> u32 {
        self.tables[self.table_of(instance, table)].size()
    }

    /// `table.grow`: the old size, or -1 (as `u32`) when it cannot grow.
    pub fn table_grow(&mut self, instance: u32, table: u32, init: u64, delta: u32) -> u32 {
        let table = self.table_of(instance, table);
        self.tables[table].grow(delta, init).unwrap_or(u32::MAX)
    }

    /// `table.fill`.
    pub fn table_fill(
        &mut self,
        instance: u32,
        table: u32,
        dst: u32,
        value: u64,
        len: u32,
    ) -> Result<(), TrapCode> {
        let table = self.table_of(instance, table);
        self.tables[table].fill(dst, value, len)
    }

    /// `table.copy` from `src_table` to `dst_table`; the ranges may overlap.
    pub fn table_copy(
        &mut self,
        instance: u32,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapCode> {
        let dst_table = self.table_of(instance, dst_table);
        let src_table = self.table_of(instance, src_table);
        if dst_table == src_table {
            return self.tables[dst_table].copy_within(dst, src, len);
        }
        let items = self.tables[src_table]
            .elements()
            .get(src as usize..src as usize + len as usize)
            .ok_or(TrapCode::TableOutOfBounds)?
            .to_vec();
        self.tables[dst_table].init(dst, &items, 0, len)
    }

    /// `table.init` from element segment `elem` (empty once dropped).
    pub fn table_init(
        &mut self,
        instance: u32,
        table: u32,
        elem: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapCode> {
        let items = self.instances[instance as usize].elems[elem as usize].clone();
        let table = self.table_of(instance, table);
        self.tables[table].init(dst, &items, src, len)
    }

    /// `elem.drop`.
    pub fn elem_drop(&mut self, instance: u32, elem: u32) {
        self.instances[instance as usize].elems[elem as usize] = Arc::new([]);
    }

    /// `ref.func`: the raw reference to the instance's function `func`.
    pub fn ref_func(&self, instance: u32, func: u32) -> u64 {
        self.funcref(self.instances[instance as usize].funcs[func as usize])
    }
}
