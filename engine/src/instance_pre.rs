//! `InstancePre<T>`: a module whose imports a [`Linker`](crate::Linker) has
//! resolved once, ready to be instantiated in any number of stores (on any
//! thread) without looking anything up by name again.

use crate::error::Result;
use crate::extern_::Extern;
use crate::func::Func;
use crate::instance::Instance;
use crate::linker::Definition;
use crate::module::Module;
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
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            module: self.module.clone(),
            imports: self.imports.clone(),
        }
    }
}

impl<T> InstancePre<T> {
    pub(crate) fn new(module: Module, imports: Arc<[Definition<T>]>) -> InstancePre<T> {
        InstancePre { module, imports }
    }

    /// The module this instantiates.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store`: host functions are created in the
    /// store, items of a store must belong to this one.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let store = store.as_context_mut();
        let imports: Vec<Extern> = self
            .imports
            .iter()
            .map(|definition| match definition {
                Definition::Extern(item) => *item,
                Definition::HostFunc(ty, func) => {
                    Extern::Func(Func::from_host(store, ty, func.clone()))
                }
            })
            .collect();
        Instance::new(store, &self.module, &imports)
    }
}
