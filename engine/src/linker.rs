//! `Linker<T>`: a table of named definitions (host functions and items of other
//! instances) from which a module's imports are satisfied by module and name.

use crate::error::{Error, Result};
use crate::extern_::{Extern, check_import_type};
use crate::func::{Caller, Func, IntoFunc};
use crate::instance::Instance;
use crate::instance_pre::InstancePre;
use crate::module::Module;
use crate::store::{AsContext, AsContextMut, HostFunc};
use crate::types::{ExternType, FuncType};
use crate::values::Val;
use std::collections::HashMap;
use std::sync::Arc;

/// What a linker holds under a module and a name.
pub(crate) enum Definition<T> {
    /// An item that already lives in a store.
    Extern(Extern),
    /// A host function, made into a `Func` in whichever store instantiates.
    HostFunc(FuncType, HostFunc<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(ty, f) => Definition::HostFunc(ty.clone(), f.clone()),
        }
    }
}

/// Named definitions to instantiate modules with.
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::{Caller, Engine, Linker, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "env" "bump" (func $bump (param i32)))
///     (func (export "run") (call $bump (i32.const 5))))"#)?;
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("env", "bump", |mut caller: Caller<'_, i32>, by: i32| {
///     *caller.data_mut() += by;
/// })?;
/// let mut store = Store::new(&engine, 0);
/// let instance = linker.instantiate(&mut store, &module)?;
/// instance.get_typed_func::<(), ()>(&store, "run")?.call(&mut store, ())?;
/// assert_eq!(*store.data(), 5);
/// # Ok(()) }
/// ```
pub struct Linker<T> {
    definitions: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            definitions: self.definitions.clone(),
            allow_shadowing: self.allow_shadowing,
        }
    }
}

impl<T> Linker<T> {
    /// An empty linker for modules of `engine`.
    pub fn new(_engine: &crate::Engine) -> Linker<T> {
        Linker {
            definitions: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// Whether a later definition of the same module and name replaces an earlier
    /// one (otherwise it is an error). Off by default.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, definition: Definition<T>) -> Result<&mut Self> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.definitions.contains_key(&key) {
            return Err(Error::Link(format!(
                "`{module}`.`{name}` is already defined"
            )));
        }
        self.definitions.insert(key, definition);
        Ok(self)
    }

    /// Defines `module`.`name` as an item of a store.
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines `module`.`name` as a host function over dynamically typed values;
    /// see [`Func::new`].
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let host = crate::func::dynamic_host_func(ty.clone(), func);
        self.insert(module, name, Definition::HostFunc(ty, host))
    }

    /// Defines `module`.`name` as a host function from a typed closure; see
    /// [`Func::wrap`].
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, host) = func.into_host_func();
        self.insert(module, name, Definition::HostFunc(ty, host))
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (name, item) in instance.exports(&store) {
            self.define(module, &name, item)?;
        }
        Ok(self)
    }

    /// The definition of `module`.`name` as an item of `store`, if there is one.
    /// A host function is created in the store by this call.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let definition = self
            .definitions
            .get(&(module.to_string(), name.to_string()))?;
        Some(match definition {
            Definition::Extern(item) => *item,
            Definition::HostFunc(ty, func) => {
                Extern::Func(Func::from_host(store.as_context_mut(), ty, func.clone()))
            }
        })
    }

    /// Instantiates `module`, taking each import from this linker's
    /// definitions. To instantiate the same module many times, resolve its
    /// imports once with [`Linker::instantiate_pre`].
    pub fn instantiate(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        self.instantiate_pre(module)?.instantiate(store)
    }

    /// Resolves the imports of `module` from this linker's definitions and
    /// checks the types of the host functions among them, once, for
    /// instantiating the module in any number of stores. Fails when an import
    /// is not defined or a host function has the wrong type.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        let imports = module
            .imports()
            .map(|import| {
                let name = format!("`{}`.`{}`", import.module(), import.name());
                let definition = self
                    .definitions
                    .get(&(import.module().to_string(), import.name().to_string()))
                    .ok_or_else(|| {
                        Error::Link(format!(
                            "unknown import: {name} ({}) is not defined",
                            import.ty().kind_name()
                        ))
                    })?;
                if let Definition::HostFunc(ty, _) = definition {
                    check_import_type(&ExternType::Func(ty.clone()), import.ty()).map_err(
                        |why| Error::Link(format!("incompatible import type for {name}: {why}")),
                    )?;
                }
                Ok(definition.clone())
            })
            .collect::<Result<Arc<[_]>>>()?;
        Ok(InstancePre::new(module.clone(), imports))
    }
}
