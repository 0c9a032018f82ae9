//! Values that mean the same thing in every store: what the oracle passes to
//! functions and what it observes coming back. References are named rather than
//! compared by handle (handles belong to one store), and NaNs are canonicalized
//! when observed, because the specification lets arithmetic NaNs differ in their
//! payload bits.

use kiln::{AsContext, AsContextMut, ExternRef, Func, Val};
use std::fmt;

/// The bits of the canonical `f32` NaN.
const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;
/// The bits of the canonical `f64` NaN.
const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// A WebAssembly value, independent of any store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bit pattern.
    F32(u32),
    /// An `f64`, as its bit pattern.
    F64(u64),
    /// A `funcref`: null or a named function.
    FuncRef(Option<FuncId>),
    /// An `externref`: null or the tag of a host value the oracle created.
    ExternRef(Option<u32>),
}

/// How the oracle names a function across stores.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FuncId {
    /// The instance's export of this name.
    Export(String),
    /// The host function the oracle supplied for the import at this position.
    Import(usize),
    /// A function that is neither exported nor imported, known by its type.
    Unnamed(String),
}

/// The host value behind every `externref` the oracle creates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExternTag(pub u32);

impl Value {
    /// The same value with any NaN replaced by the canonical NaN of its type.
    pub fn canonical(self) -> Value {
        match self {
            Value::F32(bits) if f32::from_bits(bits).is_nan() => Value::F32(CANONICAL_NAN_F32),
            Value::F64(bits) if f64::from_bits(bits).is_nan() => Value::F64(CANONICAL_NAN_F64),
            other => other,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "i32 {v}"),
            Value::I64(v) => write!(f, "i64 {v}"),
            Value::F32(bits) => write!(f, "f32 {} ({bits:#010x})", f32::from_bits(*bits)),
            Value::F64(bits) => write!(f, "f64 {} ({bits:#018x})", f64::from_bits(*bits)),
            Value::FuncRef(None) => f.write_str("funcref null"),
            Value::FuncRef(Some(id)) => write!(f, "funcref {id}"),
            Value::ExternRef(None) => f.write_str("externref null"),
            Value::ExternRef(Some(tag)) => write!(f, "externref #{tag}"),
        }
    }
}

impl fmt::Display for FuncId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncId::Export(name) => write!(f, "export {name:?}"),
            FuncId::Import(index) => write!(f, "host import #{index}"),
            FuncId::Unnamed(ty) => write!(f, "unnamed function of type {ty}"),
        }
    }
}

/// Writes `values` as a parenthesized, comma-separated list.
pub(crate) fn fmt_values(f: &mut fmt::Formatter<'_>, values: &[Value]) -> fmt::Result {
    f.write_str("(")?;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{value}")?;
    }
    f.write_str(")")
}

/// The functions of one store that the oracle can name, in the order it looks
/// them up: host imports first, then the instance's exports.
#[derive(Default)]
pub(crate) struct FuncNames {
    named: Vec<(Func, FuncId)>,
}

impl FuncNames {
    /// Makes `func` known as `id`. A function with several names is observed
    /// under the first one it was given.
    pub fn add(&mut self, func: Func, id: FuncId) {
        self.named.push((func, id));
    }

    /// The store-independent form of `val`, NaNs canonicalized.
    pub fn observe(&self, store: &impl AsContext, val: Val) -> Value {
        match val {
            Val::I32(v) => Value::I32(v),
            Val::I64(v) => Value::I64(v),
            Val::F32(bits) => Value::F32(bits).canonical(),
            Val::F64(bits) => Value::F64(bits).canonical(),
            Val::FuncRef(func) => Value::FuncRef(func.map(|func| {
                match self.named.iter().find(|(known, _)| *known == func) {
                    Some((_, id)) => id.clone(),
                    None => FuncId::Unnamed(func.ty(store).to_string()),
                }
            })),
            Val::ExternRef(ext) => Value::ExternRef(ext.map(|ext| {
                ext.data(store.as_context())
                    .downcast_ref::<ExternTag>()
                    .expect("every externref in an oracle store holds an ExternTag")
                    .0
            })),
        }
    }

    /// The value of this store that `value` stands for; `None` when it names a
    /// function this store does not have.
    pub fn resolve<T>(&self, store: impl AsContextMut<Data = T>, value: &Value) -> Option<Val> {
        Some(match value {
            Value::I32(v) => Val::I32(*v),
            Value::I64(v) => Val::I64(*v),
            Value::F32(bits) => Val::F32(*bits),
            Value::F64(bits) => Val::F64(*bits),
            Value::FuncRef(None) => Val::FuncRef(None),
            Value::FuncRef(Some(id)) => {
                let (func, _) = self.named.iter().find(|(_, known)| known == id)?;
                Val::FuncRef(Some(*func))
            }
            Value::ExternRef(None) => Val::ExternRef(None),
            Value::ExternRef(Some(tag)) => {
                Val::ExternRef(Some(ExternRef::new(store, ExternTag(*tag))))
            }
        })
    }
}
