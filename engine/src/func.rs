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
        let host = dynamic_host_func(ty.clone(), func);
        Func::from_host(store, &ty, host)
    }

    pub(crate) fn from_host<T>(
        store: &mut Store<T>,
        ty: &FuncType,
        func: crate::store::HostFunc<T>,
    ) -> Func {
        let type_id = store.inner.types.intern(ty);
        Func::from_host_of_type(store, type_id, func)
    }

    /// A host function whose signature has id `type_id` in the store.
    pub(crate) fn from_host_of_type<T>(
        store: &mut Store<T>,
        type_id: u32,
        func: crate::store::HostFunc<T>,
    ) -> Func {
        let index = store.host_funcs.len() as u32;
        store.host_funcs.push(func);
        let func = store.inner.push_host_func(type_id, index);
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

/// A host function over dynamically typed values, seen through raw words:
/// the arguments become `Val`s, the results are checked and made raw again.
pub(crate) fn dynamic_host_func<T>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> crate::store::HostFunc<T> {
    Arc::new(move |store: &mut Store<T>, instance, raw: &mut [u64]| {
        let args: Vec<Val> = ty
            .params()
            .iter()
            .zip(raw.iter())
            .map(|(ty, raw)| Val::from_raw(*raw, *ty, &store.inner))
            .collect();
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|ty| Val::default_for(*ty))
            .collect();
        func(
            Caller {
                store: &mut *store,
                instance,
            },
            &args,
            &mut results,
        )?;
        check_values("result", ty.results(), &results, &store.inner)
            .map_err(|err| Error::Host(format!("host function returned a bad result: {err}")))?;
        for (slot, result) in raw.iter_mut().zip(&results) {
            *slot = result.to_raw(&store.inner).expect("results were checked");
        }
        Ok(())
    })
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
    /// The raw word for the value in `store`, or `None` for a reference
    /// that belongs to another store.
    #[doc(hidden)]
    fn to_raw(self, store: RawStore<'_>) -> Option<u64>;
    /// The value held by a raw word of [`Self::valtype`] in `store`.
    #[doc(hidden)]
    fn from_raw(raw: u64, store: RawStore<'_>) -> Self;
}

macro_rules! wasm_ty {
    ($($ty:ty => $valtype:ident, |$v:ident| $into:expr, $pat:pat => $from:expr,
       raw |$rv:ident, $rs:ident| $to_raw:expr, $from_raw:expr;)*) => {$(
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
            #[inline]
            #[allow(unused_variables)]
            fn to_raw(self, store: RawStore<'_>) -> Option<u64> {
                let ($rv, $rs) = (self, store.0);
                $to_raw
            }
            #[inline]
            #[allow(unused_variables)]
            fn from_raw($rv: u64, store: RawStore<'_>) -> Self {
                let $rs = store.0;
                $from_raw
            }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| Val::I32(v), Val::I32(v) => v,
        raw |v, store| Some(v as u32 as u64), v as u32 as i32;
    u32 => I32, |v| Val::I32(v as i32), Val::I32(v) => v as u32,
        raw |v, store| Some(v as u64), v as u32;
    i64 => I64, |v| Val::I64(v), Val::I64(v) => v,
        raw |v, store| Some(v as u64), v as i64;
    u64 => I64, |v| Val::I64(v as i64), Val::I64(v) => v as u64,
        raw |v, store| Some(v), v;
    f32 => F32, |v| Val::f32(v), Val::F32(bits) => f32::from_bits(bits),
        raw |v, store| Some(v.to_bits() as u64), f32::from_bits(v as u32);
    f64 => F64, |v| Val::f64(v), Val::F64(bits) => f64::from_bits(bits),
        raw |v, store| Some(v.to_bits()), f64::from_bits(v);
    Option<Func> => FuncRef, |v| Val::FuncRef(v), Val::FuncRef(f) => f,
        raw |v, store| Val::FuncRef(v).to_raw(store),
        (v != 0).then(|| Func { store_id: store.id, index: store.func_of_ref(v) });
    Option<ExternRef> => ExternRef, |v| Val::ExternRef(v), Val::ExternRef(r) => r,
        raw |v, store| Val::ExternRef(v).to_raw(store),
        (v != 0).then(|| ExternRef { store_id: store.id, index: (v - 1) as u32 });
}

/// The store as the hidden raw-value methods of [`WasmTy`] and
/// [`WasmParams`] see it; embedders never meet it.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct RawStore<'a>(&'a StoreInner);

/// A list of Rust types standing for a list of wasm types: `()`, one [`WasmTy`],
/// or a tuple of them.
pub trait WasmParams: Sized {
    /// How many values.
    const COUNT: usize;
    /// The wasm types, in order.
    fn types() -> Vec<ValType>;
    /// Writes the values as raw words into the first [`Self::COUNT`] slots
    /// of `raw`; fails with the position of a reference that belongs to
    /// another store.
    #[doc(hidden)]
    fn store_raw(self, raw: &mut [u64], store: RawStore<'_>) -> std::result::Result<(), usize>;
    /// Rust values from raw words of [`Self::types`] in `store`.
    #[doc(hidden)]
    fn load_raw(raw: &[u64], store: RawStore<'_>) -> Self;
}

/// The results of a typed function: the same shapes as [`WasmParams`].
pub trait WasmResults: WasmParams {}
impl<P: WasmParams> WasmResults for P {}

impl<A: WasmTy> WasmParams for A {
    const COUNT: usize = 1;
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    #[inline]
    fn store_raw(self, raw: &mut [u64], store: RawStore<'_>) -> std::result::Result<(), usize> {
        raw[0] = self.to_raw(store).ok_or(0usize)?;
        Ok(())
    }
    #[inline]
    fn load_raw(raw: &[u64], store: RawStore<'_>) -> Self {
        A::from_raw(raw[0], store)
    }
}

macro_rules! wasm_params_tuple {
    ($count:literal $($name:ident $index:tt)*) => {
        impl<$($name: WasmTy),*> WasmParams for ($($name,)*) {
            const COUNT: usize = $count;
            fn types() -> Vec<ValType> {
                vec![$($name::valtype()),*]
            }
            #[inline]
            #[allow(unused_variables)]
            fn store_raw(self, raw: &mut [u64], store: RawStore<'_>) -> std::result::Result<(), usize> {
                $(raw[$index] = self.$index.to_raw(store).ok_or($index as usize)?;)*
                Ok(())
            }
            #[inline]
            #[allow(unused_variables, clippy::unused_unit)]
            fn load_raw(raw: &[u64], store: RawStore<'_>) -> Self {
                ($($name::from_raw(raw[$index], store),)*)
            }
        }
    };
}

wasm_params_tuple!(0);
wasm_params_tuple!(1 A1 0);
wasm_params_tuple!(2 A1 0 A2 1);
wasm_params_tuple!(3 A1 0 A2 1 A3 2);
wasm_params_tuple!(4 A1 0 A2 1 A3 2 A4 3);
wasm_params_tuple!(5 A1 0 A2 1 A3 2 A4 3 A5 4);
wasm_params_tuple!(6 A1 0 A2 1 A3 2 A4 3 A5 4 A6 5);
wasm_params_tuple!(7 A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6);
wasm_params_tuple!(8 A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6 A8 7);
wasm_params_tuple!(9 A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6 A8 7 A9 8);
wasm_params_tuple!(10 A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6 A8 7 A9 8 A10 9);

/// The most values a typed call passes or returns: the longest tuple.
pub(crate) const MAX_TYPED_VALUES: usize = 10;

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

/// Writes a typed host closure's results as raw words, or says which of
/// them is a reference from another store.
#[inline]
fn store_results<R: WasmResults>(results: R, raw: &mut [u64], store: &StoreInner) -> Result<()> {
    results.store_raw(raw, RawStore(store)).map_err(|i| {
        Error::Host(format!(
            "host function returned a bad result: result {i} belongs to another store"
        ))
    })
}

/// Each typed closure becomes a host function of its own type, monomorphized
/// for its parameters and results: it reads its arguments straight from the
/// raw words and writes its results back, with no `Val` and no allocation.
macro_rules! into_func {
    ($($arg:ident $index:tt)*) => {
        impl<T, F, $($arg: WasmTy,)* R> IntoFunc<T, ($($arg,)*), R> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_host_func(self) -> (FuncType, crate::store::HostFunc<T>) {
                let ty = FuncType::new(<($($arg,)*)>::types(), R::Results::types());
                let host = move |store: &mut Store<T>, _caller: Option<u32>, raw: &mut [u64]| {
                    let out = self($($arg::from_raw(raw[$index], RawStore(&store.inner))),*).into_result()?;
                    store_results(out, raw, &store.inner)
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
                #[allow(non_snake_case)]
                let host = move |store: &mut Store<T>, instance: Option<u32>, raw: &mut [u64]| {
                    $(let $arg = $arg::from_raw(raw[$index], RawStore(&store.inner));)*
                    let caller = Caller { store: &mut *store, instance };
                    let out = self(caller, $($arg),*).into_result()?;
                    store_results(out, raw, &store.inner)
                };
                (ty, Arc::new(host))
            }
        }
    };
}

into_func!();
into_func!(A1 0);
into_func!(A1 0 A2 1);
into_func!(A1 0 A2 1 A3 2);
into_func!(A1 0 A2 1 A3 2 A4 3);
into_func!(A1 0 A2 1 A3 2 A4 3 A5 4);
into_func!(A1 0 A2 1 A3 2 A4 3 A5 4 A6 5);
into_func!(A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6);
into_func!(A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6 A8 7);
into_func!(A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6 A8 7 A9 8);
into_func!(A1 0 A2 1 A3 2 A4 3 A5 4 A6 5 A7 6 A8 7 A9 8 A10 9);

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
        store.inner.check_owner(self.func.store_id, "function")?;
        let mut raw = [0u64; MAX_TYPED_VALUES];
        params
            .store_raw(&mut raw, RawStore(&store.inner))
            .map_err(|i| Error::usage(format!("argument {i} belongs to another store")))?;
        let slots = Params::COUNT.max(Results::COUNT);
        crate::call::invoke_raw(store, self.func.index, &mut raw[..slots])?;
        Ok(Results::load_raw(&raw, RawStore(&store.inner)))
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}
