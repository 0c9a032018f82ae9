//! Handles to the items an instance can import and export besides functions:
//! memories, tables and globals, and [`Extern`], which is any one of the four.

use crate::error::{Error, Result};
use crate::func::Func;
use crate::runtime::{GlobalData, MemoryData, StoreInner, TableData};
use crate::store::{AsContext, AsContextMut};
use crate::types::{ExternType, GlobalType, MemoryType, Mutability, RefType, TableType};
use crate::values::Val;

/// Anything an instance can import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The item's type.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        let store = store.as_context();
        match self {
            Extern::Func(f) => ExternType::Func(f.ty(store)),
            Extern::Table(t) => ExternType::Table(t.ty(store)),
            Extern::Memory(m) => ExternType::Memory(m.ty(store)),
            Extern::Global(g) => ExternType::Global(g.ty(store)),
        }
    }

    pub(crate) fn store_id(&self) -> u64 {
        match self {
            Extern::Func(f) => f.store_id,
            Extern::Table(t) => t.store_id,
            Extern::Memory(m) => m.store_id,
            Extern::Global(g) => g.store_id,
        }
    }
}

macro_rules! from_item {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Extern {
            fn from(item: $ty) -> Extern {
                Extern::$ty(item)
            }
        }
    )*};
}
from_item!(Func, Table, Memory, Global);

fn owned<S: AsContext + ?Sized>(store: &S, store_id: u64, what: &str) {
    assert_eq!(
        store.as_context().inner.id,
        store_id,
        "{what} used with another store"
    );
}

/// A linear memory in a store.
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::{Engine, Memory, MemoryType, Store};
/// let mut store = Store::new(&Engine::default(), ());
/// let memory = Memory::new(&mut store, MemoryType::new(1, Some(2)))?;
/// memory.write(&mut store, 100, b"hi")?;
/// let mut buf = [0; 2];
/// memory.read(&store, 100, &mut buf)?;
/// assert_eq!(&buf, b"hi");
/// assert_eq!(memory.grow(&mut store, 1)?, 1);
/// assert!(memory.grow(&mut store, 1).is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Memory {
    /// A new zeroed memory of type `ty`.
    pub fn new<T>(mut store: impl AsContextMut<Data = T>, ty: MemoryType) -> Result<Memory> {
        let store = store.as_context_mut();
        let style = store.engine().config().memory().style(&ty);
        let inner = &mut store.inner;
        let data = MemoryData::new(ty, inner.limits.max_memory_pages, style).ok_or_else(|| {
            Error::Limit(format!(
                "memory of {} pages exceeds the limit or cannot be allocated",
                ty.limits.min
            ))
        })?;
        inner.memories.push(data);
        Ok(Memory {
            store_id: inner.id,
            index: (inner.memories.len() - 1) as u32,
        })
    }

    fn data<'a, S: AsContext + ?Sized>(&self, store: &'a S) -> &'a MemoryData {
        owned(store, self.store_id, "memory");
        &store.as_context().inner.memories[self.index as usize]
    }

    fn data_mut<'a, S: AsContextMut + ?Sized>(&self, store: &'a mut S) -> &'a mut MemoryData {
        owned(store, self.store_id, "memory");
        &mut store.as_context_mut().inner.memories[self.index as usize]
    }

    /// The memory's type, with its current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let data = self.data(&store);
        let mut ty = data.ty;
        ty.limits.min = data.pages();
        ty
    }

    /// The memory's bytes.
    pub fn data_slice<'a, T: 'a>(&self, store: &'a impl AsContext<Data = T>) -> &'a [u8] {
        self.data(store).bytes()
    }

    /// The memory's bytes, mutably.
    pub fn data_slice_mut<'a, T: 'a>(
        &self,
        store: &'a mut impl AsContextMut<Data = T>,
    ) -> &'a mut [u8] {
        self.data_mut(store).bytes_mut()
    }

    /// The size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.data(&store).bytes().len()
    }

    /// The size in 64 KiB pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.data(&store).pages()
    }

    /// Grows by `delta` pages and returns the previous size in pages.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        self.data_mut(&mut store)
            .grow(delta)
            .ok_or_else(|| Error::Limit(format!("memory cannot grow by {delta} pages")))
    }

    /// Copies bytes starting at `offset` into `buf`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<()> {
        let bytes = self.data(&store).bytes();
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| bytes.get(offset..end))
            .ok_or_else(|| {
                Error::usage(format!(
                    "read of {} bytes at {offset} is out of bounds",
                    buf.len()
                ))
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buf` into the memory starting at `offset`.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<()> {
        let bytes = self.data_mut(&mut store).bytes_mut();
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| bytes.get_mut(offset..end))
            .ok_or_else(|| {
                Error::usage(format!(
                    "write of {} bytes at {offset} is out of bounds",
                    buf.len()
                ))
            })?;
        dst.copy_from_slice(buf);
        Ok(())
    }

    /// The memory's bytes and the store's host data, both mutably at once: what
    /// a host function needs to move bytes between the guest and its own state.
    ///
    /// ```
    /// # fn main() -> kiln::Result<()> {
    /// use kiln::{Engine, Memory, MemoryType, Store};
    /// let mut store = Store::new(&Engine::default(), vec![1u8, 2, 3]);
    /// let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    /// let (bytes, host) = memory.data_and_store_mut(&mut store);
    /// bytes[..3].copy_from_slice(host);
    /// host.clear();
    /// assert_eq!(&memory.data_slice(&store)[..3], &[1, 2, 3]);
    /// # Ok(()) }
    /// ```
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: &'a mut impl AsContextMut<Data = T>,
    ) -> (&'a mut [u8], &'a mut T) {
        owned(store, self.store_id, "memory");
        let (inner, data) = store.as_context_mut().inner_and_data_mut();
        (inner.memories[self.index as usize].bytes_mut(), data)
    }
}

