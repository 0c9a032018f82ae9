//! Functions: handles to wasm or host functions in a store, calling them with
//! dynamically typed values ([`Func::call`]) or with Rust types checked once
//! ([`TypedFunc`]), and making host functions from Rust closures.

use crate::error::{Error, Result};
use crate::extern_::Extern;
use crate::runtime::StoreInner;
use crate::store::{AsContext, AsContextMut, Store};
use crate::types::{FuncType, ValType};
use crate::values::{ExternRef, Val};
use std::marker::PhantomData;
use std::sync::Arc;

/// A function in a store: defined by a wasm module or by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Func {
    /// A host function with signature `ty` that takes and returns dynamically typed
    /// values. The closure must write one value of the right type into each slot
    /// of `results`.
    ///
    /// ```
    /// # fn main() -> kiln::Result<()> {
    /// use kiln::{Engine, Func, FuncType, Store, Val, ValType};
    /// let mut store = Store::new(&Engine::default(), ());
    /// let ty = FuncType::new([ValType::I32], [ValType::I32]);
    /// let double = Func::new(&mut store, ty, |_caller, args, results| {
    ///     results[0] = Val::I32(args[0].i32().unwrap() * 2);
    ///     Ok(())
    /// });
    /// let mut out = [Val::I32(0)];
    /// double.call(&mut store, &[Val::I32(21)], &mut out)?;
    /// assert_eq!(out[0].i32(), Some(42));
    /// # Ok(()) }
    /// ```
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let store = store.as_context_mut();
        Func::from_host(store, &ty, Arc::new(func))
    }

    pub(crate) fn from_host<T>(
        store: &mut Store<T>,
        ty: &FuncType,
        func: crate::store::HostFunc<T>,
    ) -> Func {
        let index = store.host_funcs.len() as u32;
        store.host_funcs.push(func);
        let func = store.inner.push_host_func(ty, index);
        if store.engine().config().get_strategy() == crate::Strategy::Compiler {
            crate::code::prepare_host_function(store, func);
        }
        Func {
            store_id: store.inner.id,
            index: func,
        }
    }

    /// A host function from a Rust closure whose parameters and result are Rust
    /// types (`i32`, `i64`, `u32`, `u64`, `f32`, `f64`, `Option<Func>`,
    /// `Option<ExternRef>`, tuples of them for several results, and
    /// `kiln::Result<_>` to fail). The closure may take a [`Caller`] first.
    ///
    /// ```
    /// # fn main() -> kiln::Result<()> {
    /// use kiln::{Engine, Func, Store};
    /// let mut store = Store::new(&Engine::default(), ());
    /// let add = Func::wrap(&mut store, |a: i32, b: i32| a.wrapping_add(b));
    /// let add = add.typed::<(i32, i32), i32>(&store)?;
    /// assert_eq!(add.call(&mut store, (2, 3))?, 5);
    /// # Ok(()) }
    /// ```
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let store = store.as_context_mut();
        let (ty, host) = func.into_host_func();
        Func::from_host(store, &ty, host)
    }

    /// The function's signature.
    ///
    /// # Panics
    /// If the function belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let store = store.as_context();
        assert_eq!(
            store.inner.id, self.store_id,
            "function used with another store"
        );
        store.inner.func_type(self.index).clone()
    }

    /// Calls the function with `params`, writing its results into `results`.
    ///
    /// Fails with [`Error::Usage`] when the arguments or the result slots do not
    /// match the signature, and with [`Error::Trap`] when the code traps.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut();
        store.inner.check_owner(self.store_id, "function")?;
        let ty = store.inner.func_type(self.index);
        check_values("argument", ty.params(), params, &store.inner)?;
        if results.len() != ty.results().len() {
            return Err(Error::usage(format!(
                "function returns {} values but {} result slots were given",
                ty.results().len(),
                results.len()
            )));
        }
        crate::call::invoke(store, self.index, params, results)
    }

    /// A typed view of the function, after checking that its signature is
    /// `Params -> Results`.
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let store = store.as_context();
        store.inner.check_owner(self.store_id, "function")?;
        let ty = store.inner.func_type(self.index);
        let expected = FuncType::new(Params::types(), Results::types());
        if *ty != expected {
            return Err(Error::usage(format!(
                "function has type {ty}, not {expected}"
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _types: PhantomData,
        })
    }
}

