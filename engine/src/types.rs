//! The types that the embedding API speaks: value types, function signatures and
//! the types of tables, memories and globals, independent of wasmparser's own.

use std::fmt;
use std::sync::Arc;

/// The type of a WebAssembly value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE 754 float.
    F32,
    /// 64-bit IEEE 754 float.
    F64,
    /// A nullable reference to a function.
    FuncRef,
    /// A nullable reference to a host value.
    ExternRef,
}

impl ValType {
    /// Whether this is a reference type (`funcref` or `externref`).
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> Option<ValType> {
        Some(match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => return None,
            wasmparser::ValType::Ref(r) => return RefType::from_wasmparser(r).map(ValType::from),
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// The type of a reference: what a table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `funcref`
    FuncRef,
    /// `externref`
    ExternRef,
}

impl RefType {
    pub(crate) fn from_wasmparser(ty: wasmparser::RefType) -> Option<RefType> {
        if ty == wasmparser::RefType::FUNCREF {
            Some(RefType::FuncRef)
        } else if ty == wasmparser::RefType::EXTERNREF {
            Some(RefType::ExternRef)
        } else {
            None
        }
    }
}

impl From<RefType> for ValType {
    fn from(ty: RefType) -> ValType {
        match ty {
            RefType::FuncRef => ValType::FuncRef,
            RefType::ExternRef => ValType::ExternRef,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ValType::from(*self).fmt(f)
    }
}

/// The signature of a function: parameter and result types.
///
/// Cloning one is cheap (the types are shared), since stores, modules and
/// trampoline caches all keep signatures.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// The parameter types, then the result types.
    types: Arc<[ValType]>,
    /// How many of `types` are parameters.
    params: usize,
}

impl FuncType {
    /// A signature with the given parameter and result types.
    ///
    /// ```
    /// use kiln::{FuncType, ValType};
    /// let ty = FuncType::new([ValType::I32, ValType::I32], [ValType::I64]);
    /// assert_eq!(ty.params(), &[ValType::I32, ValType::I32]);
    /// assert_eq!(ty.to_string(), "(i32, i32) -> (i64)");
    /// ```
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        let mut types: Vec<ValType> = params.into_iter().collect();
        let params = types.len();
        types.extend(results);
        FuncType {
            types: types.into(),
            params,
        }
    }

    /// The parameter types, in order.
    pub fn params(&self) -> &[ValType] {
        &self.types[..self.params]
    }

    /// The result types, in order.
    pub fn results(&self) -> &[ValType] {
        &self.types[self.params..]
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuncType")
            .field("params", &self.params())
            .field("results", &self.results())
            .finish()
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, tys: &[ValType]| {
            f.write_str("(")?;
            for (i, ty) in tys.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{ty}")?;
            }
            f.write_str(")")
        };
        list(f, self.params())?;
        f.write_str(" -> ")?;
        list(f, self.results())
    }
}

/// Size limits of a table or memory: an initial size and an optional maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The initial size (elements for tables, 64 KiB pages for memories).
    pub min: u64,
    /// The largest size the table or memory may grow to, if bounded.
    pub max: Option<u64>,
}

impl Limits {
    /// Whether limits `self` (of an export) satisfy limits `wanted` (of an import),
    /// by the spec's subtyping rule for limits.
    pub(crate) fn matches(&self, wanted: &Limits) -> bool {
        self.min >= wanted.min
            && match (self.max, wanted.max) {
                (_, None) => true,
                (Some(have), Some(want)) => have <= want,
                (None, Some(_)) => false,
            }
    }
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) => write!(f, "{}..{}", self.min, max),
            None => write!(f, "{}..", self.min),
        }
    }
}

/// The type of a table: its element type and size limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    /// What the table holds.
    pub element: RefType,
    /// Size limits, in elements.
    pub limits: Limits,
}

impl TableType {
    /// A table of `element` with the given minimum and optional maximum size.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> TableType {
        TableType {
            element,
            limits: Limits {
                min: min.into(),
                max: max.map(u64::from),
            },
        }
    }
}

/// The type of a linear memory: its size limits in 64 KiB pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Size limits, in 64 KiB pages.
    pub limits: Limits,
}

impl MemoryType {
    /// A memory with the given minimum and optional maximum number of pages.
    pub fn new(min: u32, max: Option<u32>) -> MemoryType {
        MemoryType {
            limits: Limits {
                min: min.into(),
                max: max.map(u64::from),
            },
        }
    }
}

/// Whether a global may be changed after instantiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// `const`: fixed at instantiation.
    Const,
    /// `var`: may be set by `global.set` and by the host.
    Var,
}

/// The type of a global: its value type and mutability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// The type of the value it holds.
    pub content: ValType,
    /// Whether it may change.
    pub mutability: Mutability,
}

impl GlobalType {
    /// A global holding `content` with the given mutability.
    pub fn new(content: ValType, mutability: Mutability) -> GlobalType {
        GlobalType {
            content,
            mutability,
        }
    }
}

/// The type of anything a module can import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function with this signature.
    Func(FuncType),
    /// A table of this type.
    Table(TableType),
    /// A memory of this type.
    Memory(MemoryType),
    /// A global of this type.
    Global(GlobalType),
}

impl ExternType {
    /// The kind of item, as a word for error messages: "function", "table", ...
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExternType::Func(_) => "function",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
            ExternType::Global(_) => "global",
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(ty) => write!(f, "func {ty}"),
            ExternType::Table(ty) => write!(f, "table {} {}", ty.limits, ty.element),
            ExternType::Memory(ty) => write!(f, "memory {}", ty.limits),
            ExternType::Global(ty) => match ty.mutability {
                Mutability::Const => write!(f, "global {}", ty.content),
                Mutability::Var => write!(f, "global (mut {})", ty.content),
            },
        }
    }
}
