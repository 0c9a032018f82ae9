//! Semantics of pure operations on bits, checked on the edge cases of the
//! WebAssembly specification.

use kiln_ssa::eval::{binary, fcmp, unary};
use kiln_ssa::{BinaryOp, FloatCC, TrapCode, Type, UnaryOp};

const NEG_ZERO_F32: u64 = 0x8000_0000;

#[test]
fn integer_division_traps() {
    assert_eq!(
        binary(BinaryOp::Udiv, Type::I32, 1, 0),
        Err(TrapCode::IntegerDivideByZero)
    );
    assert_eq!(
        binary(BinaryOp::Sdiv, Type::I32, 0x8000_0000, 0xffff_ffff),
        Err(TrapCode::IntegerOverflow)
    );
    assert_eq!(
        binary(BinaryOp::Srem, Type::I32, 0x8000_0000, 0xffff_ffff),
        Ok(0)
    );
    assert_eq!(
        binary(BinaryOp::Sdiv, Type::I64, (-7i64) as u64, 2),
        Ok((-3i64) as u64)
    );
}

#[test]
fn shifts_and_rotates_take_the_count_modulo_the_width() {
    assert_eq!(binary(BinaryOp::Ishl, Type::I32, 1, 33), Ok(2));
    assert_eq!(
        binary(BinaryOp::Sshr, Type::I32, 0x8000_0000, 31),
        Ok(0xffff_ffff)
    );
    assert_eq!(binary(BinaryOp::Rotl, Type::I64, 1 << 63, 65), Ok(1));
}

#[test]
fn min_and_max_order_signed_zeros_and_propagate_nan() {
    let zero = 0u64;
    assert_eq!(
        binary(BinaryOp::Fmin, Type::F32, zero, NEG_ZERO_F32),
        Ok(NEG_ZERO_F32)
    );
    assert_eq!(
        binary(BinaryOp::Fmax, Type::F32, NEG_ZERO_F32, zero),
        Ok(zero)
    );
    let nan = binary(
        BinaryOp::Fmin,
        Type::F64,
        f64::NAN.to_bits(),
        1f64.to_bits(),
    )
    .unwrap();
    assert!(f64::from_bits(nan).is_nan());
}

#[test]
fn float_to_int_traps_or_saturates() {
    let big = 3e9f32.to_bits() as u64;
    assert_eq!(
        unary(UnaryOp::FcvtToSint, Type::F32, Type::I32, big),
        Err(TrapCode::IntegerOverflow)
    );
    assert_eq!(
        unary(UnaryOp::FcvtToUint, Type::F32, Type::I32, big),
        Ok(3_000_000_000)
    );
    let nan = f64::NAN.to_bits();
    assert_eq!(
        unary(UnaryOp::FcvtToSint, Type::F64, Type::I64, nan),
        Err(TrapCode::BadConversionToInteger)
    );
    assert_eq!(
        unary(UnaryOp::FcvtToSintSat, Type::F64, Type::I64, nan),
        Ok(0)
    );
    let minus_one_half = (-0.5f64).to_bits();
    assert_eq!(
        unary(UnaryOp::FcvtToUint, Type::F64, Type::I32, minus_one_half),
        Ok(0)
    );
    assert_eq!(
        unary(
            UnaryOp::FcvtToUintSat,
            Type::F64,
            Type::I32,
            (-5f64).to_bits()
        ),
        Ok(0)
    );
}

#[test]
fn rounding_and_conversions() {
    let nearest =
        |x: f64| unary(UnaryOp::Nearest, Type::F64, Type::F64, x.to_bits()).map(f64::from_bits);
    assert_eq!(nearest(2.5), Ok(2.0));
    assert_eq!(nearest(-3.5), Ok(-4.0));
    assert_eq!(
        unary(UnaryOp::FcvtFromUint, Type::I32, Type::F64, 0xffff_ffff),
        Ok(4294967295f64.to_bits())
    );
    assert_eq!(
        unary(UnaryOp::Sextend8, Type::I32, Type::I32, 0x80),
        Ok(0xffff_ff80)
    );
    assert_eq!(unary(UnaryOp::Clz, Type::I32, Type::I32, 1), Ok(31));
    assert_eq!(
        unary(UnaryOp::Fneg, Type::F32, Type::F32, 0),
        Ok(NEG_ZERO_F32)
    );
}

#[test]
fn nan_compares_unequal() {
    let nan = f32::NAN.to_bits() as u64;
    assert!(fcmp(FloatCC::Ne, Type::F32, nan, nan));
    assert!(!fcmp(FloatCC::Eq, Type::F32, nan, nan));
    assert!(!fcmp(FloatCC::Ge, Type::F32, nan, 0));
}