/// Checks that `values` have exactly the types `types` and belong to the store.
pub(crate) fn check_values(
    what: &str,
    types: &[ValType],
    values: &[Val],
    store: &StoreInner,
) -> Result<()> {
    if types.len() != values.len() {
        return Err(Error::usage(format!(
            "expected {} {what}s, got {}",
            types.len(),
            values.len()
        )));
    }
    for (i, (ty, value)) in types.iter().zip(values).enumerate() {
        if value.ty() != *ty {
            return Err(Error::usage(format!(
                "{what} {i} has type {}, expected {ty}",
                value.ty()
            )));
        }
        if value.to_raw(store).is_none() {
            return Err(Error::usage(format!("{what} {i} belongs to another store")));
        }
    }
    Ok(())
}

/// What a host function sees of its caller: the store (with its host data) and
/// the exports of the instance whose code made the call.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<u32>,
}

impl<T> Caller<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// An export of the calling instance, such as its memory, by name.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
        crate::instance::export_by_name(&self.store.inner, instance, name)
    }

    /// The store's fuel left ([`Store::get_fuel`]).
    pub fn get_fuel(&self) -> Result<u64> {
        self.store.get_fuel()
    }

    /// Sets the store's fuel ([`Store::set_fuel`]), for example to charge the
    /// guest for the host function's own work.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self.store
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self.store
    }
}

/// A Rust type that stands for one wasm value type.
pub trait WasmTy: Sized {
    /// The wasm type.
    fn valtype() -> ValType;
    /// The value as a [`Val`].
    fn into_val(self) -> Val;
    /// The Rust value of a [`Val`] already checked to have type [`Self::valtype`].
    fn from_val(val: Val) -> Self;
}

