//! What pure operations compute, on raw bits.
//!
//! Values are carried as `u64` bits: an `i32` or `f32` sits zero-extended in
//! the low 32 bits. The SSA interpreter runs instructions with these
//! functions and constant folding evaluates with the very same ones, so a
//! folded constant is by construction what the interpreter would compute.
//! The semantics are those of WebAssembly.

use crate::ops::{BinaryOp, FloatCC, IntCC, UnaryOp};
use crate::trap::TrapCode;
use crate::types::Type;

/// Keeps the bits that belong to a value of type `ty`.
pub fn truncate(ty: Type, bits: u64) -> u64 {
    match ty.bytes() {
        4 => bits & 0xffff_ffff,
        _ => bits,
    }
}

/// Evaluates a unary operation from type `from` to type `to`.
pub fn unary(op: UnaryOp, from: Type, to: Type, x: u64) -> Result<u64, TrapCode> {
    use UnaryOp::*;
    let x32 = x as u32;
    let result = match (op, from) {
        (Clz, Type::I32) => x32.leading_zeros() as u64,
        (Clz, _) => x.leading_zeros() as u64,
        (Ctz, Type::I32) => x32.trailing_zeros() as u64,
        (Ctz, _) => x.trailing_zeros() as u64,
        (Popcnt, _) => x.count_ones() as u64,
        (Sextend8, _) => x as u8 as i8 as i64 as u64,
        (Sextend16, _) => x as u16 as i16 as i64 as u64,
        (Sextend32, _) | (Sextend, _) => x as u32 as i32 as i64 as u64,
        (Uextend, _) => x32 as u64,
        (Wrap, _) => x32 as u64,
        (Fneg, Type::F32) => (x32 ^ 0x8000_0000) as u64,
        (Fneg, _) => x ^ (1 << 63),
        (Fabs, Type::F32) => (x32 & 0x7fff_ffff) as u64,
        (Fabs, _) => x & !(1 << 63),
        (Sqrt | Ceil | Floor | Trunc | Nearest, Type::F32) => {
            f32_bits(round_or_sqrt(op, f32::from_bits(x32) as f64) as f32)
        }
        (Sqrt | Ceil | Floor | Trunc | Nearest, _) => {
            round_or_sqrt(op, f64::from_bits(x)).to_bits()
        }
        (FcvtToSint | FcvtToUint | FcvtToSintSat | FcvtToUintSat, _) => {
            let value = float_value(from, x);
            float_to_int(op, to, value)?
        }
        (FcvtFromSint, _) => {
            let value = if from == Type::I32 {
                x32 as i32 as i64
            } else {
                x as i64
            };
            match to {
                Type::F32 => f32_bits(value as f32),
                _ => (value as f64).to_bits(),
            }
        }
        (FcvtFromUint, _) => {
            let value = if from == Type::I32 { x32 as u64 } else { x };
            match to {
                Type::F32 => f32_bits(value as f32),
                _ => (value as f64).to_bits(),
            }
        }
        (Fpromote, _) => (f32::from_bits(x32) as f64).to_bits(),
        (Fdemote, _) => f32_bits(f64::from_bits(x) as f32),
        (Bitcast, _) => x,
    };
    Ok(truncate(to, result))
}

fn f32_bits(value: f32) -> u64 {
    value.to_bits() as u64
}

fn float_value(ty: Type, bits: u64) -> f64 {
    match ty {
        Type::F32 => f32::from_bits(bits as u32) as f64,
        _ => f64::from_bits(bits),
    }
}

/// Square root and rounding. Computing an `f32` operation in `f64` and
/// rounding back gives the correctly rounded `f32` result for these. A NaN
/// result is made quiet: software rounding may return a signalling NaN operand
/// unchanged, and wasm requires an arithmetic NaN.
fn round_or_sqrt(op: UnaryOp, x: f64) -> f64 {
    let result = match op {
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Ceil => x.ceil(),
        UnaryOp::Floor => x.floor(),
        UnaryOp::Trunc => x.trunc(),
        _ => x.round_ties_even(),
    };
    if result.is_nan() {
        f64::from_bits(result.to_bits() | 1 << 51)
    } else {
        result
    }
}

/// Float to integer, trapping or saturating as `op` says.
fn float_to_int(op: UnaryOp, to: Type, value: f64) -> Result<u64, TrapCode> {
    let signed = matches!(op, UnaryOp::FcvtToSint | UnaryOp::FcvtToSintSat);
    let saturating = matches!(op, UnaryOp::FcvtToSintSat | UnaryOp::FcvtToUintSat);
    if saturating {
        return Ok(match (signed, to) {
            (true, Type::I32) => value as i32 as u32 as u64,
            (true, _) => value as i64 as u64,
            (false, Type::I32) => value as u32 as u64,
            (false, _) => value as u64,
        });
    }
    if value.is_nan() {
        return Err(TrapCode::BadConversionToInteger);
    }
    let truncated = value.trunc();
    // The exclusive upper and inclusive lower bound of the result range.
    let (low, high) = match (signed, to) {
        (true, Type::I32) => (-2147483648.0, 2147483648.0),
        (true, _) => (-9223372036854775808.0, 9223372036854775808.0),
        (false, Type::I32) => (0.0, 4294967296.0),
        (false, _) => (0.0, 18446744073709551616.0),
    };
    if truncated < low || truncated >= high {
        return Err(TrapCode::IntegerOverflow);
    }
    Ok(match (signed, to) {
        (true, Type::I32) => truncated as i32 as u32 as u64,
        (true, _) => truncated as i64 as u64,
        (false, _) => truncated as u64,
    })
}

