//! Instances and instantiation: linking a module's imports, allocating what it
//! defines, running its element and data segments and its start function, in
//! exactly the order the specification gives.

use crate::error::{Error, Result, Trap};
use crate::extern_::{Extern, Global, Memory, Table, check_import_type};
use crate::func::{Func, TypedFunc, WasmParams, WasmResults};
use crate::module::{
    ConstExpr, ExportIndex, ImportKind, Module, ModuleInfo, SegmentMode, TableImage,
};
use crate::runtime::{
    FuncKind, GlobalData, InstanceData, MemoryData, StoreInner, TableData, VmContext, VmFuncRef,
};
use crate::store::{AsContext, AsContextMut, Store};
use std::sync::Arc;

/// An instantiated module: its exports live in the store it was created in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Instance {
    /// Instantiates `module` with `imports` given in the order of
    /// [`Module::imports`]. Most embedders use [`Linker`](crate::Linker) instead.
    ///
    /// ```
    /// # fn main() -> kiln::Result<()> {
    /// use kiln::{Engine, Func, Instance, Module, Store};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (import "" "twice" (func $twice (param i32) (result i32)))
    ///     (func (export "four") (result i32) (call $twice (i32.const 2))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let twice = Func::wrap(&mut store, |x: i32| x * 2);
    /// let instance = Instance::new(&mut store, &module, &[twice.into()])?;
    /// let four = instance.get_typed_func::<(), i32>(&store, "four")?;
    /// assert_eq!(four.call(&mut store, ())?, 4);
    /// # Ok(()) }
    /// ```
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        instantiate(store.as_context_mut(), module, imports, None)
    }

    /// The export named `name`, if there is one.
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        let inner = &store.as_context().inner;
        assert_eq!(inner.id, self.store_id, "instance used with another store");
        export_by_name(inner, self.index, name)
    }

    /// All exports, by name, in the module's order.
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        let inner = &store.as_context().inner;
        assert_eq!(inner.id, self.store_id, "instance used with another store");
        let instance = &inner.instances[self.index as usize];
        instance
            .module
            .info
            .exports
            .iter()
            .map(|(name, index)| (name.clone(), export(inner, instance, *index)))
            .collect()
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, typed as `Params -> Results`.
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>> {
        let store = store.as_context();
        let func = self
            .get_func(store, name)
            .ok_or_else(|| Error::usage(format!("no exported function named `{name}`")))?;
        func.typed(store)
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }
}

fn export(inner: &StoreInner, instance: &InstanceData, index: ExportIndex) -> Extern {
    let store_id = inner.id;
    match index {
        ExportIndex::Func(i) => Extern::Func(Func {
            store_id,
            index: instance.funcs[i as usize],
        }),
        ExportIndex::Table(i) => Extern::Table(Table {
            store_id,
            index: instance.tables[i as usize],
        }),
        ExportIndex::Memory(i) => Extern::Memory(Memory {
            store_id,
            index: instance.memories[i as usize],
        }),
        ExportIndex::Global(i) => Extern::Global(Global {
            store_id,
            index: instance.globals[i as usize],
        }),
    }
}

pub(crate) fn export_by_name(inner: &StoreInner, instance: u32, name: &str) -> Option<Extern> {
    let instance = &inner.instances[instance as usize];
    let (_, index) = instance
        .module
        .info
        .exports
        .iter()
        .find(|(n, _)| n == name)?;
    Some(export(inner, instance, *index))
}

/// The value of a constant expression in an instance under construction.
fn eval_const(inner: &StoreInner, funcs: &[u32], globals: &[u32], expr: ConstExpr) -> u64 {
    match expr {
        ConstExpr::I32(v) => v as u32 as u64,
        ConstExpr::I64(v) => v as u64,
        ConstExpr::F32(bits) => bits as u64,
        ConstExpr::F64(bits) => bits,
        ConstExpr::RefNull => 0,
        ConstExpr::RefFunc(index) => inner.funcref(funcs[index as usize]),
        ConstExpr::GlobalGet(index) => inner.globals[globals[index as usize] as usize].value.get(),
    }
}

