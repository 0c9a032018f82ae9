//! Differential tests: every numeric wasm operator, compiled by the
//! backend under test, against kiln's SSA interpreter (the reference for the same SSA)
//! on edge-case inputs: with both operands in registers, with each edge
//! value as a constant operand (the immediate forms), and with compares
//! fused into `select` and `if`. Float results agree when they are equal
//! bits or both NaN (wasm leaves NaN payloads open).

use crate::IsaBackend;
use crate::support::Instance;
use kiln_ssa::interp::{self, InterpEnv};
use kiln_ssa::{Helper, Region, TrapCode, Type};

/// The interpreter's world for functions that touch nothing outside
/// themselves.
struct NoWorld;

impl InterpEnv for NoWorld {
    type Error = TrapCode;

    fn load(&mut self, _: Region, _: u64, _: u32) -> Result<u64, TrapCode> {
        unreachable!("pure functions do not load")
    }

    fn store(&mut self, _: Region, _: u64, _: u32, _: u64) -> Result<(), TrapCode> {
        unreachable!("pure functions do not store")
    }

    fn call(&mut self, _: u32, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        unreachable!("pure functions do not call")
    }

    fn call_indirect(&mut self, _: u64, _: u32, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        unreachable!("pure functions do not call")
    }

    fn call_helper(&mut self, _: Helper, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        unreachable!("pure functions do not call helpers")
    }
}

const I32_EDGES: &[u64] = &[
    0,
    1,
    2,
    7,
    31,
    32,
    33,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0xFFFF_FFF9,
    0x1234_5678,
];
const I64_EDGES: &[u64] = &[
    0,
    1,
    2,
    7,
    63,
    64,
    65,
    0x7FFF_FFFF_FFFF_FFFF,
    0x8000_0000_0000_0000,
    u64::MAX,
    0xFFFF_FFFF_FFFF_FFF9,
    0x1234_5678_9ABC_DEF0,
    0xFFFF_FFFF,
    0x1_0000_0000,
];
const F32_EDGES: &[f32] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    3.7,
    -3.7,
    f32::MAX,
    f32::MIN_POSITIVE,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    2147483648.0,
    -2147483648.0,
    4294967296.0,
    4294967040.0,
    9.223372e18,
    -9.223372e18,
    1.8446743e19,
    1e10,
    -1e10,
    8388609.0,
];
const F64_EDGES: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    3.7,
    -3.7,
    f64::MAX,
    f64::MIN_POSITIVE,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    2147483647.5,
    2147483648.0,
    -2147483648.9,
    -2147483649.0,
    4294967295.5,
    4294967296.0,
    9223372036854775807.0,
    -9223372036854775808.0,
    18446744073709549568.0,
    18446744073709551616.0,
    1e300,
    4503599627370497.0,
];

/// The edge values of a type, as raw bits.
fn edges(ty: Type) -> Vec<u64> {
    match ty {
        Type::I32 => I32_EDGES.to_vec(),
        Type::I64 => I64_EDGES.to_vec(),
        Type::F32 => F32_EDGES.iter().map(|x| u64::from(x.to_bits())).collect(),
        _ => F64_EDGES.iter().map(|x| x.to_bits()).collect(),
    }
}

pub(crate) fn wat_type(ty: Type) -> &'static str {
    ty.name()
}

/// A constant of `ty` with these bits, in the text format.
fn wat_const(ty: Type, bits: u64) -> String {
    match ty {
        Type::I32 => format!("(i32.const {})", bits as u32 as i32),
        Type::I64 => format!("(i64.const {})", bits as i64),
        Type::F32 => format!("(f32.reinterpret_i32 (i32.const {}))", bits as u32 as i32),
        _ => format!("(f64.reinterpret_i64 (i64.const {}))", bits as i64),
    }
}

/// A test function: its parameters and the argument tuples to run it on.
pub(crate) struct Case {
    body: String,
    params: Vec<Type>,
    result: Type,
    inputs: Vec<Vec<u64>>,
}

/// All pairs of edge values.
fn pairs(ty: Type) -> Vec<Vec<u64>> {
    let values = edges(ty);
    values
        .iter()
        .flat_map(|&a| values.iter().map(move |&b| vec![a, b]))
        .collect()
}

/// Cases for a binary operator or compare `op` on `ty` giving `result`.
fn binary_cases(op: &str, ty: Type, result: Type, cases: &mut Vec<Case>) {
    let t = wat_type(ty);
    cases.push(Case {
        body: format!("({t}.{op} (local.get 0) (local.get 1))"),
        params: vec![ty, ty],
        result,
        inputs: pairs(ty),
    });
    for c in edges(ty) {
        let singles: Vec<Vec<u64>> = edges(ty).into_iter().map(|a| vec![a]).collect();
        cases.push(Case {
            body: format!("({t}.{op} (local.get 0) {})", wat_const(ty, c)),
            params: vec![ty],
            result,
            inputs: singles.clone(),
        });
        if result == Type::I32 {
            cases.push(Case {
                body: format!("({t}.{op} {} (local.get 0))", wat_const(ty, c)),
                params: vec![ty],
                result,
                inputs: singles,
            });
        }
    }
}

