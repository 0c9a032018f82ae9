//! Golden tests: each `golden/NAME.wat` is translated function by function,
//! verified, printed and parsed back; the text must equal `golden/NAME.ssa`.
//! After the default pass pipeline it must equal `golden/NAME.opt.ssa`.
//! A first line `;; options: NAME...` turns on translation options
//! (`consume_fuel`, `epoch_interruption`, `canonicalize_nans`).
//! A line `;; guarded_bytes: N` gives every memory that guarded span
//! (`MemoryDesc::guarded_bytes`); without one, every access is checked.
//! `KILN_BLESS=1 cargo test -p kiln-frontend` rewrites the `.ssa` files.

use kiln_frontend::{ModuleEnv, Options, VmLayout, translate_function_with_options};
use std::fs;
use std::path::Path;

/// The options the module's first line asks for.
fn options_of(wat_path: &Path) -> Options {
    let text = fs::read_to_string(wat_path).expect("read the module");
    let mut options = Options::default();
    let first_line = text.lines().next().unwrap_or_default();
    let Some(names) = first_line.strip_prefix(";; options:") else {
        return options;
    };
    for name in names.split_whitespace() {
        match name {
            "consume_fuel" => options.consume_fuel = true,
            "epoch_interruption" => options.epoch_interruption = true,
            "canonicalize_nans" => options.canonicalize_nans = true,
            other => panic!("{}: unknown option {other}", wat_path.display()),
        }
    }
    options
}

/// The guarded span the module's `;; guarded_bytes: N` line asks for, or 0.
fn guarded_bytes_of(wat_path: &Path) -> u64 {
    let text = fs::read_to_string(wat_path).expect("read the module");
    text.lines()
        .find_map(|line| line.strip_prefix(";; guarded_bytes:"))
        .map_or(0, |n| n.trim().parse().expect("a byte count"))
}

/// The translation of every function, and the same after the default pipeline.
fn translate_module(wat_path: &Path) -> (String, String) {
    let wasm = wat::parse_file(wat_path).unwrap_or_else(|e| panic!("{}: {e}", wat_path.display()));
    wasmparser::Validator::new()
        .validate_all(&wasm)
        .unwrap_or_else(|e| panic!("{}: {e}", wat_path.display()));
    let (mut env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    for memory in &mut env.memories {
        memory.guarded_bytes = guarded_bytes_of(wat_path);
    }
    let layout = VmLayout::new(&env);
    let options = options_of(wat_path);
    let (mut text, mut optimized) = (String::new(), String::new());
    for (i, body) in bodies.iter().enumerate() {
        let index = env.num_imported_functions + i as u32;
        let func = translate_function_with_options(&env, &layout, &options, index, body)
            .unwrap_or_else(|e| panic!("{}: f{index}: {e}", wat_path.display()));
        if let Err(e) = kiln_ssa::verify(&func) {
            panic!(
                "{}: f{index} does not verify:\n{e}\n{func}",
                wat_path.display()
            );
        }
        let printed = func.to_string();
        let reparsed = kiln_ssa::parse_function(&printed).unwrap_or_else(|e| {
            panic!(
                "{}: f{index} does not parse back: {e}\n{printed}",
                wat_path.display()
            )
        });
        assert_eq!(reparsed.to_string(), printed, "print/parse round trip");
        text.push_str(&printed);
        let mut func = reparsed;
        kiln_ssa::passes::optimize(&mut func);
        if let Err(e) = kiln_ssa::verify(&func) {
            panic!(
                "{}: f{index} does not verify after the passes:\n{e}\n{func}",
                wat_path.display()
            );
        }
        optimized.push_str(&func.to_string());
    }
    (text, optimized)
}

#[test]
fn golden_translations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("KILN_BLESS").is_some();
    let mut failures = Vec::new();
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .expect("golden dir")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wat"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for wat_path in paths {
        let (translated, optimized) = translate_module(&wat_path);
        for (actual, extension) in [(translated, "ssa"), (optimized, "opt.ssa")] {
            let expected_path = wat_path.with_extension(extension);
            if bless {
                fs::write(&expected_path, &actual).expect("write expected");
                continue;
            }
            let expected = fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{} differs from {}:\n{actual}",
                    wat_path.display(),
                    expected_path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nrun with KILN_BLESS=1 to accept",
        failures.join("\n")
    );
}
