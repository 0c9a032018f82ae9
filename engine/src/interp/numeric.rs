//! Numeric operations whose wasm semantics differ from Rust's operators:
//! float min/max (NaN and signed zeros), float-to-int conversions that trap,
//! and integer division that traps.

use crate::error::TrapCode;

macro_rules! float_ops {
    ($ty:ident, $min:ident, $max:ident) => {
        /// Wasm `min`: NaN if either operand is NaN, and -0 below +0.
        pub(crate) fn $min(a: $ty, b: $ty) -> $ty {
            if a.is_nan() || b.is_nan() {
                $ty::NAN
            } else if a == b {
                $ty::from_bits(a.to_bits() | b.to_bits())
            } else {
                a.min(b)
            }
        }

        /// Wasm `max`: NaN if either operand is NaN, and +0 above -0.
        pub(crate) fn $max(a: $ty, b: $ty) -> $ty {
            if a.is_nan() || b.is_nan() {
                $ty::NAN
            } else if a == b {
                $ty::from_bits(a.to_bits() & b.to_bits())
            } else {
                a.max(b)
            }
        }
    };
}

float_ops!(f32, f32_min, f32_max);
float_ops!(f64, f64_min, f64_max);

/// Sets the quiet bit of a NaN result. Software rounding (`ceil`, `floor`,
/// `trunc`, `nearest`) may hand a signalling NaN operand back unchanged, but wasm
/// requires an arithmetic (quiet) NaN.
pub(crate) fn quiet_f32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}

/// [`quiet_f32`] for `f64`.
pub(crate) fn quiet_f64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}

/// A trapping float-to-int conversion: `$ty` truncates `x` when it lies in the
/// open interval `($lo, $hi)` of the source type, and traps otherwise.
macro_rules! trunc {
    ($name:ident, $from:ty, $to:ty, $lo:expr, $hi:expr) => {
        pub(crate) fn $name(x: $from) -> Result<$to, TrapCode> {
            if x.is_nan() {
                Err(TrapCode::InvalidConversionToInteger)
            } else if x > $lo && x < $hi {
                Ok(x as $to)
            } else {
                Err(TrapCode::IntegerOverflow)
            }
        }
    };
}

// The bounds are the nearest values outside the target range that the source
// type represents exactly, so that every value strictly between them
// truncates into range.
trunc!(i32_trunc_f32, f32, i32, -2147483904.0f32, 2147483648.0f32);
trunc!(u32_trunc_f32, f32, u32, -1.0f32, 4294967296.0f32);
trunc!(i32_trunc_f64, f64, i32, -2147483649.0f64, 2147483648.0f64);
trunc!(u32_trunc_f64, f64, u32, -1.0f64, 4294967296.0f64);
trunc!(
    i64_trunc_f32,
    f32,
    i64,
    -9223373136366403584.0f32,
    9223372036854775808.0f32
);
trunc!(u64_trunc_f32, f32, u64, -1.0f32, 18446744073709551616.0f32);
trunc!(
    i64_trunc_f64,
    f64,
    i64,
    -9223372036854777856.0f64,
    9223372036854775808.0f64
);
trunc!(u64_trunc_f64, f64, u64, -1.0f64, 18446744073709551616.0f64);

/// Signed and unsigned division and remainder with wasm's traps.
macro_rules! div_ops {
    ($signed:ty, $unsigned:ty, $div_s:ident, $div_u:ident, $rem_s:ident, $rem_u:ident) => {
        pub(crate) fn $div_s(a: $signed, b: $signed) -> Result<$signed, TrapCode> {
            if b == 0 {
                Err(TrapCode::IntegerDivideByZero)
            } else if a == <$signed>::MIN && b == -1 {
                Err(TrapCode::IntegerOverflow)
            } else {
                Ok(a / b)
            }
        }

        pub(crate) fn $div_u(a: $unsigned, b: $unsigned) -> Result<$unsigned, TrapCode> {
            a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero)
        }

        pub(crate) fn $rem_s(a: $signed, b: $signed) -> Result<$signed, TrapCode> {
            if b == 0 {
                Err(TrapCode::IntegerDivideByZero)
            } else {
                Ok(a.wrapping_rem(b))
            }
        }

        pub(crate) fn $rem_u(a: $unsigned, b: $unsigned) -> Result<$unsigned, TrapCode> {
            a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero)
        }
    };
}

div_ops!(i32, u32, i32_div_s, i32_div_u, i32_rem_s, i32_rem_u);
div_ops!(i64, u64, i64_div_s, i64_div_u, i64_rem_s, i64_rem_u);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_order_signed_zeros_and_propagate_nan() {
        assert_eq!(f32_min(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f32_max(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert!(f64_min(f64::NAN, 1.0).is_nan());
        assert!(f64_max(1.0, f64::NAN).is_nan());
        assert_eq!(f64_min(1.0, 2.0), 1.0);
    }

    #[test]
    fn truncation_traps_exactly_outside_the_target_range() {
        assert_eq!(i32_trunc_f32(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f32(2147483648.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_trunc_f64(-2147483648.9), Ok(i32::MIN));
        assert_eq!(i32_trunc_f64(-2147483649.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(u32_trunc_f64(-0.9), Ok(0));
        assert_eq!(
            u64_trunc_f64(f64::NAN),
            Err(TrapCode::InvalidConversionToInteger)
        );
        assert_eq!(i64_trunc_f64(-9223372036854775808.0), Ok(i64::MIN));
        assert_eq!(
            i64_trunc_f32(9223372036854775808.0),
            Err(TrapCode::IntegerOverflow)
        );
    }

    #[test]
    fn division_traps() {
        assert_eq!(i32_div_s(i32::MIN, -1), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i64_div_u(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i64_rem_s(-7, 2), Ok(-1));
    }
}
