//! Test cases: a module and the calls to make into it, all derived from fuzzer
//! input, so that every engine is asked exactly the same questions.

use crate::generate::generate_module;
use crate::value::{FuncId, Value};
use arbitrary::Unstructured;
use kiln::{Engine, ExternType, Module, ValType};
use std::fmt;

/// The most calls a test case makes beyond one call of each exported function.
const MAX_EXTRA_CALLS: usize = 4;

/// A module and the sequence of export calls to run against one instance of it.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// The module's binary encoding.
    pub wasm: Vec<u8>,
    /// The calls, in order.
    pub calls: Vec<Call>,
}

/// One call of an exported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The export's name.
    pub export: String,
    /// The arguments; function references name exports of the same instance.
    pub args: Vec<Value>,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.export)?;
        crate::value::fmt_values(f, &self.args)
    }
}

impl TestCase {
    /// Generates a module from `u`, then a call of each exported function in
    /// export order and a few more in any order, with arguments from `u`.
    ///
    /// Export types are read with kiln's default engine. Should it refuse the
    /// module, the case has no calls, and running it reports the refusal.
    pub fn generate(u: &mut Unstructured<'_>) -> arbitrary::Result<TestCase> {
        let wasm = generate_module(u)?;
        let Ok(module) = Module::new(&Engine::default(), &wasm) else {
            return Ok(TestCase {
                wasm,
                calls: Vec::new(),
            });
        };
        let funcs: Vec<(String, Vec<ValType>)> = module
            .exports()
            .filter_map(|export| match export.ty() {
                ExternType::Func(ty) => Some((export.name().to_string(), ty.params().to_vec())),
                _ => None,
            })
            .collect();
        let names: Vec<&str> = funcs.iter().map(|(name, _)| name.as_str()).collect();
        let mut calls = Vec::new();
        for (name, params) in &funcs {
            calls.push(Call::generate(u, name, params, &names)?);
        }
        if !funcs.is_empty() {
            for _ in 0..u.int_in_range(0..=MAX_EXTRA_CALLS)? {
                let (name, params) = u.choose(&funcs)?;
                calls.push(Call::generate(u, name, params, &names)?);
            }
        }
        Ok(TestCase { wasm, calls })
    }
}

impl Call {
    fn generate(
        u: &mut Unstructured<'_>,
        export: &str,
        params: &[ValType],
        funcs: &[&str],
    ) -> arbitrary::Result<Call> {
        let args = params
            .iter()
            .map(|&ty| arbitrary_value(u, ty, funcs))
            .collect::<arbitrary::Result<_>>()?;
        Ok(Call {
            export: export.to_string(),
            args,
        })
    }
}

/// Integers that tend to find bugs: zero, the extremes, and their neighbours.
const INTERESTING_I64: [i64; 12] = [
    0,
    1,
    -1,
    2,
    i8::MIN as i64,
    u8::MAX as i64,
    i16::MIN as i64,
    i32::MIN as i64,
    i32::MAX as i64,
    u32::MAX as i64,
    i64::MIN,
    i64::MAX,
];

/// `f64`s that tend to find bugs: signed zeros, infinities, NaNs with and without
/// a payload, the smallest subnormal, and values at the edges of integer ranges.
const INTERESTING_F64: [f64; 12] = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -f64::NAN,
    f64::MIN_POSITIVE,
    4.9e-324,
    2147483648.0,
    -9223372036854775808.0,
];

/// An argument of type `ty`: half the time an interesting value, otherwise any bits.
fn arbitrary_value(
    u: &mut Unstructured<'_>,
    ty: ValType,
    funcs: &[&str],
) -> arbitrary::Result<Value> {
    let interesting = u.arbitrary::<bool>()?;
    Ok(match ty {
        ValType::I32 if interesting => Value::I32(*u.choose(&INTERESTING_I64)? as i32),
        ValType::I32 => Value::I32(u.arbitrary()?),
        ValType::I64 if interesting => Value::I64(*u.choose(&INTERESTING_I64)?),
        ValType::I64 => Value::I64(u.arbitrary()?),
        ValType::F32 if interesting => Value::F32((*u.choose(&INTERESTING_F64)? as f32).to_bits()),
        ValType::F32 => Value::F32(u.arbitrary()?),
        ValType::F64 if interesting => Value::F64(u.choose(&INTERESTING_F64)?.to_bits()),
        ValType::F64 => Value::F64(u.arbitrary()?),
        ValType::FuncRef if interesting || funcs.is_empty() => Value::FuncRef(None),
        ValType::FuncRef => Value::FuncRef(Some(FuncId::Export(u.choose(funcs)?.to_string()))),
        ValType::ExternRef if interesting => Value::ExternRef(None),
        ValType::ExternRef => Value::ExternRef(Some(u.arbitrary()?)),
    })
}
