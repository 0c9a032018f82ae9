//! Validation fuzzing: for arbitrary bytes, `Module::validate`,
//! `Module::from_binary` and `Module::new` never panic, and kiln accepts exactly
//! what wasmparser's validator accepts under Wasm 2.0, less what kiln reports as
//! unsupported. A module kiln calls invalid must be invalid to wasmparser too.

#![no_main]

use kiln::{Engine, Error, Module};
use libfuzzer_sys::fuzz_target;
use wasmparser::{Validator, WasmFeatures};

fuzz_target!(|data: &[u8]| {
    let engine = Engine::default();
    let kiln = Module::validate(&engine, data);
    let wasmparser = Validator::new_with_features(WasmFeatures::WASM2)
        .validate_all(data)
        .map(|_types| ());
    match (&kiln, &wasmparser) {
        (Ok(()), Ok(_)) | (Err(Error::Unsupported(_)), _) => {}
        (Err(Error::InvalidModule { .. }), Err(_)) => {}
        _ => panic!("kiln says {kiln:?}, wasmparser says {wasmparser:?}"),
    }
    let loaded = Module::from_binary(&engine, data);
    assert_eq!(
        loaded.is_ok(),
        kiln.is_ok(),
        "Module::from_binary and Module::validate disagree: {:?}",
        loaded.err()
    );
    // Text input goes through the wat parser first; it only must not panic.
    let _ = Module::new(&engine, data);
});