/// Cases for a compare fused into `select` and `if`.
fn fused_compare_cases(op: &str, ty: Type, cases: &mut Vec<Case>) {
    let t = wat_type(ty);
    let inputs: Vec<Vec<u64>> = pairs(ty)
        .into_iter()
        .map(|mut p| {
            p.extend([11, 22]);
            p
        })
        .collect();
    let params = vec![ty, ty, Type::I32, Type::I32];
    cases.push(Case {
        body: format!(
            "(select (local.get 2) (local.get 3) ({t}.{op} (local.get 0) (local.get 1)))"
        ),
        params: params.clone(),
        result: Type::I32,
        inputs: inputs.clone(),
    });
    cases.push(Case {
        body: format!("(if (result i32) ({t}.{op} (local.get 0) (local.get 1)) (then (local.get 2)) (else (local.get 3)))"),
        params,
        result: Type::I32,
        inputs,
    });
    let float_inputs: Vec<Vec<u64>> = pairs(ty)
        .into_iter()
        .map(|mut p| {
            p.extend([1.5f64.to_bits(), (-2.0f64).to_bits()]);
            p
        })
        .collect();
    cases.push(Case {
        body: format!(
            "(select (local.get 2) (local.get 3) ({t}.{op} (local.get 0) (local.get 1)))"
        ),
        params: vec![ty, ty, Type::F64, Type::F64],
        result: Type::F64,
        inputs: float_inputs,
    });
}

/// Cases for a unary operator from `from` to `to`.
pub(crate) fn unary_cases(name: &str, from: Type, to: Type, cases: &mut Vec<Case>) {
    cases.push(Case {
        body: format!("({name} (local.get 0))"),
        params: vec![from],
        result: to,
        inputs: edges(from).into_iter().map(|x| vec![x]).collect(),
    });
}

fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for ty in [Type::I32, Type::I64] {
        for op in [
            "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl",
            "shr_s", "shr_u", "rotl", "rotr",
        ] {
            binary_cases(op, ty, ty, &mut cases);
        }
        for op in [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ] {
            binary_cases(op, ty, Type::I32, &mut cases);
            fused_compare_cases(op, ty, &mut cases);
        }
        let t = wat_type(ty);
        for op in ["clz", "ctz", "popcnt", "extend8_s", "extend16_s"] {
            unary_cases(&format!("{t}.{op}"), ty, ty, &mut cases);
        }
        unary_cases(&format!("{t}.eqz"), ty, Type::I32, &mut cases);
    }
    unary_cases("i64.extend32_s", Type::I64, Type::I64, &mut cases);
    unary_cases("i32.wrap_i64", Type::I64, Type::I32, &mut cases);
    unary_cases("i64.extend_i32_s", Type::I32, Type::I64, &mut cases);
    unary_cases("i64.extend_i32_u", Type::I32, Type::I64, &mut cases);
    for ty in [Type::F32, Type::F64] {
        let t = wat_type(ty);
        for op in ["add", "sub", "mul", "div", "min", "max", "copysign"] {
            binary_cases(op, ty, ty, &mut cases);
        }
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            binary_cases(op, ty, Type::I32, &mut cases);
            fused_compare_cases(op, ty, &mut cases);
        }
        for op in ["abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"] {
            unary_cases(&format!("{t}.{op}"), ty, ty, &mut cases);
        }
        for int in [Type::I32, Type::I64] {
            let i = wat_type(int);
            for sign in ["s", "u"] {
                unary_cases(&format!("{i}.trunc_{t}_{sign}"), ty, int, &mut cases);
                unary_cases(&format!("{i}.trunc_sat_{t}_{sign}"), ty, int, &mut cases);
                unary_cases(&format!("{t}.convert_{i}_{sign}"), int, ty, &mut cases);
            }
        }
    }
    unary_cases("f32.demote_f64", Type::F64, Type::F32, &mut cases);
    unary_cases("f64.promote_f32", Type::F32, Type::F64, &mut cases);
    unary_cases("i32.reinterpret_f32", Type::F32, Type::I32, &mut cases);
    unary_cases("f32.reinterpret_i32", Type::I32, Type::F32, &mut cases);
    unary_cases("i64.reinterpret_f64", Type::F64, Type::I64, &mut cases);
    unary_cases("f64.reinterpret_i64", Type::I64, Type::F64, &mut cases);
    cases
}

/// Whether two results of type `ty` agree.
fn agree(ty: Type, a: u64, b: u64) -> bool {
    match ty {
        Type::F32 => {
            a as u32 == b as u32
                || f32::from_bits(a as u32).is_nan() && f32::from_bits(b as u32).is_nan()
        }
        Type::F64 => a == b || f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan(),
        Type::I32 => a as u32 == b as u32,
        _ => a == b,
    }
}

/// Compiles every case into one module and compares each function with the
/// interpreter on all its inputs.
pub(crate) fn run_cases(backend: &IsaBackend, cases: &[Case]) {
    let mut wat = String::from("(module\n");
    for case in cases {
        let params: Vec<&str> = case.params.iter().map(|&t| wat_type(t)).collect();
        wat += &format!(
            "  (func (param {}) (result {}) {})\n",
            params.join(" "),
            wat_type(case.result),
            case.body
        );
    }
    wat += ")";
    let (_, _, functions) = crate::support::ssa_functions(&wat);
    let mut instance = Instance::with_backend(backend, &wat);
    let mut failures = Vec::new();
    for (index, (case, func)) in cases.iter().zip(&functions).enumerate() {
        for input in &case.inputs {
            let mut args = vec![0];
            args.extend(input);
            let expected = interp::run(func, &mut NoWorld, &args);
            let actual = instance.call(index as u32, input);
            let same = match (&expected, &actual) {
                (Ok(e), Ok(a)) => agree(case.result, e[0], a[0]),
                (Err(e), Err(a)) => e == a,
                _ => false,
            };
            if !same {
                failures.push(format!(
                    "{} on {input:x?}: expected {expected:x?}, got {actual:x?}",
                    case.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

#[test]
fn numeric_operators_match_the_interpreter() {
    run_cases(&IsaBackend::new(), &all_cases());
}