macro_rules! wasm_ty {
    ($($ty:ty => $valtype:ident, |$v:ident| $into:expr, $pat:pat => $from:expr;)*) => {$(
        impl WasmTy for $ty {
            fn valtype() -> ValType {
                ValType::$valtype
            }
            fn into_val(self) -> Val {
                let $v = self;
                $into
            }
            fn from_val(val: Val) -> Self {
                match val {
                    $pat => $from,
                    other => unreachable!("value {other:?} was checked to be {}", ValType::$valtype),
                }
            }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| Val::I32(v), Val::I32(v) => v;
    u32 => I32, |v| Val::I32(v as i32), Val::I32(v) => v as u32;
    i64 => I64, |v| Val::I64(v), Val::I64(v) => v;
    u64 => I64, |v| Val::I64(v as i64), Val::I64(v) => v as u64;
    f32 => F32, |v| Val::f32(v), Val::F32(bits) => f32::from_bits(bits);
    f64 => F64, |v| Val::f64(v), Val::F64(bits) => f64::from_bits(bits);
    Option<Func> => FuncRef, |v| Val::FuncRef(v), Val::FuncRef(f) => f;
    Option<ExternRef> => ExternRef, |v| Val::ExternRef(v), Val::ExternRef(r) => r;
}

/// A list of Rust types standing for a list of wasm types: `()`, one [`WasmTy`],
/// or a tuple of them.
pub trait WasmParams: Sized {
    /// The wasm types, in order.
    fn types() -> Vec<ValType>;
    /// The values, in order.
    fn into_vals(self) -> Vec<Val>;
    /// Rust values from [`Val`]s already checked to have [`Self::types`].
    fn from_vals(vals: &[Val]) -> Self;
}

/// The results of a typed function: the same shapes as [`WasmParams`].
pub trait WasmResults: WasmParams {}
impl<P: WasmParams> WasmResults for P {}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn into_vals(self) -> Vec<Val> {
        vec![self.into_val()]
    }
    fn from_vals(vals: &[Val]) -> Self {
        A::from_val(vals[0])
    }
}

macro_rules! wasm_params_tuple {
    ($($name:ident)*) => {
        impl<$($name: WasmTy),*> WasmParams for ($($name,)*) {
            fn types() -> Vec<ValType> {
                vec![$($name::valtype()),*]
            }
            #[allow(non_snake_case)]
            fn into_vals(self) -> Vec<Val> {
                let ($($name,)*) = self;
                vec![$($name.into_val()),*]
            }
            #[allow(unused_variables, unused_mut, clippy::unused_unit)]
            fn from_vals(vals: &[Val]) -> Self {
                let mut vals = vals.iter();
                ($($name::from_val(*vals.next().expect("checked arity")),)*)
            }
        }
    };
}

wasm_params_tuple!();
wasm_params_tuple!(A1);
wasm_params_tuple!(A1 A2);
wasm_params_tuple!(A1 A2 A3);
wasm_params_tuple!(A1 A2 A3 A4);
wasm_params_tuple!(A1 A2 A3 A4 A5);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);

/// What a typed host closure may return: results, or `kiln::Result` of them.
pub trait WasmRet {
    /// The results' Rust types.
    type Results: WasmResults;
    /// The results, or the closure's error.
    fn into_result(self) -> Result<Self::Results>;
}

impl<R: WasmResults> WasmRet for R {
    type Results = R;
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> WasmRet for Result<R> {
    type Results = R;
    fn into_result(self) -> Result<R> {
        self
    }
}

/// A Rust closure that can become a host function; see [`Func::wrap`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host_func(self) -> (FuncType, crate::store::HostFunc<T>);
}

macro_rules! into_func {
    ($($arg:ident)*) => {
        impl<T, F, $($arg: WasmTy,)* R> IntoFunc<T, ($($arg,)*), R> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_host_func(self) -> (FuncType, crate::store::HostFunc<T>) {
                let ty = FuncType::new(<($($arg,)*)>::types(), R::Results::types());
                let host = move |_caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
                    #[allow(non_snake_case)]
                    let ($($arg,)*) = <($($arg,)*)>::from_vals(args);
                    let out = self($($arg),*).into_result()?.into_vals();
                    results.copy_from_slice(&out);
                    Ok(())
                };
                (ty, Arc::new(host))
            }
        }

        impl<T, F, $($arg: WasmTy,)* R> IntoFunc<T, (Caller<'_, T>, $($arg,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($arg),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_host_func(self) -> (FuncType, crate::store::HostFunc<T>) {
                let ty = FuncType::new(<($($arg,)*)>::types(), R::Results::types());
                let host = move |caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
                    #[allow(non_snake_case)]
                    let ($($arg,)*) = <($($arg,)*)>::from_vals(args);
                    let out = self(caller, $($arg),*).into_result()?.into_vals();
                    results.copy_from_slice(&out);
                    Ok(())
                };
                (ty, Arc::new(host))
            }
        }
    };
}

into_func!();
into_func!(A1);
into_func!(A1 A2);
into_func!(A1 A2 A3);
into_func!(A1 A2 A3 A4);
into_func!(A1 A2 A3 A4 A5);
into_func!(A1 A2 A3 A4 A5 A6);
into_func!(A1 A2 A3 A4 A5 A6 A7);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);

/// A function whose signature was checked once to be `Params -> Results`, so
/// that calls take and return Rust values.
pub struct TypedFunc<Params, Results> {
    func: Func,
    _types: PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// Calls the function.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: Params,
    ) -> Result<Results> {
        let store = store.as_context_mut();
        let args = params.into_vals();
        let mut results: Vec<Val> = Results::types().into_iter().map(Val::default_for).collect();
        self.func.call(store, &args, &mut results)?;
        Ok(Results::from_vals(&results))
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}
