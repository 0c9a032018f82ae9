//! `Store<T>`: the world that instances live in. It owns every function, memory,
//! table, global and instance created in it, plus the host's own data `T`, which
//! host functions reach through [`Caller`](crate::Caller).

use crate::config::Engine;
use crate::error::Result;
use crate::func::Caller;
use crate::limits::StoreLimits;
use crate::runtime::StoreInner;
use crate::values::Val;
use std::sync::Arc;

/// A host function as the store keeps it: a closure over arguments and results.
pub(crate) type HostFunc<T> =
    Arc<dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static>;

/// Owns all runtime state: instances and what they create, and host data `T`.
///
/// ```
/// use kiln::{Engine, Store};
/// let mut store = Store::new(&Engine::default(), 41);
/// *store.data_mut() += 1;
/// assert_eq!(*store.data(), 42);
/// ```
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) host_funcs: Vec<HostFunc<T>>,
    pub(crate) engine: Engine,
    data: T,
}

impl<T> Store<T> {
    /// A new, empty store holding `data`, with default limits.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: StoreInner::new(StoreLimits::default()),
            host_funcs: Vec::new(),
            engine: engine.clone(),
            data,
        }
    }

    /// The engine this store was made for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The runtime state and the host data, both mutably at once.
    pub(crate) fn inner_and_data_mut(&mut self) -> (&mut StoreInner, &mut T) {
        (&mut self.inner, &mut self.data)
    }

    /// Consumes the store and returns the host data.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Replaces the store's resource limits. They apply to what is created or
    /// grown from now on.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// The store's resource limits.
    pub fn limits(&self) -> &StoreLimits {
        &self.inner.limits
    }
}

/// Anything that gives shared access to a store: the store itself, a
/// [`Caller`], or a reference to either.
pub trait AsContext {
    /// The store's host data type.
    type Data;
    /// The store.
    fn as_context(&self) -> &Store<Self::Data>;
}

/// Anything that gives exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// The store, mutably.
    fn as_context_mut(&mut self) -> &mut Store<Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self
    }
}

impl<S: AsContext + ?Sized> AsContext for &S {
    type Data = S::Data;
    fn as_context(&self) -> &Store<S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContext + ?Sized> AsContext for &mut S {
    type Data = S::Data;
    fn as_context(&self) -> &Store<S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContextMut + ?Sized> AsContextMut for &mut S {
    fn as_context_mut(&mut self) -> &mut Store<S::Data> {
        (**self).as_context_mut()
    }
}