/// Checks each import against the module's import types and sorts the store
/// indices into the four index spaces. A function import is checked by
/// comparing the store's ids of two signatures, which costs nothing like
/// comparing the signatures. `type_ids`, when given, are the store's ids of
/// the module's types, already interned.
fn link_imports<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
    type_ids: Option<&[u32]>,
) -> Result<InstanceData> {
    let info = &module.inner.info;
    if imports.len() != info.imports.len() {
        return Err(Error::Link(format!(
            "module needs {} imports, {} were given",
            info.imports.len(),
            imports.len()
        )));
    }
    let inner = &mut store.inner;
    let type_ids: Vec<u32> = match type_ids {
        Some(ids) => ids.to_vec(),
        None => info.types.iter().map(|ty| inner.types.intern(ty)).collect(),
    };
    let mut instance = InstanceData {
        module: module.inner.clone(),
        funcs: Vec::with_capacity(info.funcs.len()),
        tables: Vec::with_capacity(info.tables.len()),
        memories: Vec::with_capacity(info.memories.len()),
        globals: Vec::with_capacity(info.globals.len()),
        type_ids,
        elems: Vec::new(),
        dropped_data: Vec::new(),
        vmctx: VmContext::empty(),
    };
    for (import, given) in info.imports.iter().zip(imports) {
        let name = || format!("`{}`.`{}`", import.module, import.name);
        if given.store_id() != store.inner.id {
            return Err(Error::Link(format!(
                "import {} belongs to another store",
                name()
            )));
        }
        let same_signature = match (given, &import.kind) {
            (Extern::Func(f), ImportKind::Func(ty)) => {
                store.inner.funcs[f.index as usize].type_id == instance.type_ids[*ty as usize]
            }
            _ => false,
        };
        if !same_signature {
            check_import_type(&given.ty(&*store), &info.import_type(&import.kind)).map_err(
                |why| Error::Link(format!("incompatible import type for {}: {why}", name())),
            )?;
        }
        match (given, &import.kind) {
            (Extern::Func(f), ImportKind::Func(_)) => instance.funcs.push(f.index),
            (Extern::Table(t), ImportKind::Table(_)) => instance.tables.push(t.index),
            (Extern::Memory(m), ImportKind::Memory(_)) => {
                check_memory_layout(store, module, m.index, &name())?;
                instance.memories.push(m.index)
            }
            (Extern::Global(g), ImportKind::Global(_)) => instance.globals.push(g.index),
            _ => unreachable!("kinds were matched by check_import_type"),
        }
    }
    Ok(instance)
}

/// Checks that memory `memory` has the address space the module's code
/// relies on: a memory made by an engine with other memory settings may lack
/// the reservation and guard region that spare the module's code its bounds
/// checks.
fn check_memory_layout<T>(
    store: &Store<T>,
    module: &Module,
    memory: u32,
    name: &str,
) -> Result<()> {
    let needed = module.engine().memory_guarded_bytes();
    let has = store.inner.memories[memory as usize].guarded_bytes();
    if has < needed {
        return Err(Error::Link(format!(
            "import {name}: the module's code needs memories with {needed} bytes of \
             reservation and guard, the memory has {has} (it was made with other \
             memory settings)"
        )));
    }
    Ok(())
}

/// Instantiates `module` with `imports` in `store`; `type_ids`, when given,
/// are the store's ids of the module's types, already interned.
pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
    type_ids: Option<&[u32]>,
) -> Result<Instance> {
    let info = &module.inner.info;
    let mut instance = link_imports(store, module, imports, type_ids)?;
    let inner = &mut store.inner;
    if inner.instances.len() >= inner.limits.max_instances {
        return Err(Error::Limit(format!(
            "the store already holds {} instances",
            inner.instances.len()
        )));
    }
    let instance_index = inner.instances.len() as u32;
    let store_id = inner.id;

    let imported_funcs = info.num_imported_funcs as usize;
    let type_ids = &instance.type_ids;
    let defined_funcs = info.funcs[imported_funcs..]
        .iter()
        .enumerate()
        .map(|(defined, &ty)| {
            let kind = FuncKind::Wasm {
                instance: instance_index,
                defined: defined as u32,
            };
            (type_ids[ty as usize], kind)
        });
    let first = inner.funcs.len() as u64;
    let first = inner.push_funcs(defined_funcs, |defined| {
        match module.inner.compiled_entry(defined) {
            Some(entry) => entry as u64,
            None => first + defined as u64 + 1,
        }
    });
    instance
        .funcs
        .extend(first..first + info.num_defined_funcs());
    for ty in &info.tables[info.num_imported_tables as usize..] {
        let table = TableData::new(*ty, 0, inner.limits.max_table_elements).ok_or_else(|| {
            Error::Instantiate(format!(
                "table of {} elements exceeds the limit",
                ty.limits.min
            ))
        })?;
        inner.tables.push(table);
        instance.tables.push((inner.tables.len() - 1) as u32);
    }
    let memory_config = module.engine().config().memory();
    for ty in &info.memories[info.num_imported_memories as usize..] {
        let style = memory_config.style(ty);
        let memory =
            MemoryData::new(*ty, inner.limits.max_memory_pages, style).ok_or_else(|| {
                Error::Instantiate(format!(
                    "memory of {} pages exceeds the limit or cannot be allocated",
                    ty.limits.min
                ))
            })?;
        inner.memories.push(memory);
        instance.memories.push((inner.memories.len() - 1) as u32);
    }
    let defined_globals = &info.globals[info.num_imported_globals as usize..];
    for (ty, init) in defined_globals.iter().zip(&info.global_inits) {
        let value = eval_const(inner, &instance.funcs, &instance.globals, *init);
        inner.globals.push(GlobalData::new(*ty, value));
        instance.globals.push((inner.globals.len() - 1) as u32);
    }
    let tables_from_images = module.inner.table_images.is_some();
    for segment in &info.elems {
        let items: Arc<[u64]> = match segment.mode {
            SegmentMode::Declared => Arc::new([]),
            SegmentMode::Active { .. } if tables_from_images => Arc::new([]),
            _ => segment
                .items
                .iter()
                .map(|item| eval_const(inner, &instance.funcs, &instance.globals, *item))
                .collect(),
        };
        instance.elems.push(items);
    }
    instance.dropped_data = vec![false; info.datas.len()];
    instance.vmctx = VmContext::new(&module.inner.layout, inner, &instance, instance_index);
    inner.epoch.add_instance(instance.vmctx.epoch_flag());
    let vmctx = instance.vmctx.ptr() as u64;
    for &func in &instance.funcs[imported_funcs..] {
        let funcref = &inner.funcs[func as usize].funcref;
        funcref.set(VmFuncRef {
            vmctx,
            ..funcref.get()
        });
    }
    inner.instances.push(instance);

    initialize(inner, instance_index, &module.inner.bytes)?;
    if let Some(start) = info.start {
        let func = inner.instances[instance_index as usize].funcs[start as usize];
        crate::call::invoke(store, func, &[], &mut [])?;
    }
    Ok(Instance {
        store_id,
        index: instance_index,
    })
}

