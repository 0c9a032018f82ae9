//! Test support: compiles `.wat` modules through the front end, the SSA
//! passes and the arm64 backend.

#![allow(dead_code)]

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_isa_arm64::{Arm64Backend, Listing};
use kiln_ssa::Function;
use kiln_ssa::target::Backend;

/// The guarded span of a memory in the engine's default configuration: a
/// 4 GiB reservation and a 32 MiB guard region.
pub const DEFAULT_GUARDED_BYTES: u64 = (4 << 30) + (32 << 20);

/// The module's SSA functions, optimized, ready for the backend, for
/// memories with a guarded span of `guarded_bytes` (0: an explicit bounds
/// check before every access).
pub fn ssa_functions_guarded(
    wat: &str,
    guarded_bytes: u64,
) -> (ModuleEnv, VmLayout, Vec<Function>) {
    let wasm = wat::parse_str(wat).expect("valid wat");
    wasmparser::Validator::new()
        .validate_all(&wasm)
        .expect("a valid module");
    let (mut env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    for memory in &mut env.memories {
        memory.imported = true;
        memory.guarded_bytes = guarded_bytes;
    }
    for table in &mut env.tables {
        table.imported = true;
    }
    for global in &mut env.globals {
        global.imported = true;
    }
    let layout = VmLayout::new(&env);
    let functions = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let index = env.num_imported_functions + i as u32;
            let mut func = translate_function(&env, &layout, index, body).expect("translate");
            kiln_ssa::passes::optimize(&mut func);
            func
        })
        .collect();
    (env, layout, functions)
}

/// The listing of the last function of `wat`, whose memories have a
/// guarded span of `guarded_bytes`.
pub fn listing_guarded(wat: &str, guarded_bytes: u64) -> Listing {
    let (_, _, functions) = ssa_functions_guarded(wat, guarded_bytes);
    let func = functions.last().expect("a function");
    let (_, listing) = Arm64Backend::new()
        .compile_with_listing(func)
        .unwrap_or_else(|e| panic!("{e}\n{func}"));
    listing
}

/// The listing of the last function of `wat` with guard pages, the
/// engine's default.
pub fn listing(wat: &str) -> Listing {
    listing_guarded(wat, DEFAULT_GUARDED_BYTES)
}

/// The code of the last function of `wat`, with guard pages.
pub fn compile(wat: &str) -> kiln_ssa::target::CompiledFunction {
    let (_, _, functions) = ssa_functions_guarded(wat, DEFAULT_GUARDED_BYTES);
    let func = functions.last().expect("a function");
    Arm64Backend::new()
        .compile(func)
        .unwrap_or_else(|e| panic!("{e}\n{func}"))
}
