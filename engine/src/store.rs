//! `Store<T>`: the world that instances live in. It owns every function, memory,
//! table, global and instance created in it, plus the host's own data `T`, which
//! host functions reach through [`Caller`](crate::Caller). It also holds what
//! stops a guest that would not return: its fuel and its epoch deadline.

use crate::config::Engine;
use crate::error::{Error, Result, Trap, TrapCode};
use crate::func::Caller;
use crate::limits::StoreLimits;
use crate::runtime::StoreInner;
use std::sync::Arc;

/// A host function as the store keeps it: a closure called with the store,
/// the calling instance, and the raw words of its arguments, which it
/// replaces with the raw words of its results (see [`crate::call`]).
pub(crate) type HostFunc<T> =
    Arc<dyn Fn(&mut Store<T>, Option<u32>, &mut [u64]) -> Result<()> + Send + Sync + 'static>;

/// An embedder's epoch deadline callback.
type DeadlineCallback<T> =
    Box<dyn FnMut(Caller<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static>;

/// What an epoch deadline callback asks for
/// ([`Store::epoch_deadline_callback`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateDeadline {
    /// Go on running, with the deadline this many ticks after the current
    /// epoch. With 0 the deadline is reached still, so the callback is called
    /// again at once.
    Continue(u64),
    /// Stop the guest with [`TrapCode::Interrupt`].
    Interrupt,
}

/// What a store does when its guest reaches the epoch deadline.
enum DeadlineBehavior<T> {
    /// Trap with `Interrupt`.
    Trap,
    /// Ask the embedder's callback.
    Callback(DeadlineCallback<T>),
    /// The callback is running; reaching the deadline again meanwhile (from
    /// wasm that the callback calls) traps.
    CallbackRunning,
}

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
    deadline_behavior: DeadlineBehavior<T>,
    data: T,
}