/// Runs the active element segments, then the active data segments, as
/// `table.init`/`memory.init` followed by a drop. A segment out of bounds traps;
/// what earlier segments wrote stays written. When the module has table
/// images, the element segments are known to fit, and the images' elements
/// are written instead; when it has memory images, the data segments are
/// known to fit, and each image is mapped, or its runs copied, instead.
fn initialize(inner: &mut StoreInner, instance_index: u32, bytes: &[u8]) -> Result<()> {
    let instance = &inner.instances[instance_index as usize];
    let module = instance.module.clone();
    let info = &module.info;
    match &module.table_images {
        Some(images) => write_table_images(inner, instance_index, images),
        None => run_element_segments(inner, instance_index, info)?,
    }
    if let Some(images) = &module.memory_images {
        let instance = &mut inner.instances[instance_index as usize];
        for (dropped, segment) in instance.dropped_data.iter_mut().zip(&info.datas) {
            *dropped = matches!(segment.mode, SegmentMode::Active { .. });
        }
        for image in images {
            let memory = &mut inner.memories[instance.memories[image.memory as usize] as usize];
            if let Some(mapped) = &image.mapped
                && memory.map_image(mapped).is_ok()
            {
                continue;
            }
            for run in &image.runs {
                memory.bytes_mut()[run.offset..][..run.bytes.len()].copy_from_slice(&run.bytes);
            }
        }
        return Ok(());
    }
    for (i, segment) in info.datas.iter().enumerate() {
        if let SegmentMode::Active { index, offset } = segment.mode {
            let instance = &inner.instances[instance_index as usize];
            let offset = eval_const(inner, &instance.funcs, &instance.globals, offset) as u32;
            let memory = instance.memories[index as usize];
            let data = &bytes[segment.bytes.clone()];
            inner.memories[memory as usize]
                .slice_mut(offset, data.len() as u32)
                .map_err(Trap::new)?
                .copy_from_slice(data);
            inner.instances[instance_index as usize].dropped_data[i] = true;
        }
    }
    Ok(())
}

/// Writes the elements of the module's table images, with the references of
/// instance `instance_index`'s functions.
fn write_table_images(inner: &mut StoreInner, instance_index: u32, images: &[TableImage]) {
    let StoreInner {
        instances,
        funcs,
        tables,
        ..
    } = inner;
    let instance = &instances[instance_index as usize];
    for image in images {
        let table = &mut tables[instance.tables[image.table as usize] as usize];
        let elements = &mut table.elements_mut()[image.offset..][..image.funcs.len()];
        for (element, func) in elements.iter_mut().zip(&image.funcs) {
            *element = func.map_or(0, |func| {
                funcs[instance.funcs[func as usize] as usize].funcref.ptr() as u64
            });
        }
    }
}

/// Runs the active element segments one by one, as `table.init` followed by
/// a drop; a segment out of bounds traps, and what earlier segments wrote
/// stays written.
fn run_element_segments(
    inner: &mut StoreInner,
    instance_index: u32,
    info: &ModuleInfo,
) -> Result<()> {
    for (i, segment) in info.elems.iter().enumerate() {
        let instance = &inner.instances[instance_index as usize];
        if let SegmentMode::Active { index, offset } = segment.mode {
            let offset = eval_const(inner, &instance.funcs, &instance.globals, offset) as u32;
            let items = instance.elems[i].clone();
            let table = instance.tables[index as usize];
            inner.tables[table as usize]
                .init(offset, &items, 0, items.len() as u32)
                .map_err(Trap::new)?;
        }
        if !matches!(segment.mode, SegmentMode::Passive) {
            inner.instances[instance_index as usize].elems[i] = Arc::new([]);
        }
    }
    Ok(())
}
