//! Every pass preserves what translated wasm does.
//!
//! Each module in `behaviour/` is translated; then the passes of the default
//! pipeline run one after the other. After each pass, every function is run
//! in the SSA interpreter, before and after the pass, on proptest-generated
//! arguments against an instance laid out by `VmLayout`; results, traps and
//! the final memory must agree.

mod support;

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_ssa::{Function, Type, passes, verify};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::fs;
use std::path::Path;
use support::Instance;

fn translate(path: &Path) -> (ModuleEnv, Vec<Function>) {
    let wasm = wat::parse_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wasmparser::Validator::new()
        .validate_all(&wasm)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    let layout = VmLayout::new(&env);
    let functions = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            translate_function(&env, &layout, env.num_imported_functions + i as u32, body)
                .expect("translate")
        })
        .collect();
    (env, functions)
}

fn arguments(types: &[Type]) -> impl Strategy<Value = Vec<u64>> + use<> {
    types
        .iter()
        .map(|&ty| {
            let mask = if ty.bytes() == 4 {
                u32::MAX as u64
            } else {
                u64::MAX
            };
            prop_oneof![
                (0u64..16),
                (65500u64..65540),
                (0u64..70000),
                Just(u64::MAX),
                any::<u64>()
            ]
            .prop_map(move |bits| bits & mask)
        })
        .collect::<Vec<_>>()
}

/// Runs function `index` of both versions of a module on the same arguments.
fn compare(env: &ModuleEnv, before: &[Function], after: &[Function], index: usize, what: &str) {
    let wasm_params = before[index].signature.params[1..].to_vec();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&arguments(&wasm_params), |args| {
        let mut old = Instance::new(env, before);
        let mut new = Instance::new(env, after);
        let expected = old.invoke(&before[index], &args);
        let actual = new.invoke(&after[index], &args);
        prop_assert_eq!(&expected, &actual, "results with arguments {:?}", args);
        prop_assert!(old.memory == new.memory, "memory with arguments {:?}", args);
        Ok(())
    });
    if let Err(error) = result {
        panic!(
            "{what}: {error}\nbefore:\n{}\nafter:\n{}",
            before[index], after[index]
        );
    }
}

#[test]
fn passes_preserve_behaviour() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/behaviour");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .expect("behaviour dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wat"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let (env, mut current) = translate(&path);
        for (pass_name, pass) in passes::PIPELINE {
            let mut next = current.clone();
            for func in &mut next {
                pass(func, &mut passes::Analyses::default());
                if let Err(e) = verify(func) {
                    panic!(
                        "{}: {} after {pass_name}:\n{e}\n{func}",
                        path.display(),
                        func.name
                    );
                }
            }
            for index in 0..current.len() {
                let what = format!(
                    "{}: {} through {pass_name}",
                    path.display(),
                    current[index].name
                );
                compare(&env, &current, &next, index, &what);
            }
            current = next;
        }
    }
}
