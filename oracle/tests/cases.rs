//! Minimized divergences the fuzzers found, one `.wat` file each under
//! `tests/cases/`. Each exported function is called once with zero
//! arguments, on the reference interpreter and on every engine kiln offers,
//! and every engine must behave exactly like the reference.

use kiln::{Engine, ExternType, Module, ValType};
use kiln_oracle::{Call, NamedEngine, TestCase, Value, all_engines, check};
use std::path::Path;

/// Checks the case in `tests/cases/{name}` on every engine.
fn engines_agree_on(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the case file exists");
    let wasm = wat::parse_str(&text).expect("the case is valid text");
    let module = Module::new(&Engine::default(), &wasm).expect("the reference takes the case");
    let calls = (module.exports())
        .filter_map(|export| match export.ty() {
            ExternType::Func(ty) => Some(Call {
                export: export.name().to_string(),
                args: ty.params().iter().map(|&ty| zero(ty)).collect(),
            }),
            _ => None,
        })
        .collect();
    let mut engines = vec![NamedEngine::reference()];
    engines.extend(all_engines());
    if let Err(finding) = check(&TestCase { wasm, calls }, &engines) {
        panic!("{name}: {finding}");
    }
}

/// The zero value of `ty`.
fn zero(ty: ValType) -> Value {
    match ty {
        ValType::I32 => Value::I32(0),
        ValType::I64 => Value::I64(0),
        ValType::F32 => Value::F32(0),
        ValType::F64 => Value::F64(0),
        ValType::FuncRef => Value::FuncRef(None),
        ValType::ExternRef => Value::ExternRef(None),
    }
}

#[test]
fn float_results_then_int() {
    engines_agree_on("float_results_then_int.wat");
}
