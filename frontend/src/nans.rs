//! Canonical NaNs: which operators may produce a NaN whose bits the
//! specification leaves open, and the one NaN each of them yields instead
//! when an embedder asks for deterministic floats.
//!
//! Arithmetic (`add`, `sub`, `mul`, `div`, `sqrt`, `min`, `max`, the
//! roundings, `demote`, `promote`) may return any quiet NaN when its result is
//! NaN, and CPUs differ in which. Sign and bit operations (`abs`, `neg`,
//! `copysign`), loads, constants and reinterpretations keep their bits, and
//! integer-to-float conversions never make a NaN, so they stay as they are.
//! Every engine, the interpreter included, reads this one table.

use kiln_ssa::Type;
use wasmparser::Operator;

/// The canonical `f32` NaN: positive, quiet, payload zero.
pub const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;

/// The canonical `f64` NaN: positive, quiet, payload zero.
pub const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// The result type of `op` if it is float arithmetic whose NaN results have
/// unspecified bits: `F32` or `F64`; `None` for every other operator.
pub fn arithmetic_nan_type(op: &Operator<'_>) -> Option<Type> {
    use Operator as O;
    match op {
        O::F32Add
        | O::F32Sub
        | O::F32Mul
        | O::F32Div
        | O::F32Sqrt
        | O::F32Min
        | O::F32Max
        | O::F32Ceil
        | O::F32Floor
        | O::F32Trunc
        | O::F32Nearest
        | O::F32DemoteF64 => Some(Type::F32),
        O::F64Add
        | O::F64Sub
        | O::F64Mul
        | O::F64Div
        | O::F64Sqrt
        | O::F64Min
        | O::F64Max
        | O::F64Ceil
        | O::F64Floor
        | O::F64Trunc
        | O::F64Nearest
        | O::F64PromoteF32 => Some(Type::F64),
        _ => None,
    }
}

/// The canonical NaN of a float type, as the bits of an `fconst`.
///
/// # Panics
/// If `ty` is not a float type: only floats have NaNs.
pub fn canonical_nan_bits(ty: Type) -> u64 {
    match ty {
        Type::F32 => u64::from(CANONICAL_NAN_F32),
        Type::F64 => CANONICAL_NAN_F64,
        other => panic!("{other} has no NaN"),
    }
}