impl<T> Store<T> {
    /// A new, empty store holding `data`, with default limits.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let store = Store {
            inner: StoreInner::new(StoreLimits::default(), crate::code::runtime_record::<T>()),
            host_funcs: Vec::new(),
            engine: engine.clone(),
            deadline_behavior: DeadlineBehavior::Trap,
            data,
        };
        if engine.config().code_options().epoch_interruption {
            store.inner.epoch.update(engine.epochs());
            engine.epochs().register(&store.inner.epoch);
        }
        store
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

    /// Sets the fuel the guest may consume from now on
    /// ([`Config::consume_fuel`](crate::Config::consume_fuel) says what costs
    /// how much). A store starts with none. Fails if the engine does not
    /// consume fuel.
    ///
    /// ```
    /// use kiln::{Config, Engine, Module, Store, TrapCode};
    /// let engine = Engine::new(Config::new().consume_fuel(true));
    /// let module = Module::new(&engine, r#"(module (func (export "spin") (loop br 0)))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// store.set_fuel(10_000)?;
    /// let instance = kiln::Instance::new(&mut store, &module, &[])?;
    /// let spin = instance.get_typed_func::<(), ()>(&store, "spin")?;
    /// let error = spin.call(&mut store, ()).unwrap_err();
    /// assert_eq!(error.trap_code(), Some(TrapCode::OutOfFuel));
    /// assert_eq!(store.get_fuel()?, 0);
    /// # Ok::<(), kiln::Error>(())
    /// ```
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.check_fuel_is_on()?;
        self.inner.set_fuel(fuel);
        Ok(())
    }

    /// The fuel left. Fails if the engine does not consume fuel.
    pub fn get_fuel(&self) -> Result<u64> {
        self.check_fuel_is_on()?;
        Ok(self.inner.fuel())
    }

    fn check_fuel_is_on(&self) -> Result<()> {
        match self.engine.config().code_options().consume_fuel {
            true => Ok(()),
            false => Err(Error::usage(
                "fuel is off: turn it on with Config::consume_fuel(true)",
            )),
        }
    }

    /// Sets the store's epoch deadline `ticks_beyond_current` ticks after the
    /// engine's current epoch ([`Engine::increment_epoch`]). Guests of this
    /// store find it reached at the first function entry or loop iteration
    /// after the epoch gets there (with
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption);
    /// without, the deadline has no effect). A store's deadline starts at 0.
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        let epochs = self.engine.epochs();
        let deadline = epochs.current().saturating_add(ticks_beyond_current);
        self.inner.epoch.set_deadline(deadline, epochs);
    }

    /// Reaching the epoch deadline traps with [`TrapCode::Interrupt`] (the
    /// default).
    pub fn epoch_deadline_trap(&mut self) {
        self.deadline_behavior = DeadlineBehavior::Trap;
    }

    /// Reaching the epoch deadline calls `callback`, which sees the store
    /// (and the exports of the instance whose code reached it) through a
    /// [`Caller`], and either sets a new deadline and lets the guest go on,
    /// or stops it with a trap or with its own error.
    ///
    /// ```
    /// use kiln::{AsContext, Caller, Config, Engine, Linker, Module, Store, TrapCode, UpdateDeadline};
    /// let engine = Engine::new(Config::new().epoch_interruption(true));
    /// let module = Module::new(&engine, r#"(module
    ///     (import "host" "tick" (func $tick))
    ///     (func (export "run") (loop (call $tick) (br 0))))"#)?;
    /// let mut linker = Linker::new(&engine);
    /// // Every call of `tick` advances the epoch, as a timer thread would.
    /// linker.func_wrap("host", "tick", |caller: Caller<'_, u32>| {
    ///     caller.as_context().engine().increment_epoch()
    /// })?;
    /// let mut store = Store::new(&engine, 0);
    /// store.set_epoch_deadline(1);
    /// // Let the guest run through three deadlines, one tick apart, then stop it.
    /// store.epoch_deadline_callback(|mut caller| {
    ///     *caller.data_mut() += 1;
    ///     Ok(match *caller.data() {
    ///         1..=3 => UpdateDeadline::Continue(1),
    ///         _ => UpdateDeadline::Interrupt,
    ///     })
    /// });
    /// let instance = linker.instantiate(&mut store, &module)?;
    /// let run = instance.get_typed_func::<(), ()>(&store, "run")?;
    /// let error = run.call(&mut store, ()).unwrap_err();
    /// assert_eq!(error.trap_code(), Some(TrapCode::Interrupt));
    /// assert_eq!(*store.data(), 4);
    /// # Ok::<(), kiln::Error>(())
    /// ```
    pub fn epoch_deadline_callback(
        &mut self,
        callback: impl FnMut(Caller<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.deadline_behavior = DeadlineBehavior::Callback(Box::new(callback));
    }

    /// For a check in code of `instance` that found the store's epoch flag
    /// set: runs the deadline behaviour once if the deadline is reached, and
    /// updates the flag if not. `Ok` means the guest goes on (the check is
    /// made again); an error stops it.
    pub(crate) fn on_epoch_deadline(&mut self, instance: u32) -> Result<()> {
        let epochs = self.engine.epochs();
        if !self.inner.epoch.reached(epochs) {
            self.inner.epoch.update(epochs);
            return Ok(());
        }
        let interrupt = || Err(Error::Trap(Trap::new(TrapCode::Interrupt)));
        let behavior = std::mem::replace(
            &mut self.deadline_behavior,
            DeadlineBehavior::CallbackRunning,
        );
        let DeadlineBehavior::Callback(mut callback) = behavior else {
            self.deadline_behavior = behavior;
            return interrupt();
        };
        let update = callback(Caller {
            store: self,
            instance: Some(instance),
        });
        if let DeadlineBehavior::CallbackRunning = self.deadline_behavior {
            self.deadline_behavior = DeadlineBehavior::Callback(callback);
        }
        match update? {
            UpdateDeadline::Continue(ticks) => {
                self.set_epoch_deadline(ticks);
                Ok(())
            }
            UpdateDeadline::Interrupt => interrupt(),
        }
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
