//! Value types of the IR.
//!
//! The IR knows the four wasm number types and reserves `v128` for SIMD.
//! Wasm references (`funcref`, `externref`) are pointers at run time and
//! travel as [`Type::PTR`].

use std::fmt;

/// The type of an SSA value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// 32-bit integer (also booleans: 0 or 1).
    I32,
    /// 64-bit integer (also pointers on the 64-bit hosts kiln targets).
    I64,
    /// IEEE 754 single precision float.
    F32,
    /// IEEE 754 double precision float.
    F64,
    /// 128-bit vector, reserved for the SIMD proposal.
    V128,
}

impl Type {
    /// The type of host pointers: addresses, `vmctx`, references.
    pub const PTR: Type = Type::I64;

    /// Size of a value of this type in bytes.
    pub fn bytes(self) -> u32 {
        match self {
            Type::I32 | Type::F32 => 4,
            Type::I64 | Type::F64 => 8,
            Type::V128 => 16,
        }
    }

    /// Size in bits.
    pub fn bits(self) -> u32 {
        self.bytes() * 8
    }

    /// Whether this is `i32` or `i64`.
    pub fn is_int(self) -> bool {
        matches!(self, Type::I32 | Type::I64)
    }

    /// Whether this is `f32` or `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// The name used in the text form.
    pub fn name(self) -> &'static str {
        match self {
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::V128 => "v128",
        }
    }

    /// Parses a name of the text form.
    pub fn from_name(name: &str) -> Option<Type> {
        [Type::I32, Type::I64, Type::F32, Type::F64, Type::V128]
            .into_iter()
            .find(|ty| ty.name() == name)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
