//! Values as the embedder sees them ([`Val`]) and as the runtime stores them: one
//! untyped 64-bit word per value ("raw"), whose meaning the value's type gives.
//! Floats are kept as bit patterns on both sides so that NaN payloads survive a
//! round trip through the host.

use crate::func::Func;
use crate::runtime::StoreInner;
use crate::types::ValType;
use std::any::Any;

/// A WebAssembly value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bit pattern.
    F32(u32),
    /// An `f64`, as its bit pattern.
    F64(u64),
    /// A `funcref`: a function or null.
    FuncRef(Option<Func>),
    /// An `externref`: a host value or null.
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// An `f32` value.
    pub fn f32(value: f32) -> Val {
        Val::F32(value.to_bits())
    }

    /// An `f64` value.
    pub fn f64(value: f64) -> Val {
        Val::F64(value.to_bits())
    }

    /// The type of this value.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The zero value of a type: what locals and new table slots start as.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        match *self {
            Val::I32(v) => Some(v),
            _ => None,
        }
    }

    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        match *self {
            Val::I64(v) => Some(v),
            _ => None,
        }
    }

    /// The `f32`, if this is one.
    pub fn as_f32(&self) -> Option<f32> {
        match *self {
            Val::F32(bits) => Some(f32::from_bits(bits)),
            _ => None,
        }
    }

    /// The `f64`, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Val::F64(bits) => Some(f64::from_bits(bits)),
            _ => None,
        }
    }

    /// The raw word for this value in `store`, or `None` when it is a reference
    /// that belongs to another store.
    pub(crate) fn to_raw(self, store: &StoreInner) -> Option<u64> {
        let store_id = store.id;
        Some(match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(bits) => bits as u64,
            Val::F64(bits) => bits,
            Val::FuncRef(None) | Val::ExternRef(None) => 0,
            Val::FuncRef(Some(func)) => {
                if func.store_id != store_id {
                    return None;
                }
                store.funcref(func.index)
            }
            Val::ExternRef(Some(ext)) => {
                if ext.store_id != store_id {
                    return None;
                }
                ext.index as u64 + 1
            }
        })
    }

    /// The value of type `ty` held by the raw word `raw` of `store`.
    pub(crate) fn from_raw(raw: u64, ty: ValType, store: &StoreInner) -> Val {
        let store_id = store.id;
        let reference = |raw: u64| (raw != 0).then(|| (raw - 1) as u32);
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw),
            ValType::FuncRef => Val::FuncRef((raw != 0).then(|| Func {
                store_id,
                index: store.func_of_ref(raw),
            })),
            ValType::ExternRef => {
                Val::ExternRef(reference(raw).map(|index| ExternRef { store_id, index }))
            }
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}

impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::f32(v)
    }
}

impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::f64(v)
    }
}

/// A reference to a host value, which wasm code can hold and pass around as an
/// `externref` but not look inside.
///
/// The value lives in the store as long as the store does.
///
/// ```
/// use kiln::{Engine, ExternRef, Store};
/// let mut store = Store::new(&Engine::default(), ());
/// let r = ExternRef::new(&mut store, String::from("hello"));
/// assert_eq!(r.data(&store).downcast_ref::<String>().unwrap(), "hello");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl ExternRef {
    /// Puts `value` in the store and returns a reference to it.
    pub fn new<T>(
        mut store: impl crate::AsContextMut<Data = T>,
        value: impl Any + Send + Sync,
    ) -> ExternRef {
        let store = store.as_context_mut();
        let inner = &mut store.inner;
        inner.externs.push(Box::new(value));
        ExternRef {
            store_id: inner.id,
            index: (inner.externs.len() - 1) as u32,
        }
    }

    /// The host value this reference holds.
    ///
    /// # Panics
    /// If the reference belongs to another store.
    pub fn data<'a, T: 'a>(&self, store: &'a impl crate::AsContext<Data = T>) -> &'a dyn Any {
        let inner = &store.as_context().inner;
        assert_eq!(inner.id, self.store_id, "externref used with another store");
        inner.externs[self.index as usize].as_ref()
    }
}
