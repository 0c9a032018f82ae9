//! Pass tests, text in and text out.
//!
//! `passes/PASS/CASE.ssa` holds an input function; `passes/PASS/CASE.out`
//! the function after running PASS on it. Every input and output must
//! verify, and the interpreter must give the same results and traps before
//! and after the pass on proptest-generated arguments.
//! `KILN_BLESS=1 cargo test -p kiln-ssa` rewrites the `.out` files.

mod support;

use kiln_ssa::passes;
use kiln_ssa::{Function, parse_function, verify};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::fs;
use std::path::Path;

/// The whole pipeline, as a pass.
fn optimize(func: &mut Function, _: &mut passes::Analyses) -> bool {
    passes::optimize(func)
}

/// Compaction of the arenas, as a pass.
fn compact(func: &mut Function, _: &mut passes::Analyses) -> bool {
    func.compact()
}

fn pass_by_name(name: &str) -> passes::Pass {
    passes::PIPELINE
        .iter()
        .chain(
            [
                ("optimize", optimize as passes::Pass),
                ("compact", compact as passes::Pass),
            ]
            .iter(),
        )
        .find(|(pass, _)| *pass == name)
        .unwrap_or_else(|| panic!("no pass named {name}"))
        .1
}

/// Runs `before` and `after` on the same generated arguments and compares.
fn check_same_behaviour(case: &str, before: &Function, after: &Function) {
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    let types = before.signature.params.clone();
    let strategy = support::arguments(&types);
    let result = runner.run(&strategy, |args| {
        let expected = support::run(before, &args);
        let actual = support::run(after, &args);
        prop_assert_eq!(expected, actual, "{} with arguments {:?}", case, args);
        Ok(())
    });
    if let Err(error) = result {
        panic!("{case}: {error}\nbefore:\n{before}\nafter:\n{after}");
    }
}

#[test]
fn pass_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/passes");
    let bless = std::env::var_os("KILN_BLESS").is_some();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .expect("passes dir")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let pass_name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("pass dir name")
            .to_string();
        let pass = pass_by_name(&pass_name);
        let mut inputs: Vec<_> = fs::read_dir(&dir)
            .expect("pass dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "ssa"))
            .collect();
        inputs.sort();
        for input_path in inputs {
            let case = format!(
                "{pass_name}/{}",
                input_path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .expect("stem")
            );
            let text = fs::read_to_string(&input_path).expect("read input");
            let before = parse_function(&text).unwrap_or_else(|e| panic!("{case}: {e}"));
            verify(&before).unwrap_or_else(|e| panic!("{case}: input does not verify:\n{e}"));
            let mut after = before.clone();
            pass(&mut after, &mut passes::Analyses::default());
            verify(&after)
                .unwrap_or_else(|e| panic!("{case}: output does not verify:\n{e}\n{after}"));
            check_same_behaviour(&case, &before, &after);
            let actual = after.to_string();
            let expected_path = input_path.with_extension("out");
            if bless {
                fs::write(&expected_path, &actual).expect("write expected");
            } else if fs::read_to_string(&expected_path).unwrap_or_default() != actual {
                failures.push(format!("{case}: got\n{actual}"));
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no pass tests found");
    assert!(
        failures.is_empty(),
        "{}\nrun with KILN_BLESS=1 to accept",
        failures.join("\n")
    );
}