/// Evaluates a binary operation on two values of type `ty`.
pub fn binary(op: BinaryOp, ty: Type, a: u64, b: u64) -> Result<u64, TrapCode> {
    let result = match ty {
        Type::I32 => int32(op, a as u32, b as u32)? as u64,
        Type::I64 => int64(op, a, b)?,
        Type::F32 => f32_bits(float32(
            op,
            f32::from_bits(a as u32),
            f32::from_bits(b as u32),
        )),
        _ => float64(op, f64::from_bits(a), f64::from_bits(b)).to_bits(),
    };
    Ok(result)
}

macro_rules! int_binary {
    ($name:ident, $unsigned:ty, $signed:ty) => {
        fn $name(op: BinaryOp, a: $unsigned, b: $unsigned) -> Result<$unsigned, TrapCode> {
            use BinaryOp::*;
            let bits = <$unsigned>::BITS;
            Ok(match op {
                Iadd => a.wrapping_add(b),
                Isub => a.wrapping_sub(b),
                Imul => a.wrapping_mul(b),
                Udiv | Urem | Sdiv | Srem if b == 0 => return Err(TrapCode::IntegerDivideByZero),
                Udiv => a / b,
                Urem => a % b,
                Sdiv => {
                    let (q, overflow) = (a as $signed).overflowing_div(b as $signed);
                    if overflow {
                        return Err(TrapCode::IntegerOverflow);
                    }
                    q as $unsigned
                }
                Srem => (a as $signed).wrapping_rem(b as $signed) as $unsigned,
                Band => a & b,
                Bor => a | b,
                Bxor => a ^ b,
                Ishl => a.wrapping_shl(b as u32 % bits),
                Sshr => (a as $signed).wrapping_shr(b as u32 % bits) as $unsigned,
                Ushr => a.wrapping_shr(b as u32 % bits),
                Rotl => a.rotate_left(b as u32 % bits),
                Rotr => a.rotate_right(b as u32 % bits),
                Fadd | Fsub | Fmul | Fdiv | Fmin | Fmax | Fcopysign => {
                    unreachable!("float operation {op} on an integer type")
                }
            })
        }
    };
}

int_binary!(int32, u32, i32);
int_binary!(int64, u64, i64);

macro_rules! float_binary {
    ($name:ident, $float:ty) => {
        fn $name(op: BinaryOp, a: $float, b: $float) -> $float {
            use BinaryOp::*;
            match op {
                Fadd => a + b,
                Fsub => a - b,
                Fmul => a * b,
                Fdiv => a / b,
                Fmin | Fmax if a.is_nan() || b.is_nan() => <$float>::NAN,
                // Equal operands may be zeros of different signs: min prefers
                // -0 (or the sign bits), max prefers +0 (and the sign bits).
                Fmin if a == b => <$float>::from_bits(a.to_bits() | b.to_bits()),
                Fmax if a == b => <$float>::from_bits(a.to_bits() & b.to_bits()),
                Fmin => a.min(b),
                Fmax => a.max(b),
                Fcopysign => a.copysign(b),
                _ => unreachable!("integer operation {op} on a float type"),
            }
        }
    };
}

float_binary!(float32, f32);
float_binary!(float64, f64);

/// Evaluates an integer comparison of two values of type `ty`.
pub fn icmp(cc: IntCC, ty: Type, a: u64, b: u64) -> bool {
    let (ua, ub, sa, sb) = match ty {
        Type::I32 => (
            a as u32 as u64,
            b as u32 as u64,
            a as i32 as i64,
            b as i32 as i64,
        ),
        _ => (a, b, a as i64, b as i64),
    };
    match cc {
        IntCC::Eq => ua == ub,
        IntCC::Ne => ua != ub,
        IntCC::Slt => sa < sb,
        IntCC::Sle => sa <= sb,
        IntCC::Sgt => sa > sb,
        IntCC::Sge => sa >= sb,
        IntCC::Ult => ua < ub,
        IntCC::Ule => ua <= ub,
        IntCC::Ugt => ua > ub,
        IntCC::Uge => ua >= ub,
    }
}

/// Evaluates a float comparison of two values of type `ty`.
pub fn fcmp(cc: FloatCC, ty: Type, a: u64, b: u64) -> bool {
    let (a, b) = (float_value(ty, a), float_value(ty, b));
    match cc {
        FloatCC::Eq => a == b,
        FloatCC::Ne => a != b,
        FloatCC::Lt => a < b,
        FloatCC::Le => a <= b,
        FloatCC::Gt => a > b,
        FloatCC::Ge => a >= b,
    }
}
