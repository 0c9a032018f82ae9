//! Compile fuzzing: a generated module, larger than the differential target's
//! and without fuel instrumentation, loads on every engine without panicking
//! and within a time bound. Only the reference interpreter must accept it; the
//! other engines may report it as unsupported.

#![no_main]

use arbitrary::Unstructured;
use kiln::{Engine, Error, Module};
use kiln_oracle::{NamedEngine, all_engines, wasm_smith_config};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

/// The longest one engine may take to load one generated module.
const TIME_LIMIT: Duration = Duration::from_secs(2);

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
        assert!(
            elapsed < TIME_LIMIT,
            "engine `{}` took {elapsed:?} to load a module of {} bytes",
            engine.name,
            wasm.len()
        );
    }
});
