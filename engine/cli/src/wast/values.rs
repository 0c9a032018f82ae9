//! Script values: turning `(i32.const 1)` arguments into kiln values, and
//! checking results against expectations, NaN patterns included.

use kiln::{ExternRef, Store, Val};
use std::collections::HashMap;
use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// The host values behind `ref.extern N`, one per `N`, so that the same number
/// is the same reference throughout a script.
#[derive(Default)]
pub struct ExternRefs {
    by_number: HashMap<u32, ExternRef>,
}

impl ExternRefs {
    fn get(&mut self, store: &mut Store<()>, number: u32) -> ExternRef {
        *self
            .by_number
            .entry(number)
            .or_insert_with(|| ExternRef::new(store, number))
    }
}

/// The kiln value of a script argument, or why it cannot be one.
pub fn argument(
    arg: &WastArg<'_>,
    store: &mut Store<()>,
    externs: &mut ExternRefs,
) -> Result<Val, String> {
    let WastArg::Core(arg) = arg else {
        return Err("component-model values are not supported".into());
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::RefNull(wast::core::HeapType::Abstract { ty, .. }) => match ty {
            wast::core::AbstractHeapType::Func => Val::FuncRef(None),
            wast::core::AbstractHeapType::Extern => Val::ExternRef(None),
            other => return Err(format!("ref.null {other:?} is not supported")),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(externs.get(store, *n))),
        other => return Err(format!("argument {other:?} is not supported")),
    })
}

fn f32_matches(pattern: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    let is_nan = f32::from_bits(bits).is_nan();
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => is_nan && bits & 0x0040_0000 != 0,
        NanPattern::Value(expected) => expected.bits == bits,
    }
}

fn f64_matches(pattern: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    let is_nan = f64::from_bits(bits).is_nan();
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => is_nan && bits & 0x0008_0000_0000_0000 != 0,
        NanPattern::Value(expected) => expected.bits == bits,
    }
}

fn core_matches(
    expected: &WastRetCore<'_>,
    actual: &Val,
    store: &Store<()>,
) -> Result<bool, String> {
    Ok(match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::RefNull(_), Val::FuncRef(r)) => r.is_none(),
        (WastRetCore::RefNull(_), Val::ExternRef(r)) => r.is_none(),
        (WastRetCore::RefFunc(_), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            r.data(store).downcast_ref::<u32>() == Some(n)
        }
        (WastRetCore::Either(options), actual) => {
            for option in options {
                if core_matches(option, actual, store)? {
                    return Ok(true);
                }
            }
            false
        }
        (WastRetCore::V128(_), _) => return Err("v128 results are not supported".into()),
        _ => false,
    })
}

/// Whether `actual` is what `expected` describes.
pub fn matches(expected: &WastRet<'_>, actual: &Val, store: &Store<()>) -> Result<bool, String> {
    match expected {
        WastRet::Core(expected) => core_matches(expected, actual, store),
        #[allow(unreachable_patterns)]
        _ => Err("component-model results are not supported".into()),
    }
}

/// A value as the text format would write it, for failure messages.
pub fn show(val: &Val) -> String {
    match val {
        Val::I32(v) => format!("i32:{v}"),
        Val::I64(v) => format!("i64:{v}"),
        Val::F32(bits) => format!("f32:{} ({bits:#010x})", f32::from_bits(*bits)),
        Val::F64(bits) => format!("f64:{} ({bits:#018x})", f64::from_bits(*bits)),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
    }
}

fn show_nan_pattern<T>(pattern: &NanPattern<T>, value: impl Fn(&T) -> String) -> String {
    match pattern {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => value(v),
    }
}

fn show_core_expected(expected: &WastRetCore<'_>) -> String {
    match expected {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(p) => show_nan_pattern(p, |v| show(&Val::F32(v.bits))),
        WastRetCore::F64(p) => show_nan_pattern(p, |v| show(&Val::F64(v.bits))),
        WastRetCore::RefNull(_) => "ref.null".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::Either(options) => options
            .iter()
            .map(show_core_expected)
            .collect::<Vec<_>>()
            .join(" or "),
        other => format!("{other:?}"),
    }
}

/// An expected result as the text format would write it, for failure messages.
pub fn show_expected(expected: &WastRet<'_>) -> String {
    match expected {
        WastRet::Core(core) => show_core_expected(core),
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}