/// A table of references in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Table {
    /// A new table of type `ty`, every element set to `init`.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        ty: TableType,
        init: Val,
    ) -> Result<Table> {
        let inner = &mut store.as_context_mut().inner;
        let init = ref_raw(init, ty.element, inner)?;
        let data = TableData::new(ty, init, inner.limits.max_table_elements).ok_or_else(|| {
            Error::Limit(format!(
                "table of {} elements exceeds the limit",
                ty.limits.min
            ))
        })?;
        inner.tables.push(data);
        Ok(Table {
            store_id: inner.id,
            index: (inner.tables.len() - 1) as u32,
        })
    }

    fn data<'a, S: AsContext + ?Sized>(&self, store: &'a S) -> &'a TableData {
        owned(store, self.store_id, "table");
        &store.as_context().inner.tables[self.index as usize]
    }

    /// The table's type, with its current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let data = self.data(&store);
        let mut ty = data.ty;
        ty.limits.min = data.size().into();
        ty
    }

    /// The number of elements.
    pub fn size(&self, store: impl AsContext) -> u32 {
        self.data(&store).size()
    }

    /// The element at `index`, or `None` when out of bounds.
    pub fn get(&self, store: impl AsContext, index: u32) -> Option<Val> {
        let data = self.data(&store);
        let raw = data.get(index).ok()?;
        let inner = &store.as_context().inner;
        Some(Val::from_raw(raw, data.ty.element.into(), inner))
    }

    /// Sets the element at `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u32, value: Val) -> Result<()> {
        owned(&store, self.store_id, "table");
        let inner = &mut store.as_context_mut().inner;
        let raw = ref_raw(value, inner.tables[self.index as usize].ty.element, inner)?;
        inner.tables[self.index as usize]
            .set(index, raw)
            .map_err(Error::from)
    }

    /// Grows by `delta` elements set to `init`; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u32, init: Val) -> Result<u32> {
        owned(&store, self.store_id, "table");
        let inner = &mut store.as_context_mut().inner;
        let raw = ref_raw(init, inner.tables[self.index as usize].ty.element, inner)?;
        inner.tables[self.index as usize]
            .grow(delta, raw)
            .ok_or_else(|| Error::Limit(format!("table cannot grow by {delta} elements")))
    }
}

/// The raw form of a reference value for a table of `element`s.
fn ref_raw(value: Val, element: RefType, store: &StoreInner) -> Result<u64> {
    if value.ty() != element.into() {
        return Err(Error::usage(format!(
            "value of type {} does not fit a table of {element}",
            value.ty()
        )));
    }
    value
        .to_raw(store)
        .ok_or_else(|| Error::usage("reference belongs to another store"))
}

/// A global variable in a store.
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::{Engine, Global, GlobalType, Mutability, Store, Val, ValType};
/// let mut store = Store::new(&Engine::default(), ());
/// let ty = GlobalType::new(ValType::I64, Mutability::Var);
/// let counter = Global::new(&mut store, ty, Val::I64(1))?;
/// counter.set(&mut store, Val::I64(2))?;
/// assert_eq!(counter.get(&store), Val::I64(2));
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Global {
    /// A new global of type `ty` holding `value`.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        ty: GlobalType,
        value: Val,
    ) -> Result<Global> {
        let inner = &mut store.as_context_mut().inner;
        crate::func::check_values("global value", &[ty.content], &[value], inner)?;
        let value = value.to_raw(inner).expect("checked above");
        inner.globals.push(GlobalData::new(ty, value));
        Ok(Global {
            store_id: inner.id,
            index: (inner.globals.len() - 1) as u32,
        })
    }

    fn data<'a, S: AsContext + ?Sized>(&self, store: &'a S) -> &'a GlobalData {
        owned(store, self.store_id, "global");
        &store.as_context().inner.globals[self.index as usize]
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        self.data(&store).ty
    }

    /// The current value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let data = self.data(&store);
        Val::from_raw(data.value.get(), data.ty.content, &store.as_context().inner)
    }

    /// Sets the value; fails if the global is immutable or the type differs.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        owned(&store, self.store_id, "global");
        let inner = &mut store.as_context_mut().inner;
        let ty = inner.globals[self.index as usize].ty;
        if ty.mutability == Mutability::Const {
            return Err(Error::usage("cannot set an immutable global"));
        }
        crate::func::check_values("global value", &[ty.content], &[value], inner)?;
        let raw = value.to_raw(inner).expect("checked above");
        inner.globals[self.index as usize].value.set(raw);
        Ok(())
    }
}

/// The type an export must have to satisfy an import of type `wanted`, by the
/// spec's import matching rules; `Err` says why not.
pub(crate) fn check_import_type(
    have: &ExternType,
    wanted: &ExternType,
) -> std::result::Result<(), String> {
    let ok = match (have, wanted) {
        (ExternType::Func(have), ExternType::Func(wanted)) => have == wanted,
        (ExternType::Table(have), ExternType::Table(wanted)) => {
            have.element == wanted.element && have.limits.matches(&wanted.limits)
        }
        (ExternType::Memory(have), ExternType::Memory(wanted)) => {
            have.limits.matches(&wanted.limits)
        }
        (ExternType::Global(have), ExternType::Global(wanted)) => have == wanted,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected {wanted}, found {have}"))
    }
}
