//! Validation fuzzing: `Module::validate`, `Module::from_binary` and
//! `Module::new` never panic, and kiln accepts exactly what wasmparser's
//! validator accepts under Wasm 2.0, less what kiln reports as unsupported. A
//! module kiln calls invalid must be invalid to wasmparser too.
//!
//! The first input byte picks the module: arbitrary bytes (odd), or a
//! wasm-smith module of arbitrary configuration, any proposal on or off (even),
//! which reaches the edge between Wasm 2.0, SIMD and later proposals far more
//! often than random bytes do.

#![no_main]

use arbitrary::Unstructured;
use kiln::{Engine, Error, Module};
use libfuzzer_sys::fuzz_target;
use wasmparser::{Validator, WasmFeatures};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let generated;
    let bytes = if mode % 2 == 1 {
        rest
    } else {
        let mut u = Unstructured::new(rest);
        let Ok(module) = u
            .arbitrary()
            .and_then(|config| wasm_smith::Module::new(config, &mut u))
        else {
            return;
        };
        generated = module.to_bytes();
        &generated
    };
    check(bytes);
});

fn check(bytes: &[u8]) {
    let engine = Engine::default();
    let kiln = Module::validate(&engine, bytes);
    let wasmparser = Validator::new_with_features(WasmFeatures::WASM2)
        .validate_all(bytes)
        .map(|_types| ());
    match (&kiln, &wasmparser) {
        (Ok(()), Ok(())) | (Err(Error::Unsupported(_)), _) => {}
        (Err(Error::InvalidModule { .. }), Err(_)) => {}
        _ => panic!("kiln says {kiln:?}, wasmparser says {wasmparser:?}"),
    }
    let loaded = Module::from_binary(&engine, bytes);
    assert_eq!(
        loaded.is_ok(),
        kiln.is_ok(),
        "Module::from_binary and Module::validate disagree: {:?}",
        loaded.err()
    );
    // Text input goes through the wat parser first; it only must not panic.
    let _ = Module::new(&engine, bytes);
}
