//! Every function of every module in the core spec test suite
//! (`../shared/spec/core-2.0`, without SIMD) goes through the front end,
//! the SSA passes and the backend under test: no error, and every allocation
//! passes the register allocator's checker (debug builds).

use crate::IsaBackend;
use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_ssa::target::Backend;
use std::path::Path;
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective};

/// Compiles every function of a valid module; returns the errors.
fn compile_module(backend: &IsaBackend, wasm: &[u8]) -> Vec<String> {
    let (mut env, bodies) = ModuleEnv::from_wasm(wasm).expect("parse module");
    for memory in &mut env.memories {
        memory.imported = true;
    }
    for table in &mut env.tables {
        table.imported = true;
    }
    for global in &mut env.globals {
        global.imported = true;
    }
    let layout = VmLayout::new(&env);
    let mut errors = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let index = env.num_imported_functions + i as u32;
        let mut func = translate_function(&env, &layout, index, body).expect("translate");
        kiln_ssa::passes::optimize(&mut func);
        if let Err(error) = backend.compile(&func) {
            errors.push(error.to_string());
        }
    }
    errors
}

#[test]
fn every_spec_function_compiles() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/core-2.0");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the spec suite in ../shared/spec/core-2.0")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wast"))
        .collect();
    paths.sort();
    let backend = IsaBackend::new();
    let (mut modules, mut errors) = (0, Vec::new());
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a readable file");
        let mut lexer = wast::lexer::Lexer::new(&text);
        lexer.allow_confusing_unicode(true);
        let Ok(buffer) = ParseBuffer::new_with_lexer(lexer) else {
            continue;
        };
        let Ok(script) = parser::parse::<Wast>(&buffer) else {
            continue;
        };
        for directive in script.directives {
            let WastDirective::Module(mut module) = directive else {
                continue;
            };
            let Ok(wasm) = module.encode() else { continue };
            if wasmparser::Validator::new().validate_all(&wasm).is_err() {
                continue;
            }
            modules += 1;
            for error in compile_module(&backend, &wasm) {
                errors.push(format!("{}: {error}", path.display()));
            }
        }
    }
    assert!(modules > 500, "only {modules} modules found");
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
