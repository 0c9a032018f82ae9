//! `InstancePre<T>`: a module whose imports a [`Linker`](crate::Linker) has
//! resolved once, ready to be instantiated in any number of stores (on any
//! thread) without looking anything up by name again.

use crate::error::Result;
use crate::extern_::Extern;
use crate::func::Func;
use crate::instance::Instance;
use crate::linker::Definition;
use crate::module::Module;
use crate::runtime::TypeRegistry;
use crate::store::AsContextMut;
use std::sync::Arc;

/// A module with its imports resolved and type-checked, made by
/// [`Linker::instantiate_pre`](crate::Linker::instantiate_pre).
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::{Caller, Engine, Linker, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "env" "bump" (func $bump (param i32)))
///     (func (export "run") (call $bump (i32.const 1))))"#)?;
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("env", "bump", |mut caller: Caller<'_, i32>, by: i32| {
///     *caller.data_mut() += by;
/// })?;
/// let pre = linker.instantiate_pre(&module)?;
/// for _ in 0..3 {
///     let mut store = Store::new(&engine, 0);
///     let instance = pre.instantiate(&mut store)?;
///     instance.get_typed_func::<(), ()>(&store, "run")?.call(&mut store, ())?;
///     assert_eq!(*store.data(), 1);
/// }
/// # Ok(()) }
/// ```
pub struct InstancePre<T> {
    module: Module,
    /// The definition of each import, in the module's order. Host functions
    /// have been checked against the import's type; items of a store are
    /// checked when instantiating, since only the store knows their types.
    imports: Arc<[Definition<T>]>,
    /// What a new store's signature registry holds once it has the host
    /// functions and the module's types: a store with none yet starts as a
    /// copy, and uses the ids below without interning anything.
    types: Arc<PreparedTypes>,
}

/// The signatures an instantiation interns, interned once.
struct PreparedTypes {
    registry: TypeRegistry,
    /// The id of each import's signature, for host functions.
    imports: Box<[u32]>,
    /// The id of each of the module's types.
    module: Box<[u32]>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            module: self.module.clone(),
            imports: self.imports.clone(),
            types: self.types.clone(),
        }
    }
}

impl<T> InstancePre<T> {
    pub(crate) fn new(module: Module, imports: Arc<[Definition<T>]>) -> InstancePre<T> {
        let mut registry = TypeRegistry::default();
        let imports_ids = imports
            .iter()
            .map(|definition| match definition {
                Definition::HostFunc(ty, _) => registry.intern(ty),
                Definition::Extern(_) => u32::MAX,
            })
            .collect();
        let module_ids = module
            .inner
            .info
            .types
            .iter()
            .map(|ty| registry.intern(ty))
            .collect();
        let types = PreparedTypes {
            registry,
            imports: imports_ids,
            module: module_ids,
        };
        InstancePre {
            module,
            imports,
            types: Arc::new(types),
        }
    }

    /// The module this instantiates.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store`: host functions are created in the
    /// store, items of a store must belong to this one.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let store = store.as_context_mut();
        let prepared = store.inner.types.is_empty();
        if prepared {
            store.inner.types = self.types.registry.clone();
        }
        let imports: Vec<Extern> = self
            .imports
            .iter()
            .zip(&self.types.imports)
            .map(|(definition, &type_id)| match definition {
                Definition::Extern(item) => *item,
                Definition::HostFunc(_, func) if prepared => {
                    Extern::Func(Func::from_host_of_type(store, type_id, func.clone()))
                }
                Definition::HostFunc(ty, func) => {
                    Extern::Func(Func::from_host(store, ty, func.clone()))
                }
            })
            .collect();
        let type_ids = prepared.then_some(&self.types.module[..]);
        crate::instance::instantiate(store, &self.module, &imports, type_ids)
    }
}
