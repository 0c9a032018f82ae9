//! Compile fuzzing: a generated module, larger than the differential target's
//! and without fuel instrumentation, loads on every engine without panicking
//! and within a time bound. Only the reference interpreter must accept it; the
//! other engines may report it as unsupported.
//!
//! The bound has two parts: a ceiling for any module, and a budget that
//! grows with the module's size, so that a compiler pass that is quadratic
//! in some dimension of a function fails here on a module far smaller than
//! the ceiling would need, and the fuzzer is rewarded for finding it.

#![no_main]

use arbitrary::Unstructured;
use kiln::{Engine, Error, Module};
use kiln_oracle::{NamedEngine, all_engines, wasm_smith_config};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

/// The longest one engine may take to load one generated module.
const TIME_LIMIT: Duration = Duration::from_secs(2);

/// What loading may take whatever the module: making the engine, starting
/// compiler threads, mapping executable memory.
const TIME_BASE: Duration = Duration::from_millis(100);

/// What loading may take per byte of module on top of `TIME_BASE`. A release
/// build compiles a few bytes per microsecond; this leaves room for the
/// fuzzer's instrumentation, and none for time that grows faster than the
/// module.
const TIME_PER_BYTE: Duration = Duration::from_micros(40);

fuzz_target!(|data: &[u8]| {
    let config = wasm_smith::Config {
        max_instructions: 1000,
        ..wasm_smith_config()
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut Unstructured::new(data)) else {
        return;
    };
    let wasm = module.to_bytes();
    let reference = NamedEngine::reference();
    for engine in all_engines() {
        let start = Instant::now();
        let loaded = Module::new(&Engine::new(&engine.config), &wasm);
        let elapsed = start.elapsed();
        match loaded {
            Ok(_) => {}
            Err(Error::Unsupported(_)) if engine.name != reference.name => {}
            Err(error) => panic!("engine `{}` refused a valid module: {error}", engine.name),
        }
        let budget = TIME_BASE + TIME_PER_BYTE * wasm.len() as u32;
        assert!(
            elapsed < TIME_LIMIT && elapsed <= budget,
            "engine `{}` took {elapsed:?} to load a module of {} bytes (budget {budget:?}, ceiling {TIME_LIMIT:?})",
            engine.name,
            wasm.len()
        );
    }
});
