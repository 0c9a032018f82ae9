//! Tables: vectors of raw references (zero is null) with wasm's bounds-checked
//! access, growth and bulk operations.

use super::vm::{Pinned, VmTable};
use crate::error::TrapCode;
use crate::types::TableType;

/// The most elements a table may have, whatever its type says.
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

pub(crate) struct TableData {
    pub ty: TableType,
    elements: Vec<u64>,
    max_elements: u64,
    /// Where generated code finds the elements; updated whenever they move.
    pub vm: Pinned<VmTable>,
}

fn range(start: u32, len: u32, size: usize) -> Result<std::ops::Range<usize>, TrapCode> {
    let end = start as u64 + len as u64;
    if end <= size as u64 {
        Ok(start as usize..end as usize)
    } else {
        Err(TrapCode::TableOutOfBounds)
    }
}

impl TableData {
    /// A table of `ty.limits.min` copies of `init`, or `None` when that exceeds
    /// `limit_elements`.
    pub fn new(ty: TableType, init: u64, limit_elements: u64) -> Option<TableData> {
        let max_elements = ty
            .limits
            .max
            .unwrap_or(u32::MAX.into())
            .min(limit_elements)
            .min(MAX_TABLE_ELEMENTS);
        if ty.limits.min > max_elements {
            return None;
        }
        let mut table = TableData {
            ty,
            elements: vec![init; ty.limits.min as usize],
            max_elements,
            vm: Pinned::new(VmTable {
                base: std::ptr::null_mut(),
                length: 0,
            }),
        };
        table.publish();
        Some(table)
    }

    /// The elements, to write in place (their number cannot change).
    pub fn elements_mut(&mut self) -> &mut [u64] {
        &mut self.elements
    }

    /// Tells generated code where the elements are now.
    fn publish(&mut self) {
        self.vm.set(VmTable {
            base: self.elements.as_mut_ptr(),
            length: self.size(),
        });
    }

    /// The elements.
    pub fn elements(&self) -> &[u64] {
        &self.elements
    }

    pub fn size(&self) -> u32 {
        self.elements.len() as u32
    }

    pub fn get(&self, index: u32) -> Result<u64, TrapCode> {
        self.elements
            .get(index as usize)
            .copied()
            .ok_or(TrapCode::TableOutOfBounds)
    }

    pub fn set(&mut self, index: u32, value: u64) -> Result<(), TrapCode> {
        let slot = self
            .elements
            .get_mut(index as usize)
            .ok_or(TrapCode::TableOutOfBounds)?;
        *slot = value;
        Ok(())
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or `None`
    /// when the table may not grow that far.
    pub fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.size();
        let new = old as u64 + delta as u64;
        if new > self.max_elements {
            return None;
        }
        self.elements.try_reserve_exact(delta as usize).ok()?;
        self.elements.resize(new as usize, init);
        self.publish();
        Some(old)
    }

    /// `table.fill`: checks the whole range before writing anything.
    pub fn fill(&mut self, dst: u32, value: u64, len: u32) -> Result<(), TrapCode> {
        let r = range(dst, len, self.elements.len())?;
        self.elements[r].fill(value);
        Ok(())
    }

    /// `table.copy` within this table; the ranges may overlap.
    pub fn copy_within(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapCode> {
        let src = range(src, len, self.elements.len())?;
        let dst = range(dst, len, self.elements.len())?;
        self.elements.copy_within(src, dst.start);
        Ok(())
    }

    /// Writes `items[src..src + len]` at `dst` (`table.init` and `table.copy`
    /// between tables), checking both ranges first.
    pub fn init(&mut self, dst: u32, items: &[u64], src: u32, len: u32) -> Result<(), TrapCode> {
        let src = range(src, len, items.len())?;
        let dst = range(dst, len, self.elements.len())?;
        self.elements[dst].copy_from_slice(&items[src]);
        Ok(())
    }
}
